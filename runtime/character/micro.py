"""Micro-geometry: pores, fine lines, imperfections (skin), strands (hair), weave (cloth).

Defined as a height field in 3D object space (millimetre lattice), evaluated only at the hit
points and applied as a bump: the normal is tilted by the surface gradient of the height (a
tetrahedron finite difference of the 3D field, projected onto the tangent plane). It never enters
the sphere trace, and because it lives in object space it stays on the skin when the camera or
the lights move.

Pores are one jittered dimple per lattice cell (``noise.cell_feature``): 0.45 mm cells on the
forehead and cheeks (~400 visible openings per cm² where the surface cuts the lattice) and
0.28 mm cells on the nose (~1200/cm²), plus sparse enlarged 0.8 mm pores on cheeks and nose.
Each feature is faded out once its cell falls below ~0.3 pixels (anti-aliasing by LOD), so a
wide shot shows a fine grain and a macro shot individual pores.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.character.noise import cell_feature, value_noise
from shotspec.runtime.character.regions import FaceRegions

__all__ = ["skin_bump", "hair_bump", "cloth_bump", "bump_normals"]

_TET = ((1.0, -1.0, -1.0), (-1.0, -1.0, 1.0), (-1.0, 1.0, -1.0), (1.0, 1.0, 1.0))
_EPS_MM = 0.012


def _rotation(a: float, b: float, device) -> torch.Tensor:
    ca, sa, cb, sb = math.cos(a), math.sin(a), math.cos(b), math.sin(b)
    rz = torch.tensor([[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]], device=device)
    rx = torch.tensor([[1.0, 0.0, 0.0], [0.0, cb, -sb], [0.0, sb, cb]], device=device)
    return rz @ rx


def _lod(cell_mm: float, footprint_mm: torch.Tensor) -> torch.Tensor:
    """1 when a feature of ``cell_mm`` spans ≥1 pixel, fading to 0 at 0.3 pixel."""
    return ((cell_mm / footprint_mm - 0.3) / 0.7).clamp(0.0, 1.0)


def _pores(q_mm: torch.Tensor, cell_mm: float, depth_mm: float, seed: int, rot: torch.Tensor,
           presence: float = 0.85) -> torch.Tensor:
    """Height (mm, ≤ 0) of one pore lattice at points ``q_mm`` (N, 3)."""
    off, r1, r2 = cell_feature((q_mm @ rot.T) / cell_mm, seed, margin=0.3)
    radius = 0.3 * (0.55 + 0.45 * r2)
    t = (1.0 - (off * off).sum(1) / (radius * radius)).clamp_min(0.0)
    return -depth_mm * (0.6 + 0.4 * r2) * (r1 < presence).to(q_mm.dtype) * t * t


def _lines(phase: torch.Tensor, width: float) -> torch.Tensor:
    f = phase - torch.floor(phase) - 0.5
    return torch.exp(-(f / width) ** 2)


def bump_normals(height_fn, pts: torch.Tensor, n: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Bumped unit normals (N, 3) and the height (N,) mm of ``height_fn(q_mm) -> (N,)`` at
    object-space points ``pts`` (N, 3, metres) with unit normals ``n``."""
    q = pts * 1000.0
    h0 = height_fn(q)
    g = torch.zeros_like(q)
    for k in _TET:
        kt = torch.tensor(k, device=q.device, dtype=q.dtype)
        g = g + kt * height_fn(q + kt * _EPS_MM)[:, None]
    g = g / (4.0 * _EPS_MM)
    g_t = g - (g * n).sum(1, keepdim=True) * n
    return F.normalize(n - g_t, dim=1), h0


