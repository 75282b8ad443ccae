"""Shading of the hair shell: strand-streaked albedo over the skin at the hairline, and
Kajiya-Kay highlights along the combed strand direction.

The shell is a smooth cap, so the hair's look comes from shading: its albedo is streaked by
value noise stretched along the strands (clumps ~0.8 mm across and 8 mm long at every scale,
single strands ~0.15 mm across where a pixel resolves them — faded out by the pixel's footprint,
never aliased into speckle), and near the hairline the shell's coverage lets the skin beneath
show through, the way thinning hair does. Highlights are the two shifted Kajiya-Kay lobes
(``brdf.kajiya_kay``): a white primary towards the tip and a tinted secondary towards the root.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shotspec.runtime.head.brdf import kajiya_kay
from shotspec.runtime.head.noise import value_noise

__all__ = ["hair_albedo_px", "hair_specular", "CLUMP_MM", "STRAND_MM"]

CLUMP_MM = (0.8, 8.0)       # clump width across and length along the strands
STRAND_MM = (0.15, 3.0)     # single strands


def _strand_noise(p_mm: torch.Tensor, t: torch.Tensor, n: torch.Tensor, size_mm: tuple[float, float],
                  seed: int) -> torch.Tensor:
    """Value noise (N,) 0–1 stretched ``size_mm`` (across, along) in the strands' frame."""
    b = F.normalize(torch.linalg.cross(n, t, dim=1), dim=1)
    q = torch.stack(((p_mm * b).sum(1) / size_mm[0], (p_mm * t).sum(1) / size_mm[1],
                     (p_mm * n).sum(1) / 2.0), dim=1)
    return value_noise(q, seed)


def hair_albedo_px(hair_rgb: torch.Tensor, skin_rgb: torch.Tensor, alpha: torch.Tensor,
                   p_m: torch.Tensor, tangent: torch.Tensor, normal: torch.Tensor,
                   footprint_mm: torch.Tensor, seed: int) -> torch.Tensor:
    """Linear albedo (N, 3) of hair-shell pixels: the hair colour ``hair_rgb`` (3,) streaked by
    clumps and (where resolved) strands, over ``skin_rgb`` (N, 3) by the shell's coverage
    ``alpha`` (N,). ``p_m`` (N, 3) positions, ``tangent``/``normal`` (N, 3), ``footprint_mm`` (N,)."""
    t = F.normalize(tangent, dim=1)
    n = F.normalize(normal, dim=1)
    p_mm = p_m * 1000.0
    clumps = _strand_noise(p_mm, t, n, CLUMP_MM, seed + 811)
    strands = _strand_noise(p_mm, t, n, STRAND_MM, seed + 812)
    resolved = ((0.45 - footprint_mm) / 0.3).clamp(0.0, 1.0)       # strands need < ~0.3 mm/px
    shade = 0.75 + 0.5 * clumps + resolved * 0.4 * (strands - 0.5)
    # thinning at the hairline: fewer strands, and they are the finer, lighter ones
    cover = alpha.clamp(0.0, 1.0) * (0.85 + 0.3 * clumps).clamp(0.0, 1.0)
    hair = hair_rgb[None, :] * shade[:, None]
    return hair * cover[:, None] + skin_rgb * (1.0 - cover)[:, None]


def hair_specular(tangent: torch.Tensor, normal: torch.Tensor, view: torch.Tensor,
                  light: torch.Tensor, albedo: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Strand highlights (N, 3) for one light (× N·L, before the light's colour, falloff and
    shadow), weighted by the shell's coverage ``alpha`` (N,)."""
    t = F.normalize(tangent, dim=1)
    return kajiya_kay(t, view, light, normal, albedo) * alpha.clamp(0.0, 1.0)[:, None]
