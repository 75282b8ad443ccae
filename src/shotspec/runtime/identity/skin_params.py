"""Skin parameters of one photo, measured on the face's skin pixels.

Measurement zone: skin pixels inside an ellipse under the eyes (cheeks, nose, upper lip; 1.1
eye distances wide on each side, 0.9 tall, centred 0.45 eye distances below the eye line), so
hair, background and the forehead's hairline never count.

Each photo gives three statistics (``skin_statistics``), and ``skin_calibration.json``'s
``skin`` section (fitted on renders of the scanned head with known skins by
``tools/calibrate_identity.py``; ``load_calibration``) turns them into parameters
(``measure_skin``):

* **Tone** (Monk 1–10): the lit skin colour — mean linear RGB of the zone pixels between the
  55th and 92nd luminance percentile (lit, but no specular highlights) — encoded to sRGB and
  projected onto the polyline of the ten published Monk swatches in CIELAB
  (``monk_position``), corrected for redness (``tone_redness_slope``: redder cheeks project
  darker) and mapped through the calibration's ``tone`` table: the renderer's
  diffuse albedo under a swatch is more saturated than the swatch (see docs/rendering.md), so
  lit skin of tone 4 projects a little darker than 4. This assumes a normally exposed,
  white-balanced photo (a diffuse white under the key ≈ 1.0), as the renderer's frames are.
* **Undertone**: ``U = ln(B/G)`` of the lit colour minus ``ln(B/G)`` of the Monk swatch at the
  projected position, minus the calibration's ``neutral_u`` (U of neutral-undertone renders, by
  tone) and a redness term (``redness_u_slope``, fading out by Monk 7): yellower skin (warm)
  has less blue, pinker (cool) more. Warm below ``warm_below``, cool above ``cool_above``
  (midway between neutral and the warm / cool renders).
* **Redness** (0–1): how much redder the reddest tenth of the zone is than its median, in
  ``ln(R/G)`` (p90 − p50), mapped through the calibration's ``redness`` table.
* **Freckles** are measured separately (``freckles.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from shotspec.compiler.identity_file import monk_position
from shotspec.color import LUMA_REC709, hex_to_srgb, linear_to_srgb, srgb_decode
from shotspec.compiler.tables import MONK_SWATCHES
from shotspec.runtime.faces.face_finder import FaceFind

__all__ = ["SkinSample", "SkinStatistics", "measure_skin", "skin_statistics", "skin_from_statistics", "classify_undertone",
           "zone_mask", "skin_calibration", "load_calibration", "CALIBRATION_FILE",
           "LIT_PERCENTILES"]

LIT_PERCENTILES = (55.0, 92.0)
CALIBRATION_FILE = Path(__file__).with_name("skin_calibration.json")


@lru_cache(maxsize=4)
def _read(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_calibration(path: str | Path = CALIBRATION_FILE) -> dict:
    """The skin and freckle tables (``skin``, ``freckles``; cached per path)."""
    return _read(str(path))


def skin_calibration(calibration: dict | None = None) -> dict:
    """The ``skin`` section of the calibration file (tables described in the module docstring)."""
    cal = calibration if calibration is not None else load_calibration()
    return cal["skin"]


_SWATCH_LIN = np.array([[srgb_decode(c) for c in hex_to_srgb(h)] for h in MONK_SWATCHES])


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


def _swatch_lin(position: float) -> np.ndarray:
    v = float(np.clip(position, 1.0, 10.0))
    i = min(int(v), 9)
    t = v - i
    return _SWATCH_LIN[i - 1] * (1 - t) + _SWATCH_LIN[min(i, 9)] * t


def classify_undertone(index: float, calibration: dict | None = None) -> str:
    """Undertone word of a (neutral-centred) undertone index."""
    cal = skin_calibration(calibration)
    if index < cal["warm_below"]:
        return "warm"
    if index > cal["cool_above"]:
        return "cool"
    return "neutral"


@dataclass(frozen=True)
class SkinStatistics:
    """What one photo's skin zone shows, before calibration: the lit colour (sRGB), its
    position on the Monk polyline, ``ln(B/G)`` relative to the swatch there, and the
    p90 − p50 spread of ``ln(R/G)``."""

    lit_srgb: tuple[float, float, float]
    position: float
    u_raw: float
    red_spread: float
    pixels: int


def skin_statistics(rgb: torch.Tensor, face: FaceFind) -> SkinStatistics | None:
    """Statistics of ``rgb`` (1, 3, H, W linear) inside ``face``'s zone; None when the zone
    holds fewer than 30 skin pixels."""
    if rgb.shape[:2] != (1, 3):
        raise ValueError(f"rgb must be (1, 3, H, W), got {tuple(rgb.shape)}")
    zone = zone_mask(face)
    if zone.sum() < 30:
        return None
    lin = rgb[0].permute(1, 2, 0).cpu().numpy().astype(np.float64)
    px = lin[zone]
    lum = px @ np.asarray(LUMA_REC709)
    lo, hi = np.percentile(lum, LIT_PERCENTILES)
    lit = px[(lum >= lo) & (lum <= hi)].mean(0)
    srgb = np.asarray(linear_to_srgb(np.clip(lit, 0.0, 1.0)), dtype=np.float64)
    position = monk_position(srgb)
    ref = _swatch_lin(position)
    eps = 1e-4
    r = np.log((px[:, 0] + 1e-3) / (px[:, 1] + 1e-3))
    u_raw = np.log((lit[2] + eps) / (lit[1] + eps)) - np.log(ref[2] / ref[1])
    return SkinStatistics(tuple(float(c) for c in srgb), float(position), float(u_raw),
                          float(np.percentile(r, 90) - np.percentile(r, 50)), int(zone.sum()))


def _table(x: float, table) -> float:
    """Piecewise-linear lookup in ``[[x, y], …]`` (x increasing), extrapolated linearly."""
    xs, ys = zip(*table)
    if x <= xs[0]:
        i = 0
    elif x >= xs[-1]:
        i = len(xs) - 2
    else:
        return float(np.interp(x, xs, ys))
    slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])
    return float(ys[i] + (x - xs[i]) * slope)


def measure_skin(rgb: torch.Tensor, face: FaceFind, calibration: dict | None = None) -> SkinSample | None:
    """Skin measurements of ``rgb`` (1, 3, H, W linear) inside ``face``; None when the zone
    holds fewer than 30 skin pixels."""
    stats = skin_statistics(rgb, face)
    return None if stats is None else skin_from_statistics(stats, calibration)


def skin_from_statistics(stats: SkinStatistics, calibration: dict | None = None) -> SkinSample:
    """One photo's statistics turned into parameters through the calibration's tables."""
    cal = skin_calibration(calibration)
    redness = float(np.clip(_table(stats.red_spread, cal["redness"]), 0.0, 1.0))
    position = stats.position - cal["tone_redness_slope"] * (redness - cal["neutral_redness"])
    tone = float(np.clip(_table(position, cal["tone"]), 1.0, 10.0))
    u = stats.u_raw - _table(tone, cal["neutral_u"])
    u -= cal["redness_u_slope"] * (redness - cal["neutral_redness"]) * float(np.clip((7.0 - tone) / 2.0, 0.0, 1.0))
    return SkinSample(stats.lit_srgb, tone, float(u), redness, stats.pixels)
