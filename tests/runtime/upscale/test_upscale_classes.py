"""Upscaler internals a user would notice: the aliasing class, the shipped weights, x4 detail."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shotspec.runtime.upscale.filters as filters
from shotspec.runtime.upscale import upscale_image
from shotspec.runtime.upscale.filters import alias_ratio, class_count, load_filters
from shotspec.runtime.upscale.image import fidelity_estimate
from shotspec.runtime.upscale.resample import ASSUMED_BOX_WEIGHT, downsample_blend, upsample


def _grating(cycles_per_px: float, size: int = 64) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) + 0.5
    row = 0.5 + 0.3 * torch.sin(2 * torch.pi * cycles_per_px * x)
    return row.view(1, 1, 1, size).expand(1, 1, size, size).contiguous()


@pytest.mark.parametrize("freq,lo,hi", [(0.1, 0.0, 0.1), (0.25, 0.1, 0.35), (0.4, 0.5, 1.0)])
def test_alias_ratio_tracks_the_small_images_frequency(freq, lo, hi):
    base = upsample(_grating(freq), 2, "bicubic")
    ratio = float(alias_ratio(base, 2)[..., 16:-16, 16:-16].median())
    assert lo <= ratio <= hi, ratio


def test_shipped_filters_cover_every_class():
    bank = load_filters("cpu")
    for scale in (2, 3, 4):
        assert bank.filters[scale].shape == (class_count(scale), 36)
        assert bank.thresholds[scale].shape == (5,)
        assert bool(torch.isfinite(bank.filters[scale]).all())
        # the aliased half of the classes learned filters of its own, not copies of the clean half
        half = class_count(scale) // 2
        differ = (bank.filters[scale][:half] - bank.filters[scale][half:]).norm(dim=1)
        assert float(differ.median()) > 0.1 * float(bank.filters[scale].norm(dim=1).median())


def test_stale_weights_file_is_refused_with_a_hint(tmp_path, monkeypatch):
    stale = tmp_path / "old.npz"
    arrays = {}
    for s in (2, 3, 4):        # the layout before the aliasing bin: half the classes, 4 thresholds
        arrays[f"filters{s}"] = np.zeros((class_count(s) // 2, 36), np.float32)
        arrays[f"thresholds{s}"] = np.zeros(4, np.float32)
    np.savez(stale, **arrays)
    monkeypatch.setattr(filters, "WEIGHTS_PATH", stale)
    with pytest.raises(ValueError, match="do not match this version.*train_upscaler"):
        load_filters("cpu")


def test_x4_detail_adds_detail_yet_stays_consistent_with_the_input():
    gen = torch.Generator().manual_seed(3)
    small = torch.nn.functional.avg_pool2d(torch.rand(1, 1, 96, 96, generator=gen), 3)  # soft texture
    small = (small * 255).round() / 255
    fid = fidelity_estimate(small, 4)
    det = upscale_image(small, 4, "detail")

    def fine(y):
        return float((y - torch.nn.functional.avg_pool2d(y, 3, 1, 1)).square().mean())

    def mismatch(y):
        return float((downsample_blend(y, 4, ASSUMED_BOX_WEIGHT) - small).abs().mean())

    # new fine detail survives the re-projection (1.44× here: this soft noise has little of the
    # three-to-six-pixel contrast the texture is sized by)
    assert fine(det) > 1.3 * fine(fid)
    # the texture lies above the input's Nyquist limit: shrunk, the result matches the input
    # about as closely as the faithful estimate does (8-bit steps are 0.0039)
    assert mismatch(det) < mismatch(fid) + 0.004
