"""Measuring whether the enhancer's texture stays on the skin: a plate moved by a known motion.

A still plate is warped by a smooth non-rigid motion that mimics a head turn (the face as a
vertical cylinder turning about its axis, fading into a static background and shoulders), a
slight nod and a smile (the mouth corners drawn out and up). Because the motion is known, each
pixel ``p`` of frame t knows where its skin was in frame 0 (``W_t(p)``), and the added texture
can be compared with frame 0's pulled through that motion:

* **texture error** — the enhancer's added log-luminance ``a_t`` against ``a_t*``, the one it adds
  at frame t when each pixel's texture coordinate is exactly where that skin was in frame 0
  (``U_0 ∘ W_t``: the texture glued to the skin): the RMS of ``a_t − a_t*`` over the skin divided
  by the RMS of ``a_t*``. Both are drawn on frame t's own pixels, so no resampling of a
  sub-millimetre texture enters the number. 0: attached; ≈ 1.4: unrelated textures (two
  independent fields of equal RMS);
* **coordinate error** — how far (mm) the face-plane coordinate a pixel's texture is drawn at
  lies from the one the same skin had in frame 0: ``|U_t(p) − U_0(W_t(p))|``.

Used by ``bench/skin_track_motion.py`` and the tests; torch and numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.color import luminance
from shotspec.runtime.frame import Frame

__all__ = ["HeadTurn", "turn_map", "moving_sequence", "added_texture", "warp_back", "texture_error",
           "coordinate_error", "evaluation_mask", "true_field"]


@dataclass(frozen=True)
class HeadTurn:
    """The synthetic motion, in the plate's pixels: face centre (cx, cy), half-width ``radius_px``
    (the cylinder's radius), the turn reached at the last frame, a nod (px down at the last
    frame) and a smile (mouth corners moved by this share of the mouth's half-width)."""

    cx: float
    cy: float
    radius_px: float
    turn_deg: float = 12.0
    nod_px: float = 3.0
    mouth: tuple[float, float] | None = None
    smile: float = 0.15


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))


def turn_map(motion: HeadTurn, height: int, width: int, t: float) -> torch.Tensor:
    """``W_t``: for each pixel of frame t (``t`` in 0…1 of the move), where that skin was in frame
    0, (1, 2, H, W) px (float64). ``t = 0`` is the identity."""
    s = _ease(t)
    ys = torch.arange(height, dtype=torch.float64)[:, None].expand(height, width)
    xs = torch.arange(width, dtype=torch.float64)[None, :].expand(height, width)
    r = motion.radius_px
    xi = ((xs - motion.cx) / r).clamp(-0.999, 0.999)
    phi = math.radians(motion.turn_deg) * s
    x0 = motion.cx + r * torch.sin(torch.asin(xi) - phi)
    # the head turns; the background, hair's edge and shoulders stay (a smooth fall-off)
    ell = ((xs - motion.cx) / (1.05 * r)) ** 2 + ((ys - motion.cy) / (1.45 * r)) ** 2
    head = 1.0 - ((ell - 0.75) / 0.5).clamp(0, 1) ** 2 * (3 - 2 * ((ell - 0.75) / 0.5).clamp(0, 1))
    dx = (x0 - xs) * head
    dy = -motion.nod_px * s * head
    if motion.mouth is not None and motion.smile > 0:
        mx, my = motion.mouth
        half = 0.35 * r
        g = torch.exp(-(((xs - mx) / half) ** 2 + ((ys - my) / (0.5 * half)) ** 2))
        # the mouth's sides spread and rise: skin at x came from nearer the mouth's centre
        dx = dx - motion.smile * s * (xs - mx) * g * 0.5
        dy = dy + motion.smile * s * half * 0.3 * g * ((xs - mx) / half) ** 2
    return torch.stack((xs + dx, ys + dy))[None]


def _sample(x: torch.Tensor, at: torch.Tensor, padding: str = "border") -> torch.Tensor:
    h, w = x.shape[-2:]
    gx = at[:, 0] * (2.0 / (w - 1)) - 1.0
    gy = at[:, 1] * (2.0 / (h - 1)) - 1.0
    grid = torch.stack((gx, gy), -1).to(x.dtype)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode=padding, align_corners=True)


def moving_sequence(plate: Frame, motion: HeadTurn, n_frames: int) -> tuple[list[Frame], list[torch.Tensor]]:
    """``n_frames`` frames of ``plate`` moved by ``motion`` (frame 0 is the plate itself, bit for
    bit) and each frame's map ``W_t`` (1, 2, H, W) px back to frame 0."""
    if n_frames < 2:
        raise ValueError("a moving sequence needs at least 2 frames")
    frames, maps = [], []
    for i in range(n_frames):
        m = turn_map(motion, plate.height, plate.width, i / (n_frames - 1))
        rgb = plate.rgb if i == 0 else _sample(plate.rgb.double(), m).to(plate.rgb.dtype).contiguous()
        frames.append(plate.with_rgb(rgb))
        maps.append(m)
    return frames, maps


def added_texture(plate: Frame, enhanced: Frame) -> torch.Tensor:
    """The enhancer's added log-luminance (1, 1, H, W)."""
    return torch.log(luminance(enhanced.rgb).clamp_min(1e-6)) - torch.log(luminance(plate.rgb).clamp_min(1e-6))


def warp_back(x: torch.Tensor, to_frame0: torch.Tensor) -> torch.Tensor:
    """``x`` (frame 0's, (1, C, H, W)) pulled to frame t's pixels through ``W_t``."""
    return _sample(x.double(), to_frame0).to(x.dtype)


def evaluation_mask(mask0: torch.Tensor, mask_t: torch.Tensor, to_frame0: torch.Tensor, erode_px: int = 3) -> torch.Tensor:
    """Pixels (1, 1, H, W) bool that are skin in frame t and whose skin was skin in frame 0,
    ``erode_px`` from either mask's edge (edges move with the mask, not the texture)."""
    def erode(m: torch.Tensor) -> torch.Tensor:
        return -F.max_pool2d(-(m > 0.5).double(), 2 * erode_px + 1, 1, erode_px) > 0.5

    return erode(mask_t) & (warp_back(erode(mask0).double(), to_frame0) > 0.999)


def texture_error(reference: torch.Tensor, added: torch.Tensor, where: torch.Tensor) -> float:
    """RMS of ``added − reference`` (two added textures of one frame, (1, 1, H, W)) over ``where``,
    divided by the RMS of ``reference`` there (see the module doc)."""
    if not bool(where.any()):
        raise ValueError("no skin pixel is visible in both frames")
    diff = (added.double() - reference.double())[where]
    return float(diff.pow(2).mean().sqrt() / reference.double()[where].pow(2).mean().sqrt().clamp_min(1e-12))


def true_field(field0: torch.Tensor, to_frame0: torch.Tensor) -> torch.Tensor:
    """The face-plane field that keeps frame 0's texture on the skin in frame t: ``U_0 ∘ W_t``."""
    return warp_back(field0, to_frame0)


def coordinate_error(field0: torch.Tensor, field_t: torch.Tensor, to_frame0: torch.Tensor,
                     where: torch.Tensor) -> tuple[float, float]:
    """Median and 95th percentile (mm) of ``|U_t(p) − U_0(W_t(p))|`` over ``where``."""
    err = (field_t.double() - warp_back(field0, to_frame0).double()).norm(dim=1, keepdim=True)[where]
    return float(err.median()), float(torch.quantile(err, 0.95))
