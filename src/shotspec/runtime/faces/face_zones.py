"""Where the nose, the eyes and the brows are, from the two eyes alone (face proportions).

Without a landmark model the skin mask knows only the two iris centres. Adult proportions
place the rest in the eyes' own frame — origin at their midpoint, ``u`` along the eye line
(towards the image's right eye), ``v`` perpendicular to it, down the face, both in eye
distances ``d``:

* **nose** (``NOSE``): from the bridge between the eyes (v ≈ 0.05, ±0.14 d wide) down to the
  alar rims and the nostrils (v ≈ 0.8, ±0.42 d: wider than a nose, so a head turned or rolled
  by 10° still has its nose inside; cheek pixels it takes in are skin anyway). On ``model_face.jpg`` the hand-drawn nose
  spans v 0.02–0.76 and ±0.29 d at the wings. Its shading edges and rims are textured like
  hair at the strand scale, so inside this zone skin is decided by colour and darkness only.
* **eyes** (``EYE_AXES``): an ellipse ±0.24 d × ±0.13 d about each iris (the fissure is about
  0.48 d long; the mask's own texture test takes out lashes and the lid line beyond it);
* **brows** (``BROW``): an ellipse above each eye, centred 0.27 d above the iris and 0.05 d
  towards the temple, ±0.27 d × ±0.085 d (``model_face.jpg``: 0.25 and 0.29 d above);
* **nostrils**: the dark pixels of the nose zone's lower third (``NOSTRIL_DARKNESS`` × the
  skin's median luma), grown by one pixel.

A turned head moves the nose off the midpoint; the zone is only ever *added* where the colour
model already calls the pixels skin-coloured, so on a turned head it adds less, never hair or
background.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

__all__ = ["FaceZones", "face_zones"]

NOSE = ((-0.16, 0.05), (0.16, 0.05), (0.3, 0.45), (0.42, 0.62), (0.42, 0.8), (-0.42, 0.8),
        (-0.42, 0.62), (-0.3, 0.45))          # (u, v) polygon in eye distances
EYE_AXES = (0.24, 0.13)                       # half-axes along / across the eye line
BROW = (0.05, -0.27, 0.27, 0.085)             # outward offset, v offset, half-axes
NOSTRIL_ROWS = 0.55                           # nostrils: below this v in the nose zone
NOSTRIL_DARKNESS = 0.5                        # darker than this × the skin's median luma


class FaceZones:
    """Boolean (H, W) maps of the ``nose`` zone and the ``features`` to leave out (eyes,
    brows, nostrils), at the resolution they were drawn for."""

    def __init__(self, nose: np.ndarray, features: np.ndarray):
        self.nose = nose
        self.features = features


def _frame(eyes) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    (ax, ay), (bx, by) = eyes
    a, b = np.array([ax, ay], float), np.array([bx, by], float)
    d = float(np.hypot(*(b - a)))
    u = (b - a) / max(d, 1e-6)
    v = np.array([-u[1], u[0]])
    if v[1] < 0:
        v = -v
    return 0.5 * (a + b), u, v, d


def _draw(shape, polys=(), ellipses=()) -> np.ndarray:
    h, w = shape
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    for poly in polys:
        draw.polygon([(float(x), float(y)) for x, y in poly], fill=255)
    for centre, ax_u, ax_v, u, v in ellipses:
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        pts = centre + np.outer(np.cos(t) * ax_u, u) + np.outer(np.sin(t) * ax_v, v)
        draw.polygon([(float(x), float(y)) for x, y in pts], fill=255)
    return np.asarray(img) > 127


def face_zones(eyes, luma: np.ndarray, skin_luma: float) -> FaceZones:
    """The zones for iris centres ``eyes`` ((x, y), (x, y)) on an image whose display luma is
    ``luma`` (H, W, 0–1); ``skin_luma`` is the skin's median luma (for the nostrils)."""
    mid, u, v, d = _frame(eyes)
    nose_poly = [mid + d * (pu * u + pv * v) for pu, pv in NOSE]
    nose = _draw(luma.shape, polys=[nose_poly])
    ellipses = []
    for k, centre in enumerate(np.asarray(eyes, float)):
        out = -1.0 if k == 0 else 1.0            # the temple side of this eye
        ellipses.append((centre, EYE_AXES[0] * d, EYE_AXES[1] * d, u, v))
        bc = centre + d * (out * BROW[0] * u + BROW[1] * v)
        ellipses.append((bc, BROW[2] * d, BROW[3] * d, u, v))
    features = _draw(luma.shape, ellipses=ellipses)
    ys, xs = np.mgrid[0:luma.shape[0], 0:luma.shape[1]]
    along_v = (xs - mid[0]) * v[0] + (ys - mid[1]) * v[1]
    nostrils = nose & (along_v > NOSTRIL_ROWS * d) & (luma < NOSTRIL_DARKNESS * skin_luma)
    if nostrils.any():
        grown = nostrils.copy()
        grown[1:] |= nostrils[:-1]
        grown[:-1] |= nostrils[1:]
        grown[:, 1:] |= grown[:, :-1]
        grown[:, :-1] |= grown[:, 1:]
        nostrils = grown
    return FaceZones(nose & ~features, features | nostrils)
