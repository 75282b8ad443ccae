"""The set behind the subject: a softly lit plaster wall and a few small practical bulbs.

The wall is a plane ~2.2 m behind the head, turned 22° about the vertical so its depth varies
across the frame (the lens pass blurs it progressively). The bulbs are small emissive spheres
2.6–4.2 m away, placed in the upper part of the frame, bright enough (×25–60 the key's diffuse
white) to become bokeh balls through a fast lens. All of it is placed relative to the camera so
any camera orbit still sees a background with real depth.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.character.camera import PinholeCamera
from shotspec.runtime.character.face_params import trait_draws
from shotspec.runtime.character.noise import fbm, value_noise

__all__ = ["wall_hit", "bulbs", "bulb_hits", "wall_radiance", "WALL_DISTANCE_M"]

WALL_DISTANCE_M = 2.2
_WALL_TURN_RAD = math.radians(22.0)
BULB_RADIUS_M = 0.012


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


def bulbs(cam: PinholeCamera, seed: int) -> list[tuple[tuple[float, float, float], float, tuple[float, float, float]]]:
    """World position, radiance and colour of each practical bulb."""
    r = trait_draws(seed, "bulbs", 15)
    layout = ((-0.80, 0.62, 3.4), (-0.46, 0.80, 4.2), (0.62, 0.70, 2.8), (0.86, 0.30, 3.8),
              (-0.90, 0.10, 2.6))
    fw, fh, f = cam.film_width_m / 2, cam.film_height_m / 2, cam.focal_length_m
    out = []
    for i, (u, v, depth) in enumerate(layout):
        u = u + 0.08 * (r[3 * i] - 0.5)
        v = v + 0.08 * (r[3 * i + 1] - 0.5)
        d_cam = (u * fw / f, v * fh / f, -1.0)
        world = [cam.origin[k] + depth * (d_cam[0] * cam.right[k] + d_cam[1] * cam.up[k]
                                          + d_cam[2] * cam.back[k]) for k in range(3)]
        warm = 0.8 + 0.2 * r[3 * i + 2]
        out.append((tuple(world), 25.0 + 35.0 * r[3 * i + 2], (1.0, 0.62 * warm, 0.30 * warm)))
    return out


def bulb_hits(cam: PinholeCamera, dirs: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Nearest bulb hit per ray: ray length (N,) (inf if none), radiance (N, 3), hit mask (N,)."""
    o = torch.tensor(cam.origin, device=dirs.device)
    t_best = torch.full((dirs.shape[0],), float("inf"), device=dirs.device)
    rad = torch.zeros(dirs.shape[0], 3, device=dirs.device)
    for pos, power, colour in bulbs(cam, seed):
        c = torch.tensor(pos, device=dirs.device) - o
        b = dirs @ c
        h2 = BULB_RADIUS_M ** 2 - ((c * c).sum() - b * b)
        hit = (h2 > 0) & (b > 0)
        t = torch.where(hit, b - h2.clamp_min(0).sqrt(), torch.full_like(b, float("inf")))
        closer = t < t_best
        t_best = torch.where(closer, t, t_best)
        # limb darkening keeps the disc's edge soft instead of a hard aliased step
        edge = (h2.clamp_min(0) / BULB_RADIUS_M ** 2).sqrt()
        val = power * (0.35 + 0.65 * edge)
        col = torch.tensor(colour, device=dirs.device)
        rad = torch.where(closer[:, None], val[:, None] * col, rad)
    return t_best, rad, torch.isfinite(t_best)


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
