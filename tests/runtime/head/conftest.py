"""Fixtures of the scanned head's tests: the device (CPU always, CUDA when present), the packaged
head and its skin regions (loaded once per session)."""

from __future__ import annotations

import pytest
import torch

from shotspec.runtime.head.model import load_head
from shotspec.runtime.head.regions import skin_regions


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device"))])
def device(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def head():
    """The packaged head on the CPU."""
    return load_head()


@pytest.fixture(scope="session")
def regions(head):
    """Skin region weights of the neutral mesh."""
    return skin_regions(head)
