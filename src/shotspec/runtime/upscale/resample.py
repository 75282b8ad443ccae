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


def _along_last(x: torch.Tensor, fn) -> torch.Tensor:
    b, c, h, w = x.shape
    y = fn(x.reshape(b * c * h, 1, w))
    return y.reshape(b, c, h, -1)


def _up_1d(x: torch.Tensor, kind: str, factor: int) -> torch.Tensor:
    phases, reach = _up_taps(kind, factor)
    weight = torch.tensor(phases, dtype=x.dtype, device=x.device).unsqueeze(1)  # (f, 1, taps)
    n = x.shape[-1]
    xp = F.pad(x, (reach, reach), mode="replicate")
    y = F.conv1d(xp, weight)  # (N, f, n)
    return y.transpose(1, 2).reshape(x.shape[0], 1, n * factor)


def _down_1d(x: torch.Tensor, kind: str, factor: int) -> torch.Tensor:
    taps, lo = _down_taps(kind, factor)
    weight = torch.tensor(taps, dtype=x.dtype, device=x.device).view(1, 1, -1)
    hi = lo + len(taps) - 1
    n = x.shape[-1]
    xp = F.pad(x, (max(0, -lo), max(0, hi - factor + 1)), mode="replicate")
    return F.conv1d(xp, weight, stride=factor)[..., : n // factor]


def upsample(x: torch.Tensor, factor: int, kind: str = "bicubic") -> torch.Tensor:
    """Enlarge ``(B, C, H, W)`` by an integer ``factor`` to ``(B, C, H*factor, W*factor)``."""
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, H, W), got {tuple(x.shape)}")
    if factor == 1:
        return x
    y = _along_last(x, lambda t: _up_1d(t, kind, factor))
    y = _along_last(y.transpose(2, 3), lambda t: _up_1d(t, kind, factor))
    return y.transpose(2, 3).contiguous()


def downsample(x: torch.Tensor, factor: int, kind: str = "bicubic") -> torch.Tensor:
    """Antialiased shrink of ``(B, C, H, W)`` by an integer ``factor`` (H, W multiples of it)."""
    if x.dim() != 4:
        raise ValueError(f"expected (B, C, H, W), got {tuple(x.shape)}")
    if factor == 1:
        return x
    if x.shape[-1] % factor or x.shape[-2] % factor:
        raise ValueError(f"size {tuple(x.shape[-2:])} is not a multiple of {factor}")
    y = _along_last(x, lambda t: _down_1d(t, kind, factor))
    y = _along_last(y.transpose(2, 3), lambda t: _down_1d(t, kind, factor))
    return y.transpose(2, 3).contiguous()


def downsample_blend(x: torch.Tensor, factor: int, box_weight: float) -> torch.Tensor:
    """Shrink by ``factor`` with a blend of Pillow's bicubic (``box_weight`` 0) and box (1)
    kernels: the simulated shrink of an image whose true kernel is unknown."""
    shrunk = downsample(x, factor, "bicubic")
    if box_weight > 0.0:
        shrunk = torch.lerp(shrunk, downsample(x, factor, "box"), box_weight)
    return shrunk
