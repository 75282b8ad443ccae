"""The enhancer's texture on a real airbrushed plate against real skin (bench/enhancer_spectrum.py
prints the full table): the face of model_face.jpg (0.21 mm/px; a 590 × 480 px crop, mask and
light found automatically) at strength 1, band levels of its cheeks and forehead beside the film
scans' (kodim04, kodim15, at their faces' scale from the irises), the peak of the added
texture, and what it leaves alone."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from shotspec.color import luminance
from shotspec.runtime.enhance import EnhanceControls, skin_enhance
from shotspec.runtime.enhance.texture_stats import band_rms_mm, texture_peak_c_per_mm
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.frame import Frame, FrameMeta

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faces"))
from shared_photos import FACES, linear_photo  # noqa: E402

pytestmark = pytest.mark.skipif(not (FACES / "model_face.jpg").is_file(), reason="shared photos not present")

MM = 0.21
CROP = (240, 220, 830, 700)          # x0, y0, x1, y1: the face, brows to mouth
PATCHES = ((318, 608), (748, 568), (468, 298))     # both cheeks and the forehead, full-image px
# real skin (film scans): (file, mm/px from the irises, 20 mm patch centres)
REFS = (("kodim04.png", 0.45, ((215, 285), (300, 290), (285, 140))),
        ("kodim15.png", 0.32, ((355, 262), (330, 340))))


def _log_lum(rgb: torch.Tensor) -> torch.Tensor:
    return torch.log(luminance(rgb).clamp_min(1e-4))[0, 0]


def _patch(centre, mm: float) -> tuple[int, int, int, int]:
    half = int(round(10.0 / mm))
    return centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half


def _reference(lo: float, hi: float) -> float:
    """Mean band level of the scans' patches where the band is resolved (σ of its coarse end
    ≥ 0.3 px: kodim04's 0.45 mm pixels cannot show 0.1–0.25 mm)."""
    vals = []
    for name, mm, centres in REFS:
        if hi / 2 / mm < 0.3:
            continue
        ll = _log_lum(linear_photo(FACES / name))
        vals += [band_rms_mm(ll, _patch(c, mm), mm, lo, hi) for c in centres]
    return float(np.mean(vals))


@pytest.fixture(scope="module")
def face():
    x0, y0, x1, y1 = CROP
    rgb = linear_photo(FACES / "model_face.jpg")[..., y0:y1, x0:x1].contiguous()
    plate = Frame(rgb, {}, FrameMeta(face_mm_per_px=MM, source="plate"))
    return plate, skin_enhance(plate, strength=1.0, seed=1842, controls=EnhanceControls())


def _boxes():
    return [_patch((x - CROP[0], y - CROP[1]), MM) for x, y in PATCHES]


@pytest.mark.parametrize("band", [(0.25, 1.0), (0.1, 0.25)])
def test_band_levels_match_real_skin_within_30_percent(face, band):
    plate, out = face
    level = np.mean([band_rms_mm(_log_lum(out.rgb), b, MM, *band) for b in _boxes()])
    before = np.mean([band_rms_mm(_log_lum(plate.rgb), b, MM, *band) for b in _boxes()])
    ref = _reference(*band)
    assert level > 2.0 * before                       # the plate is airbrushed: texture is added
    assert 0.7 < level / ref < 1.3, (level, ref)


def test_added_texture_peaks_at_the_pebbled_cells(face):
    plate, out = face
    d = _log_lum(out.rgb) - _log_lum(plate.rgb)
    for x0, y0, x1, y1 in _boxes():
        assert 0.6 < texture_peak_c_per_mm(d[y0:y1, x0:x1], MM) < 1.5


def test_nothing_coarser_than_3_mm_changes(face):
    plate, out = face
    d = (_log_lum(out.rgb) - _log_lum(plate.rgb))[None, None]
    low = gaussian_blur(d, 0.1874 * 3.0 / MM, edge="reflect")     # half power at 3 mm
    for x0, y0, x1, y1 in _boxes():
        tex = float(d[..., y0:y1, x0:x1].pow(2).mean().sqrt())
        assert float(low[..., y0:y1, x0:x1].pow(2).mean().sqrt()) < 0.3 * tex


def test_relative_contrast_rises_with_the_light(face):
    """The added texture's relative contrast (2 mm windows) in the brightest fifth of the skin
    is at least 1.5× that in the darkest fifth (real skin: 4.5 % → 8.8 %)."""
    plate, out = face
    d = (_log_lum(out.rgb) - _log_lum(plate.rgb))[None, None]
    sigma = 2.0 / MM
    local = torch.sqrt(gaussian_blur(d * d, sigma, edge="reflect"))[0, 0]
    level = gaussian_blur(luminance(plate.rgb), 5.0 / MM, edge="reflect")[0, 0]
    skin = (d[0, 0] != 0)
    inner = gaussian_blur(skin[None, None].float(), 3.0 / MM, edge="reflect")[0, 0] > 0.99
    lv, c = level[inner], local[inner]
    lo, hi = torch.quantile(lv[::7], torch.tensor([0.2, 0.8]))
    dark, bright = float(c[lv <= lo].mean()), float(c[lv > hi].mean())
    assert 0.02 < dark < 0.06 and 0.06 < bright < 0.12
    assert bright > 1.5 * dark
