"""Separable blurs for the spatial finishing passes: Gaussian and box mean, edge-replicating.

Both take ``(B, C, H, W)`` tensors and work channel by channel on the input's device and dtype.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["gaussian_blur", "box_mean"]


def _gaussian_kernel(sigma_px: float, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    radius = max(1, int(math.ceil(3.0 * sigma_px)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (t / sigma_px) ** 2)
    return (k / k.sum()).to(device=device, dtype=dtype)


def _separable(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    r = (k.numel() - 1) // 2
    y = x.reshape(b * c, 1, h, w)
    # Replicate padding never runs out of pixels, unlike reflect, for kernels wider than the image.
    y = F.conv2d(F.pad(y, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    y = F.conv2d(F.pad(y, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    return y.reshape(b, c, h, w)


def gaussian_blur(x: torch.Tensor, sigma_px: float) -> torch.Tensor:
    """Gaussian blur of ``(B, C, H, W)`` with standard deviation ``sigma_px`` (pixels, > 0)."""
    if x.ndim != 4:
        raise ValueError(f"gaussian_blur: expected (B, C, H, W), got {tuple(x.shape)}")
    if sigma_px <= 0:
        return x
    return _separable(x, _gaussian_kernel(float(sigma_px), x.dtype, x.device))


def box_mean(x: torch.Tensor, radius_px: int) -> torch.Tensor:
    """Mean over a ``(2r+1)²`` window of ``(B, C, H, W)``, edges replicated."""
    if x.ndim != 4:
        raise ValueError(f"box_mean: expected (B, C, H, W), got {tuple(x.shape)}")
    r = int(radius_px)
    if r <= 0:
        return x
    k = torch.full((2 * r + 1,), 1.0 / (2 * r + 1), dtype=x.dtype, device=x.device)
    return _separable(x, k)
