"""``upscale_frame``: upscale a whole Frame (colour and every AOV) so they stay aligned.

Colour is upscaled in a perceptual encoding (sRGB transfer, extended above 1 with a log shoulder
so scene-linear highlights survive), because the upscaler's errors and detail are then spread
evenly across tones instead of concentrating in the shadows. AOVs are resampled on the same
pixel-centre grid as the colour, each with the filter that keeps its meaning:

* masks, alpha, albedo and unknown finite AOVs — bilinear (soft edges stay soft, no overshoot);
* ``normal`` — bilinear, then renormalised to unit length;
* ``depth``, ``position`` and anything with non-finite values — nearest (no depth values that
  belong to neither surface at silhouettes, ``inf`` stays ``inf``);
* keys starting with ``_`` (private bookkeeping: ids, indices) — nearest.

In detail mode the skin of a render, or of a plate whose eyes are found, gets the skin's own
relief at the output scale as its added texture instead of seeded noise (:mod:`.skin_detail`).

``meta.face_mm_per_px`` is divided by the factor; everything else in the meta is kept. An AOV's
upscale is kept in the ``upscale.aovs`` derived cache (``runtime.cache``) for as long as the
tensor it came from lives unchanged, so a lighting edit upscales the colour only.
"""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from shotspec.color import linear_to_srgb, srgb_to_linear
from ..cache import derived_cache
from ..frame import Frame
from .image import FACTORS, upscale_image
from .resample import upsample
from .skin_detail import skin_pattern

__all__ = ["upscale_frame", "encode_perceptual", "decode_perceptual"]

_SLOPE_AT_1 = 1.055 / 2.4   # d(sRGB)/d(linear) at linear 1: the log shoulder continues it C¹
_NEAREST_KEYS = ("depth", "position", "rest")


def encode_perceptual(x: torch.Tensor) -> torch.Tensor:
    """Linear → sRGB-encoded, odd-symmetric, with ``1 + k·ln x`` above 1 (invertible, unclipped)."""
    a = x.abs()
    low = linear_to_srgb(a.clamp(0.0, 1.0))
    high = 1.0 + _SLOPE_AT_1 * torch.log(a.clamp_min(1.0))
    return torch.sign(x) * torch.where(a > 1.0, high, low)


def decode_perceptual(e: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`encode_perceptual`."""
    a = e.abs()
    low = srgb_to_linear(a.clamp(0.0, 1.0))
    high = torch.exp((a.clamp_min(1.0) - 1.0) / _SLOPE_AT_1)
    return torch.sign(e) * torch.where(a > 1.0, high, low)


def _nearest(t: torch.Tensor, factor: int) -> torch.Tensor:
    """Each pixel repeated ``factor × factor`` times (one copy through a broadcast view)."""
    *lead, h, w = t.shape
    return t[..., :, None, :, None].expand(*lead, h, factor, w, factor).reshape(*lead, h * factor, w * factor)


def _upscale_aov(name: str, t: torch.Tensor, factor: int) -> torch.Tensor:
    if name.startswith("_") or name in _NEAREST_KEYS or not t.is_floating_point():
        return _nearest(t, factor)
    if not bool(torch.isfinite(t).all()):
        return _nearest(t, factor)
    up = upsample(t, factor, "bilinear")
    if name == "normal":
        # written out: torch's strided norm over the channel dimension took 0.29 s here
        norm = (up * up).sum(1, keepdim=True).sqrt()
        return torch.where(norm > 1e-8, up / norm.clamp_min(1e-8), up)
    return up


def upscale_frame(frame: Frame, factor: int, mode: str, field: torch.Tensor | None = None) -> Frame:
    """Upscale ``frame`` (rgb ``(1, 3, H, W)`` linear + AOVs) by ``factor`` in {2, 3, 4}.

    field (1, 2, H, W) mm, optional: a plate sequence's tracked face-plane coordinates
    (``skin_track``), which place detail mode's skin relief on a plate (:mod:`.skin_detail`).
    Returns a new Frame with rgb and every AOV at ``(H*factor, W*factor)``.
    """
    if factor not in FACTORS:
        raise ValueError(f"upscale factor must be one of {FACTORS}, got {factor!r}")
    h, w = frame.height, frame.width
    if field is not None and tuple(field.shape) != (1, 2, h, w):
        raise ValueError(f"upscale field must be (1,2,{h},{w}), got {tuple(field.shape)}")
    for name, t in frame.aovs.items():
        if t.dim() != 4 or tuple(t.shape[-2:]) != (h, w):
            raise ValueError(f"AOV {name!r} has shape {tuple(t.shape)}, frame is {h}x{w}")
    # detail mode: the skin's own relief as the texture there (skin_detail), made only if any
    # texture is added (at ×2 a render's band boost usually reaches the target)
    pattern = (lambda: skin_pattern(frame, factor, field)) if mode == "detail" else None
    rgb = decode_perceptual(upscale_image(encode_perceptual(frame.rgb), factor, mode, pattern))
    # An AOV depends on the geometry alone: after a lighting edit the same tensors arrive again
    # (the cached geometry frame's, passed through shade, lens and skin_enhance), and their
    # upscales are reused instead of recomputed (about 0.6 s of this pass at the default shot).
    memo = derived_cache("upscale.aovs")
    aovs = {name: memo.get_or_compute((t,), (name, factor), lambda name=name, t=t: _upscale_aov(name, t, factor))
            for name, t in frame.aovs.items()}
    meta = frame.meta
    if meta.face_mm_per_px and math.isfinite(meta.face_mm_per_px):
        meta = replace(meta, face_mm_per_px=meta.face_mm_per_px / factor)
    return Frame(rgb=rgb, aovs=aovs, meta=meta)
