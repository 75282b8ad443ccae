"""Skin, hair and cloth materials: albedo from the character's traits, specular parameters.

Skin albedo starts from the tone's published swatch (``ToneIR.albedo_srgb``, decoded to linear)
moved to the hue of measured skin reflectance (see ``_swatch_albedo`` and ``skin_base_albedo``),
tilted by the undertone, then varies over the face like real skin: a flush on cheeks, nose tip,
ears and chin (stronger with ``skin.redness``), darker cooler under-eyes, jaw line and neck,
redder darker lips, 3D procedural freckles on cheeks and nose (``skin.freckles``), dark
hair-like brows, low-frequency mottling, and a darkening in pores and lines (the cavity term
from the micro-geometry).

Specular follows d'Eon & Luebke's two-lobe skin model: Fresnel F0 = 0.028 (IOR ≈ 1.4), GGX
lobes of roughness ≈ 0.3 and ≈ 0.55; oil (``skin.oil``, boosted on the T-zone) lowers both
roughnesses and moves weight to the sharp lobe.
"""

from __future__ import annotations

import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.character.face_params import trait_draws
from shotspec.runtime.character.regions import FaceRegions
from shotspec.runtime.head.noise import cell_feature, fbm, value_noise
from shotspec.runtime.head.skin_albedo import base_albedo, hair_albedo
from shotspec.runtime.head.skin_brdf import SKIN_F0

__all__ = ["skin_albedo", "skin_base_albedo", "skin_specular", "hair_albedo", "cloth_albedo", "SKIN_F0"]


def cloth_albedo(seed: int, device) -> torch.Tensor:
    r = trait_draws(seed, "cloth", 2)
    palette = ((0.025, 0.03, 0.045), (0.05, 0.05, 0.05), (0.06, 0.045, 0.03), (0.03, 0.045, 0.035),
               (0.10, 0.10, 0.11))
    return torch.tensor(palette[min(int(r[0] * len(palette)), len(palette) - 1)], device=device)


def skin_base_albedo(character: CharacterIR, device) -> torch.Tensor:
    """(3,) the diffuse albedo of the character's tone (``head.skin_albedo.base_albedo``, its
    hue as the swatch's and the blood tilt leave it)."""
    return base_albedo(character.skin, device, hue_range_deg=None)


