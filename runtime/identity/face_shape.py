"""Face-shape parameters (``FaceIR``, −1…1) from landmarks of front-ish photos.

Only what the landmarks measure reliably is estimated. Scale-free ratios are used, because a
photo does not say how many millimetres a pixel is:

* ``eye_spacing`` from ``IPD / D`` — the eye distance over the eye-line-to-mouth distance
  (the procedural head's eye–mouth distance varies by under 3 %, its eye distance by ±7 %
  per unit of ``eye_spacing``). Calibrated on frontal renders of the procedural head with the
  fallback landmarks: ``ratio = EYE_RATIO[0] + EYE_RATIO[1] · eye_spacing``.

A photo counts as front-ish when the mouth sits within ``FRONTAL_TOLERANCE`` eye distances of
the eyes' midpoint (about ±5° of yaw) and the eye line is within 10° of level. Other face
parameters (head, jaw and mouth widths, nose, chin) are left to the character's seed: the
fallback cannot see them reliably (widths need both sides of the face equally lit); docs/identity.md
says so.
"""

from __future__ import annotations

import math

from shotspec.runtime.identity.face_finder import Landmarks

__all__ = ["shape_params", "is_frontal", "EYE_RATIO", "FRONTAL_TOLERANCE"]

EYE_RATIO = (0.836, 0.0469)   # refit on the current head: eye_spacing −0.8 / 0 / +0.8, 3 rigs
FRONTAL_TOLERANCE = 0.04


def is_frontal(marks: Landmarks) -> bool:
    """Front-ish view: mouth under the eyes' midpoint and a near-level eye line."""
    if marks.mouth is None:
        return False
    (ax, ay), (bx, by) = marks.eyes
    ipd = marks.eye_distance
    roll = math.degrees(math.atan2(by - ay, bx - ax))
    return abs(marks.mouth[0] - 0.5 * (ax + bx)) <= FRONTAL_TOLERANCE * ipd and abs(roll) < 10.0


def shape_params(marks: Landmarks) -> dict[str, float]:
    """Face parameters measurable from one photo's landmarks ({} when not front-ish)."""
    if not is_frontal(marks):
        return {}
    (ax, ay), (bx, by) = marks.eyes
    ipd = marks.eye_distance
    # distance from the mouth centre to the eye line (perpendicular), robust to small roll
    mx, my = marks.mouth
    d = abs((bx - ax) * (ay - my) - (ax - mx) * (by - ay)) / max(ipd, 1e-6)
    if d < 0.5 * ipd:
        return {}
    ratio = ipd / d
    value = (ratio - EYE_RATIO[0]) / EYE_RATIO[1]
    return {"eye_spacing": max(-1.0, min(1.0, value))}
