"""The face's scale in millimetres per pixel from its eyes: the irises first, the eye distance second.

Two scale bars a face carries, both read at the eye plane:

* **the iris** (``iris.limbus_fit``): 11.7 mm across whatever the head's turn, as long as the
  eyes look towards the camera. One iris suffices (the far eye of a turned head often hides
  in its corner); two are averaged when alike (``eye_pair.trusted_irises``), otherwise the one
  read on more sides counts. Each must step up by at least ``MIN_CONTRAST`` × the skin's luma;
* **the eye distance** (63 mm, adult mean, sd ≈ 3.5 mm): shrinks as cos θ when the head turns
  by θ. No turn correction is applied: one read off the skin mask's silhouette (cylinder
  model, sin θ = (L − R)/(L + R)) was tried and read −20° to −32° on frontal renders, whose
  shadow side the mask loses, so it did more harm than good. Without irises a turned head's
  scale therefore reads too coarse by 1/cos θ (22 % at 35°).

When both are at hand and agree within ``IPD_AGREE`` the scale is their geometric mean (their
errors are independent: the iris's sd is 4 % of its size, the eye distance's 6 %); when they
disagree the iris wins (a turned head, or an eye distance far from the mean). The window is
lopsided: a turn makes the eye distance's scale coarser, never finer, so an iris's scale
coarser than it by more than the two spreads together (``IPD_AGREE[0]``) is not averaged with
it — on resized photos such pairs were a wrong eye pair whose long distance pulled a right
iris 6–10 % fine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from shotspec.color import LUMA_REC601, linear_to_srgb
from shotspec.runtime.faces.eye_pair import IRIS_TO_DISTANCE, trusted_irises
from shotspec.runtime.faces.iris import IRIS_DIAMETER_MM, IrisFit, limbus_fit

__all__ = ["FaceScale", "scale_from_eyes", "scale_from_irises", "display_luma", "IPD_MM"]

IPD_MM = 63.0             # adult interpupillary distance (mean of both sexes)
IPD_AGREE = (1.08, 1.15)  # averaged when the iris's scale is at most this much coarser than the eye
                          # distance's (their spreads together: 7 %) or finer (a turn up to 30°)
MIN_CONTRAST = 0.012      # limbus step (luma per px) at least this × the skin's luma
SEARCH = 0.3              # iris centre search, × the largest radius tried
SMALL_IRIS_PX = 14.0      # irises read smaller than this gave scales 12–290 % off on the size sweep
GIVE_IT = "; give the scale when it matters: face_scale, --face-scale"


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
                    irises: tuple[IrisFit, ...] | None = None) -> FaceScale:
    """Scale at the eye plane for eye centres ``eyes`` ((x, y), (x, y)) in display luma
    ``luma`` (H, W, 0–1); ``skin`` (H, W bool, same size) for the limbus contrast floor;
    ``irises`` (one or two) when already fitted at this resolution."""
    (ax, ay), (bx, by) = eyes
    dist = math.hypot(bx - ax, by - ay)
    if not dist > 0:
        raise ValueError(f"the two eyes must be apart, got {eyes}")
    ref = float(np.median(luma[skin])) if skin is not None and skin.any() else float(np.median(luma))
    if not irises:
        fits = [f if f is not None and f.contrast >= MIN_CONTRAST * ref else None
                for f in _fit_irises(luma, eyes, dist)]
        irises = trusted_irises(*fits)
    return scale_from_irises(irises, dist)


def scale_from_irises(irises: tuple[IrisFit, ...], dist: float | None = None) -> FaceScale:
    """Scale from one or two measured ``irises`` (their mean diameter is 11.7 mm), combined
    with the eye distance ``dist`` (px, 63 mm) when given and agreeing (module docstring). The
    text ends with a hint to give the scale when it is read without an iris or from irises under
    ``SMALL_IRIS_PX``."""
    s_ipd = IPD_MM / dist if dist else None
    ipd_text = f"eye distance {dist:.0f} px ≈ {IPD_MM:.0f} mm" if dist else ""
    if not irises:
        if s_ipd is None:
            raise ValueError("need an iris or an eye distance")
        return FaceScale(s_ipd, ipd_text + f" (no iris measured; a turned head reads too coarse){GIVE_IT}")
    iris_px = float(np.mean([f.diameter for f in irises]))
    s_iris = IRIS_DIAMETER_MM / iris_px
    which = "both irises" if len(irises) == 2 else f"one iris ({irises[0].sides}-sided limbus)"
    iris_text = f"{which} {iris_px:.1f} px ≈ {IRIS_DIAMETER_MM:g} mm"
    if iris_px < SMALL_IRIS_PX:
        iris_text += f" (under {SMALL_IRIS_PX:g} px: often a pupil or a wrong eye{GIVE_IT})"
    if s_ipd is None:
        return FaceScale(s_iris, iris_text, iris_px)
    if s_iris <= IPD_AGREE[0] * s_ipd and s_ipd <= IPD_AGREE[1] * s_iris:
        return FaceScale(math.sqrt(s_iris * s_ipd), f"{iris_text} and {ipd_text} (geometric mean)", iris_px)
    return FaceScale(s_iris, f"{iris_text} ({ipd_text} disagrees by ×{max(s_iris, s_ipd) / min(s_iris, s_ipd):.2f})",
                     iris_px)
