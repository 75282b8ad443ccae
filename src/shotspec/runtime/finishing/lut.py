"""Grading LUTs: the Adobe/Resolve ``.cube`` format, 1D and 3D, parsed strictly and applied to
display-referred frames.

Convention: a ``.cube`` grading LUT maps **sRGB-encoded** display values in 0..1 (normalised by
its DOMAIN_MIN/MAX) to sRGB-encoded values, the usual convention for grading LUTs exported from
Resolve, Photoshop and the like. Our frames are linear, so :func:`apply_lut` encodes with the
sRGB transfer (clipping to 0..1), looks up, and decodes back to linear. Apply LUTs after
``tonemap``, on display-referred light.

Format (Adobe Cube LUT Specification 1.0, plus Resolve's shaper + cube): header keywords
``TITLE "…"``, ``LUT_1D_SIZE N`` (2..65536) or ``LUT_3D_SIZE N`` (2..256), ``DOMAIN_MIN r g b``,
``DOMAIN_MAX r g b`` (default 0 0 0 / 1 1 1), Resolve's ``LUT_1D_INPUT_RANGE lo hi`` /
``LUT_3D_INPUT_RANGE lo hi``; then one ``r g b`` row per entry, red changing fastest in a 3D
table. ``#`` starts a comment. A file with both sizes holds a 1D shaper (first N₁ rows, applied
first) and a 3D cube. Anything else is a :class:`LutError` with the file, line and column.
"""

from __future__ import annotations

import math
from dataclasses import fields

import torch
import torch.nn.functional as F

from shotspec.compiler.cube_file import MAX_1D_SIZE, MAX_3D_SIZE, CubeData, LutError, read_cube
from shotspec.color import linear_to_srgb, srgb_to_linear
from shotspec.runtime.finishing.perceptual import require_rgb
from shotspec.runtime.frame import Frame

__all__ = ["Lut", "LutError", "parse_cube", "apply_lut", "MAX_3D_SIZE", "MAX_1D_SIZE"]


class Lut(CubeData):
    """A parsed LUT: the compiler's ``CubeData`` (read without torch, so ``shot check`` can
    validate LUTs) with its tables as torch tensors — ``table_1d`` ``(N, 3)``, ``table_3d``
    ``(N, N, N, 3)`` indexed ``[b, g, r]``."""


def parse_cube(path: str) -> Lut:
    """Parse a ``.cube`` file strictly; raises :class:`LutError` (file, line, col, message, hint)."""
    data = read_cube(path)
    tables = {k: None if getattr(data, k) is None else torch.from_numpy(getattr(data, k))
              for k in ("table_1d", "table_3d")}
    return Lut(**{**{f.name: getattr(data, f.name) for f in fields(data)}, **tables})


def _normalise(v: torch.Tensor, domain) -> torch.Tensor:
    lo = torch.tensor(domain[0], dtype=v.dtype, device=v.device).view(1, 3, 1, 1)
    hi = torch.tensor(domain[1], dtype=v.dtype, device=v.device).view(1, 3, 1, 1)
    return ((v - lo) / (hi - lo)).clamp(0.0, 1.0)


def _lookup_1d(t: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Per-channel linear interpolation of ``table`` ``(N, 3)`` at t ``(B, 3, H, W)`` in 0..1."""
    n = table.shape[0]
    pos = t * (n - 1)
    i0 = pos.floor().clamp(0, n - 2).long()
    frac = pos - i0
    tab = table.to(device=t.device, dtype=t.dtype).t().contiguous()        # (3, N)
    out = torch.empty_like(t)
    for c in range(3):
        lo = tab[c][i0[:, c]]
        hi = tab[c][i0[:, c] + 1]
        out[:, c] = lo + (hi - lo) * frac[:, c]
    return out


def _lookup_3d(t: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Trilinear lookup of ``table`` ``(N, N, N, 3)`` [b, g, r] at t ``(B, 3, H, W)`` in 0..1."""
    b, _, h, w = t.shape
    volume = table.to(device=t.device, dtype=t.dtype).permute(3, 0, 1, 2).unsqueeze(0)
    grid = (t * 2.0 - 1.0).permute(0, 2, 3, 1).reshape(b, 1, h, w, 3)     # (x, y, z) = (r, g, b)
    out = F.grid_sample(volume.expand(b, -1, -1, -1, -1), grid, mode="bilinear",
                        padding_mode="border", align_corners=True)
    return out.reshape(b, 3, h, w)


def apply_lut(frame: Frame, lut: Lut, strength: float = 1.0) -> Frame:
    """Grade display-referred linear ``frame.rgb`` ``(1, 3, H, W)`` with ``lut``: sRGB-encode
    (clip 0..1), normalise by the domain, look up (1D per channel / 3D trilinear), blend with the
    ungraded values by ``strength`` (0..1, in the encoded domain), decode back to linear."""
    require_rgb(frame.rgb, "apply_lut")
    if not (math.isfinite(strength) and 0.0 <= strength <= 1.0):
        raise ValueError(f"LUT strength must be in 0..1, got {strength}")
    if strength == 0.0:
        return frame
    v = linear_to_srgb(frame.rgb)
    y = v
    if lut.table_1d is not None:
        y = _lookup_1d(_normalise(y, lut.domain_1d), lut.table_1d)
    if lut.table_3d is not None:
        y = _lookup_3d(_normalise(y, lut.domain_3d), lut.table_3d)
    if strength != 1.0:
        y = v + (y - v) * float(strength)
    return frame.with_rgb(srgb_to_linear(y))
