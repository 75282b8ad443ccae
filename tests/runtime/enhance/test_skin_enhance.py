"""Behaviour of skin_enhance on synthetic faces: masking, strength, determinism, scale, lighting."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from shotspec.color import luminance
from shotspec.runtime.enhance import band_energy, plan_enhance, skin_enhance
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.enhance.plate_relief import plate_relief
from shotspec.runtime.enhance.texture_stats import texture_peak_c_per_mm

sys.path.insert(0, str(Path(__file__).parent))
from conftest import correlation, make_face  # noqa: E402


def test_changes_only_inside_the_mask(face):
    out = skin_enhance(face, strength=0.8, seed=3)
    mask = face.aov("skin")
    outside = (mask == 0).expand_as(face.rgb)
    assert torch.equal(out.rgb[outside], face.rgb[outside])
    inside = (mask > 0.9).expand_as(face.rgb)
    changed = (out.rgb != face.rgb) & inside
    assert changed.float().sum() / inside.float().sum() > 0.9
    assert out.aovs is face.aovs and out.meta == face.meta


def test_raises_pore_band_energy_by_a_clear_factor(face):
    out = skin_enhance(face, strength=0.6, seed=3)
    mask = face.aov("skin")
    before = band_energy(luminance(face.rgb), mask, 0.7, 2.0)
    after = band_energy(luminance(out.rgb), mask, 0.7, 2.0)
    assert after > 20 * max(before, 1e-7)
    assert after > 1e-5


def test_strength_zero_is_identity_and_strength_scales(face):
    assert torch.equal(skin_enhance(face, strength=0.0, seed=3).rgb, face.rgb)
    mask = face.aov("skin")
    e = [band_energy(luminance(skin_enhance(face, strength=s, seed=3).rgb), mask, 0.7, 2.0)
         for s in (0.3, 0.6, 1.2)]
    assert e[0] < e[1] < e[2]
    assert e[2] / e[1] > 2.5   # energy ~ strength² for a multiplicative texture


@pytest.mark.parametrize("bad", [-0.1, 2.5, float("nan"), "0.5"])
def test_bad_strength_is_a_clear_error(face, bad):
    with pytest.raises(ValueError, match="strength"):
        skin_enhance(face, strength=bad, seed=1)


def test_deterministic_per_seed(face):
    a = skin_enhance(face, strength=0.6, seed=11).rgb
    b = skin_enhance(face, strength=0.6, seed=11).rgb
    c = skin_enhance(face, strength=0.6, seed=12).rgb
    assert torch.equal(a, b)
    mask = face.aov("skin") > 0.9
    da = torch.log(a / face.rgb)[:, 1:2][mask]
    dc = torch.log(c / face.rgb)[:, 1:2][mask]
    assert (da - dc).abs().mean() > 0.3 * da.abs().mean()
    assert abs(float(np.corrcoef(da.numpy(), dc.numpy())[0, 1])) < 0.2


def _texture_of(frame, strength=0.8, seed=5):
    out = skin_enhance(frame, strength=strength, seed=seed)
    return torch.log(luminance(out.rgb).clamp_min(1e-6) / luminance(frame.rgb).clamp_min(1e-6))




def _peak_c_per_mm(frame) -> float:
    """Peak (cycles/mm) of the added texture's energy per octave over the skin's inner box."""
    tex = _texture_of(frame, strength=1.0)[0, 0]
    ys, xs = torch.nonzero(frame.aov("skin")[0, 0] > 0.99, as_tuple=True)
    h, w = int(ys.max() - ys.min()), int(xs.max() - xs.min())
    y0, x0 = int(ys.min()) + h // 4, int(xs.min()) + w // 4
    return texture_peak_c_per_mm(tex[y0:y0 + h // 2, x0:x0 + w // 2], frame.meta.face_mm_per_px)


def test_texture_peak_is_in_mm_whatever_the_resolution():
    """The same face at 0.1 and at 0.2 mm/px: the texture peaks at 0.6–1.5 cycles/mm in both
    (the pebbled cells; measured 1.11 and 0.72 — the camera's 1 px blur lowers the coarser one),
    so in cycles per pixel it rises (1.3× measured, 2× if nothing were sized in pixels) when the
    pixels double in size."""
    fine = _peak_c_per_mm(make_face(384, 320, mm_per_px=0.1))
    coarse = _peak_c_per_mm(make_face(192, 160, mm_per_px=0.2))
    assert 0.6 < fine < 1.5 and 0.6 < coarse < 1.5
    assert 1.15 < (coarse * 0.2) / (fine * 0.1) < 2.5


@pytest.mark.parametrize("side,sign", [(-1.0, 1.0), (1.0, -1.0)])
def test_bumps_are_shaded_by_the_image_light(side, sign):
    frame = make_face(light=(0.9 * side, 0.0, 0.45))
    plan = plan_enhance(frame)
    box = (0, 0, frame.width, frame.height)
    relief = plate_relief(plan.face, box, 21, plan.mask)
    out = skin_enhance(frame, strength=0.6, seed=21)
    d = torch.log(luminance(out.rgb).clamp_min(1e-6) / luminance(frame.rgb).clamp_min(1e-6))
    high = d - gaussian_blur(d, 3.0, edge="reflect")
    # a left-lit bump rendering of the height field is bright where the surface rises to the right
    gx = gaussian_blur(relief.grad_px[:, 0:1], 1.5, edge="reflect")
    left_lit = gx - gaussian_blur(gx, 3.0, edge="reflect")
    lit = (frame.aov("skin") > 0.95).float() * (luminance(frame.rgb) > 0.15).float()
    assert sign * correlation(high, left_lit, lit) > 0.3


def test_no_texture_in_deep_shadow():
    frame = make_face(mm_per_px=0.5, light=(-1.0, 0.0, 0.05))   # grazing light from the left
    out = skin_enhance(frame, strength=1.0, seed=2)
    lum = luminance(frame.rgb)
    dark = (frame.aov("skin") > 0.95) & (lum < 0.035)
    lit = (frame.aov("skin") > 0.95) & (lum > 0.3)
    assert dark.sum() > 100 and lit.sum() > 100
    rel = (luminance(out.rgb) / lum.clamp_min(1e-6)).log().abs()
    assert float(rel[dark].mean()) < 0.25 * float(rel[lit].mean())


def test_same_face_at_twice_the_resolution_gets_the_same_relief_in_mm():
    lo = make_face(96, 80, mm_per_px=0.2)
    hi = make_face(192, 160, mm_per_px=0.1)
    plo, phi = plan_enhance(lo), plan_enhance(hi)
    tlo = plate_relief(plo.face, (0, 0, 80, 96), 9, torch.ones(1, 1, 96, 80)).height_mm
    thi = plate_relief(phi.face, (0, 0, 160, 192), 9, torch.ones(1, 1, 192, 160)).height_mm
    down = torch.nn.functional.avg_pool2d(thi, 2)
    w = (lo.aov("skin") > 0.95).float()
    blur = 1.2
    assert correlation(gaussian_blur(down, blur, edge="reflect"), gaussian_blur(tlo, blur, edge="reflect"), w) > 0.8


def test_detected_mask_is_used_without_a_skin_aov():
    frame = make_face(with_aov=False, light=(-0.3, -0.2, 0.9))
    out = skin_enhance(frame, strength=0.6, seed=1)
    bg = (frame.rgb[:, 2:3] > 0.3).expand_as(frame.rgb)
    assert torch.equal(out.rgb[bg], frame.rgb[bg])
    assert (out.rgb != frame.rgb).any()


def test_eyes_lips_brows_are_never_touched(face):
    eyes = torch.zeros_like(face.aov("skin"))
    eyes[..., 60:80, 40:70] = 1.0
    lips = torch.zeros_like(eyes)
    lips[..., 130:145, 60:100] = 1.0
    frame = face.replace(aovs={**face.aovs, "eyes": eyes, "lips": lips})
    out = skin_enhance(frame, strength=1.0, seed=4)
    for m in (eyes, lips):
        sel = (m > 0).expand_as(face.rgb)
        assert torch.equal(out.rgb[sel], face.rgb[sel])


def test_same_bits_whatever_the_thread_count():
    frame = make_face(160, 144, mm_per_px=0.15)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = skin_enhance(frame, strength=1.0, seed=5).rgb
        torch.set_num_threads(max(2, threads))
        many = skin_enhance(frame, strength=1.0, seed=5).rgb
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(one, many)
