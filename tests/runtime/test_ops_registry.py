"""The runtime implements exactly the ops the schema's plan parameters declare."""

from __future__ import annotations

from shotspec.compiler.ir import PASS_MODELS
from shotspec.compiler.plan.params import OP_VERSIONS, PARAMS
from shotspec.runtime.ops import OPS


def test_schema_ops_and_runtime_ops_are_the_same_set():
    assert set(PARAMS) == set(OPS) == set(OP_VERSIONS)
    assert set(PASS_MODELS) <= set(OPS)
