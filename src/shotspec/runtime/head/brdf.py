"""Reflectance models shared by the renderer: GGX, Kajiya-Kay strands, the corneal catchlight,
spherical-light N·L and each light's direction and falloff at a point.

Radiometric normalisation: a white Lambertian surface facing a light of intensity 1 at its
nominal distance returns 1.0; specular BRDFs are scaled consistently (× π).
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.head.lights import RigLight

__all__ = ["ggx_specular", "kajiya_kay", "catchlight", "sphere_ndl", "light_terms", "CORNEA_F0"]

CORNEA_F0 = 0.025       # tear film over the cornea (n ≈ 1.376)


def ggx_specular(n: torch.Tensor, v: torch.Tensor, l: torch.Tensor, alpha: torch.Tensor,
                 f0: float | None) -> torch.Tensor:
    """Cook-Torrance GGX (height-correlated Smith) × π × N·L, per point (N,), with Schlick
    Fresnel of reflectance ``f0`` — or without any Fresnel factor when ``f0`` is None (the
    caller applies its own per-point Fresnel)."""
    h = torch.nn.functional.normalize(v + l, dim=1)
    ndl = (n * l).sum(1).clamp_min(0.0)
    ndv = (n * v).sum(1).clamp_min(1e-4)
    ndh = (n * h).sum(1).clamp_min(0.0)
    vdh = (v * h).sum(1).clamp_min(0.0)
    a2 = alpha * alpha
    d = a2 / (math.pi * (ndh * ndh * (a2 - 1.0) + 1.0) ** 2)
    vis = 0.5 / (ndl * torch.sqrt(ndv * ndv * (1 - a2) + a2) + ndv * torch.sqrt(ndl * ndl * (1 - a2) + a2)
                 ).clamp_min(1e-6)
    f = 1.0 if f0 is None else f0 + (1.0 - f0) * (1.0 - vdh) ** 5
    return d * vis * f * math.pi * ndl


def kajiya_kay(t: torch.Tensor, v: torch.Tensor, l: torch.Tensor, n: torch.Tensor,
               albedo: torch.Tensor) -> torch.Tensor:
    """Anisotropic strand highlights (N, 3): a white primary lobe shifted towards the tip and a
    hair-tinted secondary lobe shifted towards the root (Kajiya-Kay with Scheuermann's shifts),
    × N·L so strands facing away stay dark."""
    h = torch.nn.functional.normalize(v + l, dim=1)
    ndl = (n * l).sum(1).clamp_min(0.0)
    out = torch.zeros_like(albedo)
    for shift, power, amp, tint in ((-0.08, 60.0, 0.05, None), (0.10, 22.0, 0.18, albedo)):
        ts = torch.nn.functional.normalize(t + shift * n, dim=1)
        th = (ts * h).sum(1)
        lobe = (1.0 - th * th).clamp_min(0.0) ** (0.5 * power) * amp * ndl
        out = out + (lobe[:, None] * (tint * 4.0 if tint is not None else torch.ones_like(albedo)))
    return out


def catchlight(n: torch.Tensor, v: torch.Tensor, l: torch.Tensor, angular_radius: float,
               spread: torch.Tensor, square_up: torch.Tensor | None = None) -> torch.Tensor:
    """Mirror reflection (N,) of a light of ``angular_radius`` (rad: half its apparent size)
    in the tear film: the light's radiance × Schlick Fresnel where the reflected view ray falls
    on the light. The light is a disc, or with ``square_up`` (3,) a square (an area light: a
    softbox) whose sides are level and plumb with that world up.

    A light of colour 1 gives a white Lambertian surface radiance 1, so its own radiance is
    π over its solid angle (1 / r² for a disc of angular radius r, π / 4r² for a square of
    half side r). The shape is widened by the pixel's ``spread`` of reflected directions (N,)
    at constant energy, which keeps a point light's pin-prick catchlight from aliasing while
    a softbox's stays a crisp, bright shape."""
    r = 2.0 * (n * v).sum(1, keepdim=True) * n - v
    radius = max(angular_radius, 0.01)
    eff = torch.sqrt(radius * radius + (0.5 * spread) ** 2)
    ramp = 0.25 * spread                              # the edge: eff ± ramp
    if square_up is None:
        ang = torch.acos((r * l).sum(1).clamp(-1.0, 1.0))
        cover = ((eff - ang) / (2.0 * ramp) + 0.5).clamp(0.0, 1.0)
        # the disc's solid angle with its ramped edge is π (eff² + ramp²/3): spread the
        # light's energy (π for colour 1) over it
        radiance = 1.0 / (eff * eff + ramp * ramp / 3.0)
    else:
        # the light's own frame: level (side) and plumb (up) directions across it
        up = square_up.to(l.dtype).expand_as(l)
        side = torch.cross(up, l, dim=1)
        flat = side.norm(dim=1, keepdim=True) < 1e-3          # a light straight overhead
        side = torch.where(flat, torch.tensor((1.0, 0.0, 0.0), device=l.device).expand_as(l), side)
        side = torch.nn.functional.normalize(side, dim=1)
        plumb = torch.cross(l, side, dim=1)
        along = (r * l).sum(1).clamp_min(1e-3)
        x = torch.atan2((r * side).sum(1), along).abs()
        y = torch.atan2((r * plumb).sum(1), along).abs()
        cover = (((eff - x) / (2.0 * ramp) + 0.5).clamp(0.0, 1.0)
                 * ((eff - y) / (2.0 * ramp) + 0.5).clamp(0.0, 1.0))
        cover = cover * ((r * l).sum(1) > 0).to(cover.dtype)
        # a box with linear edges centred on ±eff integrates to (2 eff)²
        radiance = math.pi / (4.0 * eff * eff)
    fres = CORNEA_F0 + (1.0 - CORNEA_F0) * (1.0 - (n * v).sum(1).clamp(0.0, 1.0)) ** 5
    return radiance * cover * fres


def sphere_ndl(ndl: torch.Tensor, sin_a: float) -> torch.Tensor:
    """N·L of a spherical source of angular radius asin(sin_a): smooth past the terminator."""
    if sin_a < 1e-3:
        return ndl.clamp_min(0.0)
    soft = (ndl + sin_a).clamp_min(0.0) ** 2 / (4.0 * sin_a)
    return torch.where(ndl > sin_a, ndl, soft)


def light_terms(light: RigLight, pts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Unit direction to the light (N, 3), attenuation (N,), distance (N,)."""
    dev = pts.device
    if light.kind == "directional":
        d = torch.tensor(light.direction, device=dev).expand_as(pts)
        one = torch.ones(pts.shape[0], device=dev)
        return d, one, one * 10.0
    lv = torch.tensor(light.position, device=dev) - pts
    dist = lv.norm(dim=1).clamp_min(1e-4)
    l = lv / dist[:, None]
    att = (light.distance_m / dist) ** 2
    if light.kind == "spot":
        axis = -torch.tensor(light.direction, device=dev)
        cos_t = (-l * axis).sum(1)
        inner, outer = math.cos(light.cone_rad * 0.75), math.cos(light.cone_rad)
        att = att * ((cos_t - outer) / max(inner - outer, 1e-4)).clamp(0.0, 1.0) ** 2
    return l, att, dist
