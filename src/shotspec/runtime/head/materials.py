"""Per-pixel materials of the scanned head: albedo and the two specular lobes, blended by the
coverage fraction of each material in the pixel (``_mat`` from ``render_geometry``).

Skin takes its colour and lobes from the skin model (``skin_albedo``, ``skin_lobes``); the eye
(``eye_shading.eye_surface``) is the iris seen through the refracting cornea and a veined sclera
under a tear film whose mirror reflection the shader adds, with the lids' margins, tear line
and inner corner shaded on the skin around it; teeth, gums, tongue and the mouth's inside come
from ``mouth`` (per tooth and tissue, and the cavity's visibility through the lips' opening);
hair and cloth are matte with the character's seeded colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.head.traits import cloth_albedo
from shotspec.runtime.frame import Frame
from shotspec.runtime.head.eye_lids import CARUNCLE_ALBEDO, MARGIN_TINT
from shotspec.runtime.head.eye_shading import EyeLook, EyeSurface, eye_surface
from shotspec.runtime.head.regions import REGIONS, RegionWeights
from shotspec.runtime.head.scene import MATERIALS, Scene
from shotspec.runtime.head.hair_shading import hair_albedo_px
from shotspec.runtime.head.hair_shell import shell_albedo
from shotspec.runtime.head.groom_scalp import scalp_fibre_albedo
from shotspec.runtime.head.groom_lashes import LashLine
from shotspec.runtime.head.mouth import (TEETH_WRAP, cavity_visibility, mouth_opening,
                                         mouth_shading, teeth_shading)
from shotspec.runtime.head.teeth import tooth_table
from shotspec.runtime.head.lips import lip_wetness, mouth_line, vermilion
from shotspec.runtime.head.model import load_head
from shotspec.runtime.head.skin_albedo import (albedo_detail, base_albedo, hair_albedo, lip_tint,
                                               vertex_albedo)
from shotspec.runtime.head.skin_brdf import SKIN_F0, skin_specular

__all__ = ["PixelMaterial", "pixel_materials", "SKIN_F0"]

# (roughness lobe 1, roughness lobe 2, weight 1, weight 2, F0) of the non-skin materials
_LOBES = {"sclera": (0.18, 0.3, 0.15, 0.1, 0.025), "iris": (0.3, 0.5, 0.0, 0.1, 0.025),
          "hair": (0.6, 0.8, 0.0, 0.0, 0.046), "cloth": (0.5, 0.8, 0.3, 0.3, 0.04),
          "lashes": (0.5, 0.8, 0.0, 0.0, 0.046)}


@dataclass(frozen=True)
class PixelMaterial:
    """Material of N pixels: linear ``albedo`` (N, 3); GGX lobes ``a1``/``a2`` (α, N,) with
    weights ``w1``/``w2``; Fresnel ``f0``; ``eye`` the pixel's eyeball fraction and ``iris``
    its share seen through the cornea (N,); the hair shell's share, strand albedo and direction
    for its Kajiya-Kay highlight; ``eyes`` the eye's surface (tear film normal, lid terms)."""

    albedo: torch.Tensor
    a1: torch.Tensor
    a2: torch.Tensor
    w1: torch.Tensor
    w2: torch.Tensor
    f0: torch.Tensor
    eye: torch.Tensor
    iris: torch.Tensor
    hair: torch.Tensor          # (N,) the hair shell's share of the pixel × its coverage
    hair_albedo: torch.Tensor   # (N, 3) the strands' own albedo (for their tinted highlight)
    tangent: torch.Tensor       # (N, 3) strand direction (zeros off the hair)
    thin: torch.Tensor          # (N,) thin skin a back light shines through (ear, nose rims)
    eyes: EyeSurface            # the eye's tear film and lid terms (``eye_shading``)
    cavity: torch.Tensor        # (N,) the light that reaches inside the mouth (1 outside it)
    wrap: torch.Tensor          # (N,) wrap lighting of translucent enamel (0: none)


