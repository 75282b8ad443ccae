"""Face-shape parameters (``FaceIR``, −1…1) from landmarks of front-ish photos.

A photo does not say how many millimetres a pixel is, so only scale-free ratios are used:

* ``eye_ratio`` = eye distance (IPD) / eye-line-to-mouth distance  → ``eye_spacing``
  (the head's eye distance changes by ±7 % per unit, its eye–mouth distance by under 3 %);
* ``mouth_ratio`` = mouth width (corner to corner) / IPD  → ``mouth_width`` (±10 % per unit);
* ``jaw_ratio`` = width of the lower face at mouth height / IPD  → ``jaw_width`` (±10 % per
  unit). Both landmark methods take it from the silhouette: from the skin region's edge out to
  where the redness ``ln(R/G)`` falls half-way to the background's, so the shadow side of the
  jaw counts even where it is too dark for the skin-colour model; only rows whose halves about
  the mouth agree within 25 % count (a side lost to hair or a hand, or a turned head, would
  bias it). It needs an eye distance of at least ``JAW_MIN_IPD_PX`` pixels (in the working
  image).

Each ratio depends a little on the other parameters (a wider eye distance lowers every
``…/IPD`` ratio), so the parameters are solved together from a linear model
``ratios = intercept + matrix · params`` fitted on renders of the procedural head by
``tools/calibrate_identity.py`` and shipped as ``calibration.json`` next to this module, one
model per landmark method (their eye, mouth-corner and mouth-height placements differ). When a
ratio is missing on a photo (no mouth, no clear silhouette), the parameters are solved from the
ratios it has.

A photo counts as front-ish when the mouth sits within ``FRONTAL_TOLERANCE`` eye distances of
the eyes' midpoint (about ±5° of yaw) and the eye line is within 10° of level. Parameters the
procedural head varies but a photo cannot show reliably (head width and height: ears and hair
at the sides; chin length: the chin runs into the neck in the skin mask; nose, lips, ears) are
left to the character's seed; docs/identity.md says why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from shotspec.runtime.faces.face_finder import Landmarks

__all__ = ["shape_params", "shape_features", "is_frontal", "ShapeModel", "load_calibration",
           "shape_model", "CALIBRATION_FILE", "FRONTAL_TOLERANCE", "SHAPE_FEATURES", "JAW_MIN_IPD_PX"]

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
FRONTAL_TOLERANCE = 0.04
# the face width needs pixels: at an eye distance of 31 px one pixel of width is 0.28 units of
# jaw_width, and the renders' per-photo values scattered by ±0.6; from 45 px on it is under 0.2
JAW_MIN_IPD_PX = 45.0
# feature → the FaceIR field it measures (the solve pairs them one to one)
SHAPE_FEATURES = {"eye_ratio": "eye_spacing", "mouth_ratio": "mouth_width", "jaw_ratio": "jaw_width"}


@dataclass(frozen=True)
class ShapeModel:
    """``ratios = intercept + matrix · params`` for one landmark method (features × params)."""

    features: tuple[str, ...]
    params: tuple[str, ...]
    intercept: tuple[float, ...]
    matrix: tuple[tuple[float, ...], ...]

    @classmethod
    def from_json(cls, data: dict) -> "ShapeModel":
        feats = tuple(data["features"])
        params = tuple(SHAPE_FEATURES[f] for f in feats)
        if tuple(data["params"]) != params:
            raise ValueError(f"calibration pairs {data['params']} with {feats}; expected {params}")
        matrix = tuple(tuple(float(v) for v in row) for row in data["matrix"])
        if len(matrix) != len(feats) or any(len(r) != len(feats) for r in matrix):
            raise ValueError("calibration matrix must be square (features × params)")
        return cls(feats, params, tuple(float(v) for v in data["intercept"]), matrix)

    def solve(self, ratios: dict[str, float]) -> dict[str, float]:
        """Parameters (clipped to −1…1) from the ratios present; the others count as 0."""
        rows = [i for i, f in enumerate(self.features) if f in ratios]
        if not rows:
            return {}
        b = np.asarray(self.matrix, dtype=np.float64)[np.ix_(rows, rows)]
        y = np.array([ratios[self.features[i]] - self.intercept[i] for i in rows])
        p = np.linalg.solve(b, y)
        return {self.params[i]: float(np.clip(v, -1.0, 1.0)) for i, v in zip(rows, p)}


@lru_cache(maxsize=4)
def _read(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_calibration(path: str | Path = CALIBRATION_FILE) -> dict:
    """The calibration file's contents (cached per path)."""
    return _read(str(path))


def shape_model(method: str, calibration: dict | None = None) -> ShapeModel:
    """The shape model for landmark ``method`` ("fallback" or "mediapipe"); mediapipe uses
    the fallback's model when the calibration has none of its own (fitted without mediapipe)."""
    cal = calibration if calibration is not None else load_calibration()
    face = cal["face"]
    return ShapeModel.from_json(face.get(method) or face["fallback"])


def is_frontal(marks: Landmarks) -> bool:
    """Front-ish view: mouth under the eyes' midpoint and a near-level eye line."""
    if marks.mouth is None:
        return False
    (ax, ay), (bx, by) = marks.eyes
    ipd = marks.eye_distance
    roll = math.degrees(math.atan2(by - ay, bx - ax))
    return abs(marks.mouth[0] - 0.5 * (ax + bx)) <= FRONTAL_TOLERANCE * ipd and abs(roll) < 10.0


def shape_features(marks: Landmarks) -> dict[str, float]:
    """The scale-free ratios of one photo's landmarks ({} when not front-ish)."""
    if not is_frontal(marks):
        return {}
    (ax, ay), (bx, by) = marks.eyes
    ipd = marks.eye_distance
    # distance from the mouth centre to the eye line (perpendicular), robust to small roll
    mx, my = marks.mouth
    d = abs((bx - ax) * (ay - my) - (ax - mx) * (by - ay)) / max(ipd, 1e-6)
    if d < 0.5 * ipd:
        return {}
    out = {"eye_ratio": ipd / d}
    if marks.mouth_width is not None and math.isfinite(marks.mouth_width):
        out["mouth_ratio"] = marks.mouth_width / ipd
    if marks.jaw_width is not None and math.isfinite(marks.jaw_width) and ipd >= JAW_MIN_IPD_PX:
        out["jaw_ratio"] = marks.jaw_width / ipd
    return out


def shape_params(marks: Landmarks, calibration: dict | None = None) -> dict[str, float]:
    """Face parameters measurable from one photo's landmarks ({} when not front-ish)."""
    ratios = shape_features(marks)
    if not ratios:
        return {}
    return shape_model(marks.method, calibration).solve(ratios)
