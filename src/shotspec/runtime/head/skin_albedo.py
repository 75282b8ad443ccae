"""Skin albedo of the scanned head: per vertex (what varies over centimetres) plus per pixel
(what varies over millimetres), both procedural in rest-pose object space.

``vertex_albedo`` gives the (V, 3) linear albedo the renderer interpolates: the tone's base
colour tilted by the undertone, low-frequency mottling, the flush of cheeks, nose, ears and chin
(``SkinIR.redness``), the thin darker skin of the lids and under the eyes, a cooler neck and
jaw, the lips' colour, the paler scalp, brow and beard shadow. ``albedo_detail`` then modulates
it per pixel at the pixel's rest position: fine mottling, freckles (``SkinIR.freckles``), veins
on the temples and lids, small marks (``SkinIR.imperfections``), follicles on the scalp and
beard area, and the darkening in pores and lines (the relief's cavity term). Every detail term
fades to its mean as it falls below two pixels (``noise.detail_fade``), so it never aliases.

Why not a UV texture: the kit's face and head-and-neck are separate UV tiles whose seam runs
round the face; a field defined in object space has no seams, no resolution limit at macro
distances and no texture memory, and the per-vertex part (26 k colours) is what changes when a
trait is edited, so an edit costs milliseconds.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from shotspec.color import D65_WHITE_XYZ, LUMA_REC709, SRGB_TO_XYZ, linear_to_srgb, srgb_to_lab, srgb_to_linear
from shotspec.compiler.ir import LipsIR, SkinIR
from shotspec.runtime.head.traits import trait_draws
from shotspec.runtime.head.noise import cell_feature, detail_fade, fbm, value_noise
from shotspec.runtime.head.regions import RegionWeights, smoothstep

__all__ = ["CAVITY_DARKENING", "base_albedo", "hair_albedo", "lip_tint", "vertex_albedo",
           "albedo_detail"]

CAVITY_DARKENING = 0.15     # albedo lost at the bottom of a pore or line (cavity 1)
_SKIN_CHROMA = 1.7


def _axis_angle(axis: tuple[float, float, float], angle: float) -> torch.Tensor:
    """(3, 3) rotation about ``axis`` by ``angle`` radians (Rodrigues)."""
    k = torch.tensor(axis, dtype=torch.float64)
    k = k / k.norm()
    kx = torch.tensor([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]], dtype=torch.float64)
    return (torch.eye(3, dtype=torch.float64) + math.sin(angle) * kx + (1.0 - math.cos(angle)) * kx @ kx).float()


# freckle lattices turned off every axis, so no slice of the skin shows their rows
_FRECKLE_ROT = (_axis_angle((0.36, 0.48, 0.8), 0.9), _axis_angle((-0.6, 0.64, 0.48), 2.1),
                _axis_angle((0.7, -0.1, 0.7), 1.4))
_BLOOD = (1.0, 0.80, 0.86)
_GREEN_BLUE_POWER = 0.5
_MAX_RED_GREEN = 2.2
_LUMA = torch.tensor(LUMA_REC709)
_NEUTRAL_HUE_DEG = (40.0, 55.0)   # CIELAB hue of measured skin reflectance, neutral undertone
_UNDERTONE = {"warm": (1.03, 1.0, 0.90), "neutral": (1.0, 1.0, 1.0), "cool": (0.96, 1.0, 1.05)}
# hair colours (linear albedo): black, dark brown, brown, dark blonde, auburn
_HAIR = ((0.018, 0.014, 0.012), (0.045, 0.028, 0.018), (0.09, 0.055, 0.032), (0.20, 0.14, 0.075),
         (0.16, 0.06, 0.025))


def hair_albedo(seed: int, device) -> torch.Tensor:
    """(3,) linear albedo of the character's hair (and brows, stubble), drawn from the seed."""
    r = trait_draws(seed, "hair", 2)
    c = _HAIR[min(int(r[0] * len(_HAIR)), len(_HAIR) - 1)]
    return torch.tensor(c, device=device) * (0.85 + 0.3 * r[1])