def _lid_skin(albedo: torch.Tensor, lobes: tuple[torch.Tensor, ...], margin: torch.Tensor,
              corner: torch.Tensor, lash_line: torch.Tensor, lashes: LashLine | None) -> None:
    """Shade skin pixels around the eye in place: the lid margins (``margin`` (N,) 0…1) and
    the inner corner (``corner``) pinker and wet (a smooth, stronger first lobe); the lash
    lines (``lash_line`` (N,), the root band's share of the pixel) towards the ``lashes``'
    colour by their density (none without lashes)."""
    dev = albedo.device
    pink = albedo * torch.tensor(MARGIN_TINT, device=dev)
    albedo.mul_(1.0 - margin[:, None]).add_(pink * margin[:, None])
    albedo.mul_(1.0 - corner[:, None]).add_(torch.tensor(CARUNCLE_ALBEDO, device=dev)
                                            * corner[:, None])
    if lashes is not None:
        roots = (lash_line * lashes.density)[:, None]
        albedo.mul_(1.0 - roots).add_(lashes.colour.to(dev, albedo.dtype) * roots)
    wet = torch.maximum(margin, corner)
    rough1, _, mix, scale = lobes
    rough1.mul_(1.0 - 0.6 * wet)
    mix.add_((1.0 - mix) * 0.6 * wet)
    scale.add_(0.8 * wet)


def _pixels(frame: Frame, name: str, idx: torch.Tensor) -> torch.Tensor:
    """(N, C) values of AOV ``name`` at the flat pixel ids ``idx``."""
    t = frame.aovs[name][0]
    return t.reshape(t.shape[0], -1)[:, idx].T


