"""Grading LUTs: the Adobe/Resolve ``.cube`` format, 1D and 3D, parsed strictly (the compiler's
``cube_file``, so ``shot check`` reports a malformed file with its line) and applied to
display-referred frames by OpenColorIO (``runtime.color_management.file_lut``).

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
Interpolation is linear per channel (1D) and trilinear (3D), values outside the domain clamp
to its ends — what the previous hand-written lookup did, within 0.003 of an 8-bit code.
"""

from __future__ import annotations

import math
from dataclasses import fields

import torch

from shotspec.color import linear_to_srgb, srgb_to_linear
from shotspec.color_config import DEFAULT_CONFIG
from shotspec.compiler.cube_file import MAX_1D_SIZE, MAX_3D_SIZE, CubeData, LutError, read_cube
from shotspec.runtime.color_management import file_lut
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


def apply_lut(frame: Frame, lut: Lut | str, strength: float = 1.0) -> Frame:
    """Grade display-referred linear ``frame.rgb`` ``(1, 3, H, W)`` with the ``.cube`` LUT
    (a parsed :class:`Lut` or its path): sRGB-encode (clip 0..1), look up through OpenColorIO
    (1D per channel / 3D trilinear, the domain and any shaper as OCIO reads them), blend with
    the ungraded values by ``strength`` (0..1, in the encoded domain), decode back to linear."""
    require_rgb(frame.rgb, "apply_lut")
    if not (math.isfinite(strength) and 0.0 <= strength <= 1.0):
        raise ValueError(f"LUT strength must be in 0..1, got {strength}")
    if strength == 0.0:
        return frame
    v = linear_to_srgb(frame.rgb)
    y = file_lut(v, DEFAULT_CONFIG, lut if isinstance(lut, str) else lut.path)
    if strength != 1.0:
        y = v + (y - v) * float(strength)
    return frame.with_rgb(srgb_to_linear(y))
