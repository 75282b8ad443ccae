"""Beauty smoothing: the edge-preserving skin blur retouchers apply, as a guided filter.

A self-guided filter (He, Sun & Tang, "Guided Image Filtering", 2010) per channel in the
perceptual domain u (``perceptual.py``): inside a window it fits out = a·in + b, with
a = var / (var + ε). Where the window's variance is far above ε (an edge: eyelid, lip line,
nostril) a ≈ 1 and the edge survives; where it is below (pores, fine lines, blotches) a ≈ 0 and
the window mean replaces the texture. That is exactly the plastic look the pipeline warns about
— the lint "smoothing after skin_enhance" exists because this pass erases what the enhancer
added — but it is also a legitimate, user-requested retouch.

The window is 1.5 mm of face when ``frame.meta.face_mm_per_px`` is known (pore-to-blemish
scale), else width/170 pixels. The pass is restricted to the ``skin`` AOV mask when the frame
has one (weight = strength × mask; pixels where the mask is 0 are returned bit-identical) and
covers the whole frame otherwise.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.filters import box_mean
from shotspec.runtime.finishing.perceptual import from_perceptual, require_rgb, to_perceptual
from shotspec.runtime.frame import Frame

__all__ = ["smooth", "guided_filter", "smoothing_radius_px"]

WINDOW_MM = 1.5
_MAX_RADIUS_PX = 64


def smoothing_radius_px(frame: Frame) -> int:
    """Guided-filter window radius in pixels for ``frame`` (see module docstring)."""
    if frame.meta.face_mm_per_px > 0:
        r = WINDOW_MM / frame.meta.face_mm_per_px
    else:
        r = frame.width / 170.0
    return int(min(_MAX_RADIUS_PX, max(1, round(r))))


def guided_filter(x: torch.Tensor, radius_px: int, eps: float) -> torch.Tensor:
    """Self-guided filter of ``(B, C, H, W)`` per channel; ``eps`` is a variance in x's units²."""
    mean = box_mean(x, radius_px, edge="replicate")
    var = (box_mean(x * x, radius_px, edge="replicate") - mean * mean).clamp_min(0.0)
    a = var / (var + eps)
    b = mean - a * mean
    return box_mean(a, radius_px, edge="replicate") * x + box_mean(b, radius_px, edge="replicate")


def smooth(frame: Frame, strength: float) -> Frame:
    """Edge-preserving smoothing of ``frame.rgb`` ``(1, 3, H, W)`` linear light.

    ``strength`` 0..1: 0 returns the frame unchanged, 1 the full guided-filter result; it also
    widens the edge threshold (ε = (0.02 + 0.08·strength)² in perceptual units). Restricted to
    the ``skin`` AOV when present.
    """
    rgb = frame.rgb
    require_rgb(rgb, "smooth")
    if not (math.isfinite(strength) and 0.0 <= strength <= 1.0):
        raise ValueError(f"smoothing strength must be in 0..1, got {strength}")
    if strength == 0.0:
        return frame
    mask = frame.aov("skin")
    weight = torch.full_like(rgb[:, :1], float(strength))
    if mask is not None:
        if mask.shape[-2:] != rgb.shape[-2:]:
            raise ValueError(f"skin mask {tuple(mask.shape)} does not match frame {tuple(rgb.shape)}")
        weight = weight * mask[:, :1].to(rgb).clamp(0.0, 1.0)
    u = to_perceptual(rgb)
    eps = (0.02 + 0.08 * float(strength)) ** 2
    smoothed = guided_filter(u, smoothing_radius_px(frame), eps)
    out = from_perceptual(u + weight * (smoothed - u))
    return frame.with_rgb(torch.where(weight > 0, out, rgb))
