"""``shade``: light the rasterized scanned head (the ``shade`` node) in linear scene-referred RGB.

Each pixel blends its materials by their coverage fractions (``_mat``), gathers every light of
the rig — direction and falloff (``brdf.light_terms``), soft shadow from the light's shadow map
(``shadows``), spherical-light N·L — and the environment fill darkened by ambient occlusion.
Skin's diffuse irradiance is blurred with the measured skin profile (separable screen-space
SSS) before it meets the albedo; specular is added after, so highlights stay crisp. The eyes
add the tear film's mirror reflection of every light over the whole exposed
eye (catchlights at the light's true shape and angular size), the environment's reflection and
the tear line's (``eye_shading``); the lids' contact shadow darkens the eyeball. The subject is
composited over the backdrop by its coverage, and the groom's strands (rasterized by the
geometry node) are lit at their points and composited over both (``strand_shade``); hair also
shadows the skin and the eyes from every light.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.runtime.head.backdrop import wall_hit, wall_radiance
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.lights import RigLight, rig
from shotspec.runtime.head.sss import scatter, transmittance
from shotspec.runtime.frame import Frame
from shotspec.runtime.head.build import DEFAULT_CHARACTER
from shotspec.runtime.head.brdf import ggx_specular, light_terms, sphere_ndl
from shotspec.runtime.head.eye_shading import eye_environment, eye_look, eye_specular, surface_rows
from shotspec.runtime.head.hair_shading import hair_specular
from shotspec.runtime.head.materials import PixelMaterial, pixel_materials
from shotspec.runtime.head.occlusion import ambient_occlusion
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.shade_memo import memo, scene_digest
from shotspec.runtime.head.shadows import ShadowMap
from shotspec.runtime.head.groom_lashes import lash_line_of
from shotspec.runtime.head.strand_raster import FRAGMENT_AOVS, fragments_of
from shotspec.runtime.head.strand_shade import StrandLight
from shotspec.runtime.head.strands import Groom

__all__ = ["shade"]

SCLERA_WRAP = 0.5          # light scattered in the sclera reaches this far past the terminator


def _flat(t: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) → (H·W, C)."""
    return t[0].reshape(t.shape[1], -1).T


def _backdrop_light(lights_w: Sequence[RigLight], dev) -> torch.Tensor:
    total = torch.zeros(3, device=dev)
    for light in lights_w:
        total = total + torch.tensor(light.colour, device=dev) * (2.0 if light.kind == "environment" else 1.0)
    return total


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


def _kept_map(memo_in: tuple[Frame, tuple], scene: Scene, light: RigLight) -> ShadowMap:
    """The light's shadow map of ``scene``, kept with the geometry frame for the light's
    geometry (all but its colour)."""
    geometry, base = memo_in
    where = (light.kind, light.position, light.direction, light.distance_m,
             light.angular_radius, light.cone_rad)
    return memo(geometry, base[:1] + ("shadow map",) + where, lambda: shadow_map(scene, light))


def _visibility(memo_in: tuple[Frame, tuple], scene: Scene, light: RigLight, need: torch.Tensor,
                p: torch.Tensor, ng: torch.Tensor) -> torch.Tensor:
    """Shadow visibility (n,) of the points ``p[need]`` from ``light``: its map and lookups
    are kept with the geometry frame (``shade_memo``) for a light whose geometry — all but its
    colour — is unchanged."""
    geometry, base = memo_in
    where = (light.kind, light.position, light.direction, light.distance_m,
             light.angular_radius, light.cone_rad)
    smap = _kept_map(memo_in, scene, light)
    kept = memo(geometry, base + ("visibility",) + where,
                lambda: (need, smap.shadow(p[need], ng[need])))
    if torch.equal(kept[0], need):
        return kept[1]
    return smap.shadow(p[need], ng[need])


