"""Reference photos: finding them, decoding them, and the quality checks that reject bad ones.

A photo is analysed at a working size (long side at most ``WORK_SIDE`` px, area-averaged in
linear light) as linear Rec.709 RGB ``(1, 3, H, W)`` float32. The checks and their thresholds
(``PhotoThresholds``, documented in docs/identity.md) measure what would spoil the skin and face
parameters: too few pixels, an under- or over-exposed face, hard shadows across the face, and
blur (motion or focus), using the no-reference blur metric of Crété-Roffet et al. (2007): blur
the image again and see how much neighbouring-pixel contrast is lost — a sharp image loses a
lot, an already blurred one little. It is taken in both axes and the worse one counts, so blur
along one direction (camera shake) is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.color import linear_to_srgb, luminance
from shotspec.image_formats import is_readable_image
from shotspec.runtime.filters import box_mean

__all__ = ["PhotoThresholds", "WORK_SIDE", "list_photos", "load_photo", "load_crop",
           "blur_metric", "shadow_ratio", "srgb_luma", "save_render_as_photo", "PhotoLoadError"]

WORK_SIDE = 320          # analysis resolution (long side, px)


@dataclass(frozen=True)
class PhotoThresholds:
    """Limits of the photo checks (see docs/identity.md for why each)."""

    min_side_px: int = 96            # shorter image side
    min_face_px: int = 48            # width of the found face
    dark_luma: float = 0.10          # 95th pct sRGB luma of the face skin below this: too dark
    image_dark_luma: float = 0.40    # 99.5th pct sRGB luma of the whole image below this: too
                                     # dark (nothing near white: ≈ 2.3 stops under)
    clip_fraction: float = 0.10      # share of face pixels white (all channels ≥ 0.96): blown out
    shadow_ratio: float = 8.0        # p95/p5 of smoothed face luminance (3 stops): heavy shadows
    blur: float = 0.66               # Crété-Roffet metric (0 sharp … 1 flat) above this: blurred


class PhotoLoadError(Exception):
    """A file that could not be decoded as an image."""


def list_photos(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` that shotspec can read, sorted by name (hidden files
    skipped); ``shotspec.image_formats`` is the one table of what can be read."""
    return sorted(p for p in folder.iterdir() if p.is_file() and is_readable_image(p.name))


def _read_linear(path: Path) -> tuple[torch.Tensor, dict]:
    """Decode a photo to linear RGB (1, 3, H, W) float32 at full size, non-finite values made
    safe; a file that cannot be read is a :class:`PhotoLoadError`."""
    from shotspec.runtime.io import ImageError, read_image  # noqa: PLC0415

    try:
        lin, info = read_image(path)
    except ImageError as exc:
        raise PhotoLoadError(f"cannot read the image: {exc.reason}") from None
    return torch.nan_to_num(lin.float(), nan=0.0, posinf=1.0, neginf=0.0).clamp_min(0.0), info


def _area_scaled(lin: torch.Tensor, scale: float) -> torch.Tensor:
    """``lin`` area-averaged by ``scale`` (< 1) in linear light."""
    h, w = lin.shape[-2:]
    return F.interpolate(lin, size=(max(1, round(h * scale)), max(1, round(w * scale))), mode="area")


def load_photo(path: Path) -> tuple[torch.Tensor, tuple[int, int]]:
    """Decode a photo → (linear RGB (1, 3, h, w) at the working size, original (width, height)).

    Uses ``shotspec.runtime.io.read_image`` (EXIF orientation applied; 8/16-bit files decoded
    from sRGB, EXR and float TIFF taken as linear), then area-averages in linear light.
    """
    lin, info = _read_linear(path)
    h, w = lin.shape[-2:]
    scale = min(1.0, WORK_SIDE / max(h, w))
    if scale < 1.0:
        lin = _area_scaled(lin, scale)
    return lin.contiguous(), (int(info.get("width", w)), int(info.get("height", h)))


