"""Aperture-shaped blur kernels (bokeh) and the FFT convolution that applies them.

The kernel is the image of a defocused point: the aperture's shape scaled to the circle of
confusion. A ``blades``-sided aperture gives a regular polygon (0 blades: a circle) of the same
*area* as the circle of diameter ``2·radius_px``, so exposure and the equivalent CoC diameter do
not change with the blade count. An anamorphic squeeze stretches the kernel vertically (the
oval bokeh of a desqueezed anamorphic image). Kernels are anti-aliased by supersampling and sum
to 1, and are always applied at full resolution, so a disc's edge stays about one pixel wide
(10–90 %) at any radius.

A point behind the focus plane focuses in front of the sensor and its rays cross before they
land, a point in front of it focuses behind the sensor: the two blur spots are images of the
aperture turned 180° against each other. ``front=True`` gives the front-focus kernel, the
back-focus one point-mirrored (only odd blade counts look different).
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F

from shotspec.runtime.fft_sizes import good_fft_size

__all__ = ["aperture_kernel", "polygon_circumradius", "fft_blur", "blur_sum", "kernel_half_size"]

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
                    squeeze: float = 1.0, *, front: bool = False, device=None,
                    dtype=torch.float32) -> torch.Tensor:
    """The bokeh kernel ``(kh, kw)`` for a CoC of radius ``radius_px`` (pixels, horizontal).

    ``blades`` 0–2 is a circle, ≥3 a regular polygon of equal area; ``rotation_rad`` turns the
    polygon clockwise (0: a vertex points up, as behind the focus plane); ``front`` point-mirrors
    it (a point in front of the focus plane); ``squeeze`` ≥ 1 stretches it vertically.
    Radii below 0.5 px give the identity ``[[1]]``. The result sums to 1.
    """
    if front and blades >= 3:
        rotation_rad = math.remainder(rotation_rad + math.pi, 2 * math.pi)
    k = _kernel_cpu(round(float(radius_px), 3), int(blades), round(float(rotation_rad), 4),
                    round(float(squeeze), 4))
    return k.to(device=device, dtype=dtype)


def fft_blur(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Convolve every channel of ``x`` ``(1, C, H, W)`` with ``kernel`` ``(kh, kw)`` (odd sizes).

    The image is edge-extended (replicate) by the kernel's half size, so borders behave as if
    the scene continued. The same as ``blur_sum([(x, kernel)])``.
    """
    return blur_sum([(x, kernel)])


_DIRECT_TAPS = 121      # below ~11×11 taps a direct convolution beats the FFT


def blur_sum(pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """``Σ xᵢ ⊛ kᵢ`` for images ``xᵢ`` ``(1, C, H, W)`` of one shape and kernels
    ``(khᵢ, kwᵢ)`` (odd sizes, centred), each image edge-extended (replicate) past its borders.

    Small kernels convolve directly; otherwise all pairs share one padded FFT size, the
    products of spectra are summed and one inverse FFT gives the sum (a layer blurred with two
    kernels costs one forward transform more than with one). FFT lengths are 5-smooth.
    """
    if not pairs:
        raise ValueError("blur_sum needs at least one (image, kernel) pair")
    shape = pairs[0][0].shape
    for x, k in pairs:
        if x.ndim != 4 or x.shape[0] != 1 or x.shape != shape:
            raise ValueError(f"blur_sum expects images (1, C, H, W) of one shape, got {tuple(x.shape)}")
        if k.ndim != 2 or k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
            raise ValueError(f"blur_sum expects odd 2-D kernels, got {tuple(k.shape)}")
    _, c, h, w = shape
    if all(k.shape[0] * k.shape[1] <= _DIRECT_TAPS for _, k in pairs):
        out = None
        for x, k in pairs:
            kh, kw = k.shape
            if kh == 1 and kw == 1:
                y = x * k[0, 0]
            else:
                xp = F.pad(x, (kw // 2, kw // 2, kh // 2, kh // 2), mode="replicate")
                weight = k.flip(0, 1).to(x)[None, None].expand(c, 1, kh, kw)
                y = F.conv2d(xp, weight, groups=c)
            out = y if out is None else out + y
        return out
    ph = max(k.shape[0] // 2 for _, k in pairs)
    pw = max(k.shape[1] // 2 for _, k in pairs)
    fh, fw = good_fft_size(h + 2 * ph), good_fft_size(w + 2 * pw)
    spec = None
    for x, k in pairs:
        kh, kw = k.shape
        xp = F.pad(x, (pw, pw, ph, ph), mode="replicate")
        kpad = torch.zeros(fh, fw, device=x.device, dtype=x.dtype)
        kpad[:kh, :kw] = k.to(x)
        kpad = torch.roll(kpad, shifts=(-(kh // 2), -(kw // 2)), dims=(0, 1))
        term = torch.fft.rfft2(xp, s=(fh, fw)) * torch.fft.rfft2(kpad)
        spec = term if spec is None else spec + term
    out = torch.fft.irfft2(spec, s=(fh, fw))
    return out[..., ph:ph + h, pw:pw + w].contiguous()
