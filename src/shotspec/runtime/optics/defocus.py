"""Depth-aware defocus: depth slabs blurred with their own bokeh and composited front to back.

Every pixel carries a *signed* CoC radius in pixels (negative in front of the focus plane,
positive behind it; it grows monotonically with depth, so sorting by it sorts by depth). A
ladder of blur levels splits the radii into slabs (:mod:`.depth_slabs`): each pixel lies in one
slab, with linear weights ``1 − t`` and ``t`` on the slab's two levels. Those weights sum to one,
so a pixel's colour and coverage are counted exactly once however its blur falls between two
levels (the earlier design composited such a pixel twice, over itself, which made a blurred
silhouette 0.70 opaque where the thin lens gives 0.50).

For each slab, nearest first:

1. *Disocclusion fill.* Where nearer slabs hide this one, the lens still sees it around their
   blurred edges. Hidden pixels get this slab's local colour and density, a normalised box
   average (``box(m·x) / box(m)``, ``m`` the slab's own pixels) over the reach of the nearer
   blur: only this slab's colour enters, never the occluder's, so a sharp subject leaves no
   halo of its own colour on the blurred background behind it. The box runs at ½ or ¼
   resolution for long reaches (the fill is smooth); numerator and denominator are upsampled
   before they are divided.
2. *Blur.* Premultiplied colour and coverage, split by the interpolation weights, are
   convolved with the two levels' aperture kernels at full resolution (direct convolution for
   small kernels, one shared FFT otherwise), so bokeh edges stay about a pixel wide at any
   radius. Levels in front of the focus plane use the point-mirrored kernel.
3. *Composite.* ``out += T · colour``, ``T *= 1 − coverage``: nearer slabs occlude farther ones,
   so a sharp subject never picks up the blurred background, and a blurred background cannot
   spread over a sharp foreground edge.

Finally ``out / (1 − T)`` normalises the few pixels no slab fully covers.

Only the colour in steps 1–3 depends on the channels being defocused; the slabs, footprints,
fill weights, kernels and ``T`` depend on the depth alone. :func:`plan_defocus` computes that
half once, :func:`defocus_with_plan` applies it to any channels (each channel on its own), so
the lens pass keeps the plan and the defocused masks for a depth map and a lighting edit
defocuses the three colour channels only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.filters import box_mean
from shotspec.runtime.optics.bokeh import aperture_kernel, blur_sum, kernel_half_size
from shotspec.runtime.optics.depth_slabs import (MAX_RADIUS_PX, RADIUS_LADDER_PX, level_radii,
                                                 slab_bounds, slab_footprint, split_layers)

__all__ = ["RADIUS_LADDER_PX", "MAX_RADIUS_PX", "layered_defocus", "split_layers", "plan_defocus",
           "defocus_with_plan", "DefocusPlan"]

_EPS = 1e-6
_SAME_RADIUS_PX = 0.02      # two levels' kernels closer than this blur as one


def _fill_scale(reach_px: float) -> int:
    """Resolution divisor of the fill's box average (the fill is a smooth local estimate of
    what hides behind nearer slabs; its box spans ≥ 2 reduced pixels)."""
    if reach_px >= 4:
        return 4
    if reach_px >= 2:
        return 2
    return 1


def _down(x: torch.Tensor, s: int) -> torch.Tensor:
    return x if s == 1 else F.avg_pool2d(x, s)


def _up(x: torch.Tensor, s: int, size: tuple[int, int]) -> torch.Tensor:
    return x if s == 1 else F.interpolate(x, size=size, mode="bilinear", align_corners=False)


@dataclass(frozen=True)
class _Part:
    """One kernel's share of a slab: ``own`` (1, 1, h, w) the slab's pixels' weight on this
    level, ``fill`` (1, 1, h, w) or None the hidden share filled with the slab's local colour
    (already divided by the box mass that normalises that colour), ``kernel`` the bokeh."""

    own: torch.Tensor
    fill: torch.Tensor | None
    kernel: torch.Tensor


@dataclass(frozen=True)
class _SlabStep:
    """What compositing one slab needs besides the colour (all geometry).

    ``window`` (y0, y1, x0, x1): the slab's footprint; ``mask`` (1, 1, h, w): its own pixels;
    ``parts``: one or two kernels with their weights; ``fill_scale``/``fill_radius``: the
    resolution divisor and radius (work pixels) of the fill's box average (radius 0: no fill);
    ``transmit`` (1, 1, h, w): what nearer slabs let through."""

    window: tuple[int, int, int, int]
    mask: torch.Tensor
    parts: tuple[_Part, ...]
    fill_scale: int
    fill_radius: int
    transmit: torch.Tensor


@dataclass(frozen=True)
class DefocusPlan:
    """The depth-only half of :func:`layered_defocus` for one signed-radius map: slab by slab
    what the colour is weighted, filled, blurred and composited with, and the final coverage.
    :func:`defocus_with_plan` applies it to any channels; a lighting edit (same depth, new
    colour) re-uses it."""

    size: tuple[int, int]                 # (H, W) before padding
    steps: tuple[_SlabStep, ...]
    cover: torch.Tensor                   # (1, 1, H', W') 1 − what no slab covers, padded size


def _pad4(x: torch.Tensor) -> torch.Tensor:
    ph, pw = (-x.shape[-2]) % 4, (-x.shape[-1]) % 4
    return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x


def _kernels(k: int, levels: torch.Tensor, radii: list[float], blades: int, rotation_rad: float,
             squeeze: float, dev, dtype) -> list[tuple[float, torch.Tensor]]:
    """(radius, kernel) of slab ``k``'s lower and upper level."""
    out = []
    for lv in (k, k + 1):
        r = min(radii[lv], MAX_RADIUS_PX)
        out.append((r, aperture_kernel(r, blades, rotation_rad, squeeze, front=float(levels[lv]) < 0,
                                       device=dev, dtype=dtype)))
    return out


