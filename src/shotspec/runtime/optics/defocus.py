"""Depth-aware defocus: depth layers blurred with their own bokeh and composited front to back.

Every pixel carries a *signed* CoC radius in pixels (negative in front of the focus plane,
positive behind it; it grows monotonically with depth, so sorting by it sorts by depth). The
signed radii are split into layers on a fixed ladder of radii (31 rungs); a pixel between two
rungs goes to both with linear weights, so the blur changes continuously with depth (no
banding), and each layer blurs with the weighted mean radius of the pixels it holds, so a
surface at one depth gets exactly its own CoC rather than a mix of the neighbouring rungs.

For each layer, nearest first:

1. *Disocclusion fill.* Where nearer layers hide this layer, the lens can still see it around
   their (blurred) edges. Hidden pixels of another (nearer) surface are filled with this
   layer's local colour and local density (box averages over the reach of the nearer blur),
   so a blurred foreground reveals a plausible background instead of a dark or self-coloured
   fringe; a pixel split between two rungs fills its hidden share with its own colour.
2. *Blur.* Premultiplied colour and coverage are convolved with the layer's aperture kernel.
   Layers with a large kernel are processed at ½ or ¼ resolution (the kernel radius stays ≥ 12
   pixels there) and upsampled, which keeps strong defocus cheap.
3. *Composite.* ``out += T · colour``, ``T *= 1 − coverage``: nearer layers occlude farther ones,
   so a sharp subject never picks up the blurred background, and a blurred background cannot
   spread over a sharp foreground edge.

Finally ``out / (1 − T)`` normalises the few pixels no layer fully covers.

Only the colour in steps 1–3 depends on the channels being defocused; the layers, footprints,
fill densities, kernels and ``T`` depend on the depth alone. :func:`plan_defocus` computes that
half once, :func:`defocus_with_plan` applies it to any channels (each channel on its own), so
the lens pass keeps the plan and the defocused masks for a depth map and a lighting edit
defocuses the three colour channels only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.filters import box_mean
from shotspec.runtime.optics.bokeh import aperture_kernel, fft_blur, kernel_half_size

__all__ = ["RADIUS_LADDER_PX", "MAX_RADIUS_PX", "layered_defocus", "split_layers", "plan_defocus",
           "defocus_with_plan", "DefocusPlan"]

MAX_RADIUS_PX = 64.0
# Rungs of the layer ladder (pixels of CoC radius): 1 px steps while small, then ~25 % steps.
# Each layer blurs with the mean radius of its own pixels, so the rung spacing sets how finely
# a smooth depth ramp is sampled, not the accuracy for a surface at one depth.
RADIUS_LADDER_PX = (0.0, 1.0, 2.0, 3.0, 4.0, 5.5, 7.0, 9.0, 11.5, 14.5, 18.5, 23.5, 30.0, 38.0,
                    48.0, 64.0)
_EPS = 1e-6


def _signed_ladder(device, dtype) -> torch.Tensor:
    pos = torch.tensor(RADIUS_LADDER_PX, device=device, dtype=dtype)
    return torch.cat([-pos[1:].flip(0), pos])


def split_layers(signed_radius_px: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Soft assignment of pixels to ladder rungs.

    ``signed_radius_px`` ``(1, 1, H, W)`` → (rungs ``(L,)`` signed radii ascending = near to
    far, ``lower`` ``(1, 1, H, W)`` index of the rung below each pixel, ``w_upper`` its weight
    on rung ``lower + 1``; the weight on ``lower`` is ``1 − w_upper``).
    """
    rungs = _signed_ladder(signed_radius_px.device, signed_radius_px.dtype)
    s = signed_radius_px.clamp(float(rungs[0]), float(rungs[-1]))
    upper = torch.searchsorted(rungs, s.reshape(-1).contiguous(), right=True).clamp(1, len(rungs) - 1)
    lo, hi = rungs[upper - 1], rungs[upper]
    w_upper = ((s.reshape(-1) - lo) / (hi - lo)).clamp(0, 1)
    return rungs, (upper - 1).reshape(s.shape), w_upper.reshape(s.shape)


def _layer_weight(i: int, lower: torch.Tensor, w_upper: torch.Tensor) -> torch.Tensor:
    return torch.where(lower == i, 1 - w_upper, torch.where(lower == i - 1, w_upper, 0.0))