def skin_bump(pts: torch.Tensor, n: torch.Tensor, skin: SkinIR, regions: FaceRegions,
              footprint_mm: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Skin micro-geometry at hit points: bumped normals (N, 3) and a cavity term (N,) 0–1
    (how deep the point sits in a pore or line, for albedo and specular occlusion)."""
    dev = pts.device
    age = min(max((skin.age_years - 18.0) / 40.0, 0.1), 1.6)
    nose, forehead, lips = regions.nose, regions.forehead, regions.lips
    rot_a, rot_b, rot_c = _rotation(0.61, 0.37, dev), _rotation(1.33, 0.91, dev), _rotation(2.1, 1.4, dev)
    a_fine = skin.pores * _lod(0.45, footprint_mm) * (1.0 - 0.7 * nose) * (1.0 - lips)
    a_nose = skin.pores * _lod(0.28, footprint_mm) * nose
    a_big = skin.pores * _lod(0.80, footprint_mm) * (0.35 + 0.65 * torch.maximum(nose, regions.cheeks)) \
        * (1.0 - lips)
    a_relief = _lod(0.9, footprint_mm) * (0.4 + 0.3 * age)
    a_fore = 0.05 * skin.fine_lines * age * forehead * _lod(2.0, footprint_mm)
    cw, cang = regions.crows_feet()
    a_crow = 0.045 * skin.fine_lines * age * cw * _lod(1.5, footprint_mm)
    a_lip = 0.03 * lips * _lod(0.9, footprint_mm)
    a_imp = 0.05 * skin.imperfections * _lod(2.5, footprint_mm)
    y_mm = pts[:, 1] * 1000.0
    x_mm = pts[:, 0] * 1000.0

    def height(q: torch.Tensor) -> torch.Tensor:
        h = a_fine * _pores(q, 0.45, 0.045, seed + 11, rot_a)
        h = h + a_nose * _pores(q, 0.28, 0.04, seed + 23, rot_b)
        h = h + a_big * _pores(q, 0.80, 0.06, seed + 37, rot_c, presence=0.35)
        # crosshatched skin relief: ridged noise stretched along two directions
        r1 = 1.0 - (2.0 * value_noise(q * torch.tensor([1.6, 0.45, 1.6], device=dev), seed + 41) - 1.0).abs()
        r2 = 1.0 - (2.0 * value_noise(q * torch.tensor([0.5, 1.5, 1.5], device=dev), seed + 43) - 1.0).abs()
        h = h - a_relief * 0.010 * (r1 ** 4 + r2 ** 4)
        # forehead lines (horizontal, wavy) and crow's feet (fanning from the outer eye corner)
        warp = value_noise(q / 14.0, seed + 51) * 0.6
        h = h - a_fore * _lines(q[:, 1] / 8.5 + warp, 0.07)
        h = h - a_crow * _lines(cang * 3.2 + warp * 0.7, 0.09)
        # vertical lip lines
        h = h - a_lip * _lines(q[:, 0] / 1.1 + warp, 0.12)
        # imperfections: a few small raised bumps
        b = value_noise(q / 2.2, seed + 61)
        h = h + a_imp * ((b - 0.80) / 0.2).clamp(0.0, 1.0) ** 2
        return h

    del x_mm, y_mm
    nb, h0 = bump_normals(height, pts, n)
    cavity = (-h0 / 0.04).clamp(0.0, 1.0)
    return nb, cavity


def hair_bump(pts: torch.Tensor, n: torch.Tensor, footprint_mm: torch.Tensor, seed: int
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Short cropped hair: fine streaks flowing back over the head (height in mm)."""
    amp = 0.08 * _lod(0.25, footprint_mm) + 0.05
    scale = torch.tensor([9.0, 9.0, 0.5], device=pts.device)

    def height(q: torch.Tensor) -> torch.Tensor:
        return amp * (value_noise(q * scale, seed + 301) + 0.5 * value_noise(q * scale * 2.3, seed + 302))

    nb, h0 = bump_normals(height, pts, n)
    return nb, (1.0 - h0 / (amp * 1.5)).clamp(0.0, 1.0)


def cloth_bump(pts: torch.Tensor, n: torch.Tensor, footprint_mm: torch.Tensor, seed: int
               ) -> torch.Tensor:
    """Knit fabric: a fine weave plus soft folds."""
    amp = 0.05 * _lod(1.2, footprint_mm)

    def height(q: torch.Tensor) -> torch.Tensor:
        weave = torch.sin(q[:, 0] * (2 * math.pi / 1.3)) * torch.sin(q[:, 1] * (2 * math.pi / 1.3))
        folds = value_noise(q / 35.0, seed + 401) * 3.0
        return amp * weave + folds

    nb, _ = bump_normals(height, pts, n)
    return nb
