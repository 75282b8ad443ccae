"""Finding the skin in a plate: colour, strand-scale texture, face proportions, connected regions.

Plates (images a user already has) come without masks. The detector works on a copy of the
image ``WORK_SIDE`` px on its long side, in display-referred YCbCr:

1. **colour**: pixels in the classic skin box (Cb 77–127, Cr 133–173, Chai & Ngan 1999), not
   near black or clipped, are candidates; the smoothest of those with some colour (Cr ≥ 137:
   a warm-grey studio backdrop sits in the box too, at Cr ≈ 133) (strand-band energy below
   ``SEED_SMOOTH`` × its 20th percentile), largest connected region first, seed a robust
   CbCr model (median and MAD) that then scores every pixel — lips, cloth and jewellery fall out;
2. **texture** (``texture_cues``): hair of skin's own colour (blonde, grey, dyed) is told apart
   by its strand-scale band energy in units of the seed skin's, raised where it is oriented
   (structure-tensor coherence): skin ≈ 1, hair 3 and more. Pixels whose colour fits and whose
   texture stays below ``CORE_TEXTURE`` form the core;
3. **regions**: the core is opened (radius ``OPEN_PX``: smooth highlights between strands are
   thin), its largest region and every region at least ``SIDE_REGION_FRACTION`` of it (hands,
   shoulders, chest) are kept, then grown ``GROW_STEPS`` pixels into skin-coloured pixels
   whose *sharp* texture (averaged over ``GROW_SIGMA_PX`` only) stays below
   ``GROW_TEXTURE`` — that walks up to a jaw line or a finger's edge, whose wider texture
   average the core test rejects, and at most a few pixels into hair;
4. **face**: ``eye_pair`` finds the irises (a pair of eyes, or one eye alone on a turned head
   — then no zones are placed); from a pair ``face_zones`` adds the nose (its rims and
   shading edges are strand-like texture; colour and darkness decide there) and takes out the
   eyes, brows and nostrils. Pinholes are filled; eyes, mouth and larger holes stay;
5. **edge**: a guided filter (``texture_cues.guided_filter``) on the display luma softens the
   mask along the image's own edges, zero beyond one working pixel outside it; the mask is
   upsampled bilinearly.

Eyes, lips and brows from the frame's AOVs (renders) or from mediapipe face-mesh landmarks (the
optional ``faces`` extra) are taken out as well when present; without them the result is the
same method, described as such. On ``model_face.jpg`` (blonde hair of skin's colour): 0 % of
the hand-labelled hair in the mask, 98.7 % of the nose (bench/skin_mask_accuracy.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.color import LUMA_REC601, linear_to_srgb
from shotspec.runtime.faces.eye_pair import EyePair, find_eye_pair, refine_eye_pair
from shotspec.runtime.faces.face_mesh import FaceFeatures, find_face_features
from shotspec.runtime.faces.face_scale import display_luma
from shotspec.runtime.faces.face_zones import face_zones
from shotspec.runtime.faces.regions import Region, label_regions, regions
from shotspec.runtime.faces.texture_cues import band_energy, guided_filter, hair_likelihood, log_luma
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.frame import Frame

__all__ = ["SkinDetection", "detect_skin", "find_skin_mask", "feature_mask", "mask_regions"]

WORK_SIDE = 640                 # working resolution of the detector (long side, px)
CB_RANGE = (77.0, 127.0)        # classic YCbCr skin box, 8-bit units
CR_RANGE = (133.0, 173.0)
Y_RANGE = (35.0, 250.0)         # exclude near-black and clipped pixels
MAHALANOBIS_MAX = 3.5           # colour model acceptance (robust standard deviations)
NOSE_COLOUR = 2.0               # inside the nose zone the colour test is this much looser
SPREAD_FLOOR = 3.0              # robust Cb/Cr spread at least this (shadowed skin is more saturated)
SEED_MIN_CR = 9.0               # seeds: Cr at least this far above neutral (not a warm-grey backdrop)
LEVEL_FLOOR = 8e-4              # skin's texture level at least this (8-bit quantisation's own)
SEED_SMOOTH = 1.5               # seeds: band energy below this × the candidates' 20th percentile
CORE_TEXTURE = (3.0, 5.0)       # hair likelihood: full skin → not skin (core test)
OPEN_PX = 2                     # opening radius of the core
SIDE_REGION_FRACTION = 0.03     # keep extra regions at least this fraction of the largest
GROW_TEXTURE = 5.0              # growth: sharp band energy below this × the skin's level
GROW_SIGMA_PX = 1.2             # … averaged over this σ only
GROW_STEPS = 10                 # … for at most this many working pixels
PINHOLE_FRACTION = 0.0015       # holes smaller than this × the main region are filled
GUIDE_RADIUS_PX, GUIDE_EPS = 2, 2e-3
FEATURES = ("eyes", "lips", "brows")


@dataclass(frozen=True)
class SkinDetection:
    """The detector's result: mask (1,1,H,W) in 0–1, a description, and the face's parts.

    ``holes`` are the enclosed non-skin regions of the main skin region (eyes, brows, mouth), in
    full-resolution pixel coordinates; ``face`` is the main region (full-resolution coordinates);
    ``features`` are mediapipe's eyes/lips/brows with its eye centres (when used); ``eyes`` the
    built-in eyes (a pair, or one eye alone) with their irises fitted at full resolution, when found.
    """

    mask: torch.Tensor
    description: str
    holes: tuple[Region, ...] = ()
    face: Region | None = None
    features: FaceFeatures | None = None
    eyes: EyePair | None = None


def _ycbcr(srgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r, g, b = srgb[:, 0:1] * 255.0, srgb[:, 1:2] * 255.0, srgb[:, 2:3] * 255.0
    y = LUMA_REC601[0] * r + LUMA_REC601[1] * g + LUMA_REC601[2] * b
    cb = 128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return y, cb, cr


def _smoothstep(e0: float, e1: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - e0) / (e1 - e0)).clamp(0, 1)
    return t * t * (3 - 2 * t)


def _scale_region(r: Region, s: float) -> Region:
    x0, y0, x1, y1 = r.bbox
    return Region(r.label, int(round(r.area * s * s)), (r.cx + 0.5) * s - 0.5, (r.cy + 0.5) * s - 0.5,
                  (int(x0 * s), int(y0 * s), int(np.ceil(x1 * s)), int(np.ceil(y1 * s))))


def feature_mask(frame: Frame, features: FaceFeatures | None = None) -> torch.Tensor | None:
    """Union (1,1,H,W) of the eyes/lips/brows AOVs, or of landmark features; None when neither exists."""
    parts = [frame.aov(n) for n in FEATURES if frame.aov(n) is not None]
    if not parts and features is not None:
        parts = [features.mask.to(frame.rgb)]
    if not parts:
        return None
    out = torch.zeros_like(frame.rgb[:, :1])
    for p in parts:
        out = torch.maximum(out, p[:, :1].to(out).clamp(0, 1))
    return out


def _seed_model(cb, cr, e, cand):
    """Robust CbCr model (median, spread) of the smoothest candidates' largest region, and the
    skin's texture level (median band energy there); None without enough seeds."""
    ref0 = float(torch.quantile(e[cand].float()[:: max(1, int(cand.sum()) // 200000)], 0.2))
    seed = (cand & (e < SEED_SMOOTH * max(ref0, LEVEL_FLOOR)))[0, 0].cpu().numpy()
    labels, count = label_regions(seed)
    if count == 0:
        return None
    core = torch.from_numpy(labels == regions(labels, count)[0].label).to(cb.device)
    if int(core.sum()) < 16:
        return None
    samples = torch.stack([cb[0, 0][core], cr[0, 0][core]], 1).double()
    mu = samples.median(0).values
    spread = ((samples - mu).abs().median(0).values * 1.4826).clamp_min(SPREAD_FLOOR)
    level = max(float(e[0, 0][core].median()), LEVEL_FLOOR)
    return mu, spread, level, int(core.sum())


def _open(m: torch.Tensor, r: int) -> torch.Tensor:
    k = 2 * r + 1
    return F.max_pool2d(-F.max_pool2d(-m, k, 1, r), k, 1, r)


def _grow(mask: np.ndarray, allowed: torch.Tensor, steps: int) -> np.ndarray:
    """Geodesic dilation of ``mask`` into ``allowed`` (1,1,h,w bool) by up to ``steps`` px."""
    start = torch.from_numpy(mask).to(allowed.device)[None, None].float()
    m, ok = start, allowed.float()
    for _ in range(steps):
        m = torch.maximum(F.max_pool2d(m, 3, 1, 1) * ok, start)
    return m[0, 0].cpu().numpy() > 0.5


def _empty(rgb: torch.Tensor, why: str) -> SkinDetection:
    return SkinDetection(torch.zeros_like(rgb[:, :1]), f"YCbCr skin colour and texture: {why}")


def detect_skin(frame: Frame, use_landmarks: bool = True) -> SkinDetection:
    """Detect skin in ``frame.rgb`` (1,3,H,W linear); see the module docstring for the method."""
    rgb = frame.rgb
    if rgb.dim() != 4 or rgb.shape[:2] != (1, 3):
        raise ValueError(f"frame.rgb must be (1,3,H,W), got {tuple(rgb.shape)}")
    h, w = frame.height, frame.width
    scale = min(1.0, WORK_SIDE / max(h, w))
    hs, ws = max(8, round(h * scale)), max(8, round(w * scale))
    small = F.interpolate(rgb.float(), size=(hs, ws), mode="area") if scale < 1 else rgb.float()
    srgb = linear_to_srgb(torch.nan_to_num(small, nan=0.0, posinf=1.0).clamp(0, 1))
    y, cb, cr = _ycbcr(srgb)
    ll = log_luma(y / 255.0)
    e = band_energy(ll)
    in_box = (cb > CB_RANGE[0]) & (cb < CB_RANGE[1]) & (cr > CR_RANGE[0]) & (cr < CR_RANGE[1])
    lum_ok = (y > Y_RANGE[0]) & (y < Y_RANGE[1])
    if int((in_box & lum_ok).sum()) < 16:
        return _empty(rgb, "no skin-coloured pixels found")
    warm = in_box & lum_ok & (cr - 128.0 >= SEED_MIN_CR)
    model = _seed_model(cb, cr, e, warm if int(warm.sum()) >= 16 else in_box & lum_ok)
    if model is None:
        return _empty(rgb, "no smooth skin-coloured region found")
    mu, spread, level, n_seed = model
    d = torch.stack([cb[0, 0].double() - mu[0], cr[0, 0].double() - mu[1]], -1) / spread
    maha2 = (d * d).sum(-1)
    colour = _smoothstep(MAHALANOBIS_MAX**2 * 1.4, MAHALANOBIS_MAX**2 * 0.6, maha2).float()[None, None]
    colour = colour * lum_ok.float()
    smooth = 1.0 - _smoothstep(CORE_TEXTURE[0], CORE_TEXTURE[1], hair_likelihood(ll, level))
    core = _open(((colour * smooth) > 0.5).float(), OPEN_PX)[0, 0].cpu().numpy() > 0.5
    labels, count = label_regions(core)
    found = regions(labels, count)
    if not found:
        return _empty(rgb, "no skin region survived cleanup")
    keep = np.isin(labels, [r.label for r in found if r.area >= SIDE_REGION_FRACTION * found[0].area])
    band = gaussian_blur(ll, 0.7, edge="reflect") - gaussian_blur(ll, 1.5, edge="reflect")
    sharp = torch.sqrt(gaussian_blur(band * band, GROW_SIGMA_PX, edge="reflect").clamp_min(0)) / level
    keep = _grow(keep, (colour > 0.5) & (sharp < GROW_TEXTURE), GROW_STEPS)

    luma = (y[0, 0] / 255.0).cpu().numpy()
    top, bottom = srgb[0].max(0).values, srgb[0].min(0).values
    eyes = find_eye_pair(luma, keep, ((top - bottom) / top.clamp_min(1e-3)).cpu().numpy())
    parts = "no eyes found"
    zones = None
    if eyes is not None:
        eyes = refine_eye_pair(display_luma(rgb), eyes, 1.0 / scale)
        parts = "one eye found (no face proportions: nose and brows not placed)"
    if eyes is not None and eyes.centres is not None:
        centres = tuple(((x + 0.5) * scale - 0.5, (yy + 0.5) * scale - 0.5) for x, yy in eyes.centres)
        zones = face_zones(centres, luma, float(np.median(luma[keep])))
        nose_colour = (maha2 < (NOSE_COLOUR * MAHALANOBIS_MAX) ** 2)[None, None] & lum_ok
        nose = zones.nose & nose_colour[0, 0].cpu().numpy()
        keep = (keep | nose) & ~zones.features
        parts = "nose added, eyes, brows and nostrils taken out by face proportions from the irises"

    # pinholes filled; eyes, mouth and larger holes stay (and are reported)
    main = regions(*label_regions(keep))[0]
    hole_labels, hole_count = label_regions(~keep)
    holes = []
    for r in regions(hole_labels, hole_count):
        x0, y0, x1, y1 = r.bbox
        if x0 == 0 or y0 == 0 or x1 == ws or y1 == hs:
            continue
        if r.area < max(4, PINHOLE_FRACTION * main.area):
            keep[hole_labels == r.label] = True
        elif main.bbox[0] <= r.cx <= main.bbox[2] and main.bbox[1] <= r.cy <= main.bbox[3]:
            holes.append(r)
    if zones is not None:
        keep &= ~zones.features

    m = torch.from_numpy(keep).to(rgb.device, torch.float32)[None, None]
    soft = guided_filter(y / 255.0, m, GUIDE_RADIUS_PX, GUIDE_EPS).clamp(0, 1)
    m = soft * F.max_pool2d(m, 3, 1, 1)
    if scale < 1:
        m = F.interpolate(m, size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)
    m = torch.where(m < 0.02, torch.zeros_like(m), m)

    inv = 1.0 / scale
    desc = (f"YCbCr skin colour and strand-scale texture (robust CbCr model fitted to {n_seed} smooth seed pixels, "
            f"Cb≈{mu[0]:.0f} Cr≈{mu[1]:.0f}; {parts})")
    features = find_face_features(frame.rgb) if use_landmarks else None
    excl = feature_mask(frame, features)
    if any(frame.aov(n) is not None for n in FEATURES):
        desc += "; eyes/lips/brows from the frame's masks"
    elif features is not None:
        desc += "; eyes/lips/brows from mediapipe face-mesh landmarks"
    else:
        desc += "; lips by colour (mediapipe not used)"
    if excl is not None:
        m = m * (1.0 - excl)
    if features is None and zones is not None:
        # the built-in eyes stand in for landmarks: the face frame sizes the texture from them
        zone = torch.from_numpy(zones.features.astype(np.float32)).to(rgb.device)[None, None]
        zone = F.interpolate(zone, size=(h, w), mode="bilinear", align_corners=False) if scale < 1 else zone
        features = FaceFeatures(zone.clamp(0, 1), eyes.centres, float(main.bbox[2] - main.bbox[0]) / scale)
    return SkinDetection(m.to(rgb.dtype), desc, tuple(_scale_region(r, inv) for r in holes),
                         _scale_region(main, inv), features, eyes)


def find_skin_mask(frame: Frame) -> tuple[torch.Tensor, str]:
    """Skin mask (1,1,H,W) in 0–1 for ``frame`` and a short description of how it was found."""
    det = detect_skin(frame)
    return det.mask, det.description


def mask_regions(mask: torch.Tensor) -> tuple[tuple[Region, ...], Region | None]:
    """Holes and main region of a given skin mask (1,1,H,W) — e.g. a user's or a render's mask.

    Computed at the detector's working resolution and returned in full-resolution pixels, so
    the face scale can be estimated from a supplied mask exactly as from a detected one.
    """
    h, w = int(mask.shape[-2]), int(mask.shape[-1])
    scale = min(1.0, WORK_SIDE / max(h, w))
    hs, ws = max(8, round(h * scale)), max(8, round(w * scale))
    small = F.interpolate(mask.float(), size=(hs, ws), mode="area") if scale < 1 else mask.float()
    binary = small[0, 0].cpu().numpy() > 0.5
    labels, count = label_regions(binary)
    found = regions(labels, count)
    if not found:
        return (), None
    main = found[0]
    hole_labels, hole_count = label_regions(~binary)
    holes = []
    for r in regions(hole_labels, hole_count):
        x0, y0, x1, y1 = r.bbox
        if x0 == 0 or y0 == 0 or x1 == ws or y1 == hs or r.area < max(4, PINHOLE_FRACTION * main.area):
            continue
        if main.bbox[0] <= r.cx <= main.bbox[2] and main.bbox[1] <= r.cy <= main.bbox[3]:
            holes.append(r)
    inv = 1.0 / scale
    return tuple(_scale_region(r, inv) for r in holes), _scale_region(main, inv)