def plan_defocus(signed_radius_px: torch.Tensor, *, blades: int = 0, rotation_rad: float = 0.0,
                 squeeze: float = 1.0) -> DefocusPlan:
    """The slabs, their footprints, fills, kernels and transmittance for ``signed_radius_px``
    ``(1, 1, H, W)`` (see the module docstring); no colour is read."""
    if signed_radius_px.ndim != 4 or signed_radius_px.shape[:2] != (1, 1):
        raise ValueError(f"plan_defocus expects (1, 1, H, W), got {tuple(signed_radius_px.shape)}")
    h, w = signed_radius_px.shape[-2:]
    signed = _pad4(signed_radius_px)
    levels, lower, w_upper = split_layers(signed)
    radii, counts = level_radii(signed, lower, w_upper, len(levels))
    bounds = slab_bounds(lower)
    hh, ww = signed.shape[-2:]
    dev, dtype = signed.device, signed.dtype

    trans = torch.ones(1, 1, hh, ww, device=dev, dtype=dtype)
    nearer = torch.zeros(1, 1, hh, ww, device=dev, dtype=dtype)
    steps = []
    reach = 0.0
    for k in (k for k, c in enumerate(counts) if c > 0):
        (r_lo, k_lo), (r_hi, k_hi) = _kernels(k, levels, radii, blades, rotation_rad, squeeze,
                                              dev, dtype)
        reach = max(reach, r_lo, r_hi)
        kh = max(kernel_half_size(r, blades, squeeze)[0] for r in (r_lo, r_hi))
        kw = max(kernel_half_size(r, blades, squeeze)[1] for r in (r_lo, r_hi))
        # Work only on the slab's footprint: its pixels grown by the fill reach and the kernel
        # (outside that the slab contributes exactly nothing).
        y0, y1, x0, x1 = slab_footprint(k, bounds, reach + kh + 2, reach + kw + 2, hh, ww)
        win = (..., slice(y0, y1), slice(x0, x1))
        m = (lower[win] == k).to(dtype)
        hi = m * w_upper[win]
        near = nearer[win]
        # Disocclusion fill: hidden pixels take this slab's local density, split between the
        # two levels as the slab's visible pixels nearby are.
        fs = _fill_scale(reach)
        fill_r = max(1, int(round(reach / fs))) if reach >= 1 else 0
        fill = fill_hi = None
        if fill_r >= 1 and float(near.max()) > 1e-4:
            boxed = box_mean(_down(torch.cat([m, 1 - near, hi], dim=1), fs), fill_r,
                             edge="replicate", method="running_sum")
            gm, gv, gh = boxed[:, :1], boxed[:, 1:2], boxed[:, 2:3]
            density = torch.where(gm > 1e-5, (gm / gv.clamp_min(_EPS)).clamp(0, 1), 0.0)
            share_hi = torch.where(gm > 1e-5, (gh / gm.clamp_min(_EPS)).clamp(0, 1), 0.0)
            size = (y1 - y0, x1 - x0)
            fill = near * _up(density, fs, size)
            fill_hi = fill * _up(share_hi, fs, size)
            # The fill colour is box(m·x)/box(m); dividing the weight by the upsampled box(m)
            # now leaves the colour pass one box average and one multiply.
            norm = 1.0 / _up(gm.clamp_min(_EPS), fs, size)
        else:
            fill_r = 0
        if abs(r_hi - r_lo) <= _SAME_RADIUS_PX or float(hi.max()) <= _EPS:
            own_parts = [(m, fill, k_lo if float(hi.max()) <= _EPS else k_hi)]
        elif float((m - hi).max()) <= _EPS:
            own_parts = [(m, fill, k_hi)]
        else:
            own_parts = [(m - hi, None if fill is None else fill - fill_hi, k_lo),
                         (hi, fill_hi, k_hi)]
        t = trans[win].clone()
        cover = blur_sum([(o if f is None else o + f, kern) for o, f, kern in own_parts])
        parts = tuple(_Part(o, None if f is None else f * norm, kern) for o, f, kern in own_parts)
        steps.append(_SlabStep((y0, y1, x0, x1), m, parts, fs, fill_r, t))
        trans[win] = t * (1 - cover.clamp(0, 1))
        nearer[win] = near + m
    return DefocusPlan((h, w), tuple(steps), 1 - trans)


