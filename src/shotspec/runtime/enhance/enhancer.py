"""The skin enhancer: restores pores, fine lines and micro-imperfections, lit by the image's own light.

Airbrushed or plastic-looking skin lacks the 0.1–1 mm detail real skin has. This pass

1. finds the skin (the frame's ``skin`` AOV, else :func:`find_skin_mask`) and removes eyes, lips
   and brows;
2. sizes the texture in face millimetres (:mod:`face_frame`) and synthesises it
   (:mod:`skin_texture`): a height field h (mm) and two albedo fields;
3. estimates the local light from the image: the gradient of the low-passed log luminance points
   towards the light, and its size tells how raking the light is (on a face of curvature radius
   R ≈ 60 mm, tan θ ≈ R·|∇ log L|); a facet that tilts towards the light brightens by
   Δlog I = −R·(∇log L · ∇h) — pores get a lit and a shadowed side that match the key;
4. adds an occlusion term (pores and furrows slightly darker under any light) and the albedo
   variation (redness, faint freckling), all in log space, so the change is multiplicative:
   proportional to the local colour, never a noise layer pasted on top;
5. fades the texture out in deep shadow (no light to reveal relief) and in clipped highlights;
6. blurs it as the lens blurred the surface under it (the ``defocus`` AOV a render's lens pass
   leaves: :mod:`defocus_texture`), so a defocused forehead gets no sharp pores.

Strength 0 returns the input unchanged; pixels where the mask is 0 are never changed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import torch

from shotspec.color import luminance
from shotspec.runtime.cache import derived_cache
from shotspec.runtime.faces.face_frame import FaceFrame, face_frame
from shotspec.runtime.faces.skin_mask import detect_skin, feature_mask, mask_regions
from shotspec.runtime.enhance.defocus_texture import defocus_delta
from shotspec.runtime.enhance.skin_texture import SkinTexture, synthesise_texture
from shotspec.runtime.filters import wide_gaussian_blur
from shotspec.runtime.frame import Frame

__all__ = ["skin_enhance", "plan_enhance", "EnhancePlan", "shading_delta", "texture_summary", "MAX_STRENGTH"]

log = logging.getLogger(__name__)

MAX_STRENGTH = 2.0
FACE_RADIUS_MM = 60.0          # curvature radius relating shading gradient to light obliquity
MAX_TAN = 2.5                  # cap on tan θ (grazing light / silhouette edges)
SHADING_SIGMA_MM = 5.0         # low-pass that separates the face's shading from its texture
LEVEL_SIGMA_MM = 0.8           # local light level (shadow / highlight fades), above pore scale
COLOUR_IN_SHADOW = 0.3         # albedo variation kept in deep shadow (relative)
OCCLUSION_PER_MM = 6.0         # Δlog I per mm of depth under any light (pores darker)
REDNESS_LOG_RGB = (0.0, -0.09, -0.05)     # haemoglobin absorbs green and blue
MELANIN_LOG_RGB = (-0.035, -0.055, -0.08)  # melanin absorbs more towards blue
SHADOW_FADE = (0.05, 0.30)     # luminance / skin reference where texture fades in
CLIP_FADE = (0.92, 1.0)        # max channel where texture fades to CLIP_KEEP
CLIP_KEEP = 0.3


@dataclass(frozen=True)
class EnhancePlan:
    """What the enhancer decided for a frame: mask (1,1,H,W), its source, and the face frame."""

    mask: torch.Tensor
    mask_source: str
    face: FaceFrame


def _smoothstep(e0: float, e1: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - e0) / (e1 - e0)).clamp(0, 1)
    return t * t * (3 - 2 * t)


def plan_enhance(frame: Frame) -> EnhancePlan:
    """Mask and face coordinate system for ``frame`` (no pixels are changed)."""
    landmark_eyes = None
    if frame.aov("skin") is not None:
        skin = frame.aov("skin")[:, :1].to(frame.rgb).clamp(0, 1)
        excl = feature_mask(frame)
        mask = skin * (1.0 - excl) if excl is not None else skin
        holes, face = mask_regions(mask)
        source = "skin AOV" + (" minus eyes/lips/brows AOVs" if excl is not None else "")
    else:
        det = detect_skin(frame)
        mask, source, holes, face = det.mask, det.description, det.holes, det.face
        if det.features is not None:
            landmark_eyes = det.features.eye_centres
    mask = torch.nan_to_num(mask, nan=0.0).clamp(0, 1)
    ff = face_frame(frame, mask, holes, face, landmark_eyes)
    return EnhancePlan(mask, source, ff)


def _light(lum: torch.Tensor, mask: torch.Tensor, mm_per_px: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Low-passed skin luminance (1,1,h,w) and the pixel gradient of its log (1,2,h,w)."""
    sigma_px = max(1.0, SHADING_SIGMA_MM / mm_per_px)
    support = (mask > 0).to(lum)
    low = wide_gaussian_blur(lum, sigma_px, support, edge="reflect").clamp_min(1e-6)
    ll = torch.log(low)
    gx = torch.zeros_like(ll)
    gy = torch.zeros_like(ll)
    gx[..., :, 1:-1] = (ll[..., :, 2:] - ll[..., :, :-2]) / 2
    gy[..., 1:-1, :] = (ll[..., 2:, :] - ll[..., :-2, :]) / 2
    return low, torch.cat([gx, gy], 1)


