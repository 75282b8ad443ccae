"""The fibre scattering model of strands: Marschner's three lobes, per kind of hair.

A hair fibre is a rough dielectric cylinder. Light leaves it along three paths (Marschner et
al. 2003, "Light Scattering from Human Hair Fibers"): ``R`` reflects off the cuticle (a white
highlight shifted towards the root by the tilt of the cuticle scales), ``TT`` passes through
(the bright halo of back-lit hair, tinted by the pigment twice), ``TRT`` reflects inside (the
coloured secondary highlight shifted towards the tip). Each lobe is a longitudinal Gaussian
``M_p`` about the shifted half angle times an azimuthal term ``N_p``; we use Karis's fitted
azimuthal terms ("Physically Based Hair Shading in Unreal", SIGGRAPH 2016 course), whose
absorption follows the fibre's albedo as d'Eon et al. (2011) relate them, and add a diffuse
term for the light that scatters between many fibres (the body colour of blond hair).

Shift (cuticle tilt) and roughness (longitudinal width) differ by kind: lashes and brows are
coarse, glossy fibres; peach fuzz is fine and rough. Radiance is evaluated at strand points
and interpolated along segments by the rasterizer's weights.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F

__all__ = ["FIBRE_LOOK", "FibreLook", "fibre_radiance", "strand_tangents"]

ETA = 1.55                   # refractive index of keratin


class FibreLook(NamedTuple):
    """How a kind of hair scatters: Marschner's cuticle shift α (negative: the R highlight sits
    towards the root), the longitudinal roughness β, and the weight of the diffuse part."""

    shift_rad: float
    roughness_rad: float
    diffuse: float


FIBRE_LOOK: dict[str, FibreLook] = {
    "scalp": FibreLook(math.radians(-5.0), math.radians(7.0), 0.35),
    "brow": FibreLook(math.radians(-6.0), math.radians(9.0), 0.45),
    "lash": FibreLook(math.radians(-6.0), math.radians(6.0), 0.25),
    "stubble": FibreLook(math.radians(-5.0), math.radians(10.0), 0.5),
    "fuzz": FibreLook(math.radians(-3.0), math.radians(14.0), 0.6),
}


def strand_tangents(points: torch.Tensor) -> torch.Tensor:
    """Unit tangents (N, S, 3) root → tip of strands ``points`` (N, S, 3): central differences
    inside, one-sided at the ends."""
    d = torch.empty_like(points)
    d[:, 1:-1] = points[:, 2:] - points[:, :-2]
    d[:, 0] = points[:, 1] - points[:, 0]
    d[:, -1] = points[:, -1] - points[:, -2]
    return F.normalize(d, dim=2)


def _gauss(beta: torch.Tensor | float, x: torch.Tensor) -> torch.Tensor:
    return torch.exp(-0.5 * x * x / (beta * beta)) / (math.sqrt(2 * math.pi) * beta)


def _fresnel(cos: torch.Tensor) -> torch.Tensor:
    f0 = ((ETA - 1) / (ETA + 1)) ** 2
    return f0 + (1 - f0) * (1 - cos.clamp(0.0, 1.0)) ** 5


def fibre_radiance(t: torch.Tensor, v: torch.Tensor, l: torch.Tensor, colour: torch.Tensor,
                   shift_rad: torch.Tensor, rough_rad: torch.Tensor, diffuse: torch.Tensor,
                   outward: torch.Tensor) -> torch.Tensor:
    """Reflected radiance (N, 3) per unit irradiance from a light in direction ``l`` (N, 3)
    seen from ``v`` (N, 3), for fibres of tangent ``t`` (N, 3), linear ``colour`` (N, 3) and per
    point ``shift_rad``/``rough_rad``/``diffuse`` (N,); ``outward`` (N, 3) points away from the
    head (the diffuse part is brighter on the lit side of the hair volume)."""
    sin_l = (t * l).sum(1).clamp(-1.0, 1.0)
    sin_v = (t * v).sum(1).clamp(-1.0, 1.0)
    cos_d = torch.cos(0.5 * (torch.asin(sin_v) - torch.asin(sin_l)).abs()).clamp_min(1e-3)
    lp = l - sin_l[:, None] * t
    vp = v - sin_v[:, None] * t
    cos_phi = (lp * vp).sum(1) * torch.rsqrt((lp * lp).sum(1) * (vp * vp).sum(1) + 1e-4)
    cos_half = torch.sqrt((0.5 + 0.5 * cos_phi).clamp(0.0, 1.0))
    sum_sin = sin_l + sin_v
    # R: shift and width as Karis's fit (the width grows away from the mirror direction)
    # (lobe centres in units of sin θi + sin θo ≈ 2 θh: R at 2α, TT at −α, TRT at −3α)
    sa, ca = torch.sin(shift_rad), torch.cos(shift_rad)
    shift_r = 2 * sa * (ca * cos_half * torch.sqrt((1 - sin_v * sin_v).clamp_min(0)) + sa * sin_v)
    m_r = _gauss(rough_rad * math.sqrt(2.0) * cos_half.clamp_min(0.05), sum_sin - shift_r)
    n_r = 0.25 * cos_half * _fresnel(0.5 * torch.sqrt((0.5 + 0.5 * (l * v).sum(1)).clamp(0, 1)))
    spec = (m_r * n_r)[:, None].expand(-1, 3)
    # TT: through the fibre, tinted by two passes through the pigment
    m_tt = _gauss(0.5 * rough_rad, sum_sin + shift_rad)
    a = 1.0 / (1.19 / cos_d + 0.36 * cos_d)
    h = cos_half * (1 + a * (0.6 - 0.8 * cos_phi))
    f = _fresnel(cos_d * torch.sqrt((1 - h * h).clamp_min(0)))
    expo = 0.5 * torch.sqrt((1 - (h * a) ** 2).clamp_min(0)) / cos_d
    tint_tt = colour.clamp_min(1e-4) ** expo[:, None]
    n_tt = torch.exp(-3.65 * cos_phi - 3.98)
    spec = spec + (m_tt * n_tt * (1 - f) ** 2)[:, None] * tint_tt
    # TRT: reflected inside, tinted strongly
    m_trt = _gauss(2.0 * rough_rad, sum_sin + 3.0 * shift_rad)
    f = _fresnel(0.5 * cos_d)
    tint_trt = colour.clamp_min(1e-4) ** (0.8 / cos_d)[:, None]
    n_trt = torch.exp(17.0 * cos_phi - 16.78)
    spec = spec + (m_trt * n_trt * (1 - f) ** 2 * f)[:, None] * tint_trt
    # multiple scattering between fibres: a soft, colour-saturated diffuse
    side = 0.5 + 0.5 * (outward * l).sum(1).clamp(-1.0, 1.0)
    sin_tl = torch.sqrt((1 - sin_l * sin_l).clamp_min(0))
    diff = (diffuse * (0.35 + 0.65 * side) * sin_tl / math.pi)[:, None] * colour
    return spec * (1.0 - diffuse)[:, None] + diff