def defocus_with_plan(x: torch.Tensor, plan: DefocusPlan) -> torch.Tensor:
    """Defocus ``x`` ``(1, C, H, W)`` with a :func:`plan_defocus` plan of the same size.

    Every channel is independent of the others (colour and masks alike): defocused together
    or apart they agree up to float rounding (the FFT groups channels differently), and the
    same channels give the same bits every time. Channels that are zero on a slab's own
    pixels (a face mask on the background) skip that slab: their share is exactly zero."""
    if x.ndim != 4 or x.shape[0] != 1 or tuple(x.shape[-2:]) != plan.size:
        raise ValueError(f"defocus_with_plan expects (1, C, {plan.size[0]}, {plan.size[1]}), "
                         f"got {tuple(x.shape)}")
    h, w = plan.size
    x = _pad4(x)
    c = x.shape[1]
    acc = torch.zeros_like(x)
    for step in plan.steps:
        y0, y1, x0, x1 = step.window
        xm = x[..., y0:y1, x0:x1] * step.mask
        live = torch.nonzero(xm.abs().amax(dim=(0, 2, 3)) > 0).reshape(-1)
        if len(live) == 0:
            continue
        xw = x[..., y0:y1, x0:x1]
        if len(live) < c:
            xm, xw = xm.index_select(1, live), xw.index_select(1, live)
        fill_colour = None
        if step.fill_radius:
            fs = step.fill_scale
            boxed = box_mean(_down(xm, fs), step.fill_radius, edge="replicate", method="running_sum")
            fill_colour = _up(boxed, fs, (y1 - y0, x1 - x0))
        premult = []
        for p in step.parts:
            own = xm if p.own is step.mask else xw * p.own
            premult.append(own if p.fill is None else own + p.fill * fill_colour)
        blurred = step.transmit * blur_sum([(p, part.kernel) for p, part in zip(premult, step.parts)])
        if len(live) < c:
            acc[:, live, y0:y1, x0:x1] += blurred
        else:
            acc[..., y0:y1, x0:x1] += blurred
    cover = plan.cover
    out = torch.where(cover > 1e-3, acc / cover.clamp_min(1e-3), x)
    return out[..., :h, :w].contiguous()


def layered_defocus(x: torch.Tensor, signed_radius_px: torch.Tensor, *, blades: int = 0,
                    rotation_rad: float = 0.0, squeeze: float = 1.0) -> torch.Tensor:
    """Defocus ``x`` ``(1, C, H, W)`` (linear colour and masks) by a per-pixel signed CoC radius.

    ``signed_radius_px`` ``(1, 1, H, W)``: CoC radius in pixels, negative in front of focus;
    magnitudes are capped at ``MAX_RADIUS_PX``. Returns ``(1, C, H, W)``. The same as
    :func:`plan_defocus` followed by :func:`defocus_with_plan`.
    """
    if x.ndim != 4 or x.shape[0] != 1 or signed_radius_px.shape[-2:] != x.shape[-2:]:
        raise ValueError(f"layered_defocus expects (1, C, H, W) and (1, 1, H, W), got "
                         f"{tuple(x.shape)} and {tuple(signed_radius_px.shape)}")
    plan = plan_defocus(signed_radius_px.to(x.dtype), blades=blades, rotation_rad=rotation_rad,
                        squeeze=squeeze)
    return defocus_with_plan(x, plan)