def shading_delta(rgb: torch.Tensor, mask: torch.Tensor, tex: SkinTexture, ff: FaceFrame) -> torch.Tensor:
    """Per-channel log-intensity change (1,3,h,w) for strength 1, already weighted by mask and light.

    rgb, mask: the frame cropped to ``tex.box``. The caller applies ``rgb · exp(strength · Δ)``.
    """
    lum = luminance(rgb).clamp_min(0)
    low, glog = _light(lum, mask, ff.mm_per_px)
    A = torch.tensor(ff.matrix(), dtype=rgb.dtype, device=rgb.device)
    M = A @ A.T                                             # px-gradient dot product → mm-gradient
    gl_x, gl_y = glog[:, 0:1], glog[:, 1:2]
    gh_x, gh_y = tex.grad[:, 0:1], tex.grad[:, 1:2]
    dot = gl_x * (M[0, 0] * gh_x + M[0, 1] * gh_y) + gl_y * (M[1, 0] * gh_x + M[1, 1] * gh_y)
    tan_theta = FACE_RADIUS_MM * torch.sqrt((gl_x * (M[0, 0] * gl_x + M[0, 1] * gl_y)
                                             + gl_y * (M[1, 0] * gl_x + M[1, 1] * gl_y)).clamp_min(0))
    cap = (MAX_TAN / tan_theta.clamp_min(1e-9)).clamp(max=1.0)
    bump = -FACE_RADIUS_MM * dot * cap
    occlusion = OCCLUSION_PER_MM * tex.height.clamp(max=0.0)
    relief = bump + occlusion

    level = wide_gaussian_blur(lum, max(0.5, LEVEL_SIGMA_MM / ff.mm_per_px), (mask > 0).to(lum), edge="reflect")
    skin_vals = level[mask > 0.5]
    ref = float(torch.quantile(skin_vals.float()[:: max(1, skin_vals.numel() // 100000)], 0.9)) \
        if skin_vals.numel() else float(level.max())
    shadow = _smoothstep(SHADOW_FADE[0], SHADOW_FADE[1], level / max(ref, 1e-6))
    clip = 1.0 - (1.0 - CLIP_KEEP) * _smoothstep(CLIP_FADE[0], CLIP_FADE[1], rgb.amax(1, keepdim=True))
    red = torch.tensor(REDNESS_LOG_RGB, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    mel = torch.tensor(MELANIN_LOG_RGB, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    colour = red * tex.redness + mel * tex.melanin
    return mask * clip * (shadow * relief + (COLOUR_IN_SHADOW + (1 - COLOUR_IN_SHADOW) * shadow) * colour)


# The AOVs the mask and the face frame are made of when the frame has a skin AOV (a render).
GEOMETRY_AOVS = ("skin", "eyes", "lips", "brows", "position")


def _texture_for(frame: Frame, seed: int) -> tuple[EnhancePlan, tuple[int, int, int, int], torch.Tensor,
                                                     SkinTexture] | None:
    """Mask, face frame, the mask's bounding box, the mask over the box and the texture there;
    None when no pixel is skin. Reads the colour only when the frame has no skin AOV."""
    plan = plan_enhance(frame)
    mask = plan.mask
    ys, xs = torch.nonzero(mask[0, 0] > 0, as_tuple=True)
    if ys.numel() == 0:
        log.info("skin_enhance: no skin found (%s); frame unchanged", plan.mask_source)
        return None
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    x0, y0, x1, y1 = box
    log.debug("skin_enhance: mask %s; scale %.4f mm/px (%s); anchor %s", plan.mask_source,
              plan.face.mm_per_px, plan.face.scale_method, plan.face.anchor_method)
    m = mask[..., y0:y1, x0:x1].to(frame.rgb.dtype)
    tex = synthesise_texture(plan.face, box, seed, frame.device, support=m)
    return plan, box, m, tex


def _geometry_of(frame: Frame, seed: int):
    """:func:`_texture_for`, kept in the ``skin_enhance.texture`` derived cache when it depends
    on the AOVs alone (a render: skin, eye, lip, brow and position AOVs, the frame's size and
    scale, the seed), so a lighting edit re-shades the kept texture (about 0.5 s saved)."""
    if frame.aov("skin") is None:                # found from the colour: nothing to keep
        return _texture_for(frame, seed)
    names = tuple(k for k in GEOMETRY_AOVS if frame.aov(k) is not None)
    params = (names, frame.height, frame.width, frame.meta.face_mm_per_px, int(seed),
              str(frame.rgb.dtype), str(frame.device))
    return derived_cache("skin_enhance.texture").get_or_compute(
        [frame.aovs[k] for k in names], params, lambda: _texture_for(frame, seed))


def skin_enhance(frame: Frame, *, strength: float, seed: int) -> Frame:
    """Restore skin micro-detail in ``frame`` (linear RGB (1,3,H,W)); returns a new Frame.

    strength: 0 (no change) … 2; ~0.6 looks natural, 1 is strong. seed: texture seed (for renders
    the character's ``frame.meta.seed``, so a character keeps the same pores in every shot).
    Only pixels inside the skin mask change; where the mask is 0 the output equals the input bit
    for bit.
    """
    if frame.rgb.dim() != 4 or frame.rgb.shape[:2] != (1, 3):
        raise ValueError(f"skin_enhance expects rgb (1,3,H,W), got {tuple(frame.rgb.shape)}")
    if not isinstance(strength, (int, float)) or not math.isfinite(strength) or not 0 <= strength <= MAX_STRENGTH:
        raise ValueError(f"skin_enhance strength must be a number in 0…{MAX_STRENGTH:g}, got {strength!r}")
    if strength == 0:
        return frame
    geometry = _geometry_of(frame, seed)
    if geometry is None:            # no skin: unchanged
        return frame
    plan, box, m, tex = geometry
    x0, y0, x1, y1 = box
    rgb = frame.rgb
    crop = rgb[..., y0:y1, x0:x1]
    delta = shading_delta(crop.float(), m.float(), tex, plan.face)
    blur = frame.aov("defocus")
    if blur is not None:            # the lens blurred this surface: so is its texture
        delta = defocus_delta(delta, blur[..., y0:y1, x0:x1].float() * frame.width)
    enhanced = (crop.float() * torch.exp(float(strength) * delta)).to(rgb.dtype)
    out = rgb.clone()
    out[..., y0:y1, x0:x1] = torch.where(m > 0, enhanced, crop)
    return frame.with_rgb(out)


def texture_summary(plan: EnhancePlan) -> str:
    """One line for the CLI: where the mask came from and how the scale was found."""
    return (f"mask: {plan.mask_source}; scale {plan.face.mm_per_px:.3f} mm/px ({plan.face.scale_method}); "
            f"anchor: {plan.face.anchor_method}")


