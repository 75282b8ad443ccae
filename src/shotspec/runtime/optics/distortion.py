"""Radial lens distortion (k1) and lateral chromatic aberration as one resampling warp.

Distortion model, with r the distance from the frame centre divided by the half diagonal:

    r_d = r_u · (1 + k1·r_u²) / (1 + k1)

k1 < 0 is barrel, k1 > 0 pincushion. Dividing by (1 + k1) pins the frame corners, so the
warped image fills the frame with no empty borders (the centre is magnified or shrunk
instead). The inverse (which source point lands on each output pixel) is solved with Newton
steps. ``k1`` must stay within [−0.3, 1.0] where the mapping is monotonic across the frame.

Lateral chromatic aberration magnifies red slightly more and blue slightly less than green;
``ca`` is the red–blue fringe width at the frame corner in pixels per 1000 pixels of width.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CameraIR
from shotspec.compiler.schema import key_of

__all__ = ["K1_RANGE", "lens_warp", "warp_frame_channels"]

# The schema's range of `distortion` (beyond it the warp folds over itself).
K1_RANGE = (key_of(CameraIR, "distortion").lo, key_of(CameraIR, "distortion").hi)
_NEAREST_AOVS = frozenset({"depth", "normal", "position", "rest"})


def _undistort_radius(rd: torch.Tensor, k1: float) -> torch.Tensor:
    """Solve r_u·(1 + k1·r_u²) = rd·(1 + k1) for r_u (Newton, starting at rd)."""
    target = rd * (1 + k1)
    ru = rd.clone()
    for _ in range(8):
        f = ru * (1 + k1 * ru * ru) - target
        ru = ru - f / (1 + 3 * k1 * ru * ru)
    return ru


def lens_warp(height: int, width: int, *, k1: float, ca_per_1000px: float, device=None,
              dtype=torch.float32) -> torch.Tensor | None:
    """Sampling grids ``(3, H, W, 2)`` for R, G, B (grid_sample convention), or ``None``
    when there is nothing to warp."""
    if k1 == 0 and ca_per_1000px == 0:
        return None
    if not (K1_RANGE[0] <= k1 <= K1_RANGE[1]):
        raise ValueError(f"lens distortion k1 = {k1} is outside the supported range "
                         f"{K1_RANGE[0]}…{K1_RANGE[1]} (the warp would fold over itself)")
    # Built in float64 on the CPU (MPS has no float64), then moved to the frame's device.
    ys = torch.arange(height, dtype=torch.float64) - (height - 1) / 2
    xs = torch.arange(width, dtype=torch.float64) - (width - 1) / 2
    half_diag = ((height - 1) ** 2 + (width - 1) ** 2) ** 0.5 / 2
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    rd = torch.sqrt(xx * xx + yy * yy) / half_diag
    scale = torch.ones_like(rd) if k1 == 0 else _undistort_radius(rd, k1) / rd.clamp_min(1e-12)
    # Fringe width at the corner in px → relative magnification difference between R and B.
    delta = ca_per_1000px * width / 1000.0 / max(half_diag, 1.0)
    grids = []
    for mag in (1 + delta / 2, 1.0, 1 - delta / 2):
        # A channel magnified by `mag` shows, at output radius r, the source at r / mag.
        sx = xx * scale / mag + (width - 1) / 2
        sy = yy * scale / mag + (height - 1) / 2
        gx = (2 * sx + 1) / width - 1
        gy = (2 * sy + 1) / height - 1
        grids.append(torch.stack([gx, gy], dim=-1))
    return torch.stack(grids).to(device=device, dtype=dtype)


def warp_frame_channels(rgb: torch.Tensor, aovs: dict[str, torch.Tensor], grids: torch.Tensor
                        ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Warp ``rgb`` ``(1, 3, H, W)`` per channel and every AOV with the green (distortion-only)
    grid: bilinear for colour and masks, nearest for depth, normals and positions."""
    rgb_w = F.grid_sample(rgb.permute(1, 0, 2, 3), grids.to(rgb), mode="bilinear",
                          padding_mode="border", align_corners=False).permute(1, 0, 2, 3)
    green = grids[1:2]
    out = {}
    for name, t in aovs.items():
        mode = "nearest" if name in _NEAREST_AOVS else "bilinear"
        out[name] = F.grid_sample(t, green.to(t.dtype), mode=mode, padding_mode="border",
                                  align_corners=False)
    return rgb_w, out