def skin_albedo(character: CharacterIR, regions: FaceRegions, brows: torch.Tensor,
                cavity: torch.Tensor) -> torch.Tensor:
    """Linear skin albedo (N, 3) at the region's points."""
    pts = regions.pts
    dev = pts.device
    skin = character.skin
    seed = int(character.seed)
    alb = skin_base_albedo(character, dev).expand(pts.shape[0], 3).clone()
    q = pts * 1000.0
    # mottling: blotchy melanin/haemoglobin variation at a few mm and a cm
    m1 = fbm(q / 9.0, seed + 701, octaves=3)
    m2 = fbm(q / 2.5, seed + 702, octaves=2)
    alb = alb * (1.0 + 0.10 * m1 + 0.05 * m2)[:, None]
    # redness: cheeks, nose tip, ears, chin; blotchy. Everyone has some flush where the dermal
    # capillaries are dense (weight 0.3 at redness 0); ``skin.redness`` adds to it
    flush = (0.9 * regions.cheeks + 0.5 * regions.nose + 0.6 * regions.nose_tip + 0.8 * regions.ears
             + 0.4 * regions.chin).clamp_max(1.0)
    red_w = ((0.30 + 0.8 * skin.redness) * flush
             * (0.75 + 0.5 * value_noise(q / 4.0, seed + 703))).clamp(0.0, 1.0)
    red_w = red_w + 0.06 * skin.redness
    alb = alb * (1.0 - red_w[:, None] * torch.tensor([0.0, 0.36, 0.28], device=dev))
    # thin periorbital skin: the upper lid a little darker and pinker, the under-eye hollow
    # darker and cooler (the blue-purple of the vessels under thin skin)
    lid, under = regions.periorbital()
    alb = alb * (1.0 - lid[:, None] * torch.tensor([0.06, 0.14, 0.10], device=dev))
    alb = alb * (1.0 - under[:, None] * torch.tensor([0.20, 0.17, 0.08], device=dev))
    # the jaw line and neck carry less blood than the flushed mid-face: a little darker, cooler
    alb = alb * (1.0 - regions.jaw[:, None] * torch.tensor([0.10, 0.07, 0.03], device=dev))
    # freckles: 3D cellular spots 0.7–1.8 mm across with ragged outlines, clustered by a
    # low-frequency density on the nose bridge and upper cheeks; melanin darkens blue most
    if skin.freckles > 0:
        off, r1, r2 = cell_feature(q / 2.6, seed + 705, margin=0.3)
        ragged = 0.75 + 0.5 * value_noise(q / 0.45, seed + 706)
        dist = off.norm(dim=1) * ragged
        spot = ((0.13 + 0.17 * r2 - dist) / 0.07).clamp(0.0, 1.0)
        cluster = 0.55 + 0.9 * value_noise(q / 11.0, seed + 707)
        where = ((regions.cheeks * 1.3 + regions.nose + 0.2 * regions.forehead) * cluster).clamp(0.0, 1.0)
        present = (r1 < (0.2 + 0.8 * skin.freckles) * where).float()
        fr = spot * present * (0.45 + 0.55 * skin.freckles)
        alb = alb * (1.0 - fr[:, None] * torch.tensor([0.20, 0.32, 0.44], device=dev))
    # imperfections: small reddish marks and the odd mole
    b = value_noise(q / 2.2, seed + 61)
    mark = ((b - 0.84) / 0.16).clamp(0.0, 1.0) * skin.imperfections
    alb = alb * (1.0 - mark[:, None] * torch.tensor([0.05, 0.30, 0.25], device=dev))
    # lips: redder, slightly darker, with a soft vermilion border
    lips = regions.lips
    lip_tint = torch.tensor([0.70, 0.37, 0.44], device=dev)
    alb = alb * (1.0 - lips[:, None] + lips[:, None] * lip_tint)
    # the vermilion border: a pale rolled edge just outside the lip line
    roll = regions.lip_border
    alb = alb * (1.0 + 0.10 * roll)[:, None]
    # the hairline: fine hairs thin out over the skin (strand-broken, not a drawn line)
    hair = hair_albedo(seed, dev)
    fuzz = regions.hair_fuzz
    alb = alb * (1.0 - 0.75 * fuzz[:, None]) + hair * (0.75 * fuzz[:, None])
    # brows: hair colour laid over the skin; dense short hairs read darker than the head's
    alb = alb * (1.0 - brows[:, None]) + (hair * 0.65) * brows[:, None]
    # lashes along the lid margins: near-black hair over the skin
    lash = regions.lashes()
    lash_c = hair * 0.35
    alb = alb * (1.0 - lash[:, None]) + lash_c * lash[:, None]
    # cavities of pores and lines read slightly darker
    alb = alb * (1.0 - 0.35 * cavity)[:, None]
    return alb.clamp(0.0, 1.0)


def skin_specular(character: CharacterIR, regions: FaceRegions, cavity: torch.Tensor,
                  brows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per point: sharp-lobe roughness, broad-lobe roughness, sharp-lobe weight, spec scale."""
    oil = character.skin.oil
    oil_eff = (oil * (0.55 + 0.9 * regions.tzone) * (1.0 - 0.5 * regions.lips)).clamp(0.0, 1.0)
    r_sharp = 0.32 - 0.14 * oil_eff
    r_broad = 0.55 - 0.10 * oil_eff
    w_sharp = 0.30 + 0.45 * oil_eff
    scale = (1.0 - 0.65 * cavity) * (1.0 - 0.5 * brows)
    return r_sharp, r_broad, w_sharp, scale
