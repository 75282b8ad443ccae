"""The enhancer's texture, defocused with the surface it lies on.

``skin_enhance`` runs after the lens: texture added at full sharpness would put crisp pores on
a forehead the lens has blurred (a giveaway at 100 %). The lens leaves each pixel's blur radius
in the ``defocus`` AOV (a fraction of the frame's width); the texture's log-intensity change is
blurred to match before it is applied. A disc of radius r (the thin lens's circle of confusion)
and a Gaussian of σ = r / 2 have the same second moment, so the texture is blurred by a
Gaussian of that σ: the change is blurred once per level σ ∈ ``LEVELS_PX`` (up to the largest
σ the frame needs) and each pixel interpolates linearly between the two levels around its own
σ. Beyond the last level the texture, whose features are under a few pixels, has lost its
contrast: it fades as (σ_last / σ)². Sharp pixels (σ below the first level) keep the change
bit for bit.
"""

from __future__ import annotations

import torch

from shotspec.runtime.filters import gaussian_blur

__all__ = ["defocus_delta", "LEVELS_PX"]

LEVELS_PX = (0.5, 1.0, 2.0, 4.0, 8.0)      # Gaussian σ of the blurred copies


def defocus_delta(delta: torch.Tensor, radius_px: torch.Tensor) -> torch.Tensor:
    """``delta`` (1, C, H, W) blurred per pixel by the blur radius ``radius_px`` (1, 1, H, W)
    of the surface it lies on (a Gaussian of σ = radius / 2, interpolated between levels)."""
    sigma = (radius_px.to(delta.dtype) / 2.0).clamp_min(0.0)
    top = float(sigma.max()) if sigma.numel() else 0.0
    if top < LEVELS_PX[0]:
        return delta
    sigmas = [0.0] + [s for s in LEVELS_PX if s <= 2.0 * top or s == LEVELS_PX[0]]
    copies = [delta] + [gaussian_blur(delta, s, edge="reflect") for s in sigmas[1:]]
    out = torch.zeros_like(delta)
    for i, (lo, hi) in enumerate(zip(sigmas[:-1], sigmas[1:])):
        inside = (sigma >= lo) & (sigma < hi)
        t = ((sigma - lo) / (hi - lo)).clamp(0.0, 1.0)
        out = torch.where(inside, torch.lerp(copies[i], copies[i + 1], t), out)
    last = sigmas[-1]
    fade = (last / sigma.clamp_min(last)) ** 2
    return torch.where(sigma >= last, copies[-1] * fade, out)
