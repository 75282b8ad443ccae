"""The set behind the subject: a softly lit plaster wall.

The wall is a plane ``WALL_DISTANCE_M`` (2.2 m) beyond the head along the camera's axis, turned
22° about the vertical so its depth varies across the frame (the lens pass blurs it
progressively). It is placed relative to the camera so any camera orbit still sees a background
with real depth.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.noise import fbm, value_noise

__all__ = ["wall_hit", "wall_radiance", "WALL_DISTANCE_M"]

WALL_DISTANCE_M = 2.2
_WALL_TURN_RAD = math.radians(22.0)


def _wall_plane(cam: PinholeCamera, device) -> tuple[torch.Tensor, torch.Tensor]:
    fwd = -torch.tensor(cam.back, device=device)
    right = torch.tensor(cam.right, device=device)
    centre = torch.tensor([0.0, 0.0, 0.0], device=device) + fwd * WALL_DISTANCE_M
    c, s = math.cos(_WALL_TURN_RAD), math.sin(_WALL_TURN_RAD)
    normal = -(fwd * c + right * s)        # faces the camera, turned about the vertical
    return centre, normal / normal.norm()


def wall_hit(cam: PinholeCamera, dirs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Ray length to the wall (N,) and its normal (3,) for unit ``dirs`` (N, 3)."""
    o = torch.tensor(cam.origin, device=dirs.device)
    centre, normal = _wall_plane(cam, dirs.device)
    denom = (dirs @ normal).clamp(max=-1e-4)
    t = ((centre - o) @ normal) / denom
    return t, normal


def wall_radiance(cam: PinholeCamera, pos: torch.Tensor, light_rgb: torch.Tensor,
                  seed: int) -> torch.Tensor:
    """Radiance (N, 3) of the wall at world points ``pos`` (N, 3) under a soft light pool.

    ``light_rgb`` (3,): the rig's summed light colour, so the set follows the lighting's tint.
    """
    centre, _ = _wall_plane(cam, pos.device)
    rel = pos - centre
    u = rel @ torch.tensor(cam.right, device=pos.device)
    v = rel @ torch.tensor(cam.up, device=pos.device)
    plaster = fbm(pos * 3.0, seed + 77, octaves=2) * 0.5 + (value_noise(pos * 40.0, seed + 78) - 0.5) * 0.1
    albedo = torch.tensor([0.34, 0.31, 0.27], device=pos.device) * (1.0 + plaster)[:, None]
    # a pool of light on the wall above and to the left of the head, falling off to the corners
    dist2 = (u + 0.35) ** 2 + ((v - 0.25) * 1.3) ** 2
    pool = 0.05 + 0.40 * torch.exp(-dist2 / 0.35)
    return albedo * pool[:, None] * light_rgb