def save_render_as_photo(rgb: torch.Tensor, path: Path, white_k: float = 5600.0, exposure: float = 1.0) -> None:
    """Write a linear render ``(1, 3, H, W)`` the way a camera would store it: white-balanced to
    ``white_k`` (the key light's colour temperature), scaled by ``exposure``, sRGB-encoded, 8-bit
    PNG. Used to make identity photos of the scanned head (calibration and tests)."""
    from PIL import Image  # noqa: PLC0415

    from shotspec.color import kelvin_to_rgb  # noqa: PLC0415

    if rgb.dim() != 4 or rgb.shape[:2] != (1, 3):
        raise ValueError(f"expected a (1, 3, H, W) render, got {tuple(rgb.shape)}")
    wb = torch.tensor(kelvin_to_rgb(white_k), dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    s = linear_to_srgb((rgb / wb * exposure).clamp(0, 1))[0].permute(1, 2, 0).cpu().numpy()
    Image.fromarray((s * 255.0 + 0.5).astype(np.uint8)).save(path)


def load_crop(path: Path, box: tuple[float, float, float, float], factor: float) -> torch.Tensor:
    """The part ``box`` (x0, y0, x1, y1 in the photo's own pixels) of a photo, linear RGB
    (1, 3, h, w), area-resampled by ``factor`` (≤ 1). For measurements that need more pixels
    than the working size keeps (freckles)."""
    lin, _ = _read_linear(path)
    h, w = lin.shape[-2:]
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(w, int(np.ceil(box[2]))), min(h, int(np.ceil(box[3])))
    crop = lin[..., y0:y1, x0:x1]
    if factor < 1.0:
        crop = _area_scaled(crop, factor)
    return crop.contiguous()


def srgb_luma(rgb: torch.Tensor) -> torch.Tensor:
    """Display luma (1, 1, H, W) in 0–1 of linear ``rgb`` (1, 3, H, W): Rec.709 weights on
    sRGB-encoded values, the quantity exposure thresholds are stated in."""
    s = linear_to_srgb(rgb.clamp(0.0, 1.0))
    return luminance(s)


def blur_metric(luma: torch.Tensor, mask: torch.Tensor) -> float:
    """Crété-Roffet no-reference blur (0 sharp … 1 featureless) of ``luma`` (1, 1, H, W) inside
    ``mask`` (1, 1, H, W bool); the worse of the horizontal and vertical estimates."""
    if luma.shape[:2] != (1, 1):
        raise ValueError(f"luma must be (1, 1, H, W), got {tuple(luma.shape)}")
    mask = mask.to(luma.device)
    worst = 0.0
    for dim in (-1, -2):
        b = box_mean(luma, 4, edge="replicate", method="pool", axis="x" if dim == -1 else "y")
        d_f = (luma - luma.roll(1, dims=dim)).abs()
        d_b = (b - b.roll(1, dims=dim)).abs()
        v = (d_f - d_b).clamp_min(0.0)
        m = mask.clone()
        if dim == -1:
            m[..., :5] = False
            m[..., -5:] = False
        else:
            m[..., :5, :] = False
            m[..., -5:, :] = False
        s_f = float(d_f[m].sum())
        if s_f <= 1e-9:
            return 1.0
        worst = max(worst, (s_f - float(v[m].sum())) / s_f)
    return worst


def shadow_ratio(rgb: torch.Tensor, mask: torch.Tensor, face_px: float) -> float:
    """Contrast of the large-scale light over the face region ``mask`` (skin with its holes
    filled, so a shadowed half still counts): p95/p5 of the linear luminance smoothed over ~6 %
    of the face width (pores and freckles do not count, shadows do)."""
    if rgb.shape[:2] != (1, 3):
        raise ValueError(f"rgb must be (1, 3, H, W), got {tuple(rgb.shape)}")
    lum = luminance(rgb)
    k = max(3, int(round(face_px * 0.06)) | 1)
    mask = mask.to(lum.device)
    m = mask.to(lum.dtype)
    def rows_then_columns(x: torch.Tensor) -> torch.Tensor:
        x = box_mean(x, k // 2, edge="replicate", method="pool", axis="x")
        return box_mean(x, k // 2, edge="replicate", method="pool", axis="y")

    num = rows_then_columns(lum * m)
    den = rows_then_columns(m).clamp_min(1e-6)
    smooth = (num / den)[mask]
    if smooth.numel() < 16:
        return 1.0
    lo, hi = torch.quantile(smooth, torch.tensor([0.05, 0.95], dtype=smooth.dtype,
                                                  device=smooth.device))
    return float(hi / lo.clamp_min(1e-4))
