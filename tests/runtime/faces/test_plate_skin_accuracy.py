"""The plate skin mask and face scale on a real photograph, against hand-drawn ground truth.

``model_face.jpg`` (1280×1920, a retouched portrait whose blonde hair has the skin's own colour)
with ``data/model_face_labels.json``: hair, nose, skin polygons and feature centres drawn by
hand at 100 % (see its ``how`` field and docs/skin_enhance.md). mediapipe is not used, so this
is what every installation gets.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from shotspec.runtime.enhance import plan_enhance
from shotspec.runtime.faces.skin_mask import detect_skin
from shotspec.runtime.frame import Frame, FrameMeta

sys.path.insert(0, str(Path(__file__).parent))
from shared_photos import MODEL_FACE, labels, linear_photo, nose_without_nostrils, polygon_mask  # noqa: E402

pytestmark = pytest.mark.skipif(not MODEL_FACE.exists(), reason=f"shared test photo {MODEL_FACE} not found")


@pytest.fixture(scope="module")
def found():
    frame = Frame(linear_photo(MODEL_FACE), meta=FrameMeta(source="plate"))
    det = detect_skin(frame, use_landmarks=False)
    return frame, det, det.mask[0, 0].numpy(), labels()


def test_blonde_hair_stays_out_of_the_mask(found):
    _, _, m, lab = found
    hair = polygon_mask(lab["hair"].values(), tuple(lab["size"]))
    assert (m[hair] > 0.5).mean() < 0.01            # was 0.38 with the colour-and-smoothness mask
    assert m[hair].mean() < 0.01                     # soft weight too: no pink dots in the hair
    for name, poly in lab["hair"].items():
        assert (m[polygon_mask([poly], tuple(lab["size"]))] > 0.5).mean() < 0.02, name


def test_nose_is_in_the_mask(found):
    _, _, m, lab = found
    nose = nose_without_nostrils(lab)
    assert (m[nose] > 0.5).mean() > 0.9              # was 0.46


def test_eyes_brows_lips_nostrils_and_jewellery_are_left_out(found):
    _, det, m, lab = found
    for name, (x, y) in lab["centres"].items():
        assert m[y, x] == 0.0, name
    assert "eyes, brows and nostrils taken out" in det.description


def test_face_hands_neck_and_chest_stay_in(found):
    _, _, m, lab = found
    least = {"forehead": 0.95, "cheek_left": 0.95, "cheek_right": 0.95, "chin": 0.9, "chest": 0.95,
             "hand": 0.85, "shoulder_left": 0.8, "neck": 0.4}
    for name, poly in lab["skin"].items():
        assert (m[polygon_mask([poly], tuple(lab["size"]))] > 0.5).mean() > least[name], name


def test_irises_are_found_on_the_eyes(found):
    _, det, _, lab = found
    assert det.eyes is not None
    for fit, key in zip(det.eyes.irises, ("eye_left", "eye_right")):
        x, y = lab["centres"][key]
        assert np.hypot(fit.cx - x, fit.cy - y) < 20          # iris radius ≈ 30 px


def test_face_scale_within_ten_percent(found):
    frame, _, _, lab = found
    plan = plan_enhance(frame)
    assert plan.face.mm_per_px == pytest.approx(lab["mm_per_px"], rel=0.10)
    assert "iris" in plan.face.scale_method                   # was 1.5× too coarse (skin width)
