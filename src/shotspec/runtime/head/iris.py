"""The iris's colour and pattern on its plane, and the pupil, per pixel.

An iris is a stroma of radial fibres over a pigmented back layer: seen at portrait scale it is
radial streaks (the trabeculae), a wavy ring about a third of the way out (the collarette)
that splits a warmer pupillary zone from the ciliary zone, dark pits in the ciliary zone
(Fuchs' crypts), faint concentric contraction furrows near the rim, a darker limbal ring at
the edge, and the pupil's thin dark ruff. The pattern lives in a radius normalised between
the pupil's margin and the limbus, so it stretches and compresses with the pupil as the real
tissue does. Detail finer than a pixel fades to its mean (``detail_fade``) so the iris never
aliases into speckle; each eye of each seed gets its own pattern.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.head.noise import detail_fade, value_noise

__all__ = ["iris_albedo", "PUPIL_ALBEDO"]

PUPIL_ALBEDO = 0.004              # the pupil: light lost in the eye (a retinal glow aside)
_RUFF = (0.045, 0.028, 0.02)      # the pigment epithelium showing at the pupil's margin
_COLLARETTE_U = 0.32              # the collarette's normalised radius
_LIMBAL_RING_MM = 0.6             # width of the darker ring inside the limbus


def _ring(theta: torch.Tensor, u: torch.Tensor, cells_around: float, radial: float,
          seed: int) -> torch.Tensor:
    """Value noise (N,) periodic in ``theta`` with ``cells_around`` lattice cells around the
    circle and ``radial`` cells per unit of ``u``."""
    k = cells_around / (2.0 * math.pi)
    return value_noise(torch.stack((k * torch.cos(theta), k * torch.sin(theta), u * radial), 1),
                       seed)


def _smooth(lo: float, hi: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def iris_albedo(iris_mm: torch.Tensor, colour: torch.Tensor, pupil_mm: float,
                limbus_mm: float, seed: int, which: torch.Tensor,
                footprint_mm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear albedo (N, 3) of the iris at ``iris_mm`` (N, 2), points on its plane in mm from
    the pupil's centre, for a base ``colour`` (3,) linear, a pupil of ``pupil_mm`` diameter
    and an iris of radius ``limbus_mm``; ``which`` (N,) 0/1 the eye (its own pattern),
    ``footprint_mm`` (N,) the pixel's size on the iris. Also the pupil's share (N,) 0…1."""
    r = iris_mm.norm(dim=1)
    theta = torch.atan2(iris_mm[:, 1], iris_mm[:, 0])
    pupil_r = 0.5 * pupil_mm
    u = ((r - pupil_r) / (limbus_mm - pupil_r)).clamp(0.0, 1.2)
    base = 7919 + 104729 * (int(seed) % 1000003)
    eye_seed = [base + 31 * e for e in (0, 1)]

    def noise(cells: float, radial: float, salt: int) -> torch.Tensor:
        out = torch.zeros_like(r)
        for e in (0, 1):
            m = which == e
            if bool(m.any()):
                out[m] = _ring(theta[m], u[m], cells, radial, eye_seed[e] + salt)
        return out

    fade_fine = detail_fade(2.0 * math.pi * 3.5 / 120.0, footprint_mm)     # ~0.18 mm fibres
    fade_mid = detail_fade(2.0 * math.pi * 3.5 / 48.0, footprint_mm)       # ~0.45 mm strands
    fibres = (0.55 * (noise(120.0, 1.5, 1) - 0.5) * fade_fine
              + 0.8 * (noise(48.0, 2.5, 2) - 0.5) * fade_mid
              + 0.5 * (noise(14.0, 3.0, 3) - 0.5))
    # the collarette: a wavy ridge between the pupillary and ciliary zones
    wobble = 0.06 * (noise(9.0, 0.5, 4) - 0.5) * 2.0
    cu = _COLLARETTE_U + wobble
    collarette = torch.exp(-(((u - cu) / 0.045) ** 2))
    pupillary = _smooth(cu + 0.03, cu - 0.05, u)              # 1 inside the collarette
    # Fuchs' crypts: dark lacunae in the ciliary zone, elongated radially
    crypt = _smooth(0.7, 0.85, noise(40.0, 6.0, 5)) * _smooth(cu, cu + 0.08, u) \
        * _smooth(0.9, 0.7, u) * detail_fade(0.35, footprint_mm)
    furrows = 0.5 + 0.5 * torch.cos(2.0 * math.pi * (u * 5.5 + 0.3 * noise(6.0, 1.0, 6)))
    furrow = furrows * _smooth(0.55, 0.8, u) * detail_fade(0.6, footprint_mm)
    shade = (1.0 + 1.3 * fibres) * (1.0 + 0.25 * collarette) * (1.0 - 0.3 * crypt) \
        * (1.0 - 0.12 * furrow)
    # the limbal ring: darker over the last ~0.6 mm, its inner edge soft
    rim = _smooth(limbus_mm - _LIMBAL_RING_MM - 0.4, limbus_mm - 0.1, r)
    shade = shade * (1.0 - 0.6 * rim)
    warm = torch.tensor((1.05, 0.82, 0.55), device=r.device, dtype=colour.dtype)
    tint = 1.0 + pupillary[:, None] * (warm - 1.0) * 0.6
    # a faint per-eye lift of the whole colour (no two irises match exactly)
    lifts = [value_noise(torch.tensor([[0.5, 0.5, 0.5]]), eye_seed[e] + 7)[0] for e in (0, 1)]
    lift = 1.0 + 0.08 * (torch.stack(lifts).to(r.device) - 0.5)[which]
    albedo = colour[None] * tint * (shade * lift).clamp(0.2, 2.5)[:, None]
    albedo = albedo.clamp(0.0, 0.9)
    # the pupil's ruff, then the pupil; its edge is as sharp as the pixel allows
    edge = (0.5 * footprint_mm).clamp_min(0.06)
    ruff = torch.exp(-(((r - pupil_r - 0.07) / 0.08) ** 2))[:, None]
    ruff_rgb = torch.tensor(_RUFF, device=r.device, dtype=colour.dtype)
    albedo = albedo * (1.0 - 0.8 * ruff) + 0.8 * ruff * ruff_rgb
    pupil = ((pupil_r + edge - r) / (2.0 * edge)).clamp(0.0, 1.0)
    albedo = albedo * (1.0 - pupil)[:, None] + PUPIL_ALBEDO * pupil[:, None]
    return albedo, pupil
