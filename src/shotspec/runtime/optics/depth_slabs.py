"""Depth slabs and blur levels: how the layered defocus splits a signed-CoC map.

The *blur levels* are a fixed ladder of signed CoC radii (``RADIUS_LADDER_PX`` mirrored to
negative radii in front of the focus plane). A pixel of signed radius ``r`` lies in exactly one
*slab*, the interval between two adjacent levels ``k`` and ``k + 1``, with interpolation weights
``1 − t`` on level ``k`` and ``t`` on level ``k + 1`` (a partition of unity: they sum to one).
Slabs are the compositing units, nearest first; levels are the kernels. Each level's kernel has
the weighted mean radius of the pixels that lean on it, so a surface at one depth is blurred
with exactly its own CoC whichever levels it falls between.
"""

from __future__ import annotations

import math

import torch

__all__ = ["RADIUS_LADDER_PX", "MAX_RADIUS_PX", "split_layers", "level_radii", "slab_bounds",
           "slab_footprint"]

MAX_RADIUS_PX = 128.0
# Blur levels (pixels of CoC radius): 1 px steps while small, then ~25 % steps. The spacing sets
# how finely a smooth depth ramp is sampled, not the accuracy for a surface at one depth.
RADIUS_LADDER_PX = (0.0, 1.0, 2.0, 3.0, 4.0, 5.5, 7.0, 9.0, 11.5, 14.5, 18.5, 23.5, 30.0, 38.0,
                    48.0, 62.0, 80.0, 100.0, 128.0)


def _signed_ladder(device, dtype) -> torch.Tensor:
    pos = torch.tensor(RADIUS_LADDER_PX, device=device, dtype=dtype)
    return torch.cat([-pos[1:].flip(0), pos])


def split_layers(signed_radius_px: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Slab and interpolation weight of every pixel.

    ``signed_radius_px`` ``(1, 1, H, W)`` → (levels ``(L,)`` signed radii ascending = near to
    far, ``lower`` ``(1, 1, H, W)`` int64 index of each pixel's slab (= its lower level),
    ``w_upper`` its weight on level ``lower + 1``; the weight on ``lower`` is ``1 − w_upper``).
    Radii beyond ``±MAX_RADIUS_PX`` are clamped.
    """
    levels = _signed_ladder(signed_radius_px.device, signed_radius_px.dtype)
    s = signed_radius_px.clamp(float(levels[0]), float(levels[-1]))
    flat = s.reshape(-1).contiguous()
    upper = torch.searchsorted(levels, flat, right=True).clamp(1, len(levels) - 1)
    lo, hi = levels[upper - 1], levels[upper]
    w_upper = ((flat - lo) / (hi - lo)).clamp(0, 1)
    return levels, (upper - 1).reshape(s.shape), w_upper.reshape(s.shape)


def level_radii(signed_radius_px: torch.Tensor, lower: torch.Tensor, w_upper: torch.Tensor,
                n_levels: int) -> tuple[list[float], list[float]]:
    """Per level, the weighted mean |radius| of the pixels leaning on it (px, rounded to 1e-4;
    the level's own radius where nothing does), and per slab its pixel count.

    Sums run on the CPU in float64, so they do not depend on the order of a GPU's atomic adds.
    """
    lo = lower.reshape(-1).cpu()
    w = w_upper.reshape(-1).cpu().double()
    r_abs = signed_radius_px.abs().reshape(-1).cpu().double()
    n = n_levels
    mass = (torch.bincount(lo, weights=1 - w, minlength=n)
            + torch.bincount(lo + 1, weights=w, minlength=n + 1)[:n])
    moment = (torch.bincount(lo, weights=(1 - w) * r_abs, minlength=n)
              + torch.bincount(lo + 1, weights=w * r_abs, minlength=n + 1)[:n])
    ladder = _signed_ladder("cpu", torch.float64).abs()
    mean = torch.where(mass > 1e-9, moment / mass.clamp_min(1e-12), ladder)
    counts = torch.bincount(lo, minlength=n)[: n - 1]
    return ([round(float(v), 4) for v in mean.tolist()], [int(v) for v in counts.tolist()])


def slab_bounds(lower: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per row and per column the smallest and largest slab index (CPU tensors), from which
    :func:`slab_footprint` finds a slab's rows and columns without scanning the frame again."""
    lo2 = lower[0, 0]
    return tuple(t.cpu() for t in (lo2.amin(1), lo2.amax(1), lo2.amin(0), lo2.amax(0)))


def slab_footprint(k: int, bounds: tuple[torch.Tensor, ...], grow_y: float, grow_x: float,
                   h: int, w: int) -> tuple[int, int, int, int]:
    """``(y0, y1, x0, x1)``: rows/columns that may hold slab ``k``, grown by the margins, on a
    4-pixel grid (so the window divides into the fill's reduced resolutions), clipped."""
    row_lo, row_hi, col_lo, col_hi = bounds
    rows = torch.nonzero((row_lo <= k) & (row_hi >= k)).reshape(-1)
    cols = torch.nonzero((col_lo <= k) & (col_hi >= k)).reshape(-1)
    gy, gx = int(math.ceil(grow_y)), int(math.ceil(grow_x))
    y0 = max(0, (int(rows[0]) - gy) // 4 * 4)
    y1 = min(h, -(-(int(rows[-1]) + 1 + gy) // 4) * 4)
    x0 = max(0, (int(cols[0]) - gx) // 4 * 4)
    x1 = min(w, -(-(int(cols[-1]) + 1 + gx) // 4) * 4)
    return y0, y1, x0, x1
