"""Content keys: canonical JSON → sha256, identical in every process and on every machine."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from pydantic import BaseModel

__all__ = ["canonical_json", "content_key", "KEY_VERSION"]

# Bump when the meaning of a key changes (e.g. a runtime op's output changes for equal params).
KEY_VERSION = "shotspec-plan-1"


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump(mode="json"))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return repr(value)
        # 12 significant digits: the same literal parsed on two machines gives the same text.
        rounded = float(f"{value:.12g}")
        return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, floats normalised (``1.0`` and ``1`` hash alike)."""
    return json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def content_key(op: str, params: dict, input_keys: tuple[str, ...], op_version: str = "1") -> str:
    payload = {"v": KEY_VERSION, "op": op, "op_version": op_version, "params": params,
               "inputs": list(input_keys)}
    return hashlib.sha256(canonical_json(payload).encode("ascii")).hexdigest()
