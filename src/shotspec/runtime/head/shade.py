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
from shotspec.runtime.head.sss import scatter
from shotspec.runtime.frame import Frame
from shotspec.runtime.head.build import DEFAULT_CHARACTER
from shotspec.runtime.head.eye_shading import eye_look
from shotspec.runtime.head.light_gather import SubjectPoints, gather, kept_map
from shotspec.runtime.head.materials import pixel_materials
from shotspec.runtime.head.occlusion import ambient_occlusion
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.shade_memo import memo, scene_digest
from shotspec.runtime.head.groom_lashes import lash_line_of
from shotspec.runtime.head.strand_raster import FRAGMENT_AOVS, fragments_of
from shotspec.runtime.head.strand_shade import StrandLight
from shotspec.runtime.head.strands import Groom

__all__ = ["shade"]

def _flat(t: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) → (H·W, C)."""
    return t[0].reshape(t.shape[1], -1).T


def _backdrop_light(lights_w: Sequence[RigLight], dev) -> torch.Tensor:
    total = torch.zeros(3, device=dev)
    for light in lights_w:
        total = total + torch.tensor(light.colour, device=dev) * (2.0 if light.kind == "environment" else 1.0)
    return total


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
          lights: Sequence[LightIR], camera: CameraIR, groom: Groom = (), *,
          only: int | None = None) -> Frame:
    """Linear RGB (1, 3, H, W) of the rasterized ``geometry`` of ``scene`` under ``lights`` (an
    empty rig gets the default key, fill and rim), with the strands of ``groom`` (which the
    geometry frame rasterized) lit and composited over; the AOVs pass through with
    ``albedo`` (and the hair's, ``_composite_hair``). ``only``: the image that light of the rig
    (its index) makes alone, everything else as in the whole rig's render (the eyes' pupils
    still adapt to the whole rig) — what the live preview shows of one light."""
    if geometry.rgb.dim() != 4 or geometry.rgb.shape[:2] != (1, 3):
        raise ValueError(f"geometry rgb must be (1, 3, H, W), got {tuple(geometry.rgb.shape)}")
    character = character or DEFAULT_CHARACTER
    h, w = geometry.height, geometry.width
    dev = geometry.rgb.device
    cam = PinholeCamera.from_ir(camera, w, h)
    rot = cam.rotation(dev)
    lights_w = rig(lights, camera)
    lit = lights_w if only is None else [lights_w[only]]
    frags = fragments_of(geometry.aovs)
    if groom and frags is None:
        raise ValueError("the geometry frame has no strand fragments for the groom")
    # everything but the lights: kept with the geometry frame for lighting edits
    base = (scene_digest(scene.vertices, scene.faces), repr(character), repr(camera))
    strands = memo(geometry, base + ("strand light",),
                   lambda: StrandLight(groom, lambda key, fn: memo(geometry, base + key, fn))) if groom else None
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
            pts = SubjectPoints.of(cam, mat, p, n, ng, ao, float(character.eyes.wetness))
            irr_s, spec_s = gather(pts, lit, (geometry, base), scene, strands, ("materials", look))
            # inside the mouth only what enters through the lips' opening (``mouth``)
            irr[idx], spec[idx] = irr_s * mat.cavity[:, None], spec_s * mat.cavity[:, None]

        def img(t: torch.Tensor) -> torch.Tensor:
            return t.T.reshape(1, t.shape[1], h, w)

        skin = geometry.aovs["skin"]
        irr_img = scatter(img(irr), skin, geometry.aovs["depth"], cam.focal_px)
        subject = img(albedo) * irr_img + img(spec)
        plaster = memo(geometry, ("wall", repr(camera), int(character.seed)),
                       lambda: _wall_pattern(geometry, camera, int(character.seed)))
        wall = img(plaster * _backdrop_light(lit, dev))
        a = geometry.aovs["alpha"]
        out = a * subject + (1.0 - a) * wall
        aovs = {k: v for k, v in geometry.aovs.items() if k not in FRAGMENT_AOVS}
        aovs["albedo"] = img(albedo)
        if strands is not None and frags.count:
            radiance = strands.radiance(frags, cam, lit,
                                        lambda light: kept_map((geometry, base), scene, light))
            out = _composite_hair(out, aovs, frags.resolve(radiance), h, w)
            aovs.update(memo(geometry, ("hair masks",), lambda: _hair_masks(geometry.aovs)))
    return Frame(rgb=out.contiguous(), aovs=aovs, meta=geometry.meta)
