"""The mouth on the scanned head, in small renders framed on it (``mouth_shots``): teeth that
read as teeth, a cavity that falls to black, lips with furrows and a wet sheen."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from shotspec.color import linear_to_srgb, srgb_to_lab
from shotspec.compiler.ir import CharacterIR, LipsIR
from shotspec.runtime.head.shade import shade

sys.path.insert(0, str(Path(__file__).parent))
from mouth_shots import FILL, FRONT_KEY, MOUTH_CAMERA, material_mask, mouth_closeup  # noqa: E402

SIZE = (256, 160)          # 4.7 px per mm on the mouth
OPEN = (("jawOpen", 0.5),)
GRIN = (("jawOpen", 0.3), ("mouthSmile_L", 0.8), ("mouthSmile_R", 0.8),
        ("mouthUpperUp_L", 0.4), ("mouthUpperUp_R", 0.4))
# the enamel's albedo: CIELAB of natural teeth (shade guides A1–A3.5 and measured crowns)
TEETH_L = (60.0, 82.0)
TEETH_B = (4.0, 24.0)


def _luma(rgb: torch.Tensor) -> torch.Tensor:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def _lab(rgb: torch.Tensor) -> np.ndarray:
    """CIELAB (N, 3) of linear colours (N, 3)."""
    return srgb_to_lab(linear_to_srgb(rgb.clamp(0.0, 1.0).double().numpy()))


@pytest.fixture(scope="module")
def opened():
    return mouth_closeup(CharacterIR(name="m", seed=1842, expression=OPEN), SIZE)


@pytest.fixture(scope="module")
def grin():
    return mouth_closeup(CharacterIR(name="m", seed=1842, expression=GRIN), SIZE)


def test_an_open_mouth_shows_teeth_brighter_than_the_cavity_darker_than_the_lips(opened):
    _, geo, frame = opened
    y = _luma(frame.rgb[0])
    teeth = material_mask(geo, "teeth")
    cavity = material_mask(geo, "mouth")
    lips = (geo.aovs["lips"][0, 0] > 0.99)
    assert int(teeth.sum()) > 150 and int(cavity.sum()) > 3000 and int(lips.sum()) > 3000
    t, c, l = float(y[teeth].mean()), float(y[cavity].mean()), float(y[lips].mean())
    assert t > 3.0 * c and l > 3.0 * c, (t, c, l)


def test_the_enamel_is_an_off_white_in_the_range_of_natural_teeth(grin):
    _, geo, frame = grin
    teeth = material_mask(geo, "teeth")
    lab = _lab(frame.aovs["albedo"][0][:, teeth].T)
    lightness, yellow = np.median(lab[:, 0]), np.median(lab[:, 2])
    assert TEETH_L[0] < lightness < TEETH_L[1] and TEETH_B[0] < yellow < TEETH_B[1], (lightness, yellow)
    assert abs(np.median(lab[:, 1])) < 6.0              # neither pink nor green
    # seeded per tooth, greyer at the edges: the enamel is not one flat colour
    assert np.percentile(lab[:, 0], 90) - np.percentile(lab[:, 0], 10) > 4.0


def test_the_back_of_the_mouth_falls_to_near_black(opened, grin):
    for _, geo, frame in (opened, grin):
        y = _luma(frame.rgb[0])
        depth = geo.aovs["depth"][0, 0]
        teeth = material_mask(geo, "teeth")
        front = float(depth[teeth].min())
        deep = material_mask(geo, "mouth") & (depth > front + 0.03)
        assert int(deep.sum()) > 100
        assert float(y[deep].mean()) < 0.1 * float(y[teeth].mean())


def test_the_teeth_nearest_the_lips_are_the_brightest(grin):
    _, geo, frame = grin
    y = _luma(frame.rgb[0])
    teeth = material_mask(geo, "teeth")
    depth = geo.aovs["depth"][0, 0][teeth]
    near = depth < depth.quantile(0.25)
    far = depth > depth.quantile(0.75)
    assert float(y[teeth][near].mean()) > 1.5 * float(y[teeth][far].mean())


def _oriented_energy(patch: np.ndarray, lo_px: float, hi_px: float) -> tuple[float, float]:
    """Spectral energy of ``patch`` at periods ``lo_px``…``hi_px`` whose wave vector lies
    nearer x (a texture that changes along the mouth line) and nearer y."""
    p = patch - patch.mean()
    p = p * np.hanning(p.shape[0])[:, None] * np.hanning(p.shape[1])[None]
    power = np.abs(np.fft.fft2(p)) ** 2
    fy = np.fft.fftfreq(p.shape[0])[:, None]
    fx = np.fft.fftfreq(p.shape[1])[None]
    f = np.hypot(fx, fy)
    band = (f > 1.0 / hi_px) & (f < 1.0 / lo_px)
    return float(power[band & (np.abs(fx) > np.abs(fy))].sum()), \
        float(power[band & (np.abs(fy) > np.abs(fx))].sum())


def test_the_vermilions_furrows_run_across_the_mouth_line(opened):
    _, geo, frame = opened
    lips = geo.aovs["lips"][0, 0] > 0.99
    logy = torch.log(_luma(frame.rgb[0]).clamp_min(1e-4)).numpy()
    # the lower lip's centre: the rows below the opening where a 60 px window is all vermilion
    h, w = lips.shape
    window = slice(w // 2 - 30, w // 2 + 30)
    full = np.nonzero(lips[:, window].all(dim=1).numpy() & (np.arange(h) > h // 2))[0]
    assert full.size >= 12, full
    patch = logy[full.min():full.max() + 1, window]
    # the furrows are ~0.6 and ~1.6 mm apart: periods of 2.5–8 px at 4.7 px/mm (longer ones
    # hold the lip's own curvature and the highlight band along it); smooth lips measure
    # about 0.3 here
    across, along = _oriented_energy(patch, 2.5, 8.0)
    assert across > 5.0 * along, (across, along)


def _lip_peak(frame, geo) -> float:
    lips = geo.aovs["lips"][0, 0] > 0.99
    return float(torch.quantile(_luma(frame.rgb[0])[lips], 0.995))


def test_moisture_raises_the_lips_specular_peak(opened):
    scene, geo, _ = opened
    peaks = []
    for moisture in (0.0, 0.9):
        character = CharacterIR(name="m", seed=1842, expression=OPEN, lips=LipsIR(moisture=moisture))
        frame = shade(geo, scene, character, [FRONT_KEY, FILL], MOUTH_CAMERA)
        peaks.append(_lip_peak(frame, geo))
    assert peaks[1] > 1.3 * peaks[0], peaks


def test_a_lip_colour_is_the_vermilions(opened):
    scene, geo, _ = opened
    plum = (0.20, 0.04, 0.09)
    character = CharacterIR(name="m", seed=1842, expression=OPEN, lips=LipsIR(color=plum))
    albedo = shade(geo, scene, character, [FRONT_KEY, FILL], MOUTH_CAMERA).aovs["albedo"][0]
    lips = geo.aovs["lips"][0, 0] > 0.99
    median = albedo[:, lips].median(dim=1).values
    assert torch.allclose(median, torch.tensor(plum), rtol=0.15, atol=0.01), median


def test_the_mouth_renders_the_same_pixels_for_the_same_seed_and_others_for_another():
    character = CharacterIR(name="m", seed=7, expression=GRIN)
    a = mouth_closeup(character, (96, 60))
    b = mouth_closeup(character, (96, 60))
    assert torch.equal(a[2].rgb, b[2].rgb)
    other = shade(a[1], a[0], character.model_copy(update={"seed": 8}), [FRONT_KEY, FILL], MOUTH_CAMERA)
    teeth = material_mask(a[1], "teeth")
    assert not torch.equal(other.aovs["albedo"][0][:, teeth], a[2].aovs["albedo"][0][:, teeth])
    assert math.isfinite(float(a[2].rgb.sum()))
