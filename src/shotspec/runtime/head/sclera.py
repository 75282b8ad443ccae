"""The white of the eye: a warm grey sclera with blood vessels, per pixel on the eyeball.

A living sclera is never paper white: it is a little warm and grey under the conjunctiva,
greyer and darker in the ring just outside the limbus (the limbal zone), and carries thin red
conjunctival vessels that run roughly radially, from the corners of the eye towards the
cornea, dense near the canthi and the fornices and thinning out before the limbus. The
vessels here are the ridges of a seeded noise stretched along the eye's radial direction,
with a few wide vessels and many thin ones; a vessel thinner than the pixel contributes its
area share (coverage-weighted), so they never alias into dotted lines. Positions are taken on
the eyeball in its own frame, so the vessels move with the gaze.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.head.noise import fbm, value_noise

__all__ = ["sclera_albedo", "SCLERA_BASE", "VEIN_COLOUR"]

SCLERA_BASE = (0.66, 0.61, 0.55)        # linear: warm grey under a lit conjunctiva
VEIN_COLOUR = (0.36, 0.035, 0.03)        # oxygenated blood seen through the conjunctiva
_LIMBAL_TINT = (0.80, 0.80, 0.83)       # the limbal zone: greyer, a little cool
# (cells around the eye, cells per mm outwards, vessel width mm, strength) of the vessel
# layers: a few wide vessels, more thin branches
_VESSELS = ((20.0, 0.1, 0.16, 1.0), (40.0, 0.18, 0.1, 0.9), (80.0, 0.3, 0.06, 0.7))


def _smooth(lo: float, hi: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def sclera_albedo(local_mm: torch.Tensor, limbus_mm: float, which: torch.Tensor, seed: int,
                  redness: float, footprint_mm: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear albedo (N, 3) of the sclera at ``local_mm`` (N, 3): points on the eyeball in
    the eye's frame (e1 towards the subject's left, e2 up, the optical axis; origin at the
    globe's centre), mm. ``limbus_mm``: the cornea's radius at the limbus; ``which`` (N,)
    0/1 the eye; ``redness`` 0…1 scales the vessels (0: none, 1: bloodshot);
    ``footprint_mm`` (N,) the pixel's size. Also the vessels' cover (N,) 0…1."""
    dev, dt = local_mm.device, local_mm.dtype
    radius = local_mm.norm(dim=1).clamp_min(1e-3)
    psi = torch.acos((local_mm[:, 2] / radius).clamp(-1.0, 1.0))       # off the axis
    phi = torch.atan2(local_mm[:, 1], local_mm[:, 0])
    psi_limbus = torch.asin((limbus_mm / radius).clamp(max=1.0))
    out_mm = (psi - psi_limbus) * radius                # along the surface from the limbus
    base_seed = (int(seed) % 1000003) * 7 + 3301

    def noise(cells: float, radial: float, salt: int, octaves: int = 1) -> torch.Tensor:
        k = cells / (2.0 * math.pi)
        out = torch.zeros_like(radius)
        for e in (0, 1):
            m = which == e
            if bool(m.any()):
                warp = 0.35 * (value_noise(torch.stack((
                    1.3 * torch.cos(phi[m]), 1.3 * torch.sin(phi[m]), out_mm[m] * 0.4), 1),
                    base_seed + 97 * e + salt + 50) - 0.5)
                q = torch.stack((k * torch.cos(phi[m] + warp), k * torch.sin(phi[m] + warp),
                                 out_mm[m] * radial), 1)
                out[m] = (fbm(q, base_seed + 97 * e + salt, octaves) if octaves > 1
                          else value_noise(q, base_seed + 97 * e + salt) - 0.5)
        return out

    # vessels: dense towards the corners (|cos φ| → 1) and away from the limbus
    corners = 0.25 + 0.75 * torch.cos(phi).abs() ** 2
    outwards = _smooth(0.3, 5.0, out_mm)
    density = (3.0 * redness * corners * outwards).clamp(0.0, 1.0)
    cover = torch.zeros_like(radius)
    for i, (cells, radial, width_mm, strength) in enumerate(_VESSELS):
        ridge = noise(cells, radial, 11 * i + 1).abs()            # 0 on the vessel's line
        # the noise's slope is about one per lattice cell: a width in mm is this many units
        cell_mm = 2.0 * math.pi * radius * torch.sin(psi).clamp_min(0.3) / cells
        # a vessel thinner than the pixel is widened to the pixel, at its area's share
        drawn_mm = torch.maximum(footprint_mm, torch.full_like(footprint_mm, width_mm))
        half = 0.5 * drawn_mm / cell_mm
        line = _smooth(1.0, 0.4, ridge / half) * (width_mm / drawn_mm)
        cover = torch.maximum(cover, line * strength * density)
    cover = cover.clamp(0.0, 1.0)
    # the base: warm grey, faint blotches, greyer and darker just outside the limbus,
    # yellowing a little towards the back
    tint = torch.tensor(SCLERA_BASE, device=dev, dtype=dt)
    blotch = 1.0 + 0.10 * noise(5.0, 0.3, 7, octaves=3)
    limbal = torch.exp(-out_mm.clamp_min(0.0) / 1.0)[:, None]
    limbal_rgb = torch.tensor(_LIMBAL_TINT, device=dev, dtype=dt)
    albedo = tint * blotch[:, None] * (1.0 - limbal * (1.0 - limbal_rgb))
    back = _smooth(4.0, 12.0, out_mm)[:, None]
    albedo = albedo * (1.0 - 0.08 * back * torch.tensor((0.0, 0.3, 1.0), device=dev, dtype=dt))
    # a diffuse flush of the vessels too fine to see, towards the corners
    flush = (redness * corners * outwards)[:, None]
    albedo = albedo * (1.0 - 0.25 * flush * torch.tensor((0.0, 0.4, 0.45), device=dev, dtype=dt))
    vein = torch.tensor(VEIN_COLOUR, device=dev, dtype=dt)
    albedo = albedo * (1.0 - cover)[:, None] + vein * cover[:, None]
    return albedo, cover
