"""Seeded 3D procedural noise built from torch ops (integer hashing, no lookup tables).

Everything is a pure function of the position (object space, any unit) and an integer seed, so
the same person gets the same pores on CPU and CUDA and from any camera. Hashes use int64
arithmetic with 31-bit masking, which is exact and identical on every device.
"""

from __future__ import annotations

import torch

__all__ = ["hash3", "value_noise", "value_noise_grad", "fbm", "cell_feature", "cell_border", "detail_fade"]

_M = 0x7FFFFFFF


_PRIMES = (73856093, 19349663, 83492791)


def _lattice_key(ix: torch.Tensor, iy: torch.Tensor, iz: torch.Tensor, seed: int) -> torch.Tensor:
    """The hash's linear first step (not yet masked): ``hash3`` of a neighbour ``(ix + dx, …)``
    is ``_mix(key + dx·P0 + dy·P1 + dz·P2)``, since masking to 31 bits commutes with adding."""
    return ix * _PRIMES[0] + iy * _PRIMES[1] + iz * _PRIMES[2] + (int(seed) * 2654435761 & _M)


def _mix(key: torch.Tensor) -> torch.Tensor:
    h = key & _M
    h = ((h ^ (h >> 13)) * 1274126177) & _M
    h = h ^ (h >> 16)
    return (h & 0xFFFFFF).to(torch.float32) * (1.0 / 16777216.0)


def hash3(ix: torch.Tensor, iy: torch.Tensor, iz: torch.Tensor, seed: int) -> torch.Tensor:
    """Uniform float in [0, 1) per integer lattice point ``(ix, iy, iz)`` (int64 tensors)."""
    return _mix(_lattice_key(ix, iy, iz, seed))


def _corners(i: torch.Tensor, seed: int) -> dict[tuple[int, int, int], torch.Tensor]:
    """``hash3`` at the 8 lattice corners ``i + (dx, dy, dz)`` of cells ``i`` (N, 3) int64, from
    one key (the same numbers as eight ``hash3`` calls, for a third of the integer work)."""
    key = _lattice_key(i[:, 0], i[:, 1], i[:, 2], seed)
    return {(dx, dy, dz): _mix(key + (dx * _PRIMES[0] + dy * _PRIMES[1] + dz * _PRIMES[2]))
            for dz in (0, 1) for dy in (0, 1) for dx in (0, 1)}


def value_noise(p: torch.Tensor, seed: int) -> torch.Tensor:
    """Smooth value noise in [0, 1) with unit lattice spacing. ``p``: (N, 3) → (N,)."""
    f = torch.floor(p)
    t = p - f
    t = t * t * (3.0 - 2.0 * t)
    c = _corners(f.to(torch.int64), seed)
    tx, ty, tz = t[:, 0], t[:, 1], t[:, 2]
    out = None
    for dz in (0, 1):
        wz = tz if dz else 1.0 - tz
        for dy in (0, 1):
            wy = ty if dy else 1.0 - ty
            for dx in (0, 1):
                wx = tx if dx else 1.0 - tx
                v = c[dx, dy, dz] * (wx * wy * wz)
                out = v if out is None else out + v
    return out


