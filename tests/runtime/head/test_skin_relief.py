"""Micro-relief and specular of the scanned head's skin: it measures like skin.

Real skin under a raking light (docs/rendering.md): texture energy per octave peaks at
0.75–1.25 cycles/mm, and relative contrast rises from shadow (~4.5 %) to the lit side (~9 %).
"""

import pytest
import torch

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.head.model import load_head
from shotspec.runtime.head.face_anchors import face_anchors
from shotspec.runtime.head.regions import skin_regions
from shotspec.runtime.head.relief import perturb_normals, skin_relief
from shotspec.runtime.head.skin_brdf import SKIN_F0, skin_specular
from shotspec.runtime.head.skin_measure import (cylinder_contrast, patch_regions, raking_patch,
                                                spectrum_of, spectrum_peak)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_texture_energy_peaks_near_one_cycle_per_mm(seed):
    lum = raking_patch(SkinIR(), seed, size_px=256, mm_per_px=0.1)
    f, p = spectrum_of(lum, 0.1)
    assert 0.75 <= spectrum_peak(f, p) <= 1.25


def test_relative_contrast_rises_from_shadow_to_highlight():
    c = cylinder_contrast(SkinIR(), 4, height_px=64)
    assert 0.02 < c["shadow"] < c["lit"] < c["sheen"]
    assert c["lit"] > 1.1 * c["shadow"]


def test_coarse_footprint_fades_the_relief():
    fine = raking_patch(SkinIR(), 5, size_px=96, mm_per_px=0.1, footprint_mm=0.1)
    coarse = raking_patch(SkinIR(), 5, size_px=96, mm_per_px=0.1, footprint_mm=2.0)
    var = lambda x: float(torch.log(x.clamp_min(1e-4)).var())   # noqa: E731
    assert var(coarse) < 0.01 * var(fine)


def test_relief_is_deterministic_and_seeded():
    pos = torch.rand(5000, 3, generator=torch.Generator().manual_seed(1)) * 30.0
    reg = patch_regions(5000, "nose")
    fp = torch.full((5000,), 0.1)
    a = skin_relief(pos, reg, fp, SkinIR(), 9)
    b = skin_relief(pos, reg, fp, SkinIR(), 9)
    c = skin_relief(pos, reg, fp, SkinIR(), 10)
    assert torch.equal(a.grad, b.grad) and torch.equal(a.cavity, b.cavity)
    assert not torch.equal(a.grad, c.grad)
    assert float(a.cavity.min()) >= 0.0 and float(a.cavity.max()) <= 1.0


def test_fine_lines_deepen_with_age():
    head = load_head()
    reg = skin_regions(head)
    anchors = face_anchors(head, head.neutral)
    ids = torch.nonzero(reg["forehead"] > 0.9)[:, 0]
    pos = head.neutral[ids] * 1000.0
    sub = type(reg)(reg.weights[ids])
    fp = torch.full((ids.numel(),), 0.2)
    young = skin_relief(pos, sub, fp, SkinIR(age_years=22, pores=0.0), 1, anchors)
    old = skin_relief(pos, sub, fp, SkinIR(age_years=70, pores=0.0), 1, anchors)
    assert float(old.height_mm.min()) < 2.0 * float(young.height_mm.min())


def test_bump_follows_a_turned_head():
    n_rest = torch.tensor([[0.0, 0.0, 1.0]])
    grad = torch.tensor([[0.3, 0.0, 0.0]])
    at_rest = perturb_normals(n_rest, grad)
    turned = torch.tensor([[1.0, 0.0, 0.0]])                    # the head turned 90° about y
    moved = perturb_normals(turned, grad, n_rest)
    rot = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
    assert torch.allclose(moved, at_rest @ rot.T, atol=1e-6)


def test_t_zone_shines_and_cheeks_stay_matte():
    skin = SkinIR(oil=0.6)
    for name, sharper in (("t_zone", True), ("cheeks", False)):
        r1, r2, mix, scale = skin_specular(skin, patch_regions(1, name))
        assert 0.1 < float(r1) < float(r2) < 0.7
        assert (float(mix) > 0.5) == sharper
    assert SKIN_F0 == pytest.approx(((1.4 - 1) / (1.4 + 1)) ** 2, abs=5e-4)
