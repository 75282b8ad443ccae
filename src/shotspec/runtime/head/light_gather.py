"""Lighting the subject's points, one light at a time: the light-dependent half of ``shade``.

Every term a light adds — diffuse irradiance (spherical-light N·L, falloff, soft shadow from its
shadow map and through the hair), the translucency of thin skin, the skin's two specular lobes,
the hair fibres' highlight, the tear film's catchlight — is linear in the light's colour. So each
light is gathered once at unit colour (``unit_terms``) and kept with the geometry frame
(``shade_memo``) under the light's geometry (``RigLight.geometry``: everything but its colour)
and the materials' key; the shade sums ``colour × terms`` over the rig. A colour, temperature or
intensity edit re-sums kept terms; moving one light re-gathers that light alone, and the image
one light makes alone (``shade(..., only=i)``, the live preview's light highlight) costs a sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from shotspec.runtime.frame import Frame
from shotspec.runtime.head.brdf import ggx_specular, light_terms, sphere_ndl
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.eye_shading import EyeSurface, eye_environment, eye_specular, surface_rows
from shotspec.runtime.head.hair_shading import hair_specular
from shotspec.runtime.head.lights import RigLight
from shotspec.runtime.head.materials import PixelMaterial
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.shade_memo import memo
from shotspec.runtime.head.shadows import ShadowMap
from shotspec.runtime.head.sss import transmittance
from shotspec.runtime.head.strand_shade import StrandLight

__all__ = ["SubjectPoints", "shadow_map", "kept_map", "unit_terms", "gather", "SCLERA_WRAP"]

SCLERA_WRAP = 0.5          # light scattered in the sclera reaches this far past the terminator

MemoIn = tuple[Frame, tuple]   # the geometry frame and the key of everything but the lights


@dataclass(frozen=True)
class SubjectPoints:
    """The N lit points of the subject and what every light's terms read: world positions
    ``p``, camera-space shading normals ``n`` and geometric normals ``ng`` (N, 3), ambient
    occlusion ``ao`` (N,), materials ``mat``, the unit view vectors ``v`` (N, 3), and the rows of
    the eyes' tear film (``eye_idx``, its ``film`` and camera distance ``to_cam_m``), of hair and
    of thin skin."""

    p: torch.Tensor
    n: torch.Tensor
    ng: torch.Tensor
    ao: torch.Tensor
    mat: PixelMaterial
    v: torch.Tensor
    eye_idx: torch.Tensor
    film: EyeSurface
    to_cam_m: torch.Tensor
    hair_idx: torch.Tensor
    thin_idx: torch.Tensor
    focal_px: float
    wetness: float

    @classmethod
    def of(cls, cam: PinholeCamera, mat: PixelMaterial, p: torch.Tensor, n: torch.Tensor,
           ng: torch.Tensor, ao: torch.Tensor, wetness: float) -> "SubjectPoints":
        origin = torch.tensor(cam.origin, device=p.device)
        # the tear film: every exposed eye pixel and the tear line's pixels on the lower lid
        eye_idx = ((mat.eye > 0) | (mat.eyes.lids.tear > 0)).nonzero()[:, 0]
        return cls(p=p, n=n, ng=ng, ao=ao, mat=mat, v=F.normalize(origin - p, dim=1),
                   eye_idx=eye_idx, film=surface_rows(mat.eyes, eye_idx),
                   to_cam_m=(origin - p[eye_idx]).norm(dim=1),
                   hair_idx=(mat.hair > 0).nonzero()[:, 0], thin_idx=(mat.thin > 0).nonzero()[:, 0],
                   focal_px=cam.focal_px, wetness=wetness)


def shadow_map(scene: Scene, light: RigLight) -> ShadowMap:
    """The depth map of ``scene`` seen from ``light``, sized by the light's emitter."""
    if light.kind == "directional":
        return ShadowMap.for_directional(scene.vertices, scene.faces, light.direction,
                                         angular_diameter_rad=2.0 * light.angular_radius)
    diameter_m = 2.0 * light.distance_m * math.tan(light.angular_radius)
    lo, hi = scene.vertices.amin(0), scene.vertices.amax(0)
    centre, radius = (lo + hi) / 2, float((hi - lo).norm()) / 2
    if float((centre - torch.tensor(light.position, device=centre.device)).norm()) > radius * 1.05:
        return ShadowMap.for_position(scene.vertices, scene.faces, light.position,
                                      diameter_m=diameter_m)
    # a light inside the scene's bounds (a bulb at the shoulder): its shadows as seen from its
    # direction, which keeps the nose and lid shadows a close light throws
    return ShadowMap.for_directional(scene.vertices, scene.faces, light.direction,
                                     angular_diameter_rad=2.0 * light.angular_radius)


def kept_map(memo_in: MemoIn, scene: Scene, light: RigLight) -> ShadowMap:
    """The light's shadow map of ``scene``, kept with the geometry frame for the light's
    geometry (all but its colour)."""
    geometry, base = memo_in
    return memo(geometry, base[:1] + ("shadow map",) + light.geometry, lambda: shadow_map(scene, light))


def _visibility(memo_in: MemoIn, scene: Scene, light: RigLight, need: torch.Tensor,
                pts: SubjectPoints) -> torch.Tensor:
    """Shadow visibility (n,) of the points ``pts.p[need]`` from ``light``; the lookups are
    kept with the geometry frame, so a change of the materials alone (the pupil) reuses them."""
    geometry, base = memo_in
    smap = kept_map(memo_in, scene, light)
    kept = memo(geometry, base + ("visibility",) + light.geometry,
                lambda: (need, smap.shadow(pts.p[need], pts.ng[need])))
    if torch.equal(kept[0], need):
        return kept[1]
    return smap.shadow(pts.p[need], pts.ng[need])


