"""The face's scale in millimetres per pixel from its eyes: the irises first, the eye distance second.

Two scale bars a face carries, both read at the eye plane:

* **the iris** (``iris.limbus_fit``): 11.7 mm across whatever the head's turn, as long as the
  eyes look towards the camera. Used when both limbi are found, the two diameters agree
  within ``IRIS_AGREE`` and each steps up by at least ``MIN_CONTRAST`` × the skin's luma;
* **the eye distance** (63 mm, adult mean, sd ≈ 3.5 mm): shrinks as cos θ when the head turns
  by θ. No turn correction is applied: one read off the skin mask's silhouette (cylinder
  model, sin θ = (L − R)/(L + R)) was tried and read −20° to −32° on frontal renders, whose
  shadow side the mask loses, so it did more harm than good. Without irises a turned head's
  scale therefore reads too coarse by 1/cos θ (22 % at 35°).

When both are at hand and agree within ``IPD_AGREE`` the scale is their geometric mean (their
errors are independent: the iris's sd is 4 % of its size, the eye distance's 6 %); when they
disagree the iris wins (a turned head, or an eye distance far from the mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from shotspec.color import LUMA_REC601, linear_to_srgb
from shotspec.runtime.faces.eye_pair import IRIS_TO_DISTANCE
from shotspec.runtime.faces.iris import IRIS_DIAMETER_MM, IrisFit, limbus_fit

__all__ = ["FaceScale", "scale_from_eyes", "display_luma", "IPD_MM"]

IPD_MM = 63.0             # adult interpupillary distance (mean of both sexes)
IRIS_AGREE = 0.85         # the smaller limbus diameter at least this × the larger
IPD_AGREE = 1.15          # iris and eye-distance scales within this factor: averaged
MIN_CONTRAST = 0.012      # limbus step (luma per px) at least this × the skin's luma
SEARCH = 0.3              # iris centre search, × the largest radius tried


@dataclass(frozen=True)
class FaceScale:
    """mm_per_px at the eye plane, how it was found (one line), and the iris diameter (px)
    when it was used."""

    mm_per_px: float
    method: str
    iris_px: float | None = None


def display_luma(rgb: torch.Tensor) -> np.ndarray:
    """Display-referred BT.601 luma (H, W) in 0–1 of a linear frame (1,3,H,W): what the limbus
    fit and the eye finder read."""
    srgb = linear_to_srgb(torch.nan_to_num(rgb[0].detach().float(), nan=0.0, posinf=1.0).clamp(0, 1))
    return (LUMA_REC601[0] * srgb[0] + LUMA_REC601[1] * srgb[1] + LUMA_REC601[2] * srgb[2]).cpu().numpy()


def _fit_irises(luma: np.ndarray, eyes, dist: float) -> tuple[IrisFit | None, IrisFit | None]:
    lo, hi = (f * dist for f in IRIS_TO_DISTANCE)
    return tuple(limbus_fit(luma, (float(x), float(y)), max(lo, 1.0), max(hi, 2.0), search=SEARCH * hi)
                 for x, y in eyes)


def scale_from_eyes(luma: np.ndarray, eyes, skin: np.ndarray | None = None,
                    irises: tuple[IrisFit, IrisFit] | None = None) -> FaceScale:
    """Scale at the eye plane for iris centres ``eyes`` ((x, y), (x, y)) in display luma
    ``luma`` (H, W, 0–1); ``skin`` (H, W bool, same size) for the limbus contrast floor;
    ``irises`` when already fitted at this resolution."""
    (ax, ay), (bx, by) = eyes
    dist = math.hypot(bx - ax, by - ay)
    if not dist > 0:
        raise ValueError(f"the two eyes must be apart, got {eyes}")
    fits = irises if irises is not None else _fit_irises(luma, eyes, dist)
    ref = float(np.median(luma[skin])) if skin is not None and skin.any() else float(np.median(luma))
    iris_px = None
    if all(f is not None for f in fits):
        a, b = (f.diameter for f in fits)
        if (min(a, b) >= IRIS_AGREE * max(a, b)
                and min(f.contrast for f in fits) >= MIN_CONTRAST * ref):
            iris_px = 0.5 * (a + b)

    s_ipd = IPD_MM / dist
    ipd_text = f"eye distance {dist:.0f} px ≈ {IPD_MM:.0f} mm"
    if iris_px is None:
        return FaceScale(s_ipd, ipd_text + " (no pair of irises measured; a turned head reads too coarse)")
    s_iris = IRIS_DIAMETER_MM / iris_px
    iris_text = f"iris {iris_px:.1f} px ≈ {IRIS_DIAMETER_MM:g} mm"
    if max(s_iris, s_ipd) <= IPD_AGREE * min(s_iris, s_ipd):
        return FaceScale(math.sqrt(s_iris * s_ipd), f"{iris_text} and {ipd_text} (geometric mean)", iris_px)
    return FaceScale(s_iris, f"{iris_text} ({ipd_text} disagrees by ×{max(s_iris, s_ipd) / min(s_iris, s_ipd):.2f})",
                     iris_px)
