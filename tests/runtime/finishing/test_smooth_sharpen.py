"""Beauty smoothing (skin-masked, edge-preserving) and unsharp-mask sharpening."""

import pytest
import torch

from shotspec.runtime.finishing import sharpen, smooth
from shotspec.runtime.finishing.perceptual import to_perceptual
from shotspec.runtime.frame import Frame, FrameMeta


def textured_skin(size: int = 96, seed: int = 0) -> Frame:
    """Skin-tone frame with fine texture, a hard vertical edge, and a skin mask on the left half."""
    g = torch.Generator().manual_seed(seed)
    base = torch.tensor([0.45, 0.30, 0.22]).view(1, 3, 1, 1).expand(1, 3, size, size).clone()
    base[..., size // 2:] *= 0.2                                          # dark region → edge
    texture = 1.0 + 0.08 * torch.randn((1, 1, size, size), generator=g)    # pores/blotches
    rgb = base * texture
    mask = torch.zeros(1, 1, size, size)
    mask[..., : size * 3 // 4] = 1.0
    return Frame(rgb=rgb, aovs={"skin": mask}, meta=FrameMeta(face_mm_per_px=0.5))


def high_freq_energy(rgb: torch.Tensor) -> torch.Tensor:
    """Per-pixel squared Laplacian of the perceptual signal, (H-2, W-2)."""
    u = to_perceptual(rgb).mean(dim=1)[0]
    lap = 4 * u[1:-1, 1:-1] - u[:-2, 1:-1] - u[2:, 1:-1] - u[1:-1, :-2] - u[1:-1, 2:]
    return lap**2


def test_smooth_reduces_texture_inside_mask_and_leaves_outside_unchanged():
    f = textured_skin()
    out = smooth(f, 0.8)
    inside = (slice(8, -8), slice(8, 36))                  # skin, away from the edge
    before = float(high_freq_energy(f.rgb)[inside].mean())
    after = float(high_freq_energy(out.rgb)[inside].mean())
    assert after < 0.3 * before
    outside = f.aov("skin") == 0
    assert torch.equal(out.rgb[outside.expand_as(out.rgb)], f.rgb[outside.expand_as(f.rgb)])


def test_smooth_preserves_edges_and_mean():
    f = textured_skin()
    out = smooth(f, 1.0)
    row_before = to_perceptual(f.rgb)[0, 0].mean(dim=0)
    row_after = to_perceptual(out.rgb)[0, 0].mean(dim=0)
    step_before = float(row_before[44:47].mean() - row_before[49:52].mean())
    step_after = float(row_after[44:47].mean() - row_after[49:52].mean())
    assert step_after == pytest.approx(step_before, rel=0.15)            # the edge survives
    assert float(out.rgb[..., :40].mean()) == pytest.approx(float(f.rgb[..., :40].mean()), rel=0.02)


def test_smooth_without_mask_covers_frame_and_strength_zero_is_identity():
    f = textured_skin().replace(aovs={})
    out = smooth(f, 0.5)
    assert float(high_freq_energy(out.rgb)[:, 60:].mean()) < float(high_freq_energy(f.rgb)[:, 60:].mean())
    assert smooth(f, 0.0) is f
    with pytest.raises(ValueError, match="0..1"):
        smooth(f, 1.5)


def test_sharpen_raises_high_frequency_energy_and_keeps_colour():
    f = smooth(textured_skin(), 0.5)
    out = sharpen(f, 1.0, 1.0)
    assert float(high_freq_energy(out.rgb).mean()) > 1.5 * float(high_freq_energy(f.rgb).mean())
    ratio_before = f.rgb[0, 0] / f.rgb[0, 2]
    ratio_after = out.rgb[0, 0] / out.rgb[0, 2]
    assert torch.allclose(ratio_after, ratio_before, rtol=1e-4)             # luminance only
    assert torch.isfinite(sharpen(Frame(rgb=torch.zeros(1, 3, 8, 8)), 2.0).rgb).all()
    assert torch.allclose(sharpen(f, 0.5).rgb.mean(), f.rgb.mean(), rtol=0.02)


def test_sharpen_flat_is_identity_and_bad_radius_errors():
    f = Frame(rgb=torch.full((1, 3, 16, 16), 3.0))
    assert torch.allclose(sharpen(f, 2.0, 2.0).rgb, f.rgb, rtol=1e-5)
    with pytest.raises(ValueError, match="radius"):
        sharpen(f, 1.0, 0.0)
