"""Finding the skin in a plate: a skin-colour model refined by smoothness and connected regions.

Plates (images a user already has) come without masks. The detector works on a small copy of the
image (384 px on the long side) in display-referred YCbCr, where the classic skin-colour box
(Cb 77–127, Cr 133–173, Chai & Ngan 1999) holds across skin tones:

1. seed pixels: inside the box, not near black or clipped;
2. an image-specific robust colour model (median and MAD of Cb, Cr) is fitted to the seeds
   and every pixel scored by its robust distance — this drops lips and redder cloth that the
   broad box lets through;
3. smoothness: hair, brows, lashes, eyes and fabric have strong fine-scale contrast at this scale,
   skin (even with pores) very little; pixels above a relative band-energy limit are dropped;
4. cleanup: speckles are opened away, the largest region is kept with any other region at least
   15 % of its size (hands, chest), pinholes are filled; the larger holes stay (eyes, mouth) and
   are reported, because their spacing tells the face's scale;
5. the edge is pulled in by one working pixel and softened, and the mask is upsampled.

Eyes, lips and brows: taken from the frame's AOVs when present; otherwise, if the optional
``faces`` extra (mediapipe) is importable, from face-mesh landmarks; otherwise only the colour and
smoothness tests exclude them (the description says which).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.color import LUMA_REC601, linear_to_srgb
from shotspec.runtime.faces.face_mesh import FaceFeatures, find_face_features
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.faces.regions import Region, label_regions, regions
from shotspec.runtime.frame import Frame

__all__ = ["SkinDetection", "detect_skin", "find_skin_mask", "feature_mask", "mask_regions"]

WORK_SIDE = 384                 # working resolution of the detector (long side, px)
CB_RANGE = (77.0, 127.0)        # classic YCbCr skin box, 8-bit units
CR_RANGE = (133.0, 173.0)
Y_RANGE = (35.0, 250.0)         # exclude near-black and clipped pixels
MAHALANOBIS_MAX = 3.5           # colour model acceptance (robust standard deviations)
TEXTURE_LIMIT = (0.022, 0.040)  # relative fine-scale energy: full skin → not skin
SIDE_REGION_FRACTION = 0.15     # keep extra regions at least this fraction of the largest
FEATURES = ("eyes", "lips", "brows")


@dataclass(frozen=True)
class SkinDetection:
    """The detector's result: mask (1,1,H,W) in 0–1, a description, and the face's holes.

    ``holes`` are the enclosed non-skin regions of the main skin region (eyes, brows, mouth), in
    full-resolution pixel coordinates; ``face`` is the main region (full-resolution coordinates);
    ``features`` are landmark-derived eyes/lips/brows when mediapipe found a face.
    """

    mask: torch.Tensor
    description: str
    holes: tuple[Region, ...] = ()
    face: Region | None = None
    features: FaceFeatures | None = None


def _ycbcr(srgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r, g, b = srgb[:, 0:1] * 255.0, srgb[:, 1:2] * 255.0, srgb[:, 2:3] * 255.0
    y = LUMA_REC601[0] * r + LUMA_REC601[1] * g + LUMA_REC601[2] * b
    cb = 128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b
    return y, cb, cr


def _fine_energy(y: torch.Tensor) -> torch.Tensor:
    """Relative fine-scale contrast (1,1,h,w) at the working resolution: hair and eyes high, skin low."""
    band = gaussian_blur(y, 0.7, edge="reflect") - gaussian_blur(y, 3.0, edge="reflect")
    return torch.sqrt(gaussian_blur(band * band, 2.0, edge="reflect")) / (gaussian_blur(y, 2.0, edge="reflect") + 12.0)


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


def detect_skin(frame: Frame, use_landmarks: bool = True) -> SkinDetection:
    """Detect skin in ``frame.rgb`` (1,3,H,W linear); see the module docstring for the method."""
    rgb = frame.rgb
    if rgb.dim() != 4 or rgb.shape[:2] != (1, 3):
        raise ValueError(f"frame.rgb must be (1,3,H,W), got {tuple(rgb.shape)}")
    h, w = frame.height, frame.width
    scale = min(1.0, WORK_SIDE / max(h, w))
    hs, ws = max(8, round(h * scale)), max(8, round(w * scale))
    small = F.interpolate(rgb.float(), size=(hs, ws), mode="area") if scale < 1 else rgb.float()
    srgb = linear_to_srgb(torch.nan_to_num(small, nan=0.0, posinf=1.0))
    y, cb, cr = _ycbcr(srgb)

    in_box = (cb > CB_RANGE[0]) & (cb < CB_RANGE[1]) & (cr > CR_RANGE[0]) & (cr < CR_RANGE[1])
    lum_ok = (y > Y_RANGE[0]) & (y < Y_RANGE[1])
    smooth = 1.0 - _smoothstep(TEXTURE_LIMIT[0], TEXTURE_LIMIT[1], _fine_energy(y))
    seed = in_box & lum_ok & (smooth > 0.5)
    n_seed = int(seed.sum())
    if n_seed < 16:
        empty = torch.zeros_like(rgb[:, :1])
        return SkinDetection(empty, "YCbCr skin-colour model: no skin-coloured pixels found")

    # image-specific Gaussian colour model fitted to the seeds of the largest seed region
    seed_np = seed[0, 0].cpu().numpy()
    labels, count = label_regions(seed_np)
    core = labels == regions(labels, count)[0].label
    core_t = torch.from_numpy(core).to(cb.device) & (smooth[0, 0] > 0.9)
    if int(core_t.sum()) < 16:
        core_t = torch.from_numpy(core).to(cb.device)
    samples = torch.stack([cb[0, 0][core_t], cr[0, 0][core_t]], 1).double()
    # robust (median / MAD) model: hair, lips and cloth inside the seed box must not widen it
    mu = samples.median(0).values
    spread = ((samples - mu).abs().median(0).values * 1.4826).clamp_min(2.0)
    d = torch.stack([cb[0, 0].double() - mu[0], cr[0, 0].double() - mu[1]], -1) / spread
    maha2 = (d * d).sum(-1)
    colour = _smoothstep(MAHALANOBIS_MAX**2 * 1.4, MAHALANOBIS_MAX**2 * 0.6, maha2).float()[None, None]
    loose = (cr > CR_RANGE[0] - 5) & (cr < CR_RANGE[1]) & (cb > CB_RANGE[0] - 5) & (cb < CB_RANGE[1] + 5)
    score = colour * smooth * (lum_ok & loose).float()
    binary = score > 0.5
    # opening (3×3) removes speckles before regions are counted
    bf = binary.float()
    bf = -F.max_pool2d(-F.max_pool2d(bf, 3, 1, 1), 3, 1, 1)  # closing first: join hairline gaps
    bf = F.max_pool2d(-F.max_pool2d(-bf, 3, 1, 1), 3, 1, 1)
    labels, count = label_regions(bf[0, 0].cpu().numpy() > 0.5)
    found = regions(labels, count)
    if not found:
        empty = torch.zeros_like(rgb[:, :1])
        return SkinDetection(empty, "YCbCr skin-colour model: no skin region survived cleanup")
    main = found[0]
    keep = [r for r in found if r.area >= SIDE_REGION_FRACTION * main.area]
    keep_np = np.isin(labels, [r.label for r in keep])
    # holes: non-skin regions not touching the border; small ones are filled, large ones kept
    hole_labels, hole_count = label_regions(~keep_np)
    holes = []
    for r in regions(hole_labels, hole_count):
        x0, y0, x1, y1 = r.bbox
        if x0 == 0 or y0 == 0 or x1 == ws or y1 == hs:
            continue
        if r.area < max(4, 0.0015 * main.area):
            keep_np[hole_labels == r.label] = True
        elif main.bbox[0] <= r.cx <= main.bbox[2] and main.bbox[1] <= r.cy <= main.bbox[3]:
            holes.append(r)
    m = torch.from_numpy(keep_np).to(rgb.device, torch.float32)[None, None]
    m = -F.max_pool2d(-m, 3, 1, 1)  # pull the edge in by one working pixel
    m = gaussian_blur(m, 0.8, edge="reflect") * m.clamp(0, 1)
    m = (m * score.clamp(0.0, 1.0) * 1.25).clamp(0, 1) * (m > 0).float()
    if scale < 1:
        m = F.interpolate(m, size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)
    m = torch.where(m < 0.02, torch.zeros_like(m), m)

    inv = 1.0 / scale
    desc = (f"YCbCr skin-colour model (robust CbCr model fitted to {int(core_t.sum())} seed pixels, "
            f"Cb≈{mu[0]:.0f} Cr≈{mu[1]:.0f}) and smoothness, {len(keep)} region(s)")
    features = find_face_features(frame.rgb) if use_landmarks else None
    excl = feature_mask(frame, features)
    if any(frame.aov(n) is not None for n in FEATURES):
        desc += "; eyes/lips/brows from the frame's masks"
    elif features is not None:
        desc += "; eyes/lips/brows from mediapipe face-mesh landmarks"
    else:
        desc += "; eyes/lips/brows excluded by colour and smoothness only (mediapipe not used)"
    if excl is not None:
        m = m * (1.0 - excl)
    return SkinDetection(m.to(rgb.dtype), desc, tuple(_scale_region(r, inv) for r in holes),
                         _scale_region(main, inv), features)


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
        if x0 == 0 or y0 == 0 or x1 == ws or y1 == hs or r.area < max(4, 0.0015 * main.area):
            continue
        if main.bbox[0] <= r.cx <= main.bbox[2] and main.bbox[1] <= r.cy <= main.bbox[3]:
            holes.append(r)
    inv = 1.0 / scale
    return tuple(_scale_region(r, inv) for r in holes), _scale_region(main, inv)
