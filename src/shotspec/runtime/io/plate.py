"""Plates: a user's image (optionally with depth and skin-mask images) as a Frame.

Depth images: float files (EXR — the ``Z`` channel if present — or float TIFF) hold metres.
8/16-bit PNG/TIFF depth maps are read as plain code values (no sRGB decoding) and mapped
linearly, **white = near** (``depth_near_m``) to **black = far** (``depth_far_m``), the
convention of most monocular depth estimators. Masks: white = skin, code values, no decoding.
Both are resized to the plate when their size differs (depth: nearest, so edges stay hard;
mask: bilinear). Without a depth image every pixel gets the subject distance, so the lens
pass has nothing to defocus (only vignetting, distortion and CA apply).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.plate_sequences import is_video
from shotspec.runtime.errors import RenderError
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.image_read import read_image, read_raw

__all__ = ["load_plate", "read_depth_image", "read_mask_image"]


def _resize(t: torch.Tensor, h: int, w: int, mode: str) -> torch.Tensor:
    if t.shape[-2:] == (h, w):
        return t
    if mode == "nearest":
        return F.interpolate(t, size=(h, w), mode="nearest-exact")
    return F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False, antialias=True)


def _codes(path: str, frame: int) -> tuple[np.ndarray, dict]:
    """A depth or mask picture's code values and facts: frame ``frame`` of a video, or the
    image itself."""
    if is_video(path):
        from shotspec.runtime.io.video_read import read_video_codes

        arr, _ = read_video_codes(path, frame)
        return arr, {"format": "video", "float": False, "channels": {}}
    return read_raw(path)


def read_depth_image(path: str, near_m: float, far_m: float, frame: int = 0) -> torch.Tensor:
    """Depth ``(1, 1, H, W)`` in metres from a float image (metres) or an integer one or a
    video's frame ``frame`` (white = ``near_m`` … black = ``far_m``, linear in code value)."""
    arr, info = _codes(path, frame)
    if info["format"] == "exr" and "Z" in info["channels"]:
        depth = info["channels"]["Z"]
    else:
        depth = arr[..., 0]
    t = torch.from_numpy(np.ascontiguousarray(depth, dtype=np.float32))[None, None]
    if not info["float"]:
        t = far_m + t * (near_m - far_m)
    t = torch.where(torch.isnan(t), torch.full_like(t, float("inf")), t)
    if float(t.min()) <= 0:
        raise ImageError(path, "the depth image has zero or negative depths",
                         "depth images hold metres from the camera (float), or use an 8/16-bit "
                         "map with depth_near/depth_far")
    return t


def read_mask_image(path: str, frame: int = 0) -> torch.Tensor:
    """Skin mask ``(1, 1, H, W)`` in 0–1 (white = skin; alpha used when the image has one and
    is otherwise flat; a video's frame ``frame``)."""
    arr, _ = _codes(path, frame)
    value = arr[..., :3].mean(-1) if arr.shape[-1] >= 3 else arr[..., 0]
    if arr.shape[-1] in (2, 4) and float(np.ptp(value)) < 1e-6:
        value = arr[..., -1]
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)).clamp(0, 1)[None, None]


def load_plate(source, camera, face_scale_from_camera: bool = True) -> Frame:
    """The plate of ``source`` (a ``SourceIR``) as a Frame at its native resolution.

    rgb: linear; AOVs: ``depth`` (always: from the depth image, else uniform at the subject
    distance), ``skin`` (when a mask is given), ``alpha`` (when the plate has one). The meta
    carries the camera's sensor and focal length, the subject distance (median depth under
    the mask when both depth and mask exist), the face scale in mm per pixel (the source's
    ``face_scale``; else from the camera when ``face_scale_from_camera``; else 0, and the skin
    enhancer measures it from the irises: the plan sets it only when the spec states the lens
    and a distance) and
    ``target_depths_m = (("subject", median),)`` when that median is known.
    """
    if not source.plate:
        raise RenderError("E520", "a plate source needs an image file", hint="add `plate \"…\"`")
    if is_video(source.plate):
        from shotspec.runtime.io.video_read import read_video_frame

        # a declared colour space starts from the code values (color_files.plate_to_working)
        rgb, info = read_video_frame(source.plate, source.plate_frame,
                                     linear=source.colorspace is None)
    else:
        rgb, info = read_image(source.plate)
    h, w = info["height"], info["width"]
    aovs: dict[str, torch.Tensor] = {}
    if "alpha" in info:
        aovs["alpha"] = info["alpha"]
    if source.mask:
        aovs["skin"] = _resize(read_mask_image(source.mask, source.plate_frame), h, w,
                               "bilinear").clamp(0, 1)
    subject = float(source.subject_distance_m or camera.distance_m)
    targets: tuple[tuple[str, float], ...] = ()
    if source.depth:
        depth = _resize(read_depth_image(source.depth, source.depth_near_m, source.depth_far_m,
                                         source.plate_frame), h, w, "nearest")
        if "skin" in aovs:
            sel = (aovs["skin"] > 0.5) & torch.isfinite(depth)
            if bool(sel.any()):
                subject = float(depth[sel].median())
                targets = (("subject", subject),)
    else:
        depth = torch.full((1, 1, h, w), subject)
    aovs["depth"] = depth
    focal = camera.focal_length_m
    face_mm_per_px = 0.0
    if source.face_scale_m is not None:
        face_mm_per_px = source.face_scale_m * 1000.0
    elif face_scale_from_camera:
        face_mm_per_px = subject * camera.sensor_width_m / (focal * w) * 1000.0
    meta = FrameMeta(
        sensor_width_m=camera.sensor_width_m, sensor_height_m=camera.sensor_height_m,
        focal_length_m=focal, subject_distance_m=subject,
        face_mm_per_px=face_mm_per_px,
        source="plate", target_depths_m=targets)
    return Frame(rgb=rgb, aovs=aovs, meta=meta)
