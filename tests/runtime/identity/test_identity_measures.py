"""Face-shape model, freckle detector and the mediapipe path, on synthetic images and renders."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import torch

from shotspec.runtime.faces.face_finder import Landmarks, find_face
from shotspec.runtime.identity.face_shape import (SHAPE_FEATURES, ShapeModel, load_calibration,
                                                  shape_features, shape_model, shape_params)
from shotspec.runtime.identity.freckles import freckle_statistic

# documented in docs/identity.md: the face shape from one photo within ±0.35 of the truth, with
# the built-in landmarks and with mediapipe's, except mediapipe's mouth width: its mesh corners
# land on the lips' tapered ends, and refits on nearly the same head read the 256 px photo's
# 0.5 as 0.46, 0.80, 0.44 and 0.74, so it keeps ±0.45
SHAPE_TOLERANCE = 0.35
MEDIAPIPE_MOUTH_TOLERANCE = 0.45


def _tolerance(key: str, mediapipe: bool) -> float:
    return MEDIAPIPE_MOUTH_TOLERANCE if mediapipe and key == "mouth_width" else SHAPE_TOLERANCE


# --------------------------------------------------------------------------- shape model

def test_shipped_calibration_measures_eye_mouth_and_jaw():
    cal = load_calibration()
    model = shape_model("fallback", cal)
    assert model.params == ("eye_spacing", "mouth_width", "jaw_width")
    # the fitted slopes have the physical signs: wider eyes raise IPD/D, a wider mouth raises
    # mouth/IPD, a wider jaw raises jaw/IPD, and wider eyes lower both …/IPD ratios
    m = np.asarray(model.matrix)
    assert m[0, 0] > 0.02 and m[1, 1] > 0.03 and m[2, 2] > 0.03
    assert m[1, 0] < 0 and m[2, 0] < 0
    assert all(v <= 0.3 for v in cal["face"]["fallback"]["rms"].values())
    table = cal["freckles"]["table"]
    assert [v for _, v in table] == sorted(v for _, v in table) and table[0][1] == 0.0


def test_shape_model_solves_jointly_and_with_missing_ratios():
    model = ShapeModel.from_json({"features": ["eye_ratio", "mouth_ratio", "jaw_ratio"],
                                  "params": ["eye_spacing", "mouth_width", "jaw_width"],
                                  "intercept": [0.84, 0.80, 3.0],
                                  "matrix": [[0.05, 0.0, 0.0], [-0.05, 0.08, 0.0], [-0.2, 0.0, 0.3]]})
    truth = np.array([-0.5, 0.4, 0.7])
    ratios = np.array([0.84, 0.80, 3.0]) + np.asarray(model.matrix) @ truth
    got = model.solve(dict(zip(model.features, ratios)))
    assert got == pytest.approx(dict(zip(model.params, truth)), abs=1e-9)
    # no jaw ratio on this photo: eye spacing and mouth width are still solved, jaw left out
    got = model.solve({"eye_ratio": ratios[0], "mouth_ratio": ratios[1]})
    assert set(got) == {"eye_spacing", "mouth_width"} and got["mouth_width"] == pytest.approx(0.4)
    # values beyond the scale are clipped to it
    assert model.solve({"eye_ratio": 2.0})["eye_spacing"] == 1.0
    with pytest.raises(ValueError):
        ShapeModel.from_json({"features": ["eye_ratio"], "params": ["jaw_width"],
                              "intercept": [0.8], "matrix": [[0.05]]})


def test_shape_features_need_a_front_view():
    front = Landmarks(((30.0, 40.0), (80.0, 40.0)), (55.0, 100.0), 45.0, None, 130.0, "fallback")
    f = shape_features(front)
    assert f == pytest.approx({"eye_ratio": 50 / 60, "mouth_ratio": 0.9, "jaw_ratio": 130 / 50})
    # a small face: eyes and mouth yes, but too few pixels for the face width
    small = Landmarks(((30.0, 40.0), (60.0, 40.0)), (45.0, 76.0), 27.0, None, 80.0, "fallback")
    assert set(shape_features(small)) == {"eye_ratio", "mouth_ratio"}
    turned = Landmarks(((30.0, 40.0), (60.0, 40.0)), (48.0, 76.0), 27.0, None, 80.0, "fallback")
    assert shape_features(turned) == {} and shape_params(turned) == {}
    # mediapipe landmarks use their own model when the calibration has one, else the fallback's
    cal = {"face": {"fallback": load_calibration()["face"]["fallback"]}}
    assert shape_model("mediapipe", cal) == shape_model("fallback", cal)


# --------------------------------------------------------------------------- freckles

def _skin_patch(spots_mm: float, count: int, contrast: float, noise: float, seed: int = 0,
                brown: bool = True):
    """A 200×200 px patch of skin at 0.5 mm/px (IPD 126 px) with ``count`` round spots,
    ``contrast`` darker in green: brown like melanin (blue darkens most) or grey like a pore."""
    rng = np.random.default_rng(seed)
    h = w = 200
    yy, xx = np.mgrid[0:h, 0:w]
    lum = 0.35 * (1.0 + 0.15 * (xx / w))                    # a soft light gradient
    r = 0.5 * spots_mm / 0.5
    painted = np.zeros((h, w), bool)
    for _ in range(count):
        cx, cy = rng.uniform(15, w - 15, 2)
        painted |= (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    tint = np.array([0.30, 0.42, 0.55]) / 0.42 if brown else np.ones(3)
    rgb = np.stack([lum * c * np.where(painted, 1.0 - contrast * t, 1.0)
                    * (1.0 + noise * rng.standard_normal((h, w)))
                    for c, t in zip((1.2, 1.0, 0.8), tint)])
    zone = np.zeros((h, w), bool)
    zone[5:-5, 5:-5] = True
    return torch.from_numpy(rgb[None].astype(np.float32)), zone, float(painted[zone].mean())


def test_freckles_are_counted_and_pores_and_noise_are_not():
    rgb, zone, truth = _skin_patch(2.0, 60, 0.2, 0.01)
    s = freckle_statistic(rgb, zone, ipd_px=126.0)
    assert s.mm_per_px == pytest.approx(0.5)
    assert 0.6 * truth <= s.coverage <= 1.2 * truth
    assert 0.45 <= s.spots_per_cm2 <= 0.7          # 60 spots on 90 cm² (a few overlap)
    # pores: many grey dark dots, darker than the freckles: not brown, not counted
    pores, zone, _ = _skin_patch(0.8, 1500, 0.4, 0.01, brown=False)
    assert freckle_statistic(pores, zone, 126.0).coverage < 0.05 * truth
    # brown specks below the freckle size (single pixels, 0.3 mm) are not counted either
    specks, zone, _ = _skin_patch(0.3, 800, 0.3, 0.01)
    assert freckle_statistic(specks, zone, 126.0).coverage < 0.1 * truth
    # chroma noise of 4 %: the threshold rises above it, (almost) nothing is counted
    noisy, zone, _ = _skin_patch(2.0, 0, 0.0, 0.04)
    s = freckle_statistic(noisy, zone, 126.0)
    assert s.threshold > 0.1 and s.coverage < 0.002
    # a face too small for freckles (2 mm per pixel): not measured
    assert freckle_statistic(rgb, zone, ipd_px=31.0) is None


# --------------------------------------------------------------------------- freckles, closed loop

FRECKLE_SIZE = (256, 320)          # eye distance ≈ 83 px: 0.76 mm per pixel


@pytest.fixture(scope="module")
def freckle_photos(tmp_path_factory, rendered_photos):
    """The closed-loop person (another seed than the calibration's) with a wide mouth and a
    narrow jaw, front view at 256×320 (not a calibration size), shaded with 0, 0.35 and 0.8
    freckles under the test set's third rig; one folder per value."""
    from pathlib import Path

    from shotspec.runtime.character import render_geometry, shade

    person, save_photo = rendered_photos["person"], rendered_photos["save_photo"]
    truth = dict(rendered_photos["truth"], mouth_width=0.5, jaw_width=-0.5)
    cam = rendered_photos["camera"]()
    geo = render_geometry(person(**truth), cam, *FRECKLE_SIZE)
    root = Path(tmp_path_factory.mktemp("freckles"))
    out = {}
    for level in (0.0, 0.35, 0.8):
        ch = person(**truth, freckles=level)
        rig = rendered_photos["rigs"][2]
        folder = root / f"f{level}"
        folder.mkdir()
        save_photo(shade(geo, ch, list(rig), cam).rgb, folder / "front.png",
                            white_k=rig[0].temperature_k)
        out[level] = folder
    out["truth"] = truth
    return out


def test_closed_loop_recovers_freckles(freckle_photos, tmp_path):
    from PIL import Image

    from shotspec.runtime.identity import build_identity

    got, coverage = {}, {}
    truth = freckle_photos["truth"]
    for level in (0.0, 0.35, 0.8):
        result = build_identity(freckle_photos[level], tmp_path / f"{level}.identity")
        assert result.error is None, result.photos[0].reasons
        got[level] = result.identity.skin.freckles
        coverage[level] = result.identity.stats["freckle_coverage"]
        assert result.identity.stats["freckle_photos"] == 1
        # the face shape from one larger photo: ±0.35 as for the photo set (docs/identity.md)
        mp = "mediapipe" in result.identity.stats["landmarks"]
        for key in ("eye_spacing", "mouth_width", "jaw_width"):
            tol = _tolerance(key, mp)
            assert abs(result.identity.face[key] - truth[key]) <= tol, (key, result.identity.face)
    # documented tolerance (docs/identity.md): ±0.25 (another seed and light than calibrated)
    for level, value in got.items():
        assert abs(value - level) <= 0.25, got
    assert got[0.0] < got[0.35] < got[0.8]
    # the same photo at twice the size: measured on a crop of the full-size photo, not on the
    # 320 px working copy, at the same millimetres per pixel → the same freckles
    big = tmp_path / "big"
    big.mkdir()
    img = Image.open(freckle_photos[0.8] / "front.png")
    img.resize((img.width * 2, img.height * 2), Image.BICUBIC).save(big / "front.png")
    result = build_identity(big, tmp_path / "big.identity")
    assert abs(result.identity.skin.freckles - got[0.8]) <= 0.15, (
        got, result.identity.skin.freckles, result.identity.stats["freckle_coverage"], coverage)


# --------------------------------------------------------------------------- mediapipe (real)

@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe not installed")
def test_mediapipe_face_mesh_agrees_with_the_fallback_on_renders(rendered_photos, freckle_photos):
    """The real face mesh (not a stand-in): same eyes and mouth as the built-in landmarks, and
    face-shape values consistent with them and with the truth, each through its own model."""
    from shotspec.runtime.identity.photos import load_photo

    rgb, _ = load_photo(rendered_photos["paths"][0])          # 96×120, eyes ≈ 31 px apart
    mp = find_face(rgb, use_mediapipe=True)
    fb = find_face(rgb, use_mediapipe=False)
    assert mp.landmarks.method == "mediapipe" and fb.landmarks.method == "fallback"
    for a, b in zip(mp.landmarks.eyes, fb.landmarks.eyes):
        assert math.dist(a, b) < 1.5
    assert math.dist(mp.landmarks.mouth, fb.landmarks.mouth) < 2.0
    assert "mediapipe" in load_calibration()["face"]          # fitted with mediapipe installed
    rgb, _ = load_photo(freckle_photos[0.0] / "front.png")   # 256×320, eyes ≈ 83 px apart
    mp = find_face(rgb, use_mediapipe=True)
    fb = find_face(rgb, use_mediapipe=False)
    got_mp, got_fb = shape_params(mp.landmarks), shape_params(fb.landmarks)
    assert set(got_mp) == set(got_fb) == set(SHAPE_FEATURES.values())
    truth = freckle_photos["truth"]
    for key in got_fb:
        assert abs(got_mp[key] - got_fb[key]) <= _tolerance(key, True), (key, got_mp, got_fb)
        assert abs(got_mp[key] - truth[key]) <= _tolerance(key, True), (key, got_mp)


def test_render_saved_as_photo_is_white_balanced_srgb(tmp_path):
    from PIL import Image

    from shotspec.color import kelvin_to_rgb
    from shotspec.runtime.identity.photos import save_render_as_photo

    # a grey card lit by a 3200 K key comes out neutral when balanced for 3200 K
    card = torch.tensor(kelvin_to_rgb(3200.0)).view(1, 3, 1, 1) * 0.18
    save_render_as_photo(card.expand(1, 3, 4, 4).contiguous(), tmp_path / "card.png", white_k=3200.0)
    px = np.asarray(Image.open(tmp_path / "card.png"))[0, 0]
    assert px.tolist() == [118, 118, 118]          # sRGB encoding of linear 0.18
    with pytest.raises(ValueError, match=r"\(1, 3, H, W\)"):
        save_render_as_photo(torch.zeros(3, 4, 4), tmp_path / "bad.png")
