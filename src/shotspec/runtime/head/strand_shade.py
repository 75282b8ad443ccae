"""Lighting strands and compositing them (the light-dependent half of drawing hair, in ``shade``).

The rasterizer (``strand_raster``) already knows which strand points every pixel blends and
with what weights; this module lights those points and sums. Each visible point gets, from
every light, the fibre model's radiance (``strand_shading.fibre_radiance``) × the light's
falloff × its visibility: the head's shadow map (a fibre behind the head from the light is in
the head's shadow) times the hair's own transmittance from the light's ``OpacityGrid``
(self-shadowing: the hair underneath is darker than the hair on top). The environment light
reaches a point through the hair above it (a grid built from straight up). The skin's own
visibility is multiplied by the same grids in ``shade._gather`` (``StrandLight.skin_visibility``):
hair and lashes shadow the skin and the eyes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from shotspec.runtime.head.brdf import light_terms
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.lights import RigLight
from shotspec.runtime.head.shadows import ShadowMap
from shotspec.runtime.head.strand_raster import StrandFragments, strand_points
from shotspec.runtime.head.strand_shading import FIBRE_LOOK, fibre_radiance, strand_tangents
from shotspec.runtime.head.strand_shadows import OpacityGrid
from shotspec.runtime.head.strands import Groom

__all__ = ["StrandLight", "ENV_HAIR", "SKY"]

ENV_HAIR = 0.6                # diffuse share of the environment a fibre returns (× its colour)
SKY = (0.0, 1.0, 0.0)         # the environment light's grid looks straight down
HAIR_SHADOW_TAPS = (4, 8)     # blocker and filter taps of the head's shadow map for fibres


@dataclass
class StrandLight:
    """The groom of a shot and what lighting it needs: its points (``strand_points``), per-point
    colour, tangent, fibre look and outward direction, and a ``cache(key, compute)`` (the
    shade memo of the geometry frame) so grids survive a lighting edit that keeps the light's
    geometry."""

    groom: Groom
    cache: Callable[[tuple, Callable], object]

    def __post_init__(self) -> None:
        self.points, self.width_m, self.starts = strand_points(self.groom)
        dev = self.points.device
        s_count = [g.points.shape[1] for g in self.groom]
        self.colour = torch.cat([g.colour.to(torch.float32).repeat_interleave(s, 0)
                                 for g, s in zip(self.groom, s_count)])
        self.tangent = torch.cat([strand_tangents(g.points.to(torch.float32)).reshape(-1, 3)
                                  for g in self.groom])
        look = torch.cat([torch.tensor(FIBRE_LOOK[g.kind], device=dev).expand(g.points.shape[0] * s, 3)
                          for g, s in zip(self.groom, s_count)])
        self.shift, self.rough, self.diffuse = look.unbind(1)
        # away from the groom's centre: the lit side of the hair volume, and the fibres' normal
        # for the head's shadow-map bias
        self.outward = F.normalize(self.points - self.points.mean(0), dim=1)

    def grid(self, light: RigLight | None) -> OpacityGrid:
        """The optical-depth grid towards ``light`` (``None``: the sky)."""
        if light is None:
            towards, key = torch.tensor(SKY), ("sky",)
        elif light.kind == "directional":
            towards, key = torch.tensor(light.direction), light.geometry
        else:
            towards = torch.tensor(light.position) - self.points.mean(0).cpu()
            key = light.geometry
        return self.cache(("strand grid",) + key,
                          lambda: OpacityGrid.build(self.points, self.width_m, self.starts, towards))

    def skin_visibility(self, light: RigLight, p: torch.Tensor) -> torch.Tensor:
        """The fraction (N,) of ``light`` that reaches skin points ``p`` (N, 3) through the hair."""
        return self.grid(light).transmittance(p, bias_layers=0.5)

    def _unit_radiance(self, light: RigLight, p: torch.Tensor, t: torch.Tensor, col: torch.Tensor,
                       out_dir: torch.Tensor, v: torch.Tensor, idx: torch.Tensor,
                       shadow_map: Callable[[RigLight], ShadowMap]) -> torch.Tensor:
        """Radiance (n, 3) of the points ``idx`` under ``light`` at unit colour."""
        if light.kind == "environment":
            sky = self.grid(None).transmittance(p) * (0.5 + 0.5 * out_dir[:, 1].clamp_min(0))
            return col * (ENV_HAIR * sky)[:, None]
        l, att, _ = light_terms(light, p)
        vis = att.clone()
        if light.shadows:
            smap = shadow_map(light)
            vis = vis * smap.shadow(p, out_dir, blocker_samples=HAIR_SHADOW_TAPS[0],
                                    filter_samples=HAIR_SHADOW_TAPS[1])
            vis = vis * self.grid(light).transmittance(p)
        f = fibre_radiance(t, v, l, col, self.shift[idx], self.rough[idx], self.diffuse[idx], out_dir)
        return f * vis[:, None]

    def radiance(self, frags: StrandFragments, cam: PinholeCamera, lights: list[RigLight],
                 shadow_map: Callable[[RigLight], ShadowMap]) -> torch.Tensor:
        """Linear radiance (P, 6) of the points the fragments use (others 0): RGB, then the
        fibre's albedo (for the ``albedo`` AOV)."""
        dev = self.points.device
        used = torch.zeros(self.points.shape[0], dtype=torch.bool, device=dev)
        used[frags.point] = True
        used[frags.point + 1] = True
        idx = used.nonzero()[:, 0]
        p, t, col = self.points[idx], self.tangent[idx], self.colour[idx]
        out_dir = self.outward[idx]
        v = F.normalize(torch.tensor(cam.origin, device=dev) - p, dim=1)
        rgb = torch.zeros_like(p)
        for light in lights:
            unit = self.cache(("strand radiance",) + light.geometry,
                              lambda light=light: self._unit_radiance(light, p, t, col, out_dir, v, idx,
                                                                      shadow_map))
            rgb += torch.tensor(light.colour, device=dev) * unit
        out = torch.zeros(self.points.shape[0], 6, device=dev)
        out[idx, :3] = rgb
        out[idx, 3:] = col
        return out
