"""Per-image filter adaptation (x2): it must help on the image it adapts to and stay per-image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import shotspec.runtime.upscale.image as image_mod
import shotspec.runtime.upscale.self_adapt as self_adapt
from shotspec.runtime.upscale.filters import load_filters
from shotspec.runtime.upscale.resample import downsample
from shotspec.runtime.upscale.self_adapt import adapt_filters


def _dead_leaves(size: int = 384, seed: int = 11) -> torch.Tensor:
    """Grey 0-1 "dead leaves" scene: occluding ellipses of power-law sizes, so it is self-similar
    across scales as photographs roughly are (the assumption the adaptation rests on)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    img = np.full((size, size), 0.5)
    for _ in range(int(60 * size * size / 128**2)):
        cx, cy = rng.uniform(0, size, 2)
        r = size * 0.5 * rng.uniform(0.03, 1) ** 2.5 + 1.5
        d = np.hypot(xx - cx, (yy - cy) / rng.uniform(0.3, 1)) - r
        inside = np.clip(0.5 - d / 0.5, 0, 1)
        img = img * (1 - inside) + rng.uniform(0.05, 0.95) * inside
    return torch.from_numpy(np.round(img * 255) / 255).float()[None, None]


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    d = (a - b)[..., 4:-4, 4:-4].double()
    return float(10 * torch.log10(1.0 / d.square().mean()))


@pytest.fixture(scope="module")
def scene():
    hr = _dead_leaves()
    small = (downsample(hr, 2, "bicubic").clamp(0, 1) * 255).round() / 255
    return hr, small


@pytest.mark.parametrize("max_samples,gain", [(1 << 18, 0.1), (1 << 14, 0.02)])  # all rows / every 3rd
def test_adaptation_raises_psnr_on_the_image_itself(scene, monkeypatch, max_samples, gain):
    hr, small = scene
    monkeypatch.setattr(self_adapt, "MAX_SAMPLES", max_samples)
    adapted = _psnr(image_mod.fidelity_estimate(small, 2), hr)
    monkeypatch.setattr(image_mod, "SELF_ADAPT_FACTORS", ())
    fixed = _psnr(image_mod.fidelity_estimate(small, 2), hr)
    assert adapted > fixed + gain, (adapted, fixed)


def test_each_image_of_a_batch_is_adapted_on_its_own(scene):
    _, small = scene
    other = torch.rot90(small, 1, (-2, -1)).contiguous()
    alone = image_mod.fidelity_estimate(small, 2)
    batched = image_mod.fidelity_estimate(torch.cat([small, other]), 2)
    assert torch.allclose(batched[:1], alone, atol=1e-5)
    assert torch.equal(image_mod.fidelity_estimate(small, 2), alone)      # deterministic


def test_tiny_or_flat_images_keep_the_shipped_filters():
    bank = load_filters()
    prior = bank.filters[2]
    assert adapt_filters(torch.rand(1, 1, 12, 12), 2, prior, bank.thresholds[2]) is prior
    flat = adapt_filters(torch.full((1, 1, 64, 64), 0.4), 2, prior, bank.thresholds[2])
    assert torch.allclose(flat, prior, atol=1e-6)
    with pytest.raises(ValueError, match="1, 1, H, W"):
        adapt_filters(torch.rand(2, 1, 32, 32), 2, prior, bank.thresholds[2])
