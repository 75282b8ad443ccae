"""Unsharp-mask sharpening on luminance.

The detail layer is luminance minus its Gaussian blur, computed in the perceptual domain u
(``perceptual.py``) so the same ``amount`` looks the same in shadows and highlights and on
scene-linear or display-referred frames. Only luminance is sharpened; each pixel's colour is
scaled by the luminance ratio, so edges gain contrast without colour fringes.
"""

from __future__ import annotations

import math

import torch

from shotspec.color import luminance
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.finishing.perceptual import from_perceptual, require_rgb, to_perceptual
from shotspec.runtime.frame import Frame

__all__ = ["sharpen"]

_U_CEILING = 0.9999   # overshoot limit in u (≈ 2000× mid-grey), keeps halos finite


def sharpen(frame: Frame, amount: float, radius_px: float = 1.0) -> Frame:
    """Unsharp mask of ``frame.rgb`` ``(1, 3, H, W)``: L' = L + amount·(L − blur_σ(L)) in u.

    ``amount`` ≥ 0 (0 = unchanged, 0.5 subtle, 1 strong; up to 3), ``radius_px`` is the blur's
    Gaussian σ in output pixels (> 0). AOVs untouched.
    """
    rgb = frame.rgb
    require_rgb(rgb, "sharpen")
    if not (math.isfinite(amount) and amount >= 0.0):
        raise ValueError(f"sharpen amount must be a finite number ≥ 0, got {amount}")
    if not (math.isfinite(radius_px) and radius_px > 0.0):
        raise ValueError(f"sharpen radius must be > 0 px, got {radius_px}")
    if amount == 0.0:
        return frame
    lum = luminance(rgb).clamp_min(0.0)
    u = to_perceptual(lum)
    u_sharp = (u + float(amount) * (u - gaussian_blur(u, float(radius_px), edge="replicate", taps_in_float64=True))).clamp(0.0, _U_CEILING)
    lum_sharp = from_perceptual(u_sharp)
    dark = lum <= 1e-6
    ratio = lum_sharp / torch.where(dark, torch.ones_like(lum), lum)
    return frame.with_rgb(torch.where(dark, rgb + (lum_sharp - lum), rgb * ratio))
