"""What a light lights: the preview's answer to the editor's cursor resting on a light.

The language server sends the cursor's place (``POST /api/cursor``, the file and a 1-based
line and column). :func:`lights_at` finds, in every shot of the last good program, the light
that place defines or changes: a light whose block spans it (a preset's or the shot's own), or
a light one of whose values was set by a statement on that line (``shot explain``'s origins,
so ``key { intensity +1 }`` inside a shot's ``lighting`` counts). The renderer then makes that
light's image alone (``shade(..., only=i)``, from the terms the lighting keeps per light: a sum,
not a render) and :func:`share_of` divides its luminance by the whole rig's. The page tints
the picture by that share (:func:`overlay_png`): strong where the light makes most of what is
seen, nothing where it adds nothing. Torch-free except where a frame is given.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass

import numpy as np

from shotspec.compiler.ir import ProgramIR, ShotIR
from shotspec.preview.locate import origin_place

__all__ = ["LitBy", "lights_at", "share_of", "overlay_png", "HIGHLIGHT_RGB", "HIGHLIGHT_ALPHA",
           "DARK_FRACTION"]

HIGHLIGHT_RGB = (255, 190, 40)     # the tint: amber, unlike any skin or backdrop tone
HIGHLIGHT_ALPHA = 0.55             # the tint's opacity where the light makes the whole image
DARK_FRACTION = 0.02               # below this share of the frame's bright level a pixel is dark
_LIGHT_PATH = re.compile(r"^lights\.(?P<name>[^.]+)\.")


@dataclass(frozen=True)
class LitBy:
    """One shot's light under the cursor: its index in the shot's rig and its name."""

    shot: str
    index: int
    light: str


def _same_file(a: str, b: str) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _light_of_shot(shot: ShotIR, file: str, line: int, col: int) -> int | None:
    for i, light in enumerate(shot.lights):
        span = light.span
        if span is not None and _same_file(span.file, file) and \
                (span.line, span.col) <= (line, col) <= (span.end_line, span.end_col):
            return i
    names = [light.name for light in shot.lights]
    for path, origin in shot.origins.items():
        where, light = origin_place(origin), _LIGHT_PATH.match(path)
        if where and light and where[1] == line and _same_file(where[0], file) \
                and light["name"] in names:
            return names.index(light["name"])
    return None


def lights_at(program: ProgramIR, file: str, line: int, col: int) -> list[LitBy]:
    """The light each rendered shot of ``program`` has at ``file:line:col`` (1-based)."""
    out = []
    for shot in program.shots:
        if shot.source.kind != "render":
            continue
        index = _light_of_shot(shot, file, line, col)
        if index is not None:
            out.append(LitBy(shot.name, index, shot.lights[index].name))
    return out


def share_of(alone, whole) -> np.ndarray:
    """The share (H, W) in 0–1 of each pixel's luminance that one light's image ``alone`` makes
    of the whole rig's image ``whole`` (frames, linear RGB (1, 3, H, W)); pixels darker than
    ``DARK_FRACTION`` of the whole image's 99th-percentile luminance get 0."""
    weights = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)[:, None, None]
    lum_alone = (alone.rgb[0].detach().float().cpu().numpy() * weights).sum(0)
    lum_whole = (whole.rgb[0].detach().float().cpu().numpy() * weights).sum(0)
    bright = float(np.percentile(lum_whole, 99.0)) if lum_whole.size else 0.0
    share = np.clip(lum_alone / np.maximum(lum_whole, 1e-8), 0.0, 1.0)
    share[lum_whole <= DARK_FRACTION * bright] = 0.0
    return np.nan_to_num(share, nan=0.0).astype(np.float32)


def overlay_png(share: np.ndarray) -> bytes:
    """An RGBA PNG of ``share`` (H, W): the highlight colour at opacity ``HIGHLIGHT_ALPHA``
    × share."""
    from PIL import Image

    h, w = share.shape
    rgba = np.empty((h, w, 4), dtype=np.uint8)
    rgba[..., :3] = HIGHLIGHT_RGB
    rgba[..., 3] = np.round(255.0 * HIGHLIGHT_ALPHA * np.clip(share, 0.0, 1.0)).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG", compress_level=1)
    return buf.getvalue()