def _swatch_albedo(skin: SkinIR, device) -> torch.Tensor:
    """(3,) linear colour of the tone, moved to the hue of measured skin (no undertone yet).

    A scale swatch (Monk, Fitzpatrick) is a display colour, and a yellow one: its green/blue
    ratio climbs past 2 from Monk 5 on, while measured skin reflectance stays near 1.4 at every
    tone (the ColorChecker's light- and dark-skin patches: 1.37 and 1.46). So blue is raised
    until green/blue is the swatch's raised to ``_GREEN_BLUE_POWER`` (Monk 5: 1.70 → 1.30), at
    the swatch's luminance; a colour given directly (``tone color``) is not corrected.
    """
    tone = skin.tone
    base = srgb_to_linear(torch.tensor(tone.albedo_srgb, device=device, dtype=torch.float32))
    if tone.scale != "color":
        lum = (base * _LUMA.to(device)).sum()
        gb = (base[1] / base[2].clamp_min(1e-6)).clamp_min(1.0)
        base = torch.stack((base[0], base[1], torch.maximum(base[2], base[1] / gb ** _GREEN_BLUE_POWER)))
        base = base * (lum / (base * _LUMA.to(device)).sum())
    return base


def _compress_hue(rgb: torch.Tensor, lo_deg: float, hi_deg: float) -> torch.Tensor:
    """(3,) linear colour with its CIELAB hue pulled into ``lo_deg…hi_deg`` by a tanh
    (lightness and chroma kept; hues in the middle barely move, so tones stay apart): the
    Monk swatches' extremes are near-grey (1–2: hue ~55°, chroma 5) and the chroma push and
    blood tilt would otherwise tip them pink (hue ~21–26°)."""
    lin = rgb.detach().cpu().double().numpy()
    lab = srgb_to_lab(linear_to_srgb(lin))
    hue = math.degrees(math.atan2(lab[2], lab[1]))
    mid, half = 0.5 * (lo_deg + hi_deg), 0.5 * (hi_deg - lo_deg)
    target = mid + half * math.tanh((hue - mid) / half)
    if abs(target - hue) < 0.05:
        return rgb
    h = math.radians(target)
    c = math.hypot(lab[1], lab[2])
    fy = (lab[0] + 16.0) / 116.0
    f = np.array([fy + c * math.cos(h) / 500.0, fy, fy - c * math.sin(h) / 200.0])
    xyz = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * np.array(D65_WHITE_XYZ)
    out = np.linalg.solve(np.array(SRGB_TO_XYZ), xyz)
    return torch.tensor(np.clip(out, 0.0, 1.0), dtype=rgb.dtype, device=rgb.device)


def base_albedo(skin: SkinIR, device,
                hue_range_deg: tuple[float, float] | None = _NEUTRAL_HUE_DEG) -> torch.Tensor:
    """(3,) the diffuse albedo that the variation over the face modulates.

    The swatch is a display colour of lit skin; the diffuse albedo under it is more saturated in
    linear light and redder (haemoglobin absorbs green): push chroma about the luminance and tilt
    towards red — never redder than measured skin (red/green ≤ ~2.2), lifting green and blue back
    at the same luminance where the push would pass it. Its CIELAB hue is then pulled into
    ``hue_range_deg`` (measured skin, neutral undertone: 40–55°; None: left as it is, as the
    SDF head had it) and the undertone tilts it. Red never
    ends above the tilted swatch's own red, so a lit cheek does not clip where the swatch would not.
    """
    swatch = _swatch_albedo(skin, device)
    luma = _LUMA.to(device)
    lum = (swatch * luma).sum()
    base = (lum + (swatch - lum) * _SKIN_CHROMA).clamp(0.0, 1.0) * torch.tensor(_BLOOD, device=device)
    lum = (base * luma).sum()
    lift = (base[0] / (base[1] * _MAX_RED_GREEN)).clamp_min(1.0)
    base = base * torch.stack((torch.ones_like(lift), lift, lift))
    tilt = torch.tensor(_UNDERTONE[skin.tone.undertone], device=device)
    base = base * lum / (base * luma).sum()
    if hue_range_deg is not None:
        base = _compress_hue(base, *hue_range_deg)
    base = base * tilt
    return (base * (swatch[0] * tilt[0] / base[0]).clamp_max(1.0)).clamp(0.0, 1.0)


# the vermilion over the skin (linear, per channel) on light and on dark skin: thin lip skin shows
# the blood under it, so light skin's lips are much redder than its skin; melanin in dark
# lips masks the haemoglobin, so they are darker than the skin but less red, a little violet
_LIP_TINT_LIGHT = (0.60, 0.34, 0.50)     # Monk 5: CIELAB (50, 32, 17), hue ~28°
_LIP_TINT_DARK = (0.70, 0.52, 0.62)


