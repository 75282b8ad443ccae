"""The enhancer's texture is defocused with the surface under it: sharp where the lens kept it
sharp, blurred like a thin-lens disc where it did not, bit for bit unchanged in focus."""

import torch

from shotspec.runtime.enhance.defocus_texture import LEVELS_PX, defocus_delta
from shotspec.runtime.filters import gaussian_blur


def _texture(h=96, w=96):
    g = torch.Generator().manual_seed(4)
    return torch.randn(1, 3, h, w, generator=g) * 0.05


def test_in_focus_texture_is_unchanged_bit_for_bit():
    delta = _texture()
    radius = torch.zeros(1, 1, 96, 96)
    radius[..., :, 48:] = 0.8             # σ 0.4 px: below the first level
    assert torch.equal(defocus_delta(delta, radius), delta)


def test_a_blurred_surface_gets_the_matching_gaussian_and_contrast_falls_with_blur():
    delta = _texture()
    radius = torch.full((1, 1, 96, 96), 4.0)              # σ = 2 px: exactly a level
    out = defocus_delta(delta, radius)
    assert torch.allclose(out, gaussian_blur(delta, 2.0, edge="reflect"), atol=1e-7)
    rms = [float(defocus_delta(delta, torch.full((1, 1, 96, 96), r)).std()) for r in (0, 2, 4, 8, 16, 32)]
    assert all(a > b for a, b in zip(rms, rms[1:])), rms
    assert rms[-1] < 0.05 * rms[0]         # a 32 px disc leaves no pore contrast


def test_each_pixel_takes_its_own_blur():
    delta = _texture()
    radius = torch.zeros(1, 1, 96, 96)
    radius[..., 48:, :] = 8.0
    out = defocus_delta(delta, radius)
    assert torch.equal(out[..., :40, :], delta[..., :40, :])
    sharp, soft = float(out[..., :40, :].std()), float(out[..., 56:, :].std())
    assert soft < 0.5 * sharp
    assert LEVELS_PX[0] == 0.5
