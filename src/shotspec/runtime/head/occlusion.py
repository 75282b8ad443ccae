"""Screen-space ambient and contact occlusion with a radius in metres.

For the creases of a face — the nasolabial fold, the inner eye corners, under the lower lip and
the nostrils — a raster's depth and normals hold what the occlusion needs: how much of the
hemisphere above each point is taken by nearby surface. For every pixel, ``directions`` fixed
screen directions are marched in ``steps`` out to ``radius_m`` metres (converted to pixels at that
pixel's own depth, so the result does not change with the image size), the surface point found
there is compared with the pixel's tangent plane, and the obscurance is accumulated (an
"Alchemy"-style estimator: ``max(0, n·v/|v| − bias)``, faded out towards the radius). Flat open
surface scores exactly 1; the floor of a 90° crease about 0.7 (measured in the tests).

Deterministic: fixed sample directions, gathers only.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shotspec.runtime.head.camera import PinholeCamera

__all__ = ["ambient_occlusion", "camera_positions"]


def camera_positions(depth_m: torch.Tensor, cam: PinholeCamera) -> torch.Tensor:
    """(3, H, W) camera-space points (x right, y up, z towards the camera; metres) of a depth map
    (H, W) along the optical axis, for ``cam`` rendered at the map's size."""
    h, w = depth_m.shape
    f = cam.focal_length_m * w / cam.film_width_m
    ys = torch.arange(h, device=depth_m.device, dtype=torch.float32) + 0.5
    xs = torch.arange(w, device=depth_m.device, dtype=torch.float32) + 0.5
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack(((xx - w / 2) / f * depth_m, (h / 2 - yy) / f * depth_m, -depth_m))


def ambient_occlusion(depth_m: torch.Tensor, normals: torch.Tensor, cam: PinholeCamera, *,
                      radius_m: float = 0.012, directions: int = 8, steps: int = 4,
                      bias: float = 0.1, strength: float = 1.0,
                      pixels: torch.Tensor | None = None) -> torch.Tensor:
    """(H, W) ambient occlusion 1 (open) … 0 (enclosed) of a rendered depth map, or with
    ``pixels`` (N,) flat pixel ids only those pixels' (N,) — the same values, computed for them
    alone (a shader that needs the subject's pixels skips the rest of the frame).

    ``depth_m`` (H, W) float32 along the optical axis (+inf where empty), ``normals`` (3, H, W)
    unit world-space normals, ``cam`` the camera it was rendered with (at any pixel size: the
    focal length in pixels follows the map's width). ``radius_m``: the reach of occlusion in
    metres (12 mm suits facial creases). ``bias``: the tangent-plane angle (as a cosine
    offset) below which geometry does not occlude, which hides tessellation facets. Empty
    pixels return 1.
    """
    if depth_m.ndim != 2 or normals.shape != (3, *depth_m.shape):
        raise ValueError(f"expected depth (H, W) and normals (3, H, W), got "
                         f"{tuple(depth_m.shape)} and {tuple(normals.shape)}")
    if radius_m <= 0 or directions < 1 or steps < 1:
        raise ValueError("radius_m must be > 0 and directions, steps ≥ 1")
    h, w = depth_m.shape
    dev = depth_m.device
    valid = torch.isfinite(depth_m)
    depth = torch.where(valid, depth_m, 0.0)
    px, py, pz = camera_positions(depth, cam).reshape(3, -1).unbind(0)
    n_cam = cam.to_camera(normals.reshape(3, -1).T.to(torch.float32))
    nx, ny, nz = F.normalize(n_cam, dim=1).T.contiguous().unbind(0)
    f = cam.focal_length_m * w / cam.film_width_m
    radius_px = torch.where(valid, radius_m * f / depth.clamp(min=1e-6), 0.0).reshape(-1)
    cols = torch.arange(w, device=dev, dtype=torch.float32).repeat(h) + 0.5
    rows = torch.arange(h, device=dev, dtype=torch.float32).repeat_interleave(w) + 0.5
    flat_valid = valid.reshape(-1)
    # the neighbours are looked up in the whole frame; the centres are the wanted pixels only
    # one row gather per step fetches a neighbour's position and validity together
    rows_q = torch.stack((px, py, pz, flat_valid.to(px.dtype)), 1)              # (H·W, 4)
    if pixels is not None:
        at = pixels.to(device=dev, dtype=torch.int64)
        px, py, pz, nx, ny, nz, radius_px, cols, rows = (
            t.index_select(0, at) for t in (px, py, pz, nx, ny, nz, radius_px, cols, rows))
    inv_r2 = 1.0 / radius_m ** 2
    total = torch.zeros(px.shape[0], device=dev)
    for i in range(directions):
        angle = (i + 0.5) * 2 * math.pi / directions
        dx, dy = math.cos(angle), -math.sin(angle)                    # screen y points down
        for j in range(steps):
            # stagger the steps of alternate directions so the rings interleave
            reach = (j + 0.5 + 0.5 * (i % 2)) / (steps + 0.5) * radius_px
            sx = torch.floor(cols + dx * reach)
            sy = torch.floor(rows + dy * reach)
            inside = (sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)
            idx = (sy.clamp(0, h - 1) * w + sx.clamp(0, w - 1)).to(torch.int64)
            q = rows_q.index_select(0, idx)
            vx = q[:, 0] - px
            vy = q[:, 1] - py
            vz = q[:, 2] - pz
            dist2 = vx * vx + vy * vy + vz * vz
            cos = (vx * nx + vy * ny + vz * nz) * torch.rsqrt(dist2.clamp(min=1e-18))
            fade = (1 - dist2 * inv_r2).clamp(min=0)
            ok = inside & (q[:, 3] > 0)
            total += torch.where(ok, (cos - bias).clamp(min=0) * fade, 0.0)
    obscurance = total / (directions * steps) / (1 - bias)
    ao = (1 - strength * 2 * obscurance).clamp(0, 1)
    if pixels is not None:
        return torch.where(flat_valid.index_select(0, at), ao, 1.0)
    return torch.where(valid, ao.view(h, w), 1.0)
