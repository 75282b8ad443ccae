"""Depth-aware defocus: depth layers blurred with their own bokeh and composited front to back.

Every pixel carries a *signed* CoC radius in pixels (negative in front of the focus plane,
positive behind it; it grows monotonically with depth, so sorting by it sorts by depth). The
signed radii are split into layers on a fixed ladder of radii; a pixel between two rungs goes
to both with linear weights, so the blur changes continuously with depth (no banding).

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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shotspec.runtime.optics.bokeh import aperture_kernel, fft_blur

__all__ = ["RADIUS_LADDER_PX", "MAX_RADIUS_PX", "layered_defocus", "split_layers"]

MAX_RADIUS_PX = 64.0
# Rungs of the layer ladder (pixels of CoC radius): 1 px steps while small, then ≤ ~15 % steps.
RADIUS_LADDER_PX = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.5, 11.0, 12.5, 14.0, 16.0,
                    18.0, 20.5, 23.0, 26.0, 29.5, 33.0, 37.0, 41.5, 46.5, 52.0, 58.0, 64.0)
_EPS = 1e-6


def _signed_ladder(device, dtype) -> torch.Tensor:
    pos = torch.tensor(RADIUS_LADDER_PX, device=device, dtype=dtype)
    return torch.cat([-pos[1:].flip(0), pos])


def split_layers(signed_radius_px: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft assignment of pixels to ladder rungs.

    ``signed_radius_px`` ``(1, 1, H, W)`` → (rungs ``(L,)`` signed radii ascending = near to far,
    weights ``(L, 1, H, W)`` summing to 1 per pixel).
    """
    rungs = _signed_ladder(signed_radius_px.device, signed_radius_px.dtype)
    s = signed_radius_px.clamp(float(rungs[0]), float(rungs[-1]))
    idx = torch.searchsorted(rungs, s.reshape(-1).contiguous(), right=True).clamp(1, len(rungs) - 1)
    lo, hi = rungs[idx - 1], rungs[idx]
    w_hi = ((s.reshape(-1) - lo) / (hi - lo)).clamp(0, 1)
    weights = torch.zeros(len(rungs), s.numel(), device=s.device, dtype=s.dtype)
    weights.scatter_add_(0, (idx - 1)[None], (1 - w_hi)[None])
    weights.scatter_add_(0, idx[None], w_hi[None])
    return rungs, weights.reshape(len(rungs), 1, *s.shape[-2:])


def _box(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2r+1)² window, edge-clamped, via summed-area tables (O(1) per pixel)."""
    if radius < 1:
        return x
    _, _, h, w = x.shape
    xp = F.pad(x, (radius + 1, radius, radius + 1, radius), mode="replicate")
    xp[..., 0, :] = 0
    xp[..., :, 0] = 0
    sat = xp.cumsum(-1).cumsum(-2)
    k = 2 * radius + 1
    s = sat[..., k:, k:] - sat[..., :-k, k:] - sat[..., k:, :-k] + sat[..., :-k, :-k]
    return (s / (k * k))[..., :h, :w]


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


def layered_defocus(x: torch.Tensor, signed_radius_px: torch.Tensor, *, blades: int = 0,
                    rotation_rad: float = 0.0, squeeze: float = 1.0) -> torch.Tensor:
    """Defocus ``x`` ``(1, C, H, W)`` (linear colour and masks) by a per-pixel signed CoC radius.

    ``signed_radius_px`` ``(1, 1, H, W)``: CoC radius in pixels, negative in front of focus;
    magnitudes are capped at ``MAX_RADIUS_PX``. Returns ``(1, C, H, W)``.
    """
    if x.ndim != 4 or x.shape[0] != 1 or signed_radius_px.shape[-2:] != x.shape[-2:]:
        raise ValueError(f"layered_defocus expects (1, C, H, W) and (1, 1, H, W), got "
                         f"{tuple(x.shape)} and {tuple(signed_radius_px.shape)}")
    _, c, h, w = x.shape
    signed = signed_radius_px.to(x.dtype)
    rungs, weights = split_layers(signed)
    flat = weights.reshape(len(rungs), -1)
    present_idx = [int(i) for i in torch.nonzero(flat.amax(dim=1) > 1e-4).reshape(-1).tolist()]
    # Each layer blurs with the weighted mean radius of the pixels it holds: exact for
    # piecewise-constant depth, close to the rung for smooth depth ramps.
    mean_radius = (flat * signed.abs().reshape(1, -1)).sum(1) / flat.sum(1).clamp_min(_EPS)
    radii = [float(v) for v in mean_radius.tolist()]
    # Pad once so every downsampling factor divides the size.
    ph, pw = (-h) % 4, (-w) % 4
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        weights = F.pad(weights, (0, pw, 0, ph), mode="replicate")
    hh, ww = x.shape[-2:]

    acc = torch.zeros_like(x)
    trans = torch.ones(1, 1, hh, ww, device=x.device, dtype=x.dtype)
    nearer = torch.zeros(1, 1, hh, ww, device=x.device, dtype=x.dtype)
    reach = 0.0
    for i in present_idx:
        radius = min(radii[i], MAX_RADIUS_PX)
        m = weights[i:i + 1]
        reach = max(reach, radius)
        s = _scale_for(radius)
        m_s, near_s, xm_s = _down(m, s), _down(nearer, s), _down(x * m, s)
        alpha, premult = m_s, xm_s
        fill_r = int(round(reach / s))
        if fill_r >= 1 and float(near_s.max()) > 1e-4:
            gm = _box(m_s, fill_r)
            density = (gm / _box(1 - near_s, fill_r).clamp_min(_EPS)).clamp(0, 1)
            density = torch.where(gm > 1e-5, density, torch.zeros_like(density))
            colour = _box(xm_s, fill_r) / gm.clamp_min(_EPS)
            # A pixel that is partly on this layer is split between two neighbouring rungs:
            # its hidden share is the same surface, so it is filled with its own colour.
            own = m_s > 1e-6
            fill = torch.where(own, near_s, near_s * density)
            alpha = m_s + fill
            premult = xm_s + fill * torch.where(own, _down(x, s), colour)
        kernel = aperture_kernel(radius / s, blades, rotation_rad, squeeze,
                                 device=x.device, dtype=x.dtype)
        blurred = fft_blur(torch.cat([premult, alpha], dim=1), kernel)
        blurred = _up(blurred, s, (hh, ww))
        acc = acc + trans * blurred[:, :c]
        trans = trans * (1 - blurred[:, c:].clamp(0, 1))
        nearer = (nearer + m).clamp(max=1)
    cover = 1 - trans
    out = torch.where(cover > 1e-3, acc / cover.clamp_min(1e-3), x)
    return out[..., :h, :w].contiguous()
