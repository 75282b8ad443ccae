"""Vignetting: corner darkening with the radial profile of the cos⁴ law.

Natural illumination falls off as cos⁴θ with the field angle θ (tan θ = r / v, r the distance
from the optical axis on the sensor, v the image distance). Real lenses wide open lose more
than that (mechanical/optical vignetting), so the camera's ``vignetting`` value sets the light
lost in the extreme corner of the frame and cos⁴ only shapes the falloff between centre and
corner:

    gain(r) = 1 − v · (1 − cos⁴θ(r)) / (1 − cos⁴θ_corner)

``vignetting 0.3`` therefore means the corners get 30 % less light (about half a stop).
"""

from __future__ import annotations

import torch

__all__ = ["vignette_gain", "apply_vignette"]


def vignette_gain(height: int, width: int, *, strength: float, pixel_pitch_m: float,
                  image_distance_m: float, device=None, dtype=torch.float32) -> torch.Tensor:
    """Multiplicative gain ``(1, 1, H, W)``: 1 on the axis, ``1 − strength`` in the corners."""
    # Built in float64 on the CPU (MPS has no float64), then moved to the frame's device.
    ys = (torch.arange(height, dtype=torch.float64) - (height - 1) / 2) * pixel_pitch_m
    xs = (torch.arange(width, dtype=torch.float64) - (width - 1) / 2) * pixel_pitch_m
    r2 = ys[:, None] ** 2 + xs[None, :] ** 2
    v2 = image_distance_m ** 2
    cos4 = (v2 / (v2 + r2)) ** 2               # cos⁴θ = (v² / (v² + r²))²
    corner = float(cos4[0, 0])
    if strength <= 0 or corner >= 1.0:
        return torch.ones(1, 1, height, width, device=device, dtype=dtype)
    gain = 1.0 - strength * (1.0 - cos4) / (1.0 - corner)
    return gain.to(device=device, dtype=dtype)[None, None]


def apply_vignette(rgb: torch.Tensor, *, strength: float, pixel_pitch_m: float,
                   image_distance_m: float) -> torch.Tensor:
    """Darken ``rgb`` ``(1, 3, H, W)`` towards the corners (see module docstring)."""
    if rgb.ndim != 4:
        raise ValueError(f"apply_vignette expects (1, C, H, W), got {tuple(rgb.shape)}")
    gain = vignette_gain(rgb.shape[-2], rgb.shape[-1], strength=strength,
                         pixel_pitch_m=pixel_pitch_m, image_distance_m=image_distance_m,
                         device=rgb.device, dtype=rgb.dtype)
    return rgb * gain
