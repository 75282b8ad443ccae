"""Skin parameters of one photo, measured on the face's skin pixels.

Measurement zone: skin pixels inside an ellipse under the eyes (cheeks, nose, upper lip; 1.1
eye distances wide on each side, 0.9 tall, centred 0.45 eye distances below the eye line), so
hair, background and the forehead's hairline never count.

* **Tone** (Monk 1–10): the lit skin colour — mean linear RGB of the zone pixels between the
  55th and 92nd luminance percentile (lit, but no specular highlights) — encoded to sRGB and
  projected onto the polyline of the ten published Monk swatches in CIELAB
  (``monk_position``). This assumes a normally exposed, white-balanced photo (a diffuse white
  under the key ≈ 1.0), as the renderer's frames are.
* **Undertone**: ``U = ln(B/G)`` of the lit colour minus ``ln(B/G)`` of the Monk swatch at the
  measured position, minus the neutral offset found on renders (``NEUTRAL_U``, by tone, and
  a redness term): yellower skin
  (warm) has less blue, pinker (cool) more. Warm below ``−UNDERTONE_T[0]``, cool above
  ``UNDERTONE_T[1]``.
* **Redness** (0–1): how much redder the reddest tenth of the zone is than its median, in
  ``ln(R/G)`` (p90 − p50), mapped through the table ``REDNESS_TABLE`` calibrated on renders.
* **Freckles** are measured separately (``freckles.py``), at a finer scale than this zone's
  working pixels.

The tables here (neutral offsets, redness) were fitted by hand on the procedural renderer (not
yet by tools/calibrate_identity.py; tests/runtime/identity shows the
closed loop); docs/identity.md states the tolerances reached.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from shotspec.compiler.identity_file import monk_position
from shotspec.compiler.tables import MONK_SWATCHES, hex_to_srgb
from shotspec.runtime.color import linear_to_srgb
from shotspec.runtime.identity.face_finder import FaceFind

__all__ = ["SkinSample", "measure_skin", "classify_undertone", "zone_mask", "LIT_PERCENTILES",
           "NEUTRAL_U", "REDNESS_U_SLOPE", "UNDERTONE_T", "REDNESS_TABLE"]

LIT_PERCENTILES = (55.0, 92.0)
# U of neutral renders (redness 0.1) by tone: the specular and fill light add a neutral part
# that weighs more on darker skin, so the offset depends on the tone.
NEUTRAL_U = ((2.0, 0.005), (3.0, 0.029), (5.0, -0.028), (7.0, 0.131), (9.0, 0.126))
REDNESS_U_SLOPE = 0.09             # redness raises U on light skin (fades out by Monk 7)
UNDERTONE_T = (0.02, 0.01)         # warm below −0.02, cool above +0.01 (renders: warm ≈ −0.04,
                                   # cool ≈ +0.02, neutral 0 ± 0.015)
REDNESS_TABLE = ((0.022, 0.0), (0.082, 0.5), (0.195, 1.0))   # (p90 − p50 of ln R/G, redness)

_SWATCH_LIN = np.array([[c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                         for c in hex_to_srgb(h)] for h in MONK_SWATCHES])


@dataclass(frozen=True)
class SkinSample:
    """One photo's skin measurements: lit colour (sRGB), Monk tone, undertone index, redness."""

    lit_srgb: tuple[float, float, float]
    tone: float
    undertone_index: float
    redness: float
    pixels: int


def zone_mask(face: FaceFind, filled: bool = False) -> np.ndarray:
    """The measurement zone (H, W bool): skin under the eyes, see the module docstring.
    ``filled``: the face region with its holes (nostrils, dark spots) instead of skin only."""
    (ax, ay), (bx, by) = face.landmarks.eyes
    ipd = max(face.landmarks.eye_distance, 1.0)
    ex, ey = 0.5 * (ax + bx), 0.5 * (ay + by)
    h, w = face.skin.shape
    yy, xx = np.mgrid[0:h, 0:w]
    ell = ((xx - ex) / (1.1 * ipd)) ** 2 + ((yy - (ey + 0.45 * ipd)) / (0.9 * ipd)) ** 2
    return (face.region if filled else face.skin) & (ell < 1.0)


def _interp(x: float, table) -> float:
    xs, ys = zip(*table)
    if x >= xs[-1]:
        slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        return float(np.clip(ys[-1] + (x - xs[-1]) * slope, 0.0, 1.0))
    return float(np.clip(np.interp(x, xs, ys), 0.0, 1.0))


def _swatch_lin(position: float) -> np.ndarray:
    v = float(np.clip(position, 1.0, 10.0))
    i = min(int(v), 9)
    t = v - i
    return _SWATCH_LIN[i - 1] * (1 - t) + _SWATCH_LIN[min(i, 9)] * t


def classify_undertone(index: float) -> str:
    """Undertone word of a (neutral-centred) undertone index."""
    if index < -UNDERTONE_T[0]:
        return "warm"
    if index > UNDERTONE_T[1]:
        return "cool"
    return "neutral"


def measure_skin(rgb: torch.Tensor, face: FaceFind) -> SkinSample | None:
    """Skin measurements of ``rgb`` (1, 3, H, W linear) inside ``face``; None when the zone
    holds fewer than 30 skin pixels."""
    if rgb.shape[:2] != (1, 3):
        raise ValueError(f"rgb must be (1, 3, H, W), got {tuple(rgb.shape)}")
    zone = zone_mask(face)
    if zone.sum() < 30:
        return None
    lin = rgb[0].permute(1, 2, 0).cpu().numpy().astype(np.float64)
    px = lin[zone]
    lum = px @ np.array([0.2126, 0.7152, 0.0722])
    lo, hi = np.percentile(lum, LIT_PERCENTILES)
    lit = px[(lum >= lo) & (lum <= hi)].mean(0)
    srgb = np.asarray(linear_to_srgb(np.clip(lit, 0.0, 1.0)), dtype=np.float64)
    tone = monk_position(srgb)
    ref = _swatch_lin(tone)
    eps = 1e-4
    r = np.log((px[:, 0] + 1e-3) / (px[:, 1] + 1e-3))
    redness = _interp(float(np.percentile(r, 90) - np.percentile(r, 50)), REDNESS_TABLE)
    u = np.log((lit[2] + eps) / (lit[1] + eps)) - np.log(ref[2] / ref[1])
    u -= float(np.interp(tone, *zip(*NEUTRAL_U)))
    u -= REDNESS_U_SLOPE * (redness - 0.1) * float(np.clip((7.0 - tone) / 2.0, 0.0, 1.0))
    return SkinSample(tuple(float(c) for c in srgb), float(tone), float(u), redness, int(zone.sum()))
