"""Hair shell shading: coverage over the skin, strand streaks by footprint, strand highlights."""

from __future__ import annotations

import torch

from shotspec.runtime.head.hair_shading import hair_albedo_px, hair_specular

N = 4000


def _patch(spacing_mm: float):
    """A flat patch of N points in the x–y plane, strands along y, normal +z."""
    i = torch.arange(N, dtype=torch.float32)
    p = torch.stack(((i % 80) * spacing_mm, (i // 80) * spacing_mm, torch.zeros(N)), 1) / 1000.0
    t = torch.tensor([0.0, 1.0, 0.0]).expand(N, 3)
    n = torch.tensor([0.0, 0.0, 1.0]).expand(N, 3)
    return p, t, n


HAIR = torch.tensor([0.05, 0.03, 0.02])
SKIN = torch.tensor([0.5, 0.35, 0.28]).expand(N, 3)


def test_no_coverage_is_the_skin_and_full_coverage_is_the_hair():
    p, t, n = _patch(0.1)
    fp = torch.full((N,), 0.1)
    bare = hair_albedo_px(HAIR, SKIN, torch.zeros(N), p, t, n, fp, seed=3)
    assert torch.allclose(bare, SKIN)
    full = hair_albedo_px(HAIR, SKIN, torch.ones(N), p, t, n, fp, seed=3)
    ratio = full.mean(0) / HAIR
    assert bool(((ratio > 0.7) & (ratio < 1.4)).all())
    assert float(full.mean()) < 0.2 * float(SKIN.mean())


def test_strands_streak_along_the_tangent_and_fade_when_unresolved():
    p, t, n = _patch(0.05)
    fine = hair_albedo_px(HAIR, SKIN, torch.ones(N), p, t, n, torch.full((N,), 0.05), seed=3)
    coarse = hair_albedo_px(HAIR, SKIN, torch.ones(N), p, t, n, torch.full((N,), 0.8), seed=3)
    img = fine[:, 0].view(-1, 80)                  # rows run along y (the strands)
    across = (img[:, 1:] - img[:, :-1]).abs().mean()
    along = (img[1:, :] - img[:-1, :]).abs().mean()
    assert float(across) > 2.0 * float(along)
    assert float(coarse[:, 0].var()) < float(fine[:, 0].var())


def test_the_strand_highlight_peaks_where_the_half_vector_is_across_the_strands():
    t = torch.tensor([[0.0, 1.0, 0.0]] * 2)
    n = torch.tensor([[0.0, 0.0, 1.0]] * 2)
    v = torch.tensor([[0.0, 0.0, 1.0]] * 2)
    s = 2 ** -0.5
    light = torch.tensor([[0.0, 0.0, 1.0], [0.0, s, s]])    # half vector ⟂ strand, then tilted along it
    spec = hair_specular(t, n, v, light, HAIR.expand(2, 3), torch.ones(2))
    assert float(spec[0].sum()) > 3.0 * float(spec[1].sum())
