"""The one home of the runtime's smoothing filters: Gaussian blurs and box means, each with the
edge policy written at its call site.

All take ``(B, C, H, W)`` tensors and work channel by channel on the input's device and dtype.

Edge policies (``edge=``), i.e. what the filter reads past the image's border:

=============  ==============================================================================
``replicate``  the border pixel repeated (``a a a | a b c``); never runs out of pixels, so a
               kernel wider than the image is fine. The finishing passes, the upscaler and the
               identity measures use it.
``reflect``    mirrored about the border pixel without repeating it (``c b | a b c``), so a
               region's mean does not drift at the image edge (the skin enhancer). Along an
               axis no longer than the kernel's radius, where a mirror would run out of image,
               that axis is replicated instead.
``zero``       zeros (``0 0 | a b c``); only for normalised means (``masked_box_mean``), where
               the zeros cancel between numerator and denominator.
=============  ==============================================================================

The callers' filters differ in ways that change the last bits of a result, and every caller
keeps its own so renders stay byte-identical: the Gaussian's reach (``truncate`` σ), whether
its taps are computed in float64 (``taps_in_float64``), and how a box mean sums (``method``:
convolution taps, one pooling window, or float64 running sums).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F

__all__ = ["EDGE_POLICIES", "EdgePolicy", "BoxMethod", "pad_edges", "gaussian_taps", "box_max",
           "gaussian_blur", "masked_gaussian_blur", "wide_gaussian_blur", "box_mean",
           "masked_box_mean"]

EdgePolicy = Literal["replicate", "reflect", "zero"]
BoxMethod = Literal["taps", "pool", "running_sum"]
EDGE_POLICIES = ("replicate", "reflect", "zero")


def _check(x: torch.Tensor, what: str) -> None:
    if x.ndim != 4:
        raise ValueError(f"{what}: expected (B, C, H, W), got {tuple(x.shape)}")


def _pad_mode(edge: str, radius: int, size: int) -> str:
    if edge == "reflect":
        return "reflect" if radius < size else "replicate"
    if edge == "replicate":
        return "replicate"
    if edge == "zero":
        return "constant"
    raise ValueError(f"edge policy must be one of {EDGE_POLICIES}, got {edge!r}")


def pad_edges(x: torch.Tensor, left: int, right: int, top: int, bottom: int, edge: EdgePolicy) -> torch.Tensor:
    """``x`` (…, H, W) grown by the given pixel counts, the new pixels filled by ``edge``."""
    if left == right == 0 and top == bottom == 0:
        return x
    if left or right:
        x = F.pad(x, (left, right, 0, 0), mode=_pad_mode(edge, max(left, right), x.shape[-1]))
    if top or bottom:
        x = F.pad(x, (0, 0, top, bottom), mode=_pad_mode(edge, max(top, bottom), x.shape[-2]))
    return x


def gaussian_taps(sigma_px: float, *, truncate: float = 3.0, dtype: torch.dtype, device,
                  taps_in_float64: bool = False) -> torch.Tensor:
    """Normalised 1-D Gaussian of ``2r + 1`` taps, ``r = max(1, ceil(truncate · σ))``; the taps
    are computed in float64 and rounded to ``dtype`` when ``taps_in_float64``, else in ``dtype``."""
    radius = max(1, int(math.ceil(truncate * sigma_px)))
    if taps_in_float64:
        t = torch.arange(-radius, radius + 1, dtype=torch.float64)
        k = torch.exp(-0.5 * (t / sigma_px) ** 2)
        return (k / k.sum()).to(device=device, dtype=dtype)
    t = torch.arange(-radius, radius + 1, device=device, dtype=dtype)
    k = torch.exp(-0.5 * (t / sigma_px) ** 2)
    return k / k.sum()


# Rows per strip of a separable filter on a large image. Filtering a strip (plus the kernel's
# reach above and below) along W and then along H keeps the intermediate in the CPU's cache:
# a 9-tap blur of five 1024×1280 planes took 0.11 s in strips against 0.39 s whole. Every
# output pixel reads the same inputs with the same taps, so the result is the same to the bit.
# (Checked on 9 shapes × 3 edge policies × 7 kernels; on a 17-pixel-wide image convolution
# (and on a 97-pixel-wide one) rounds differently per strip, so narrow images are filtered whole.)
STRIP_ROWS = 128
STRIP_MIN_WIDTH = 256


def _separable(x: torch.Tensor, k: torch.Tensor, edge: EdgePolicy) -> torch.Tensor:
    """``x`` convolved with the 1-D kernel ``k`` along W, then along H (in row strips of about
    ``STRIP_ROWS`` when the image is taller than two strips and at least ``STRIP_MIN_WIDTH``
    wide)."""
    b, c, h, w = x.shape
    r = (k.numel() - 1) // 2
    y = x.reshape(b * c, 1, h, w)
    kx, ky = k.view(1, 1, 1, -1), k.view(1, 1, -1, 1)
    mode_w, mode_h = _pad_mode(edge, r, w), _pad_mode(edge, r, h)
    if h <= 2 * STRIP_ROWS or w < STRIP_MIN_WIDTH or r >= STRIP_ROWS:
        y = F.conv2d(F.pad(y, (r, r, 0, 0), mode=mode_w), kx)
        y = F.conv2d(F.pad(y, (0, 0, r, r), mode=mode_h), ky)
        return y.reshape(b, c, h, w)
    out = torch.empty_like(y)
    n = -(-h // STRIP_ROWS)
    step = -(-h // n)                                    # balanced strips, none of a few rows
    for r0 in range(0, h, step):
        r1 = min(h, r0 + step)
        lo, hi = max(0, r0 - r), min(h, r1 + r)          # real rows the strip's outputs read
        part = F.conv2d(F.pad(y[..., lo:hi, :], (r, r, 0, 0), mode=mode_w), kx)
        top, bottom = r - (r0 - lo), r - (hi - r1)       # the rest comes from the image's edge
        if top or bottom:
            part = F.pad(part, (0, 0, top, bottom), mode=mode_h)
        out[..., r0:r1, :] = F.conv2d(part, ky)
    return out.reshape(b, c, h, w)


def gaussian_blur(x: torch.Tensor, sigma_px: float, *, edge: EdgePolicy, truncate: float = 3.0,
                  taps_in_float64: bool = False) -> torch.Tensor:
    """Separable Gaussian blur of ``x`` (B, C, H, W), standard deviation ``sigma_px`` pixels
    (``x`` itself when ``sigma_px ≤ 0``), kernel cut at ``truncate`` σ."""
    _check(x, "gaussian_blur")
    if sigma_px <= 0:
        return x
    k = gaussian_taps(float(sigma_px), truncate=truncate, dtype=x.dtype, device=x.device,
                      taps_in_float64=taps_in_float64)
    return _separable(x, k, edge)


def masked_gaussian_blur(x: torch.Tensor, mask: torch.Tensor, sigma_px: float, *, edge: EdgePolicy,
                         eps: float = 1e-4) -> torch.Tensor:
    """Normalised convolution: the Gaussian mean of ``x`` over the pixels where ``mask``
    (B, 1, H, W) is set, so values outside the mask (hair, background) never leak in."""
    num = gaussian_blur(x * mask, sigma_px, edge=edge)
    den = gaussian_blur(mask, sigma_px, edge=edge)
    return num / den.clamp_min(eps)


def wide_gaussian_blur(x: torch.Tensor, sigma_px: float, mask: torch.Tensor | None = None, *,
                       edge: EdgePolicy) -> torch.Tensor:
    """Gaussian blur for large sigmas (tens of pixels): area-downsample, blur (masked when
    ``mask`` is given), bilinear upsample. For low-frequency estimates, where the result is
    smooth anyway and a full-resolution 6σ kernel would dominate the run time (σ ≥ 1.5 px after
    the reduction)."""
    _check(x, "wide_gaussian_blur")
    h, w = x.shape[-2:]
    factor = max(1, int(sigma_px // 1.5))
    factor = min(factor, max(1, min(h, w) // 4))
    if factor > 1:
        xs = F.avg_pool2d(x, factor, ceil_mode=True)
        ms = F.avg_pool2d(mask, factor, ceil_mode=True) if mask is not None else None
    else:
        xs, ms = x, mask
    s = sigma_px / factor
    ys = masked_gaussian_blur(xs, ms, s, edge=edge) if ms is not None else gaussian_blur(xs, s, edge=edge)
    if factor > 1:
        ys = F.interpolate(ys, size=(h, w), mode="bilinear", align_corners=False)
    return ys


def _running_sum_mean(x: torch.Tensor, radius: int, edge: EdgePolicy, dims: tuple[int, ...]) -> torch.Tensor:
    """Box mean by running sums (O(1) per pixel whatever the radius), accumulated in float64
    where the device has it so large frames keep their precision."""
    acc_dtype = torch.float32 if x.device.type == "mps" else torch.float64
    k = 2 * radius + 1
    y = x.to(acc_dtype)
    for dim in dims:
        pad = [0, 0, 0, 0]
        pad[0 if dim == -1 else 2] = radius + 1
        pad[1 if dim == -1 else 3] = radius
        yp = F.pad(y, pad, mode=_pad_mode(edge, radius + 1, y.shape[dim]))
        cs = yp.cumsum(dim)
        n = y.shape[dim]
        y = (cs.narrow(dim, k, n) - cs.narrow(dim, 0, n)) / k
    return y.to(x.dtype)


def box_max(x: torch.Tensor, radius_px: int) -> torch.Tensor:
    """Maximum of ``x`` (B, C, H, W) over the (2r+1)² window around each pixel, the window cut
    at the edges (as ``max_pool2d`` with padding r): a row pass, then a column pass, so the
    cost grows with r, not r² (the face finder closes masks with windows of a hundred pixels).
    Exactly the one-step window maximum."""
    _check(x, "box_max")
    r = int(radius_px)
    if r <= 0:
        return x
    k = 2 * r + 1
    return F.max_pool2d(F.max_pool2d(x, (1, k), 1, (0, r)), (k, 1), 1, (r, 0))


def box_mean(x: torch.Tensor, radius_px: int, *, edge: EdgePolicy, method: BoxMethod = "taps",
             axis: Literal["both", "x", "y"] = "both") -> torch.Tensor:
    """Mean of ``x`` (B, C, H, W) over a window ``2r + 1`` pixels wide (``x`` when ``r ≤ 0``):
    square for ``axis="both"``, a row for ``"x"``, a column for ``"y"``.

    ``method``: ``"taps"`` convolves with ``1/(2r+1)`` taps along W then H; ``"pool"`` averages
    the whole window in one pooling step; ``"running_sum"`` differences float64 prefix sums
    (for radii of tens of pixels). All three give the same mean up to rounding.
    """
    _check(x, "box_mean")
    r = int(radius_px)
    if r <= 0:
        return x
    if method == "taps":
        if axis != "both":
            raise ValueError("box_mean: method='taps' filters both axes")
        k = torch.full((2 * r + 1,), 1.0 / (2 * r + 1), dtype=x.dtype, device=x.device)
        return _separable(x, k, edge)
    dims = {"both": (-1, -2), "x": (-1,), "y": (-2,)}[axis]
    if method == "running_sum":
        return _running_sum_mean(x, r, edge, dims)
    if method != "pool":
        raise ValueError(f"box_mean: unknown method {method!r}")
    rx = r if -1 in dims else 0
    ry = r if -2 in dims else 0
    return F.avg_pool2d(pad_edges(x, rx, rx, ry, ry, edge), (2 * ry + 1, 2 * rx + 1), stride=1)


def masked_box_mean(x: torch.Tensor, mask: torch.Tensor, radius_px: int, *, edge: EdgePolicy,
                    method: BoxMethod = "pool", axis: Literal["both", "x", "y"] = "both",
                    eps: float = 1e-6) -> torch.Tensor:
    """Box mean of ``x`` over the set pixels of ``mask`` (B, 1, H, W) only: the box mean of
    ``x · mask`` over the box mean of ``mask`` (at least ``eps``)."""
    num = box_mean(x * mask, radius_px, edge=edge, method=method, axis=axis)
    den = box_mean(mask, radius_px, edge=edge, method=method, axis=axis)
    return num / den.clamp_min(eps)