def _through(smap: ShadowMap, pts: SubjectPoints, l: torch.Tensor, att: torch.Tensor) -> torch.Tensor:
    """Irradiance (n, 3) that a unit light behind thin skin (ear and nostril rims) sends
    through it: the skin's transmittance over the thickness the light's shadow map measures,
    times the light arriving on the far side (Jimenez et al.'s translucency)."""
    sel = pts.thin_idx
    thickness_mm = smap.thickness_m(pts.p[sel]) * 1000.0
    back = (0.3 - (pts.n[sel] * l[sel]).sum(1)).clamp_min(0.0) / 1.3      # lit from behind
    return transmittance(thickness_mm) * (att[sel] * back * pts.mat.thin[sel])[:, None]


def _environment_terms(pts: SubjectPoints, strands: StrandLight | None) -> tuple[torch.Tensor, torch.Tensor]:
    mat = pts.mat
    sky = 0.6 + 0.4 * pts.n[:, 1]
    if strands is not None:          # the hair above keeps the sky off the scalp
        sky = sky * strands.grid(None).transmittance(pts.p, bias_layers=0.5)
    irr = (sky * pts.ao)[:, None].expand(-1, 3).clone()
    spec = (0.04 * pts.ao * (mat.w1 + mat.w2) * (mat.f0 / 0.028))[:, None].expand(-1, 3).clone()
    if pts.eye_idx.numel():
        spec[pts.eye_idx] += eye_environment(pts.film, pts.v[pts.eye_idx], mat.eye[pts.eye_idx],
                                             pts.wetness)[:, None]
    return irr, spec


def unit_terms(pts: SubjectPoints, light: RigLight, memo_in: MemoIn, scene: Scene,
               strands: StrandLight | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Diffuse irradiance and specular radiance (each (N, 3)) that ``light`` at unit colour
    gives the points ``pts`` (before the lids' contact shadow and the mouth's cavity)."""
    if light.kind == "environment":
        return _environment_terms(pts, strands)
    mat, n, eye = pts.mat, pts.n, pts.mat.eye
    l, att, _ = light_terms(light, pts.p)
    sin_a = math.sin(light.angular_radius)
    ndl_skin = sphere_ndl((n * l).sum(1), sin_a)
    ndl_eye = sphere_ndl(((n * l).sum(1) + SCLERA_WRAP) / (1.0 + SCLERA_WRAP), sin_a)
    ndl = ndl_skin + eye * (ndl_eye - ndl_skin)
    # enamel wraps light past its terminator (``mat.wrap``; adds nothing where it is 0)
    ndl = ndl + sphere_ndl(((n * l).sum(1) + mat.wrap) / (1.0 + mat.wrap), sin_a) - ndl_skin
    ang2 = (0.5 * light.angular_radius) ** 2
    lobes = (mat.w1 * ggx_specular(n, pts.v, l, torch.sqrt(mat.a1 ** 2 + ang2).clamp_max(1.0), None)
             + mat.w2 * ggx_specular(n, pts.v, l, torch.sqrt(mat.a2 ** 2 + ang2).clamp_max(1.0), None))
    vis = torch.ones_like(att)
    if light.shadows:
        # the shadow only matters where the light adds something: lit diffuse, a specular
        # lobe or an eye's catchlight (elsewhere every term below is zero whatever vis is)
        need = ((att > 0) & ((ndl > 0) | (lobes > 0) | (eye > 0) | (mat.hair > 0))).nonzero()[:, 0]
        if need.numel():
            vis[need] = _visibility(memo_in, scene, light, need, pts)
            if strands is not None:
                vis[need] = vis[need] * strands.skin_visibility(light, pts.p[need])
    irr = (att * vis * ndl)[:, None].expand(-1, 3).clone()
    if light.shadows and pts.thin_idx.numel():
        irr[pts.thin_idx] += _through(kept_map(memo_in, scene, light), pts, l, att)
    hv = F.normalize(pts.v + l, dim=1)
    fres = mat.f0 + (1.0 - mat.f0) * (1.0 - (pts.v * hv).sum(1).clamp(0.0, 1.0)) ** 5
    spec = (lobes * fres * att * vis)[:, None].expand(-1, 3).clone()
    if pts.hair_idx.numel():
        h = pts.hair_idx
        spec[h] += hair_specular(mat.tangent[h], n[h], pts.v[h], l[h], mat.hair_albedo[h],
                                 mat.hair[h]) * (att[h] * vis[h])[:, None]
    if pts.eye_idx.numel():
        e = pts.eye_idx
        glint = eye_specular(pts.film, light, pts.v[e], l[e], eye[e], pts.to_cam_m, pts.focal_px,
                             pts.wetness)
        spec[e] += (glint * att[e] * vis[e])[:, None]
    return irr, spec


def gather(pts: SubjectPoints, lights: Sequence[RigLight], memo_in: MemoIn, scene: Scene,
           strands: StrandLight | None, materials_key: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    """Diffuse irradiance and specular radiance (each (N, 3)) of ``pts`` under ``lights``,
    with the lids' contact shadow on the eyeball. Each light's unit-colour terms are kept with
    the geometry frame under its geometry and ``materials_key`` (the materials they read)."""
    geometry, base = memo_in
    irr = torch.zeros_like(pts.p)
    spec = torch.zeros_like(pts.p)
    for light in lights:
        terms = memo(geometry, base + ("light terms", materials_key) + light.geometry,
                     lambda light=light: unit_terms(pts, light.unit(), memo_in, scene, strands))
        colour = torch.tensor(light.colour, device=pts.p.device)
        irr = irr + colour * terms[0]
        spec = spec + colour * terms[1]
    return irr * pts.mat.eyes.lids.occlusion[:, None], spec