def _footprint(i: int, bounds: tuple[torch.Tensor, ...], grow_y: float, grow_x: float,
               h: int, w: int) -> tuple[int, int, int, int]:
    """Rows/columns that hold layer ``i`` (a pixel whose lower rung is i − 1 or i), grown by
    the given margins, on a 4-pixel grid, clipped to the frame."""
    row_lo, row_hi, col_lo, col_hi = bounds
    rows = torch.nonzero((row_lo <= i) & (row_hi >= i - 1)).reshape(-1)
    cols = torch.nonzero((col_lo <= i) & (col_hi >= i - 1)).reshape(-1)
    gy, gx = int(math.ceil(grow_y)), int(math.ceil(grow_x))
    y0 = max(0, (int(rows[0]) - gy) // 4 * 4)
    y1 = min(h, -(-(int(rows[-1]) + 1 + gy) // 4) * 4)
    x0 = max(0, (int(cols[0]) - gx) // 4 * 4)
    x1 = min(w, -(-(int(cols[-1]) + 1 + gx) // 4) * 4)
    return y0, y1, x0, x1


def _scale_for(radius_px: float) -> int:
    if radius_px >= 48:
        return 4
    if radius_px >= 24:
        return 2
    return 1


def _down(x: torch.Tensor, s: int) -> torch.Tensor:
    return x if s == 1 else F.avg_pool2d(x, s)


def _up(x: torch.Tensor, s: int, size: tuple[int, int]) -> torch.Tensor:
    if s == 1:
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


@dataclass(frozen=True)
class _LayerStep:
    """What compositing one depth layer needs besides the colour (all geometry).

    ``window`` (y0, y1, x0, x1): the layer's footprint; ``scale``: its work resolution 1, 2 or
    4; ``weight`` (1, 1, h, w): its pixels' share at full resolution; ``fill``: the hidden
    share filled from this layer, ``own``: pixels that are partly this layer, ``box_mass``:
    the box-mean mass behind the fill colour (None when no fill is taken from neighbours),
    all at work resolution; ``fill_radius``: that box's radius; ``kernel``: the bokeh;
    ``transmit`` (1, 1, h, w): what nearer layers let through, at full resolution."""

    window: tuple[int, int, int, int]
    scale: int
    weight: torch.Tensor
    own: torch.Tensor
    fill: torch.Tensor
    box_mass: torch.Tensor | None
    fill_radius: int
    kernel: torch.Tensor
    transmit: torch.Tensor


@dataclass(frozen=True)
class DefocusPlan:
    """The depth-only half of :func:`layered_defocus` for one signed-radius map: layer by layer
    what the colour is weighted, filled, blurred and composited with, and the final coverage.
    :func:`defocus_with_plan` applies it to any channels; a lighting edit (same depth, new
    colour) re-uses it."""

    size: tuple[int, int]                 # (H, W) before padding
    steps: tuple[_LayerStep, ...]
    cover: torch.Tensor                   # (1, 1, H', W') 1 − what no layer covers, padded size


def _pad4(x: torch.Tensor) -> torch.Tensor:
    ph, pw = (-x.shape[-2]) % 4, (-x.shape[-1]) % 4
    return F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x


def plan_defocus(signed_radius_px: torch.Tensor, *, blades: int = 0, rotation_rad: float = 0.0,
                 squeeze: float = 1.0) -> DefocusPlan:
    """The layers, their footprints, fills, kernels and transmittance for ``signed_radius_px``
    ``(1, 1, H, W)`` (see the module docstring); no colour is read."""
    if signed_radius_px.ndim != 4 or signed_radius_px.shape[:2] != (1, 1):
        raise ValueError(f"plan_defocus expects (1, 1, H, W), got {tuple(signed_radius_px.shape)}")
    h, w = signed_radius_px.shape[-2:]
    signed = _pad4(signed_radius_px)
    rungs, lower, w_upper = split_layers(signed)
    n = len(rungs)
    # Layer statistics on the CPU in float64: deterministic sums on every device (CUDA's
    # bincount adds atomically in any order; MPS has no float64).
    lo_flat, w_flat = lower.reshape(-1).cpu(), w_upper.reshape(-1).cpu().double()
    mass = (torch.bincount(lo_flat, weights=1 - w_flat, minlength=n)
            + torch.bincount(lo_flat + 1, weights=w_flat, minlength=n + 1)[:n])
    r_abs = signed.abs().reshape(-1).cpu().double()
    moment = (torch.bincount(lo_flat, weights=(1 - w_flat) * r_abs, minlength=n)
              + torch.bincount(lo_flat + 1, weights=w_flat * r_abs, minlength=n + 1)[:n])
    present_idx = [int(i) for i in torch.nonzero(mass > 1e-3).reshape(-1).tolist()]
    # Each layer blurs with the weighted mean radius of the pixels it holds: exact for
    # piecewise-constant depth, close to the rung for smooth depth ramps.
    radii = [round(float(v), 4) for v in (moment / mass.clamp_min(1e-12)).tolist()]
    hh, ww = signed.shape[-2:]
    lo2 = lower[0, 0]
    bounds = tuple(t.cpu() for t in (lo2.amin(1), lo2.amax(1), lo2.amin(0), lo2.amax(0)))
    dev, dtype = signed.device, signed.dtype

    trans = torch.ones(1, 1, hh, ww, device=dev, dtype=dtype)
    nearer = torch.zeros(1, 1, hh, ww, device=dev, dtype=dtype)
    steps = []
    reach = 0.0
    for i in present_idx:
        radius = min(radii[i], MAX_RADIUS_PX)
        reach = max(reach, radius)
        s = _scale_for(radius)
        fill_r = int(round(reach / s))
        kh, kw = kernel_half_size(radius, blades, squeeze)
        # Work only on the layer's footprint: its pixels, grown by the fill reach and the
        # kernel (outside that the layer contributes exactly nothing).
        y0, y1, x0, x1 = _footprint(i, bounds, reach + kh + 2 * s, reach + kw + 2 * s, hh, ww)
        win = (..., slice(y0, y1), slice(x0, x1))
        m, near = _layer_weight(i, lower[win], w_upper[win]), nearer[win]
        m_s, near_s = _down(m, s), _down(near, s)
        # A pixel that is partly on this layer is split between two neighbouring rungs: its
        # hidden share is the same surface, so it is filled with its own colour.
        own = m_s > 1e-6
        fill = torch.where(own, near_s, 0.0)
        box_mass = None
        if fill_r >= 1 and float(near_s.max()) > 1e-4:
            boxed = box_mean(torch.cat([m_s, 1 - near_s], dim=1), fill_r, edge="replicate",
                             method="running_sum")
            gm, gv = boxed[:, :1], boxed[:, 1:2]
            density = torch.where(gm > 1e-5, (gm / gv.clamp_min(_EPS)).clamp(0, 1), 0.0)
            fill = torch.where(own, near_s, near_s * density)
            box_mass = gm.clamp_min(_EPS)
        kernel = aperture_kernel(radius / s, blades, rotation_rad, squeeze, device=dev, dtype=dtype)
        t = trans[win].clone()
        steps.append(_LayerStep((y0, y1, x0, x1), s, m, own, fill, box_mass, fill_r, kernel, t))
        blurred = _up(fft_blur(m_s + fill, kernel), s, (y1 - y0, x1 - x0))
        trans[win] = t * (1 - blurred.clamp(0, 1))
        nearer[win] = (near + m).clamp(max=1)
    return DefocusPlan((h, w), tuple(steps), 1 - trans)


def defocus_with_plan(x: torch.Tensor, plan: DefocusPlan) -> torch.Tensor:
    """Defocus ``x`` ``(1, C, H, W)`` with a :func:`plan_defocus` plan of the same size.

    Every channel is independent of the others (colour and masks alike): defocused together
    or apart they agree up to float rounding (the FFT groups channels differently), and the
    same channels give the same bits every time."""
    if x.ndim != 4 or x.shape[0] != 1 or tuple(x.shape[-2:]) != plan.size:
        raise ValueError(f"defocus_with_plan expects (1, C, {plan.size[0]}, {plan.size[1]}), "
                         f"got {tuple(x.shape)}")
    h, w = plan.size
    x = _pad4(x)
    acc = torch.zeros_like(x)
    for step in plan.steps:
        y0, y1, x0, x1 = step.window
        s = step.scale
        xw = x[..., y0:y1, x0:x1]
        xm_s = _down(xw * step.weight, s)
        fill_colour = _down(xw, s)
        if step.box_mass is not None:
            colour = box_mean(xm_s, step.fill_radius, edge="replicate", method="running_sum")
            fill_colour = torch.where(step.own, fill_colour, colour / step.box_mass)
        premult = xm_s + step.fill * fill_colour
        blurred = _up(fft_blur(premult, step.kernel), s, (y1 - y0, x1 - x0))
        acc[..., y0:y1, x0:x1] += step.transmit * blurred
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
