"""The skin enhancer: restores skin's micro-relief and micro-colour, lit by the image's own light.

Airbrushed or plastic-looking skin lacks the 0.1–1 mm detail real skin has. This pass

1. finds the skin (the frame's ``skin`` AOV, else :func:`find_skin_mask`) and removes eyes, lips
   and brows;
2. sizes the texture in face millimetres (:mod:`face_frame`) and evaluates the render's own
   micro-relief there (:mod:`plate_relief`: pebbled cells ~1 mm, pores, by region) plus the
   albedo layers (:mod:`skin_texture`: redness, melanin);
3. estimates the light from the image: the gradient of the low-passed log luminance points
   towards the light, and its size tells how raking it is (on a face of curvature radius
   R ≈ 60 mm, tan θ ≈ R·|∇ log L|, at least ``MIN_TAN`` along the mean direction);
4. lights the relief as tilted facets: the key's share of the local light rises with the level
   over the skin's shadow level, so relief contrast rises with the light; the irradiance is
   spread by skin's diffusion profile; cavities are darker; the sheen adds the facets'
   specular modulation in highlights; the camera's blur and one calibration gain follow;
5. removes everything coarser than ~3 mm from the change (identity), fades it in deep shadow and
   clipped highlights, and applies it in log space: ``rgb · exp(strength · Δ)``;
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
from shotspec.runtime.enhance.plate_relief import PlateRelief, ReliefControls, plate_relief
from shotspec.runtime.enhance.skin_texture import SkinTexture, synthesise_texture, texture_on_field
from shotspec.runtime.filters import gaussian_blur, wide_gaussian_blur
from shotspec.runtime.head.skin_albedo import CAVITY_DARKENING
from shotspec.runtime.frame import Frame

__all__ = ["skin_enhance", "plan_enhance", "cached_plan", "EnhancePlan", "EnhanceControls", "shading_delta", "texture_summary",
           "MAX_STRENGTH"]

log = logging.getLogger(__name__)

MAX_STRENGTH = 2.0
FACE_RADIUS_MM = 60.0          # curvature radius relating shading gradient to light obliquity
MAX_TAN = 2.5                  # cap on tan θ (grazing light / silhouette edges)
MIN_TAN = 0.6                  # floor on tan θ (≈ 31°) along the skin's mean light direction
SHADING_SIGMA_MM = 5.0         # low-pass that separates the face's shading from its texture
LEVEL_SIGMA_MM = 0.8           # local light level (shadow / highlight fades), above pore scale
AMBIENT_SHARE = 0.9            # the ambient light is this share of the skin's 10th-percentile level
AMBIENT_OCCLUSION = 0.2        # ambient lost at the bottom of a cavity (cavity 1)
RELIEF_GAIN = 8.0              # calibration: lit relief × this = real skin's 0.25–1 mm band (film scans)
SHEEN_REF = 1.0                # sheen weight: level over the skin's 90th percentile, from …
SHEEN_FROM = 0.8               # … SHEEN_FROM (0) to SHEEN_REF (1)
SHEEN_GAIN = 0.6               # specular modulation by the facets' tilt, relative to the diffuse's
SHEEN_CAVITY = 0.3             # sheen lost in cavities (log units at cavity 1)
SURFACE_BLUR_MM = 0.15         # the sheen's relief is seen through the lens only (no diffusion)
CAMERA_BLUR_PX = 1.2          # the camera's own blur (lens, anti-alias filter, demosaicking), σ px …
CAMERA_BLUR_MM = 0.25          # … at most this on the face
IDENTITY_MM = 3.0              # nothing coarser than this changes: the delta minus its local mean …
IDENTITY_SIGMAS = 7.0          # … over a Gaussian of σ = IDENTITY_MM / IDENTITY_SIGMAS (× pore_size
IDENTITY_PASSES = 2            # over 1), removed this many times (a steeper high-pass)
COLOUR_IN_SHADOW = 0.3         # albedo variation kept in deep shadow (relative)
REDNESS_LOG_RGB = (0.0, -0.09, -0.05)     # haemoglobin absorbs green and blue
MELANIN_LOG_RGB = (-0.035, -0.055, -0.08)  # melanin absorbs more towards blue
FAINT_MELANIN = 0.3            # melanin variation everyone has (freckles 0)
FRECKLE_GAIN = 3.0             # added per unit of ``freckles``
SHADOW_FADE = (0.05, 0.30)     # luminance / skin reference where texture fades in
CLIP_FADE = (0.92, 1.0)        # max channel where texture fades to CLIP_KEEP
CLIP_KEEP = 0.3


@dataclass(frozen=True)
class EnhanceControls:
    """What a user sets besides strength and seed (the ``skin_enhance`` pass block's fields).

    pores 0–1: pore depth and density (the head's ``skin.pores``); pore_size 0.5–2: the relief's
    scale (× adult average: ~1 mm cells, 0.1–0.25 mm pore openings); age_years 1–110: deepens the
    pebbled furrows (the head's age factor); freckles 0–1: 0 keeps the image's own freckles and
    adds only faint melanin variation, 1 adds ~1 mm melanin dots; sheen 0–2: relief contrast added in
    highlights (oily skin shows its texture in the sheen); fine_lines 0–1: 0 keeps the image's own
    lines and adds none, above it adds the head's forehead lines, glabella pair and crow's feet
    (where the eyes are found), as deep as ``age_years`` makes them.
    """

    pores: float = 0.6
    pore_size: float = 1.0
    age_years: float = 35.0
    freckles: float = 0.0
    sheen: float = 1.0
    fine_lines: float = 0.0

    def __post_init__(self):
        for name, lo, hi in (("pores", 0.0, 1.0), ("pore_size", 0.5, 2.0), ("age_years", 1.0, 110.0),
                             ("freckles", 0.0, 1.0), ("sheen", 0.0, 2.0), ("fine_lines", 0.0, 1.0)):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
                raise ValueError(f"skin_enhance {name} must be a number in {lo:g}…{hi:g}, got {v!r}")

    def relief(self) -> ReliefControls:
        return ReliefControls(self.pores, self.pore_size, self.age_years, self.fine_lines)


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
    landmark_eyes, irises = None, ()
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
        irises = det.eyes.irises if det.eyes is not None else ()
    mask = torch.nan_to_num(mask, nan=0.0).clamp(0, 1)
    ff = face_frame(frame, mask, holes, face, landmark_eyes, irises)
    return EnhancePlan(mask, source, ff)


def cached_plan(frame: Frame) -> EnhancePlan:
    """:func:`plan_enhance`, kept while ``frame``'s tensors live (the ``skin_track`` node and the
    enhancer of one plate frame both need it)."""
    names = tuple(sorted(frame.aovs))
    return derived_cache("skin_enhance.plan").get_or_compute(
        [frame.rgb, *(frame.aovs[k] for k in names)], (names, frame.meta.face_mm_per_px),
        lambda: plan_enhance(frame))


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


def _masked_blur(x: torch.Tensor, mask: torch.Tensor, sigma_px: float) -> torch.Tensor:
    """Gaussian average of ``x`` over the mask's support only (normalised convolution)."""
    w = (mask > 0).to(x)
    return gaussian_blur(x * w, sigma_px, edge="reflect") / gaussian_blur(w, sigma_px, edge="reflect").clamp_min(1e-4)


def _light_vector(glog_px: torch.Tensor, mask: torch.Tensor, level: torch.Tensor, ff: FaceFrame) -> torch.Tensor:
    """tan θ · (direction towards the light) per pixel, (1,2,h,w) in the face frame's mm axes.

    The low-passed log luminance's gradient (per pixel) is taken to face mm (∂/∂u = Aᵀ ∂/∂p);
    on a face of curvature radius R its size times R is tan θ of the light's obliquity. Under
    near-frontal light that direction is noise, so every pixel gets at least ``MIN_TAN`` along the
    skin's mean light direction (studio keys sit 20–45° off the lens axis), and at most ``MAX_TAN``.
    """
    A = ff.matrix()
    gx, gy = glog_px[:, 0:1], glog_px[:, 1:2]
    # elementwise, not a matmul: a threaded product's rounding would depend on the thread count
    g = torch.cat((float(A[0, 0]) * gx + float(A[1, 0]) * gy, float(A[0, 1]) * gx + float(A[1, 1]) * gy), 1)
    g = g * FACE_RADIUS_MM
    wgt = ((mask > 0.5).to(g) * level).double()
    # the mean in float64, rounded to float32: the same bits whatever the reduction's thread split
    mean = ((g.double() * wgt).sum((2, 3), keepdim=True) / wgt.sum().clamp_min(1e-9)).to(g.dtype)
    d = mean / mean.norm(dim=1, keepdim=True).clamp_min(1e-9)
    if float(mean.norm()) < 1e-9:
        d = torch.tensor([-1.0, 0.0], dtype=g.dtype, device=g.device).view(1, 2, 1, 1)
    size = g.norm(dim=1, keepdim=True)
    g = g + (MIN_TAN - size).clamp_min(0.0) * d
    size = g.norm(dim=1, keepdim=True)
    return g * (MAX_TAN / size.clamp_min(1e-9)).clamp(max=1.0)


def shading_delta(rgb: torch.Tensor, mask: torch.Tensor, relief: PlateRelief, colour: SkinTexture,
                  ff: FaceFrame, controls: EnhanceControls | None = None) -> torch.Tensor:
    """Per-channel log-intensity change (1,3,h,w) for strength 1, already weighted by mask and light.

    rgb, mask: the frame cropped to ``relief.box``. The caller applies ``rgb · exp(strength · Δ)``.
    The relief is lit as a Lambertian facet (its normal tilted by the height gradient) by a key
    from the estimated direction plus an ambient term, mixed by how much of the local light the key
    gives (the level over the skin's shadow level: relief contrast rises with the light); the
    irradiance is spread by skin's diffusion profile; cavities are darker; in highlights the sheen
    adds the relief's specular modulation. Everything coarser than ``IDENTITY_MM`` is removed.
    """
    from shotspec.runtime.head.skin_measure import diffuse_profile_blur    # (imports enhance: not at the top)

    controls = controls or EnhanceControls()
    mm = ff.mm_per_px
    lum = luminance(rgb).clamp_min(0)
    _, glog = _light(lum, mask, mm)
    level = wide_gaussian_blur(lum, max(0.5, LEVEL_SIGMA_MM / mm), (mask > 0).to(lum), edge="reflect")
    skin_vals = level[mask > 0.5].float()
    skin_vals = skin_vals[:: max(1, skin_vals.numel() // 100000)]
    if skin_vals.numel():
        ref, dark = (float(torch.quantile(skin_vals, q)) for q in (0.9, 0.1))
    else:
        ref = dark = float(level.max())
    rel = level / max(ref, 1e-6)
    t = _light_vector(glog, mask, level, ff)
    g = relief.grad_mm
    cos_g = torch.rsqrt(1.0 + (g * g).sum(1, keepdim=True))
    key = ((1.0 - (t * g).sum(1, keepdim=True)) * cos_g).clamp_min(0.02)
    ambient = (1.0 - AMBIENT_OCCLUSION * relief.cavity) * (0.7 + 0.3 * cos_g)
    key_share = (1.0 - AMBIENT_SHARE * dark / level.clamp_min(1e-6)).clamp(0.0, 1.0)
    inside = (mask > 0).to(lum)
    # light entering the skin (cavities shadowed), spread by the diffusion profile before it leaves
    irradiance = (key_share * key + (1.0 - key_share) * ambient) * (1.0 - CAVITY_DARKENING * relief.cavity)
    irradiance = torch.where(inside > 0, irradiance, torch.ones_like(irradiance))
    diffuse = diffuse_profile_blur(irradiance[0, 0], mm)[None, None].clamp_min(1e-3)
    relief_log = torch.log(diffuse)
    # the sheen is reflected at the surface: the facets' tilt, unblurred but for the lens (σ 0.15 mm)
    sheen_w = controls.sheen * _smoothstep(SHEEN_FROM, 1.0, rel / SHEEN_REF)
    surface = SHEEN_GAIN * torch.log(key) - SHEEN_CAVITY * relief.cavity
    relief_log = relief_log + sheen_w * gaussian_blur(surface, SURFACE_BLUR_MM / mm, edge="reflect")
    # recorded through the camera: lens, anti-alias filter and demosaicking blur about CAMERA_BLUR_PX
    # (never more than CAMERA_BLUR_MM: on a small face the cells are a pixel or two already)
    relief_log = RELIEF_GAIN * gaussian_blur(relief_log, min(CAMERA_BLUR_PX, CAMERA_BLUR_MM / mm), edge="reflect")
    shadow = _smoothstep(SHADOW_FADE[0], SHADOW_FADE[1], rel)
    clip = 1.0 - (1.0 - CLIP_KEEP) * _smoothstep(CLIP_FADE[0], CLIP_FADE[1], rgb.amax(1, keepdim=True))
    red = torch.tensor(REDNESS_LOG_RGB, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    mel = torch.tensor(MELANIN_LOG_RGB, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    colour_log = red * colour.redness + mel * colour.melanin * (FAINT_MELANIN + FRECKLE_GAIN * controls.freckles)
    delta = shadow * relief_log + (COLOUR_IN_SHADOW + (1 - COLOUR_IN_SHADOW) * shadow) * colour_log
    # identity: nothing coarser than IDENTITY_MM changes. The delta's local mean over the skin is
    # removed twice (a squared Gaussian high-pass: a 3 mm wave keeps 11 % of its amplitude, not
    # 27 %); the filter widens with the pores a user asks for, so they keep their size
    sigma_px = IDENTITY_MM / IDENTITY_SIGMAS / mm * max(1.0, controls.pore_size)
    for _ in range(IDENTITY_PASSES):
        delta = delta - _masked_blur(delta, mask, sigma_px)
    return mask * clip * delta


# The AOVs the mask, the face frame and the texture's field are made of when the frame has a skin
# AOV (a render).
GEOMETRY_AOVS = ("skin", "eyes", "lips", "brows", "position", "rest")


def rest_field(frame: Frame) -> torch.Tensor | None:
    """The texture's face-plane field (1,2,H,W) mm of a render: its ``rest`` AOV's x and y, the
    skin's position on the unposed, expressionless head (None without one, or on a plate). On a
    still, unposed head it is the position AOV's x/y that the face frame is fitted to, so the
    texture is the face frame's; once the head turns, tilts or changes expression each pixel
    keeps the millimetre of skin it shows, as a tracked plate's field does (``skin_track``)."""
    rest = frame.aov("rest")
    if rest is None or frame.aov("skin") is None or rest.shape[1] < 2:
        return None
    return torch.nan_to_num(rest[:, :2].float() * 1000.0, nan=0.0, posinf=0.0, neginf=0.0)


def _texture_for(frame: Frame, seed: int, controls: EnhanceControls, field: torch.Tensor | None = None
                 ) -> tuple[EnhancePlan, tuple[int, int, int, int], torch.Tensor, PlateRelief, SkinTexture] | None:
    """Mask, face frame, the mask's bounding box, the mask over the box, the relief and the
    colour texture there; None when no pixel is skin. Reads the colour only when the frame has no
    skin AOV. field: the tracked face-plane field (``skin_track``), else a render's rest field
    (:func:`rest_field`), else the face frame's own."""
    plan = cached_plan(frame)
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
    if field is None:
        field = rest_field(frame)
    relief = plate_relief(plan.face, box, seed, m, controls.relief(), frame.device, field=field)
    if field is None:
        colour = synthesise_texture(plan.face, box, seed, frame.device, support=m)
    else:
        colour = texture_on_field(plan.face, box, seed, field, frame.device, support=m)
    return plan, box, m, relief, colour


def _geometry_of(frame: Frame, seed: int, controls: EnhanceControls, field: torch.Tensor | None = None):
    """:func:`_texture_for`, kept in the ``skin_enhance.texture`` derived cache when it depends
    on the AOVs alone (a render: skin, eye, lip, brow and position AOVs, the frame's size and
    scale, the seed, the relief's controls), so a lighting edit re-shades the kept texture."""
    if frame.aov("skin") is None:                # found from the colour: nothing to keep
        return _texture_for(frame, seed, controls, field)
    names = tuple(k for k in GEOMETRY_AOVS if frame.aov(k) is not None)
    params = (names, frame.height, frame.width, frame.meta.face_mm_per_px, int(seed), controls.relief(),
              str(frame.rgb.dtype), str(frame.device), field is not None)
    tensors = [frame.aovs[k] for k in names] + ([field] if field is not None else [])
    return derived_cache("skin_enhance.texture").get_or_compute(
        tensors, params, lambda: _texture_for(frame, seed, controls, field))


def skin_enhance(frame: Frame, *, strength: float, seed: int, controls: EnhanceControls | None = None,
                 field: torch.Tensor | None = None) -> Frame:
    """Restore skin micro-detail in ``frame`` (linear RGB (1,3,H,W)); returns a new Frame.

    strength: 0 (no change) … 2; ~0.6 looks natural, 1 is strong. seed: texture seed (for renders
    the character's ``frame.meta.seed``, so a character keeps the same pores in every shot).
    controls: pores, pore size, age, freckles, sheen (:class:`EnhanceControls`; defaults when None).
    field (1,2,H,W) mm, optional: each pixel's face-plane position carried by the skin's motion
    through a plate sequence (:mod:`skin_track`). None: a render's ``rest`` AOV (the unposed
    head's x/y, :func:`rest_field`) when it has one, so the texture stays on the skin as the head
    turns or the face moves; else the face frame places it.
    Only pixels inside the skin mask change; where the mask is 0 the output equals the input bit
    for bit.
    """
    if frame.rgb.dim() != 4 or frame.rgb.shape[:2] != (1, 3):
        raise ValueError(f"skin_enhance expects rgb (1,3,H,W), got {tuple(frame.rgb.shape)}")
    if not isinstance(strength, (int, float)) or not math.isfinite(strength) or not 0 <= strength <= MAX_STRENGTH:
        raise ValueError(f"skin_enhance strength must be a number in 0…{MAX_STRENGTH:g}, got {strength!r}")
    controls = controls or EnhanceControls()
    if strength == 0:
        return frame
    if field is not None and tuple(field.shape) != (1, 2, frame.height, frame.width):
        raise ValueError(f"skin_enhance field must be (1,2,{frame.height},{frame.width}), got {tuple(field.shape)}")
    geometry = _geometry_of(frame, seed, controls, field)
    if geometry is None:            # no skin: unchanged
        return frame
    plan, box, m, relief, colour = geometry
    x0, y0, x1, y1 = box
    rgb = frame.rgb
    crop = rgb[..., y0:y1, x0:x1]
    delta = shading_delta(crop.float(), m.float(), relief, colour, plan.face, controls)
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


