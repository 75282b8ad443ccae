"""The perceptual domain the spatial finishing passes work in, and the frame shape check.

Grain, smoothing and sharpening must behave the same on scene-linear frames (values above 1)
and on display-referred ones (0..1 after a tone map). They work on a *film-density-like*
perceptual value ``u`` in 0..1, a Naka–Rushton / log-logistic curve of linear light::

    u = x^g / (x^g + 0.18^g),      g = RESPONSE_GAMMA

Mid-grey 0.18 sits at u = 0.5, black at 0, and u approaches 1 only as x → ∞, so no scene value
is clipped. Its logit is a straight line in log exposure, ``logit(u) = g·ln(x / 0.18)``: the
domain is a sigmoid of stops, the shape of a negative's density response (H&D curve).
"""

from __future__ import annotations

import torch

__all__ = ["MID_GREY", "RESPONSE_GAMMA", "to_perceptual", "from_perceptual", "require_rgb"]

MID_GREY = 0.18
RESPONSE_GAMMA = 1.2       # slope of logit(u) per natural-log unit of exposure
_U_MAX = 1.0 - 1e-6        # decode limit: u = 1 would be infinite light


def to_perceptual(x: torch.Tensor) -> torch.Tensor:
    """Linear light (any shape, ≥ 0) → perceptual u in [0, 1); negative values count as 0."""
    r = (x.clamp_min(0.0) / MID_GREY) ** RESPONSE_GAMMA
    return r / (1.0 + r)


def from_perceptual(u: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`to_perceptual`; u is clamped to [0, 1 − 1e-6] first."""
    u = u.clamp(0.0, _U_MAX)
    return MID_GREY * (u / (1.0 - u)) ** (1.0 / RESPONSE_GAMMA)


def require_rgb(rgb: torch.Tensor, what: str) -> None:
    """Raise ValueError unless ``rgb`` is a ``(B, 3, H, W)`` floating-point tensor."""
    if rgb.ndim != 4 or rgb.shape[1] != 3 or not rgb.is_floating_point():
        raise ValueError(f"{what}: expected a (B, 3, H, W) float tensor, got "
                         f"{tuple(rgb.shape)} {rgb.dtype}")
