"""Separable filters run in row strips on large images (for the CPU's cache); the result is
the whole-image filter's to the bit, at every edge policy and at the strip borders."""

from __future__ import annotations

import pytest
import torch

from shotspec.runtime import filters


@pytest.mark.parametrize("shape", [(1, 3, 640, 512), (1, 1, 640, 512), (2, 1, 777, 333), (1, 5, 1280, 1024), (1, 1, 383, 97)])
@pytest.mark.parametrize("edge", ["replicate", "reflect", "zero"])
def test_strips_equal_the_whole_image(shape, edge, monkeypatch):
    x = torch.rand(shape, generator=torch.Generator().manual_seed(7))
    stripped = [filters.gaussian_blur(x, s, edge=edge, truncate=2.5) for s in (0.8, 1.5, 9.0)]
    stripped.append(filters.box_mean(x, 5, edge=edge))
    monkeypatch.setattr(filters, "STRIP_ROWS", 10**6)          # one strip: the whole image
    whole = [filters.gaussian_blur(x, s, edge=edge, truncate=2.5) for s in (0.8, 1.5, 9.0)]
    whole.append(filters.box_mean(x, 5, edge=edge))
    for a, b in zip(stripped, whole):
        assert torch.equal(a, b)
