"""Integer-factor separable resampling with Pillow's kernels, in torch.

The upscaler needs to resample exactly the way common tools do: its initial estimate is a bicubic
upsample, and its consistency step simulates how the small image was probably made (Pillow's
antialiased bicubic or box downscale). Kernels follow Pillow's definitions: Keys cubic with
a = -0.5, Lanczos-3, box; downscaling stretches the kernel by the factor (antialiasing), pixel
centres sit at ``(i + 0.5)`` in both grids. Borders replicate the edge pixel.

All functions take and return ``(B, C, H, W)`` tensors and keep the input's device and dtype.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F

__all__ = ["upsample", "downsample", "downsample_blend", "KERNELS", "ASSUMED_BOX_WEIGHT"]

# How much box averaging the simulated shrink of a real image mixes into Pillow bicubic: the
# true kernel is unknown, and the equal blend is the least-squares choice between the two.
ASSUMED_BOX_WEIGHT = 0.5

KERNELS = ("bicubic", "lanczos", "box", "bilinear")
_SUPPORT = {"bicubic": 2.0, "lanczos": 3.0, "box": 0.5, "bilinear": 1.0}


def _kernel(kind: str, x: float) -> float:
    x = abs(x)
    if kind == "bicubic":
        a = -0.5
        if x < 1.0:
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
        if x < 2.0:
            return (((x - 5.0) * x + 8.0) * x - 4.0) * a
        return 0.0
    if kind == "lanczos":
        if x == 0.0:
            return 1.0
        if x >= 3.0:
            return 0.0
        px = math.pi * x
        return 3.0 * math.sin(px) * math.sin(px / 3.0) / (px * px)
    if kind == "bilinear":
        return max(0.0, 1.0 - x)
    if kind == "box":
        return 1.0 if -0.5 <= x < 0.5 else 0.0
    raise ValueError(f"unknown resampling kernel {kind!r}; expected one of {KERNELS}")


@lru_cache(maxsize=64)
def _up_taps(kind: str, factor: int) -> tuple[tuple[tuple[float, ...], ...], int]:
    """Per-phase taps for upsampling: output ``q*factor + p`` reads inputs ``q + d``."""
    reach = int(math.ceil(_SUPPORT[kind])) + 1
    phases = []
    for p in range(factor):
        centre_offset = (p + 0.5) / factor - 0.5
        w = [_kernel(kind, d - centre_offset) for d in range(-reach, reach + 1)]
        s = sum(w)
        phases.append(tuple(v / s for v in w))
    return tuple(phases), reach


@lru_cache(maxsize=64)
def _down_taps(kind: str, factor: int) -> tuple[tuple[float, ...], int]:
    """Taps for antialiased downsampling: output ``o`` reads inputs ``o*factor + d``."""
    support = _SUPPORT[kind] * factor
    lo = int(math.floor(-support + factor / 2.0 - 0.5))
    hi = int(math.ceil(support + factor / 2.0 - 0.5))
    w = [_kernel(kind, (d + 0.5 - factor / 2.0) / factor) for d in range(lo, hi + 1)]
    s = sum(w)
    return tuple(v / s for v in w), lo


def _plane_stack(x: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    return x.reshape(b * c, 1, h, w)


def _up_axis(x: torch.Tensor, kind: str, factor: int, axis: int) -> torch.Tensor:
    """Upsample planes (N, 1, H, W) along ``axis`` (2 rows, 3 columns): one thin 2-D
    convolution gives each output phase as a channel, interleaved by one permute."""
    phases, reach = _up_taps(kind, factor)
    taps = torch.tensor(phases, dtype=x.dtype, device=x.device)
    n, _, h, w = x.shape
    if axis == 3:
        y = F.conv2d(F.pad(x, (reach, reach, 0, 0), mode="replicate"), taps.view(factor, 1, 1, -1))
        return y.permute(0, 2, 3, 1).reshape(n, 1, h, w * factor)
    y = F.conv2d(F.pad(x, (0, 0, reach, reach), mode="replicate"), taps.view(factor, 1, -1, 1))
    return y.permute(0, 2, 1, 3).reshape(n, 1, h * factor, w)


def _down_axis(x: torch.Tensor, kind: str, factor: int, axis: int) -> torch.Tensor:
    """Antialiased shrink of planes (N, 1, H, W) along ``axis`` (2 rows, 3 columns)."""
    taps, lo = _down_taps(kind, factor)
    weight = torch.tensor(taps, dtype=x.dtype, device=x.device)
    pad = (max(0, -lo), max(0, lo + len(taps) - 1 - factor + 1))
    if axis == 3:
        y = F.conv2d(F.pad(x, (*pad, 0, 0), mode="replicate"), weight.view(1, 1, 1, -1),
                     stride=(1, factor))
        return y[..., : x.shape[3] // factor]
    y = F.conv2d(F.pad(x, (0, 0, *pad), mode="replicate"), weight.view(1, 1, -1, 1),
                 stride=(factor, 1))
    return y[..., : x.shape[2] // factor, :]


def upsample(x: torch.Tensor, factor: int, kind: str = "bicubic") -> torch.Tensor:
    """Enlarge ``(B, C, H, W)`` by an integer ``factor`` to ``(B, C, H*factor, W*factor)``.

    Bilinear is torch's own ``interpolate`` (the same tent taps and replicated edges, within
    an ulp, five times faster); the other kernels are separable passes."""
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, H, W), got {tuple(x.shape)}")
    if factor == 1:
        return x
    if kind == "bilinear":
        return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)
    b, c, h, w = x.shape
    y = _up_axis(_up_axis(_plane_stack(x), kind, factor, 3), kind, factor, 2)
    return y.reshape(b, c, h * factor, w * factor)


def downsample(x: torch.Tensor, factor: int, kind: str = "bicubic") -> torch.Tensor:
    """Antialiased shrink of ``(B, C, H, W)`` by an integer ``factor`` (H, W multiples of it)."""
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, H, W), got {tuple(x.shape)}")
    if factor == 1:
        return x
    if x.shape[-1] % factor or x.shape[-2] % factor:
        raise ValueError(f"size {tuple(x.shape[-2:])} is not a multiple of {factor}")
    b, c, h, w = x.shape
    y = _down_axis(_down_axis(_plane_stack(x), kind, factor, 3), kind, factor, 2)
    return y.reshape(b, c, h // factor, w // factor)


def downsample_blend(x: torch.Tensor, factor: int, box_weight: float) -> torch.Tensor:
    """Shrink by ``factor`` with a blend of Pillow's bicubic (``box_weight`` 0) and box (1)
    kernels: the simulated shrink of an image whose true kernel is unknown."""
    shrunk = downsample(x, factor, "bicubic")
    if box_weight > 0.0:
        shrunk = torch.lerp(shrunk, downsample(x, factor, "box"), box_weight)
    return shrunk
