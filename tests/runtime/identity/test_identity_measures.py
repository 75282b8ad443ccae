"""Skin tables, freckle detector and the mediapipe path, on synthetic images and renders."""

from __future__ import annotations

import importlib.util
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from shotspec.runtime.faces.face_finder import find_face
from shotspec.runtime.identity.face_fit import observation_from_landmarks
from shotspec.runtime.identity.freckles import freckle_statistic
from shotspec.runtime.identity.skin_params import load_calibration


def test_skin_tables_are_kept_and_the_face_calibration_is_gone():
    cal = load_calibration()
    assert "face" not in cal and set(cal["skin"]) >= {"tone", "redness", "neutral_u"}
    table = cal["freckles"]["table"]
    assert [v for _, v in table] == sorted(v for _, v in table) and table[0][1] == 0.0
    xs = [x for x, _ in cal["skin"]["tone"]]
    assert xs == sorted(xs)


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
    """The closed-loop person (seed 11: not a calibration person), front view at 256×320 (the
    freckle table's size), shaded with 0, 0.35 and 0.8 freckles under the test set's third rig
    (not a calibration rig); one folder per value."""
    from pathlib import Path

    from shotspec.runtime.head.shade import shade

    person, save_photo = rendered_photos["person"], rendered_photos["save_photo"]
    truth = dict(rendered_photos["truth"], mouth_width=0.5, jaw_width=-0.5)
    cam = rendered_photos["camera"]()
    scene, geo = rendered_photos["render_geometry"](person(**truth), cam, *FRECKLE_SIZE)
    root = Path(tmp_path_factory.mktemp("freckles"))
    out = {}
    for level in (0.0, 0.35, 0.8):
        ch = person(**truth, freckles=level)
        rig = rendered_photos["rigs"][2]
        folder = root / f"f{level}"
        folder.mkdir()
        save_photo(shade(geo, scene, ch, list(rig), cam).rgb, folder / "front.png",
                   white_k=rig[0].temperature_k)
        out[level] = folder
    out["truth"] = truth
    return out


def test_closed_loop_recovers_freckles(freckle_photos, tmp_path):
    from shotspec.runtime.identity import build_identity

    got = {}
    for level in (0.0, 0.35, 0.8):
        result = build_identity(freckle_photos[level], tmp_path / f"{level}.identity")
        assert result.error is None, result.photos[0].reasons
        got[level] = result.identity.skin.freckles
        assert result.identity.stats["freckle_photos"] == 1
        # the face shape is fitted to the one photo's landmarks (pupils, mouth corners, the
        # outline at mouth height), near a front view
        assert result.identity.stats["fit_photos"] == 1
        assert len(result.identity.coefficients) == 50
        assert abs(result.identity.stats["fit_turns_deg"][0]) < 15.0
    # documented tolerance (docs/identity.md): ±0.25 (another seed and light than calibrated)
    for level, value in got.items():
        assert abs(value - level) <= 0.25, got
    assert got[0.0] < got[0.35] < got[0.8]


@pytest.mark.xfail(strict=True, reason=(
    "the scanned head's freckles are faint: the 256x320 photo (0.78 mm/px, not resampled) finds "
    "1.6 spots/cm2 (coverage 0.0125, freckles 0.85), its 2x bicubic copy area-resampled to "
    "0.75 mm/px 0.56 spots/cm2 (coverage 0.0049, freckles 0.21)"))
def test_freckles_read_the_same_at_twice_the_size(freckle_photos, tmp_path):
    """The same photo at twice the size: measured on a crop of the full-size photo, not on the
    320 px working copy, at the same millimetres per pixel → the same freckles."""
    from PIL import Image

    from shotspec.runtime.identity import build_identity

    ref = build_identity(freckle_photos[0.8], tmp_path / "ref.identity").identity
    big = tmp_path / "big"
    big.mkdir()
    img = Image.open(freckle_photos[0.8] / "front.png")
    img.resize((img.width * 2, img.height * 2), Image.BICUBIC).save(big / "front.png")
    result = build_identity(big, tmp_path / "big.identity")
    assert abs(result.identity.skin.freckles - ref.skin.freckles) <= 0.15, (
        ref.skin.freckles, result.identity.skin.freckles, result.identity.stats["freckle_coverage"],
        ref.stats["freckle_coverage"])