def lip_tint(skin: SkinIR, lips: LipsIR | None, device) -> torch.Tensor:
    """(3,) the vermilion's albedo over the skin's base albedo (``base_albedo``): the lips'
    ``color`` divided by the base when given, else a tint between ``_LIP_TINT_LIGHT`` and
    ``_LIP_TINT_DARK`` by the skin's luminance (Monk 1–5 light, 9–10 dark)."""
    base = base_albedo(skin, device)
    if lips is not None and lips.color is not None:
        return torch.tensor(lips.color, device=device, dtype=base.dtype) / base.clamp_min(1e-3)
    lum = float((base * _LUMA.to(device)).sum())
    t = min(max((lum - 0.03) / (0.35 - 0.03), 0.0), 1.0)
    light, dark = torch.tensor(_LIP_TINT_LIGHT, device=device), torch.tensor(_LIP_TINT_DARK, device=device)
    return dark + t * (light - dark)


def _tint(alb: torch.Tensor, w: torch.Tensor, rgb: tuple[float, float, float]) -> torch.Tensor:
    """Multiply ``alb`` by ``1 − w·rgb`` (darkening per channel by weight ``w`` (N,))."""
    return alb * (1.0 - w[:, None] * torch.tensor(rgb, device=alb.device))


def vertex_albedo(skin: SkinIR, seed: int, regions: RegionWeights, rest_m: torch.Tensor,
                  beard_shadow: float = 0.0, hair_rgb: torch.Tensor | None = None,
                  lips: LipsIR | None = None, mix_lips: bool = True) -> torch.Tensor:
    """Linear albedo (V, 3) of every vertex of the rest mesh ``rest_m`` ((V, 3) metres) with its
    ``regions`` (``skin_regions``). ``beard_shadow`` 0–1: stubble showing through shaved skin.
    ``lips``: the vermilion's colour (``lip_tint``); ``mix_lips=False`` leaves the lips skin,
    for a renderer that mixes them per pixel with a sharp border (``lips.vermilion``)."""
    if not 0.0 <= beard_shadow <= 1.0:
        raise ValueError(f"beard_shadow {beard_shadow} is outside 0…1")
    dev = rest_m.device
    q = rest_m.float() * 1000.0
    r = regions
    hair = hair_albedo(seed, dev) if hair_rgb is None else hair_rgb.to(dev)
    alb = base_albedo(skin, dev).expand(q.shape[0], 3).clone()
    # blotchy melanin/haemoglobin variation over a centimetre or two
    alb = alb * (1.0 + 0.10 * fbm(q / 12.0, seed + 701, octaves=2))[:, None]
    # flush where the dermal capillaries are dense; ``redness`` adds to everyone's share
    flush = (0.9 * r["cheeks"] + 0.6 * r["nose"] + 0.8 * r["ears"] + 0.4 * r["chin"]
             + 0.25 * r["forehead"]).clamp_max(1.0)
    red_w = ((0.30 + 0.8 * skin.redness) * flush * (0.75 + 0.5 * value_noise(q / 9.0, seed + 703))
             + 0.06 * skin.redness).clamp(0.0, 1.0)
    alb = _tint(alb, red_w, (0.0, 0.36, 0.28))
    # thin periorbital skin: lids a little darker and pinker, the under-eye darker and cooler
    alb = _tint(alb, r["eyelids"], (0.06, 0.14, 0.10))
    alb = _tint(alb, r["under_eye"], (0.18, 0.16, 0.07))
    # neck and jaw carry less blood than the flushed mid-face; the scalp is paler still
    alb = _tint(alb, r["neck"], (0.10, 0.07, 0.03))
    alb = _tint(alb, r["scalp"], (0.06, 0.02, -0.02))
    # lips: redder and darker by the tone, the vermilion's edge a little paler (the white roll)
    if mix_lips:
        w = r["lips"][:, None]
        alb = alb * (1.0 - w + w * lip_tint(skin, lips, dev))
        roll = (r["upper_lip"] + r["chin"] + r["beard"]).clamp_max(1.0) * 4.0 * w[:, 0] * (1.0 - w[:, 0])
        alb = alb * (1.0 + 0.10 * roll)[:, None]
    # brow and beard shadow: hair roots and stubble under the skin read as a cool grey veil
    veil = (0.30 * r["brows"] + 0.45 * beard_shadow * r["beard"] * (1.0 - r["brows"])).clamp_max(1.0)
    stubble = hair * 0.6 + 0.02
    alb = alb * (1.0 - veil[:, None]) + stubble * veil[:, None]
    return alb.clamp(0.0, 1.0)


def _veins(q: torch.Tensor, seed: int) -> torch.Tensor:
    """Winding soft bands (N,) 0–1, 1–2 mm wide and a few cm long (thresholded ridged noise):
    vessels seen through the skin, blurred by it."""
    n = value_noise(q / 10.0 + 0.4 * value_noise(q / 4.0, seed + 721)[:, None], seed + 720)
    return smoothstep(0.86, 0.97, 1.0 - (2.0 * n - 1.0).abs())


