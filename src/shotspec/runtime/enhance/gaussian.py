"""Gaussian filtering for the skin enhancer: separable blur, masked (normalised) blur, cheap wide blur.

All functions take and return ``(B, C, H, W)`` float tensors on the input's device; sigmas are in
pixels. Borders are reflected so a region's mean does not drift at the image edge.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["gaussian_blur", "masked_blur", "wide_blur"]


def _kernel_1d(sigma_px: float, device, dtype) -> torch.Tensor:
    radius = max(1, int(math.ceil(3.0 * sigma_px)))
    t = torch.arange(-radius, radius + 1, device=device, dtype=dtype)
    k = torch.exp(-0.5 * (t / sigma_px) ** 2)
    return k / k.sum()


def gaussian_blur(x: torch.Tensor, sigma_px: float) -> torch.Tensor:
    """Separable Gaussian blur of ``x`` (B, C, H, W) with standard deviation ``sigma_px`` pixels."""
    if x.dim() != 4:
        raise ValueError(f"gaussian_blur expects (B, C, H, W), got {tuple(x.shape)}")
    if sigma_px <= 0:
        return x
    b, c, h, w = x.shape
    k = _kernel_1d(float(sigma_px), x.device, x.dtype)
    r = (k.numel() - 1) // 2
    y = x.reshape(b * c, 1, h, w)
    mode_w = "reflect" if r < w else "replicate"
    mode_h = "reflect" if r < h else "replicate"
    y = F.conv2d(F.pad(y, (r, r, 0, 0), mode=mode_w), k.view(1, 1, 1, -1))
    y = F.conv2d(F.pad(y, (0, 0, r, r), mode=mode_h), k.view(1, 1, -1, 1))
    return y.reshape(b, c, h, w)


def masked_blur(x: torch.Tensor, mask: torch.Tensor, sigma_px: float, eps: float = 1e-4) -> torch.Tensor:
    """Normalised convolution: the Gaussian mean of ``x`` over the pixels where ``mask`` (B,1,H,W) is set.

    Values outside the mask never leak in, so a skin statistic is not pulled towards hair or background.
    """
    num = gaussian_blur(x * mask, sigma_px)
    den = gaussian_blur(mask, sigma_px)
    return num / den.clamp_min(eps)


def wide_blur(x: torch.Tensor, sigma_px: float, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Gaussian blur for large sigmas (tens of pixels): area-downsample, blur, bilinear upsample.

    Used for the low-frequency shading and light-level estimates, where the result is smooth anyway
    and a full-resolution 6σ kernel would dominate the pass's run time (σ ≥ 1.5 px after reduction).
    """
    if x.dim() != 4:
        raise ValueError(f"wide_blur expects (B, C, H, W), got {tuple(x.shape)}")
    h, w = x.shape[-2:]
    factor = max(1, int(sigma_px // 1.5))
    factor = min(factor, max(1, min(h, w) // 4))
    if factor > 1:
        xs = F.avg_pool2d(x, factor, ceil_mode=True)
        ms = F.avg_pool2d(mask, factor, ceil_mode=True) if mask is not None else None
    else:
        xs, ms = x, mask
    s = sigma_px / factor
    ys = masked_blur(xs, ms, s) if ms is not None else gaussian_blur(xs, s)
    if factor > 1:
        ys = F.interpolate(ys, size=(h, w), mode="bilinear", align_corners=False)
    return ys