def value_noise_grad(p: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Value noise (N,) and its analytic gradient (N, 3) w.r.t. ``p`` (N, 3), unit lattice."""
    f = torch.floor(p)
    t = p - f
    s = t * t * (3.0 - 2.0 * t)
    ds = 6.0 * t * (1.0 - t)
    c = _corners(f.to(torch.int64), seed)
    sx, sy, sz = s[:, 0], s[:, 1], s[:, 2]
    # trilinear: interpolate along x, then y, then z, keeping the partial derivatives
    x00 = c[0, 0, 0] + sx * (c[1, 0, 0] - c[0, 0, 0])
    x10 = c[0, 1, 0] + sx * (c[1, 1, 0] - c[0, 1, 0])
    x01 = c[0, 0, 1] + sx * (c[1, 0, 1] - c[0, 0, 1])
    x11 = c[0, 1, 1] + sx * (c[1, 1, 1] - c[0, 1, 1])
    y0 = x00 + sy * (x10 - x00)
    y1 = x01 + sy * (x11 - x01)
    v = y0 + sz * (y1 - y0)
    dx0 = (c[1, 0, 0] - c[0, 0, 0]) + sy * ((c[1, 1, 0] - c[0, 1, 0]) - (c[1, 0, 0] - c[0, 0, 0]))
    dx1 = (c[1, 0, 1] - c[0, 0, 1]) + sy * ((c[1, 1, 1] - c[0, 1, 1]) - (c[1, 0, 1] - c[0, 0, 1]))
    gx = (dx0 + sz * (dx1 - dx0)) * ds[:, 0]
    gy = ((x10 - x00) + sz * ((x11 - x01) - (x10 - x00))) * ds[:, 1]
    gz = (y1 - y0) * ds[:, 2]
    return v, torch.stack((gx, gy, gz), dim=1)


def fbm(p: torch.Tensor, seed: int, octaves: int = 3, gain: float = 0.5) -> torch.Tensor:
    """Fractal sum of value noise, centred on 0, roughly in −0.5…0.5. ``p``: (N, 3) → (N,)."""
    total = torch.zeros(p.shape[0], device=p.device, dtype=p.dtype)
    amp, norm, q = 1.0, 0.0, p
    for o in range(octaves):
        total = total + amp * (value_noise(q, seed + 131 * o) - 0.5)
        norm += amp
        amp *= gain
        q = q * 2.03 + 17.1
    return total / norm


def cell_feature(p: torch.Tensor, seed: int, margin: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One jittered feature point per unit lattice cell, kept ``margin`` away from the cell
    walls so a feature of radius ≤ ``margin`` never needs the neighbouring cells.

    ``p``: (N, 3). Returns the offset from the feature point (N, 3), and two per-cell random
    numbers in [0, 1) (N,) each (used for presence and size).
    """
    f = torch.floor(p)
    i = f.to(torch.int64)
    ix, iy, iz = i[:, 0], i[:, 1], i[:, 2]
    span = 1.0 - 2.0 * margin
    jx = margin + span * hash3(ix, iy, iz, seed)
    jy = margin + span * hash3(ix, iy, iz, seed + 1)
    jz = margin + span * hash3(ix, iy, iz, seed + 2)
    offset = p - f - torch.stack((jx, jy, jz), dim=1)
    return offset, hash3(ix, iy, iz, seed + 3), hash3(ix, iy, iz, seed + 4)


def cell_border(p: torch.Tensor, seed: int, jitter: float = 0.8) -> tuple[torch.Tensor, torch.Tensor]:
    """Distance to the nearest border of a Voronoi cell network in the x-y plane, and its gradient.

    One feature point per unit lattice cell, jittered over the middle ``jitter`` of the cell; each
    point of the plane belongs to the nearest feature's cell. ``p``: (N, 2) or (N, 3) (z ignored).
    Returns the distance (N,) from ``p`` to its cell's border (the nearest bisector with one of the
    3 × 3 neighbouring cells' features: exact for a convex cell, continuous across borders, 0 on
    them) and its gradient (N, 2), a unit vector pointing away from that border.
    """
    xy = p[:, :2]
    f = torch.floor(xy)
    i = f.to(torch.int64)
    lo = 0.5 * (1.0 - jitter)
    # each neighbour's hash from one key (``_corners``' trick), the second seed's by its key's step
    key = _lattice_key(i[:, 0], i[:, 1], torch.zeros_like(i[:, 0]), seed)
    step = (int(seed + 1) * 2654435761 & _M) - (int(seed) * 2654435761 & _M)
    feats = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            k = key + (dx * _PRIMES[0] + dy * _PRIMES[1])
            feats.append(torch.stack((dx + lo + jitter * _mix(k), dy + lo + jitter * _mix(k + step)), dim=1))
    c = torch.stack(feats, dim=1) + f[:, None, :]                   # (N, 9, 2) feature points
    d2 = ((xy[:, None, :] - c) ** 2).sum(-1)                         # (N, 9)
    near = d2.argmin(dim=1)
    rows = torch.arange(xy.shape[0], device=xy.device)
    c1, d1 = c[rows, near], d2[rows, near]
    sep = c - c1[:, None, :]                                         # (N, 9, 2) from the own feature
    span = sep.norm(dim=-1)
    # distance to the bisector with feature k: (|p − c_k|² − |p − c₁|²) / (2 |c_k − c₁|)
    dist = (d2 - d1[:, None]) / (2.0 * span.clamp_min(1e-6))
    dist[rows, near] = float("inf")
    u, k = dist.min(dim=1)
    grad = -sep[rows, k] / span[rows, k].clamp_min(1e-6)[:, None]
    return u, grad


def detail_fade(cell_mm: float, footprint_mm: torch.Tensor, pixels: tuple[float, float] = (0.75, 2.0)
                ) -> torch.Tensor:
    """1 when a feature's ``cell_mm`` spans ≥ ``pixels[1]`` pixels (2), fading to 0 at
    ``pixels[0]`` (0.75).

    One sample per pixel cannot resolve a lattice finer than ~2 pixels: point-sampled, pores
    alias into sparse dark specks (skin that looks dirty). Below that, the pores' average
    effect stays (see the relief's cavity floor) and the texture comes from the finishing
    enhancer at output resolution."""
    lo, hi = pixels
    return ((cell_mm / footprint_mm - lo) / (hi - lo)).clamp(0.0, 1.0)
