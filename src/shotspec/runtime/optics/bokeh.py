"""Aperture-shaped blur kernels (bokeh) and the FFT convolution that applies them.

The kernel is the image of a defocused point: the aperture's shape scaled to the circle of
confusion. A ``blades``-sided aperture gives a regular polygon (0 blades: a circle) of the same
*area* as the circle of diameter ``2·radius_px``, so exposure and the equivalent CoC diameter do
not change with the blade count. An anamorphic squeeze stretches the kernel vertically (the
oval bokeh of a desqueezed anamorphic image). Kernels are anti-aliased by supersampling and sum
to 1.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F

from shotspec.runtime.fft_sizes import good_fft_size

__all__ = ["aperture_kernel", "polygon_circumradius", "fft_blur", "kernel_half_size"]

_SUPERSAMPLE = 5


def polygon_circumradius(radius_px: float, blades: int) -> float:
    """Circumradius of the regular ``blades``-gon whose area equals a circle of ``radius_px``."""
    if blades < 3:
        return float(radius_px)
    n = float(blades)
    return float(radius_px) * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))


def kernel_half_size(radius_px: float, blades: int, squeeze: float) -> tuple[int, int]:
    """Half height and half width (pixels) of the kernel array for these aperture settings."""
    rc = polygon_circumradius(radius_px, blades)
    return int(math.ceil(rc * squeeze + 0.5)), int(math.ceil(rc + 0.5))


@lru_cache(maxsize=256)
def _kernel_cpu(radius_q: float, blades: int, rotation_q: float, squeeze_q: float) -> torch.Tensor:
    if radius_q < 0.5:
        return torch.ones(1, 1)
    hh, hw = kernel_half_size(radius_q, blades, squeeze_q)
    ss = _SUPERSAMPLE
    offs = (torch.arange(ss, dtype=torch.float64) + 0.5) / ss - 0.5
    ys = (torch.arange(-hh, hh + 1, dtype=torch.float64)[:, None] + offs[None, :]).reshape(-1)
    xs = (torch.arange(-hw, hw + 1, dtype=torch.float64)[:, None] + offs[None, :]).reshape(-1)
    y = ys[:, None] / squeeze_q          # undo the anamorphic stretch: test in round-lens space
    x = xs[None, :]
    if blades < 3:
        inside = (x * x + y * y) <= radius_q * radius_q
    else:
        rc = polygon_circumradius(radius_q, blades)
        apothem = rc * math.cos(math.pi / blades)
        # Vertex 0 points straight up (−y in image rows) and turns clockwise with rotation;
        # edge normals sit halfway between vertices.
        angles = rotation_q - math.pi / 2 + (torch.arange(blades, dtype=torch.float64) + 0.5) * (
            2 * math.pi / blades)
        proj = x[None] * torch.cos(angles)[:, None, None] + y[None] * torch.sin(angles)[:, None, None]
        inside = proj.amax(dim=0) <= apothem
    cover = inside.to(torch.float64).reshape(2 * hh + 1, ss, 2 * hw + 1, ss).mean(dim=(1, 3))
    return (cover / cover.sum()).to(torch.float32)


def aperture_kernel(radius_px: float, blades: int = 0, rotation_rad: float = 0.0,
                    squeeze: float = 1.0, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """The bokeh kernel ``(kh, kw)`` for a CoC of radius ``radius_px`` (pixels, horizontal).

    ``blades`` 0–2 is a circle, ≥3 a regular polygon of equal area; ``rotation_rad`` turns the
    polygon clockwise (0: a vertex points up); ``squeeze`` ≥ 1 stretches it vertically.
    Radii below 0.5 px give the identity ``[[1]]``. The result sums to 1.
    """
    k = _kernel_cpu(round(float(radius_px), 3), int(blades), round(float(rotation_rad), 4),
                    round(float(squeeze), 4))
    return k.to(device=device, dtype=dtype)


def fft_blur(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Convolve every channel of ``x`` ``(1, C, H, W)`` with ``kernel`` ``(kh, kw)`` (odd sizes).

    The image is edge-extended (replicate) by the kernel's half size, so borders behave as if
    the scene continued; the FFT size is rounded up to a 5-smooth length. Small kernels use a
    direct convolution, which is faster than the FFT below ~11×11.
    """
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"fft_blur expects (1, C, H, W), got {tuple(x.shape)}")
    kh, kw = kernel.shape
    if kh == 1 and kw == 1:
        return x * kernel[0, 0]
    ph, pw = kh // 2, kw // 2
    _, c, h, w = x.shape
    mode = "replicate"
    xp = F.pad(x, (pw, pw, ph, ph), mode=mode)
    if kh * kw <= 121:
        weight = kernel.flip(0, 1).to(x)[None, None].expand(c, 1, kh, kw)
        return F.conv2d(xp, weight, groups=c)
    hp, wp = xp.shape[-2:]
    fh, fw = good_fft_size(hp), good_fft_size(wp)
    kpad = torch.zeros(fh, fw, device=x.device, dtype=x.dtype)
    kpad[:kh, :kw] = kernel.to(x)
    kpad = torch.roll(kpad, shifts=(-ph, -pw), dims=(0, 1))
    spec = torch.fft.rfft2(xp, s=(fh, fw)) * torch.fft.rfft2(kpad)
    out = torch.fft.irfft2(spec, s=(fh, fw))
    return out[..., ph:ph + h, pw:pw + w].contiguous()
