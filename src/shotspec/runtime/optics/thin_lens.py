"""Thin-lens optics: circle of confusion, and the lens pass that applies it to a frame.

Circle of confusion (diameter on the sensor, metres) of a point at distance S2 when the lens
of focal length f and f-number N is focused at S1 (all distances from the lens):

    c = A · f · |S2 − S1| / (S2 · (S1 − f)),   A = f / N   (aperture diameter)

For S2 → ∞ it tends to A·f / (S1 − f). In pixels: c · width_px / sensor_width.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.frame import Frame
from shotspec.runtime.cache import derived_cache
from shotspec.runtime.optics.defocus import (MAX_RADIUS_PX, DefocusPlan, defocus_with_plan,
                                             plan_defocus)
from shotspec.runtime.optics.distortion import lens_warp, warp_frame_channels
from shotspec.runtime.optics.vignette import apply_vignette

__all__ = ["circle_of_confusion_m", "signed_coc_m", "coc_px", "apply_lens",
           "BLURRED_WITH_IMAGE"]

# AOVs that are blurred together with the colour so later passes stay aligned with it.
BLURRED_WITH_IMAGE = ("skin", "eyes", "lips", "brows", "hair", "subject", "alpha")


def _check_lens(focal_length_m: float, f_number: float, focus_distance_m: float) -> None:
    if not focal_length_m > 0:
        raise ValueError(f"focal length must be positive, got {focal_length_m} m")
    if not f_number > 0:
        raise ValueError(f"f-number must be positive, got f/{f_number}")
    if not focus_distance_m > focal_length_m:
        raise ValueError(f"focus distance {focus_distance_m} m must be beyond the focal length "
                         f"{focal_length_m} m (a real image needs S1 > f)")


def signed_coc_m(focal_length_m, f_number, focus_distance_m, subject_distance_m):
    """Signed CoC diameter (metres): negative in front of the focus plane, positive behind.

    Monotonic in depth, so it orders pixels near → far. Accepts floats or tensors for
    ``subject_distance_m``; ``inf`` gives the limit A·f/(S1 − f).
    """
    _check_lens(focal_length_m, f_number, focus_distance_m)
    a = focal_length_m / f_number
    k = a * focal_length_m / (focus_distance_m - focal_length_m)
    if isinstance(subject_distance_m, torch.Tensor):
        s2 = subject_distance_m.clamp_min(1e-9)
        return k * (1 - focus_distance_m / s2)
    s2 = float(subject_distance_m)
    if not s2 > 0:
        raise ValueError(f"subject distance must be positive, got {s2} m")
    return k if math.isinf(s2) else k * (1 - focus_distance_m / s2)


def circle_of_confusion_m(focal_length_m, f_number, focus_distance_m, subject_distance_m):
    """CoC diameter on the sensor in metres (float, or a tensor shaped like the depth tensor)."""
    c = signed_coc_m(focal_length_m, f_number, focus_distance_m, subject_distance_m)
    return c.abs() if isinstance(c, torch.Tensor) else abs(c)


def coc_px(coc_m, sensor_width_m: float, width_px: int):
    """CoC in pixels of an image ``width_px`` wide covering ``sensor_width_m``: c·width/sensor."""
    if not sensor_width_m > 0:
        raise ValueError(f"sensor width must be positive, got {sensor_width_m} m")
    return coc_m * (float(width_px) / sensor_width_m)


def _defocus_geometry(depth: torch.Tensor, masks: list[torch.Tensor], dtype: torch.dtype, f: float,
                      n: float, focus_distance_m: float, pitch_m: float, camera
                      ) -> tuple[DefocusPlan | None, tuple[torch.Tensor, ...], torch.Tensor]:
    """The defocus plan of a depth map ``(1, 1, H, W)`` (None when nothing is ≥ ¼ px out of
    focus), the masks ``(1, 1, H, W)`` defocused with it, in their own dtypes, and the
    ``defocus`` AOV (1, 1, H, W): each pixel's blur radius over the frame's width."""
    d = depth.to(dtype)
    d = torch.where(torch.isnan(d) | (d <= 0), torch.full_like(d, focus_distance_m), d)
    radius = signed_coc_m(f, n, focus_distance_m, d) / pitch_m / 2
    radius = radius.clamp(-MAX_RADIUS_PX, MAX_RADIUS_PX)
    blur = (radius.abs() / depth.shape[-1]).contiguous()
    if float(radius.abs().max()) < 0.25:
        return None, (), blur
    plan = plan_defocus(radius, blades=camera.blades, rotation_rad=camera.blade_rotation_rad,
                        squeeze=camera.anamorphic)
    if not masks:
        return plan, (), blur
    out = defocus_with_plan(torch.cat([m.to(dtype) for m in masks], dim=1), plan)
    return plan, tuple(out[:, i:i + 1].clamp(0, 1).to(m.dtype) for i, m in enumerate(masks)), blur


def apply_lens(frame: Frame, camera, focus_distance_m: float) -> Frame:
    """Thin-lens depth of field with polygonal bokeh, then distortion/CA, then vignetting.

    ``frame.rgb`` ``(1, 3, H, W)`` linear; depth from ``frame.aov("depth")`` ``(1, 1, H, W)``
    in metres (absent: everything at the focus distance, so no defocus). The frame spans
    ``frame.meta.sensor_width_m``. Masks in ``BLURRED_WITH_IMAGE`` are defocused with the
    colour; every AOV goes through the distortion warp, except the renderer's private ones
    (names starting with ``_``), which the lens drops. CoC radii are capped at
    ``MAX_RADIUS_PX`` (128 px). With depth, the frame gains the ``defocus`` AOV: each pixel's
    blur radius as a fraction of the frame's width (so it keeps its meaning when the frame is
    resized), for the passes that add detail after the lens (``skin_enhance``).

    The depth-only half of the defocus (``plan_defocus``) and the defocused masks are kept in
    the ``lens.defocus`` derived cache for as long as the depth and mask tensors live
    unchanged: a lighting edit defocuses the colour only.
    """
    rgb = frame.rgb
    if rgb.ndim != 4 or rgb.shape[:2] != (1, 3):
        raise ValueError(f"apply_lens expects rgb (1, 3, H, W), got {tuple(rgb.shape)}")
    f, n = camera.focal_length_m, camera.f_number
    _check_lens(f, n, focus_distance_m)
    h, w = frame.height, frame.width
    if not frame.meta.sensor_width_m > 0:
        raise ValueError(f"frame.meta.sensor_width_m must be positive, got {frame.meta.sensor_width_m}")
    pitch = frame.meta.sensor_width_m / w
    # AOVs named ``_…`` are the renderer's private bookkeeping (material indices, barycentrics,
    # interpolated attributes: 48 channels of the head's geometry frame) that shade reads; the
    # lens is the first pass after the renderer and no later pass reads them, so they end here
    # instead of being upscaled, cached three times over and written into EXR files.
    aovs = {k: v for k, v in frame.aovs.items() if not k.startswith("_")}

    depth = frame.aov("depth")
    if depth is not None:
        names = [k for k in BLURRED_WITH_IMAGE if k in aovs]
        params = (f, n, focus_distance_m, pitch, camera.blades, camera.blade_rotation_rad,
                  camera.anamorphic, str(rgb.dtype), str(rgb.device), tuple(names))
        plan, masks, blur = derived_cache("lens.defocus").get_or_compute(
            [depth] + [aovs[k] for k in names], params,
            lambda: _defocus_geometry(depth, [aovs[k] for k in names], rgb.dtype, f, n,
                                      focus_distance_m, pitch, camera))
        if plan is not None:
            rgb = defocus_with_plan(rgb, plan)
            aovs.update(zip(names, masks))
        aovs["defocus"] = blur

    grids = lens_warp(h, w, k1=camera.distortion, ca_per_1000px=camera.chromatic_aberration,
                      device=rgb.device, dtype=rgb.dtype)
    if grids is not None:
        rgb, aovs = warp_frame_channels(rgb, aovs, grids)

    image_distance = f * focus_distance_m / (focus_distance_m - f)
    rgb = apply_vignette(rgb, strength=camera.vignetting, pixel_pitch_m=pitch,
                         image_distance_m=image_distance)
    return frame.replace(rgb=rgb.contiguous(), aovs=aovs)