# --------------------------------------------------------------------------- mediapipe (real)

@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is None, reason="mediapipe not installed")
def test_mediapipe_face_mesh_agrees_with_the_fallback_on_renders(rendered_photos, freckle_photos):
    """The real face mesh (not a stand-in): same eyes and mouth as the built-in landmarks, and
    its 478 points read as the 68 where a face has them."""
    from shotspec.runtime.identity.photos import load_photo

    rgb, _ = load_photo(rendered_photos["paths"][0])          # 96×120, eyes ≈ 31 px apart
    mp = find_face(rgb, use_mediapipe=True)
    fb = find_face(rgb, use_mediapipe=False)
    assert mp.landmarks.method == "mediapipe" and fb.landmarks.method == "fallback"
    for a, b in zip(mp.landmarks.eyes, fb.landmarks.eyes):
        assert math.dist(a, b) < 1.5
    assert math.dist(mp.landmarks.mouth, fb.landmarks.mouth) < 2.0
    rgb, _ = load_photo(freckle_photos[0.0] / "front.png")   # 256×320, eyes ≈ 83 px apart
    mp = find_face(rgb, use_mediapipe=True)
    obs = observation_from_landmarks(mp.landmarks, (rgb.shape[-1], rgb.shape[-2]))
    # the mesh's 68 points, not the pupils (people look at the camera: pupils are no head points)
    assert obs is not None and int((obs.confidence[:68] > 0).sum()) == 68
    assert float(obs.confidence[68:].max()) == 0.0
    # the mesh's 68 points lie on the face: the eye corners around the irises, the mouth
    # corners either side of the built-in mouth centre
    fb = find_face(rgb, use_mediapipe=False).landmarks
    pts = obs.points_px - 0.5
    assert pts[36, 0] < fb.eyes[0][0] < pts[39, 0] and pts[42, 0] < fb.eyes[1][0] < pts[45, 0]
    assert pts[48, 0] < fb.mouth[0] < pts[54, 0]


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


# --------------------------------------------------------------------------- blur limit

# the shared real photographs: ../shared/data/faces next to the repository, or this variable
SHARED_FACES = Path(os.environ.get("SHOTSPEC_SHARED_FACES",
                                   Path(__file__).resolve().parents[3].parent / "shared" / "data" / "faces"))
REAL_PHOTOS = ("model_face.jpg", "kodim04.png", "kodim15.png")


def _face_blur(rgb: torch.Tensor) -> float:
    """The photo check's blur value: the metric on the found face region."""
    from shotspec.runtime.identity.photos import blur_metric, srgb_luma

    face = find_face(rgb, use_mediapipe=False)
    assert face.region is not None
    return blur_metric(srgb_luma(rgb), torch.from_numpy(face.region)[None, None])


def test_blur_limit_passes_sharp_photos_and_rejects_blurred_ones(rendered_photos, freckle_photos):
    """Sharp renders of the held-out person (96×120 and 256×320, three rigs) and the shared real
    photographs pass the blur check; the same images blurred by a Gaussian of σ = 2 or 3 px (of
    the ≤ 320 px working image the check sees) fail it (docs/identity.md, "Blur")."""
    from shotspec.runtime.filters import gaussian_blur
    from shotspec.runtime.identity.photos import PhotoThresholds, load_photo

    limit = PhotoThresholds().blur
    paths = list(rendered_photos["paths"]) + [freckle_photos[0.0] / "front.png"]
    paths += [SHARED_FACES / n for n in REAL_PHOTOS if (SHARED_FACES / n).is_file()]
    sharp, blurred = {}, {}
    for path in paths:
        rgb, _ = load_photo(path)
        sharp[path.name] = _face_blur(rgb)
        blurred[path.name] = min(_face_blur(gaussian_blur(rgb, s, edge="replicate")) for s in (2.0, 3.0))
    assert max(sharp.values()) <= limit - 0.05, sharp          # a margin above the sharpest
    assert min(blurred.values()) >= limit + 0.05, blurred      # … and below the least blurred
