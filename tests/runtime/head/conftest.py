"""Device fixture for the mesh renderer's tests: CPU always, CUDA when present."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device"))])
def device(request) -> str:
    return request.param