def _through(memo_in: tuple[Frame, tuple], scene: Scene, light: RigLight, sel: torch.Tensor,
             p: torch.Tensor, n: torch.Tensor, l: torch.Tensor, att: torch.Tensor,
             thin: torch.Tensor) -> torch.Tensor:
    """Irradiance (n, 3) that a light behind thin skin (``sel``: ear and nostril rims) sends
    through it: the skin's transmittance over the thickness the light's shadow map measures,
    times the light arriving on the far side (Jimenez et al.'s translucency)."""
    smap = _kept_map(memo_in, scene, light)
    thickness_mm = smap.thickness_m(p[sel]) * 1000.0
    back = (0.3 - (n[sel] * l[sel]).sum(1)).clamp_min(0.0) / 1.3      # lit from behind
    return transmittance(thickness_mm) * (att[sel] * back * thin[sel])[:, None]


def _gather(scene: Scene, cam: PinholeCamera, lights_w: Sequence[RigLight], mat: PixelMaterial,
            p: torch.Tensor, n: torch.Tensor, ng: torch.Tensor, ao: torch.Tensor,
            memo_in: tuple[Frame, tuple], character: CharacterIR,
            strands: StrandLight | None = None
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Diffuse irradiance and specular radiance (each (N, 3)) of subject points ``p``;
    ``memo_in``: the geometry frame and the key of everything but the lights (``_visibility``);
    ``strands``: the groom, whose hair shadows the skin and the eyes from every light."""
    dev = p.device
    v = F.normalize(torch.tensor(cam.origin, device=dev) - p, dim=1)
    irr = torch.zeros_like(p)
    spec = torch.zeros_like(p)
    eye = mat.eye
    surface = mat.eyes
    wetness = float(character.eyes.wetness)
    # the tear film: every exposed eye pixel and the tear line's pixels on the lower lid
    eye_idx = ((eye > 0) | (surface.lids.tear > 0)).nonzero()[:, 0]
    hair_idx = (mat.hair > 0).nonzero()[:, 0]
    thin_idx = (mat.thin > 0).nonzero()[:, 0]
    to_cam = (torch.tensor(cam.origin, device=dev) - p[eye_idx]).norm(dim=1)
    film = surface_rows(surface, eye_idx)
    for light in lights_w:
        col = torch.tensor(light.colour, device=dev)
        if light.kind == "environment":
            sky = 0.6 + 0.4 * n[:, 1]
            if strands is not None:          # the hair above keeps the sky off the scalp
                sky = sky * strands.grid(None).transmittance(p, bias_layers=0.5)
            irr = irr + col * (sky * ao)[:, None]
            spec = spec + col * (0.04 * ao * (mat.w1 + mat.w2))[:, None] * (mat.f0 / 0.028)[:, None]
            if eye_idx.numel():
                spec[eye_idx] += col * eye_environment(film, v[eye_idx], eye[eye_idx],
                                                       wetness)[:, None]
            continue
        l, att, _ = light_terms(light, p)
        sin_a = math.sin(light.angular_radius)
        ndl_skin = sphere_ndl((n * l).sum(1), sin_a)
        ndl_eye = sphere_ndl(((n * l).sum(1) + SCLERA_WRAP) / (1.0 + SCLERA_WRAP), sin_a)
        ndl = ndl_skin + eye * (ndl_eye - ndl_skin)
        # enamel wraps light past its terminator (``mat.wrap``; adds nothing where it is 0)
        ndl = ndl + sphere_ndl(((n * l).sum(1) + mat.wrap) / (1.0 + mat.wrap), sin_a) - ndl_skin
        ang2 = (0.5 * light.angular_radius) ** 2
        lobes = (mat.w1 * ggx_specular(n, v, l, torch.sqrt(mat.a1 ** 2 + ang2).clamp_max(1.0), None)
                 + mat.w2 * ggx_specular(n, v, l, torch.sqrt(mat.a2 ** 2 + ang2).clamp_max(1.0), None))
        vis = torch.ones_like(att)
        if light.shadows:
            # the shadow only matters where the light adds something: lit diffuse, a specular
            # lobe or an eye's catchlight (elsewhere every term below is zero whatever vis is)
            need = ((att > 0) & ((ndl > 0) | (lobes > 0) | (eye > 0) | (mat.hair > 0))).nonzero()[:, 0]
            if need.numel():
                vis[need] = _visibility(memo_in, scene, light, need, p, ng)
                if strands is not None:
                    vis[need] = vis[need] * strands.skin_visibility(light, p[need])
        irr = irr + col * (att * vis * ndl)[:, None]
        if light.shadows and thin_idx.numel():
            irr[thin_idx] += col * _through(memo_in, scene, light, thin_idx, p, n, l, att, mat.thin)
        hv = F.normalize(v + l, dim=1)
        fres = mat.f0 + (1.0 - mat.f0) * (1.0 - (v * hv).sum(1).clamp(0.0, 1.0)) ** 5
        spec = spec + col * (lobes * fres * att * vis)[:, None]
        if hair_idx.numel():
            hs = hair_specular(mat.tangent[hair_idx], n[hair_idx], v[hair_idx], l[hair_idx],
                               mat.hair_albedo[hair_idx], mat.hair[hair_idx])
            spec[hair_idx] += col * hs * (att[hair_idx] * vis[hair_idx])[:, None]
        if eye_idx.numel():
            glint = eye_specular(film, light, v[eye_idx], l[eye_idx], eye[eye_idx], to_cam,
                                 cam.focal_px, wetness)
            spec[eye_idx] += col * (glint * att[eye_idx] * vis[eye_idx])[:, None]
    # the lids' contact shadow on the eyeball (1 elsewhere)
    return irr * surface.lids.occlusion[:, None], spec


def _occlusion(geometry: Frame, cam: PinholeCamera, idx: torch.Tensor) -> torch.Tensor:
    """Ambient occlusion (N,) of the subject pixels ``idx`` (of the flattened frame)."""
    depth = torch.where(geometry.aovs["alpha"][0, 0] >= 0.5, geometry.aovs["depth"][0, 0],
                        torch.full_like(geometry.aovs["depth"][0, 0], math.inf))
    return ambient_occlusion(depth, geometry.aovs["_ngeo"][0], cam, pixels=idx)


WALL_STEP = 2   # the backdrop pattern is evaluated every WALL_STEP pixels and interpolated


def _wall_pattern(geometry: Frame, camera: CameraIR, seed: int) -> torch.Tensor:
    """The backdrop's radiance (H·W, 3) under a white light of colour 1 (``wall_radiance`` is
    linear in the light's colour). The plaster's finest noise is ~25 mm on a wall a metre or
    more behind the face — about 20 pixels a cycle, then defocused by the lens — so it is
    evaluated on a grid ``WALL_STEP`` times coarser and interpolated bilinearly."""
    dev = geometry.rgb.device
    h, w = geometry.height, geometry.width
    hc, wc = -(-h // WALL_STEP), -(-w // WALL_STEP)
    coarse = PinholeCamera.from_ir(camera, wc, hc)      # the same film, coarser pixels
    dirs = coarse.rays(dev)[0]
    t_wall, _ = wall_hit(coarse, dirs)
    pts = torch.tensor(coarse.origin, device=dev) + dirs * t_wall[:, None]
    rad = wall_radiance(coarse, pts, torch.ones(3, device=dev), seed)
    img = rad.T.reshape(1, 3, hc, wc)
    up = F.interpolate(img, size=(h, w), mode="bilinear", align_corners=False)[0]
    return up.reshape(3, -1).T.contiguous()


def _hair_masks(aovs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The AOVs that learn about the hair's coverage (light-independent, so ``shade`` keeps them
    with the geometry frame and a lighting edit hands the later passes the same tensors):
    ``skin``/``eyes``/``lips``/``brows`` lose what hair covers, ``subject``/``alpha`` gain it,
    and ``depth`` is the hair's where it covers more than half the pixel."""
    cov = aovs["hair"]
    out = {name: aovs[name] * (1.0 - cov) for name in ("skin", "eyes", "lips", "brows")}
    out.update({name: aovs[name] + (1.0 - aovs[name]) * cov for name in ("subject", "alpha")})
    out["depth"] = torch.where(cov >= 0.5, torch.minimum(aovs["_hair_depth"], aovs["depth"]),
                               aovs["depth"])
    return out


def _composite_hair(out: torch.Tensor, aovs: dict[str, torch.Tensor], hair_px: torch.Tensor,
                    h: int, w: int) -> torch.Tensor:
    """The strands (``hair_px`` (H·W, 6): blended radiance and albedo) over ``out`` (1, 3, H, W)
    by the hair's coverage; ``albedo`` blends with the fibres' in place."""
    cov = aovs["hair"]
    img = hair_px.T.reshape(1, 6, h, w)
    aovs["albedo"] = aovs["albedo"] * (1.0 - cov) + img[:, 3:] * cov
    return out * (1.0 - cov) + img[:, :3] * cov


def shade(geometry: Frame, scene: Scene, character: CharacterIR | None,
          lights: Sequence[LightIR], camera: CameraIR, groom: Groom = ()) -> Frame:
    """Linear RGB (1, 3, H, W) of the rasterized ``geometry`` of ``scene`` under ``lights`` (an
    empty rig gets the default key, fill and rim), with the strands of ``groom`` (which the
    geometry frame rasterized) lit and composited over; the AOVs pass through with
    ``albedo`` (and the hair's, ``_composite_hair``)."""
    if geometry.rgb.dim() != 4 or geometry.rgb.shape[:2] != (1, 3):
        raise ValueError(f"geometry rgb must be (1, 3, H, W), got {tuple(geometry.rgb.shape)}")
    character = character or DEFAULT_CHARACTER
    h, w = geometry.height, geometry.width
    dev = geometry.rgb.device
    cam = PinholeCamera.from_ir(camera, w, h)
    rot = cam.rotation(dev)
    lights_w = rig(lights, camera)
    frags = fragments_of(geometry.aovs)
    if groom and frags is None:
        raise ValueError("the geometry frame has no strand fragments for the groom")
    # everything but the lights: kept with the geometry frame for lighting edits
    base = (scene_digest(scene.vertices, scene.faces), repr(character), repr(camera))
    strands = StrandLight(groom, lambda key, fn: memo(geometry, base + key, fn)) if groom else None
    with torch.no_grad():
        alpha = _flat(geometry.aovs["alpha"])[:, 0]
        idx = (alpha > 0).nonzero()[:, 0]
        albedo = torch.zeros(h * w, 3, device=dev)
        irr = torch.zeros(h * w, 3, device=dev)
        spec = torch.zeros(h * w, 3, device=dev)
        if idx.numel():
            p = _flat(geometry.aovs["position"])[idx]
            n = _flat(geometry.aovs["normal"])[idx] @ rot.T
            ng = _flat(geometry.aovs["_ngeo"])[idx]
            look = eye_look(scene, cam, lights_w, character)
            mat = memo(geometry, base + ("materials", look),
                       lambda: pixel_materials(geometry, scene, idx, character, look,
                                               lash_line_of(groom)))
            ao = memo(geometry, base + ("occlusion",), lambda: _occlusion(geometry, cam, idx))
            albedo[idx] = mat.albedo
            irr_s, spec_s = _gather(scene, cam, lights_w, mat, p, n, ng, ao, (geometry, base),
                                    character, strands)
            # inside the mouth only what enters through the lips' opening (``mouth``)
            irr[idx], spec[idx] = irr_s * mat.cavity[:, None], spec_s * mat.cavity[:, None]

        def img(t: torch.Tensor) -> torch.Tensor:
            return t.T.reshape(1, t.shape[1], h, w)

        skin = geometry.aovs["skin"]
        irr_img = scatter(img(irr), skin, geometry.aovs["depth"], cam.focal_px)
        subject = img(albedo) * irr_img + img(spec)
        plaster = memo(geometry, ("wall", repr(camera), int(character.seed)),
                       lambda: _wall_pattern(geometry, camera, int(character.seed)))
        wall = img(plaster * _backdrop_light(lights_w, dev))
        a = geometry.aovs["alpha"]
        out = a * subject + (1.0 - a) * wall
        aovs = {k: v for k, v in geometry.aovs.items() if k not in FRAGMENT_AOVS}
        aovs["albedo"] = img(albedo)
        if strands is not None and frags.count:
            radiance = strands.radiance(frags, cam, lights_w,
                                        lambda light: _kept_map((geometry, base), scene, light))
            out = _composite_hair(out, aovs, frags.resolve(radiance), h, w)
            aovs.update(memo(geometry, ("hair masks",), lambda: _hair_masks(geometry.aovs)))
    return Frame(rgb=out.contiguous(), aovs=aovs, meta=geometry.meta)