def albedo_detail(albedo: torch.Tensor, pos_mm: torch.Tensor, regions: RegionWeights,
                  footprint_mm: torch.Tensor, skin: SkinIR, seed: int,
                  cavity: torch.Tensor | None = None, beard_shadow: float = 0.0,
                  hair_rgb: torch.Tensor | None = None) -> torch.Tensor:
    """Per-pixel albedo (N, 3) from the interpolated ``vertex_albedo`` ``albedo`` (N, 3), the
    pixels' rest positions ``pos_mm`` (N, 3), their interpolated ``regions`` and their footprint
    on the skin ``footprint_mm`` (N,) (a pixel's width in mm). ``cavity`` (N,) from the relief."""
    if pos_mm.dim() != 2 or pos_mm.shape[1] != 3 or albedo.shape != pos_mm.shape:
        raise ValueError(f"albedo and pos_mm must be (N, 3), got {tuple(albedo.shape)}, {tuple(pos_mm.shape)}")
    dev = pos_mm.device
    q = pos_mm.float()
    r = regions
    hair = hair_albedo(seed, dev) if hair_rgb is None else hair_rgb.to(dev)
    alb = albedo * (1.0 + 0.05 * fbm(q / 2.5, seed + 702, octaves=2) * detail_fade(2.5, footprint_mm))[:, None]
    face = (1.0 - r["scalp"]) * (1.0 - r["lips"])
    if skin.freckles > 0:
        # ragged spots up to 1.5 mm across from three turned jittered lattices (one alone lines
        # up in rows, and one slice of a 3-D lattice shows few), clustered on the nose and cheeks by a low-frequency density
        ragged = 0.75 + 0.5 * value_noise(q / 0.45, seed + 706)
        cluster = 0.55 + 0.9 * value_noise(q / 11.0, seed + 707)
        where = ((1.3 * r["cheeks"] + r["nose"] + 0.3 * r["forehead"] + 0.2 * r["skin"]) * cluster).clamp(0.0, 1.0)
        lod = detail_fade(1.2, footprint_mm)
        fr = torch.zeros_like(ragged)
        for rot, salt in zip(_FRECKLE_ROT, (705, 708, 709)):
            off, r1, r2 = cell_feature((q @ rot.to(dev).T) / 2.6, seed + salt, margin=0.3)
            spot = ((0.14 + 0.14 * r2 - off.norm(dim=1) * ragged) / 0.05).clamp(0.0, 1.0)
            present = (r1 < (0.35 + 0.65 * skin.freckles) * where).float()
            fr = torch.maximum(fr, (spot * lod + 0.2 * (1.0 - lod)) * present)
        fr = fr * (0.45 + 0.55 * skin.freckles) * face
        alb = _tint(alb, fr, (0.20, 0.32, 0.44))
    # veins under thin skin: blue-green on the temples, violet on the lids
    vein_w = (0.9 * r["temples"] + 0.6 * r["eyelids"] + 0.3 * r["under_eye"]) * (1.0 - r["brows"])
    vlod = detail_fade(1.5, footprint_mm)
    veins = (_veins(q, seed) * vlod + 0.08 * (1.0 - vlod)) * vein_w
    alb = _tint(alb, veins, (0.13, 0.07, -0.02))
    # imperfections: small reddish marks and the odd mole
    b = value_noise(q / 2.2, seed + 61)
    mark = ((b - 0.84) / 0.16).clamp(0.0, 1.0) * skin.imperfections * face
    alb = _tint(alb, mark, (0.05, 0.30, 0.25))
    # follicles: hair stubs in the scalp and (with a beard shadow) the beard area, 0.25 mm cells
    follicle_w = (0.8 * r["scalp"] + 0.7 * beard_shadow * r["beard"] + 0.5 * r["brows"]).clamp_max(1.0)
    if bool((follicle_w > 0).any()):
        off, r1, _ = cell_feature(q / 0.45, seed + 731, margin=0.3)
        dot = ((0.22 - off.norm(dim=1)) / 0.08).clamp(0.0, 1.0) * (r1 < 0.7).float()
        flod = detail_fade(0.2, footprint_mm)           # the dot (~0.2 mm), not its cell, must span 2 px
        cover = 0.6 * (dot * flod + 0.12 * (1.0 - flod)) * follicle_w
        alb = alb * (1.0 - cover[:, None]) + hair * cover[:, None]
    if cavity is not None:
        alb = alb * (1.0 - CAVITY_DARKENING * cavity)[:, None]
    return alb.clamp(0.0, 1.0)