def per_vertex(frame: Frame, idx: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Per-vertex ``values`` (V, C) at the pixels ``idx``, interpolated on each pixel's central
    triangle (``_vid``/``_bary``); (N, C), zeros where a pixel has no triangle."""
    vid = _pixels(frame, "_vid", idx)
    bary = _pixels(frame, "_bary", idx)
    ok = (vid[:, 0] >= 0)[:, None]
    ids = vid.clamp_min(0).long()
    out = sum(values[ids[:, k]] * bary[:, k:k + 1] for k in range(3))
    return torch.where(ok, out, torch.zeros_like(out))


def _skin(frame: Frame, scene: Scene, idx: torch.Tensor, character: CharacterIR
          ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """Skin albedo (N, 3) and lobes (rough1, rough2, mix, scale) at the pixels ``idx``: the
    albedo's broad variation per vertex of the rest mesh, its fine detail per pixel."""
    seed, skin = int(character.seed), character.skin
    attrs = _pixels(frame, "_attrs", idx)
    if scene.attr_names[: len(REGIONS)] != REGIONS:
        raise ValueError("the geometry frame carries no skin regions")
    regions = RegionWeights(attrs[:, : len(REGIONS)])
    rest = _pixels(frame, "_rest", idx)
    cavity = _pixels(frame, "_cavity", idx)[:, 0]
    footprint = _pixels(frame, "_footprint", idx)[:, 0]
    vertex_regions = RegionWeights(scene.attrs[:, : len(REGIONS)])
    base = per_vertex(frame, idx, vertex_albedo(skin, seed, vertex_regions, scene.rest, mix_lips=False))
    albedo = albedo_detail(base, rest * 1000.0, regions, footprint, skin, seed, cavity)
    albedo, wet = _lips(albedo, regions, rest * 1000.0, footprint, scene, character)
    return albedo, skin_specular(skin, regions, cavity, wet)


def _lips(albedo: torch.Tensor, regions: RegionWeights, rest_mm: torch.Tensor,
          footprint: torch.Tensor, scene: Scene, character: CharacterIR
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Skin albedo (N, 3) with the vermilion mixed in per pixel, and its wetness (N,)
    (``lips``); zeros where no pixel touches the lips."""
    wet = torch.zeros_like(footprint)
    on = (regions["lips"] > 0).nonzero()[:, 0]
    if on.numel() == 0:
        return albedo, wet
    seed = int(character.seed)
    tint = lip_tint(character.skin, character.lips, albedo.device)
    lips_w = regions["lips"][on]
    albedo = albedo.clone()
    albedo[on], sharp = vermilion(albedo[on], lips_w, tint, rest_mm[on], footprint[on], seed)
    head = load_head(str(albedo.device))
    line = mouth_line(scene.rest[head.landmarks68] * 1000.0)
    wet[on] = lip_wetness(sharp, rest_mm[on], line, character.lips.moisture, seed)
    return albedo, wet


def _mouth(frame: Frame, scene: Scene, idx: torch.Tensor, character: CharacterIR,
           mat: torch.Tensor) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], torch.Tensor]:
    """Teeth and mouth albedo (N, 3) and lobes (5, N) by material name, and the cavity's
    visibility (N,) through the lips' opening (``mouth``), evaluated where they cover a pixel."""
    dev = frame.device
    n = idx.numel()
    albedo = {k: torch.zeros(n, 3, device=dev) for k in ("teeth", "mouth")}
    lobes = {k: torch.zeros(5, n, device=dev) for k in ("teeth", "mouth")}
    visible = torch.ones(n, device=dev)
    inside = ((mat[MATERIALS["teeth"]] + mat[MATERIALS["mouth"]]) > 0).nonzero()[:, 0]
    if inside.numel() == 0:
        return albedo, lobes, visible
    table = tooth_table(str(dev)).stacked()
    rows = torch.zeros(scene.vertices.shape[0], table.shape[1], device=dev)
    rows[: table.shape[0]] = table
    px = idx[inside]
    tooth = per_vertex(frame, px, rows)
    rest_mm = _pixels(frame, "_rest", px) * 1000.0
    fp = _pixels(frame, "_footprint", px)[:, 0]
    seed = int(character.seed)
    for name, fn in (("teeth", lambda: teeth_shading(tooth, rest_mm, fp, seed, character.skin.age_years)),
                     ("mouth", lambda: mouth_shading(tooth, rest_mm, fp, seed))):
        albedo[name][inside], lobes[name][:, inside] = fn()
    visible[inside] = cavity_visibility(_pixels(frame, "position", px), mouth_opening(scene.landmarks))
    return albedo, lobes, visible


def pixel_materials(frame: Frame, scene: Scene, idx: torch.Tensor, character: CharacterIR,
                    look: EyeLook, lashes: LashLine | None = None) -> PixelMaterial:
    """The blended material of the pixels ``idx`` (flat ids) of a geometry ``frame``; ``look``
    is what the eyes need of the camera and the light (``eye_shading.EyeLook``); ``lashes``
    the lash roots' colour and density (``lash_line_of`` the groom; None: no lash line)."""
    dev = frame.device
    mat = frame.aovs["_mat"][0].reshape(len(MATERIALS), -1)[:, idx]          # (K, N)
    seed = int(character.seed)
    # skin's detail is evaluated where skin covers the pixel only: elsewhere its fraction is
    # 0 and its terms add nothing
    on_skin = (mat[MATERIALS["skin"]] > 0).nonzero()[:, 0]
    skin_albedo = torch.zeros(idx.numel(), 3, device=dev)
    rough1, rough2, mix, scale = torch.zeros(4, idx.numel(), device=dev)
    thin = torch.zeros(idx.numel(), device=dev)
    if on_skin.numel():
        r = RegionWeights(_pixels(frame, "_attrs", idx[on_skin])[:, : len(REGIONS)])
        thin[on_skin] = (r["ears"] + 0.5 * r["nose"]).clamp_max(1.0) * mat[MATERIALS["skin"], on_skin]
        skin_albedo[on_skin], lobes_skin = _skin(frame, scene, idx[on_skin], character)
        for t, v in zip((rough1, rough2, mix, scale), lobes_skin):
            t[on_skin] = v
    surface = eye_surface(frame, scene, idx, character, look)
    iris_w = surface.cap
    eye_albedo = surface.albedo
    if on_skin.numel():
        part = (rough1[on_skin], rough2[on_skin], mix[on_skin], scale[on_skin])
        sub_albedo = skin_albedo[on_skin]
        share = mat[MATERIALS["skin"], on_skin] / mat[:, on_skin].sum(0).clamp_min(1e-6)
        _lid_skin(sub_albedo, part, (surface.lids.margin[on_skin] * share).clamp(0.0, 1.0),
                  (surface.lids.caruncle[on_skin] * share).clamp(0.0, 1.0),
                  (surface.lids.lash_line[on_skin] * share).clamp(0.0, 1.0), lashes)
        skin_albedo[on_skin] = sub_albedo
        for t, v in zip((rough1, rough2, mix, scale), part):
            t[on_skin] = v
    hair_frac = mat[MATERIALS["hair"]]
    hair_rgb = shell_albedo(character.hair.style, scalp_fibre_albedo(character, dev),
                            base_albedo(character.skin, dev)) if character.hair.style != "none" \
        else hair_albedo(seed, dev)
    hair_colour = hair_rgb.expand(idx.numel(), 3).clone()
    hair_alpha = torch.zeros(idx.numel(), device=dev)
    tangent = torch.zeros(idx.numel(), 3, device=dev)
    on_hair = (hair_frac > 0).nonzero()[:, 0]
    if on_hair.numel():
        attrs = _pixels(frame, "_attrs", idx[on_hair])
        a0 = scene.attr_names.index("hair_alpha")
        hair_alpha[on_hair] = attrs[:, a0]
        tangent[on_hair] = attrs[:, scene.attr_names.index("hair_tx"):scene.attr_names.index("hair_tz") + 1]
        under = base_albedo(character.skin, dev).expand(on_hair.numel(), 3)
        hair_colour[on_hair] = hair_albedo_px(
            hair_rgb, under, hair_alpha[on_hair], _pixels(frame, "position", idx[on_hair]),
            tangent[on_hair], _pixels(frame, "_ngeo", idx[on_hair]),
            _pixels(frame, "_footprint", idx[on_hair])[:, 0], seed)
    mouth_albedo, mouth_lobes, visible = _mouth(frame, scene, idx, character, mat)
    colours = {
        "skin": skin_albedo,
        "sclera": eye_albedo,
        "iris": torch.zeros(idx.numel(), 3, device=dev),
        "teeth": mouth_albedo["teeth"],
        "mouth": mouth_albedo["mouth"],
        "hair": hair_colour,
        "cloth": cloth_albedo(seed, dev).expand(idx.numel(), 3),
        "lashes": hair_albedo(seed, dev).expand(idx.numel(), 3) * 0.5,
    }
    total = mat.sum(0).clamp_min(1e-6)
    albedo = torch.zeros(idx.numel(), 3, device=dev)
    lobes = torch.zeros(5, idx.numel(), device=dev)
    for name, k in MATERIALS.items():
        frac = mat[k] / total
        albedo = albedo + frac[:, None] * colours[name]
        if name == "sclera":
            # the iris has no sheen of its own: the cornea above it gives the mirror lobe
            lo = torch.tensor(_LOBES["sclera"], device=dev)[:, None]
            params = lo * torch.stack((torch.ones_like(iris_w), torch.ones_like(iris_w),
                                       1.0 - iris_w, 1.0 - 0.5 * iris_w, torch.ones_like(iris_w)))
        elif name == "skin":
            params = torch.stack((rough1, rough2, mix * scale, (1.0 - mix) * scale,
                                  torch.full_like(mix, SKIN_F0)))
        elif name in mouth_lobes:
            params = mouth_lobes[name]
        else:
            params = torch.tensor(_LOBES[name], device=dev)[:, None]
        lobes = lobes + frac[None] * params
    eye = (mat[MATERIALS["sclera"]] + mat[MATERIALS["iris"]]) / total
    inside = (mat[MATERIALS["teeth"]] + mat[MATERIALS["mouth"]]) / total
    return PixelMaterial(albedo=albedo, a1=lobes[0] ** 2, a2=lobes[1] ** 2, w1=lobes[2],
                         w2=lobes[3], f0=lobes[4], eye=eye, iris=iris_w * eye,
                         hair=hair_frac / total * hair_alpha, hair_albedo=hair_colour,
                         tangent=tangent, thin=thin / total, eyes=surface,
                         cavity=1.0 - inside * (1.0 - visible),
                         wrap=TEETH_WRAP * mat[MATERIALS["teeth"]] / total)
