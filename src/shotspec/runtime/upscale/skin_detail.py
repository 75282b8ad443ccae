"""Detail mode's texture on a render's skin: the skin's own relief at the output scale.

Where detail mode knows nothing about an image it adds seeded noise (:func:`.detail.band_texture`).
A render tells it more: which pixels are skin (the ``skin`` AOV, less the eyes, lips and brows),
which millimetre of the unposed head each pixel shows (the ``rest`` AOV) and how many
millimetres a pixel covers. There the texture is the enhancer's skin model
(:func:`shotspec.runtime.enhance.plate_relief.plate_relief`: the pebbled cells about 1 mm
across, pores by region) evaluated at the *output's* pixel footprint, so

* the detail finer than the render's pixels is skin's: pores darken and cells outline where
  the relief has them, instead of noise;
* it stays on the skin when the head turns or the face moves in a sequence, as the render's
  and the enhancer's texture do (seeded noise is fixed to the screen: the face would slide
  under it).

Only the relief's part above the input's Nyquist limit is used (:func:`.detail.texture_band`,
the noise's band), as a unit-RMS pattern; how much of it is added is decided exactly as for
the noise (the image's local contrast, the spectral target), so a soft render gets little.
The relief's controls are the enhancer's defaults (pores 0.6, pore size 1, age 35): the
upscale pass does not know a ``skin_enhance`` pass's settings. The pattern depends on the
geometry AOVs alone and is kept in the ``upscale.skin_detail`` derived cache, so a lighting or
finishing edit reuses it.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..cache import derived_cache
from ..frame import Frame
from ..enhance.enhancer import GEOMETRY_AOVS, plan_enhance, rest_field
from ..enhance.plate_relief import ReliefControls, plate_relief
from .detail import texture_band
from .resample import upsample

__all__ = ["skin_pattern", "MIN_WEIGHT"]

MIN_WEIGHT = 0.02       # mask weight below which a pixel gets the noise alone (no relief evaluated)


def skin_pattern(frame: Frame, factor: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(texture, weight)`` for :func:`.image.upscale_image`'s ``pattern``, each
    ``(1, 1, H*factor, W*factor)``: the skin relief in the texture's band (unit RMS over the
    skin) and the skin mask upscaled; None for a frame without ``skin`` and ``rest`` AOVs (a
    plate) or without any skin."""
    if rest_field(frame) is None or not frame.meta.face_mm_per_px > 0:
        return None
    names = tuple(k for k in GEOMETRY_AOVS if frame.aov(k) is not None)
    params = (names, factor, frame.height, frame.width, frame.meta.face_mm_per_px, int(frame.meta.seed),
              str(frame.device))
    return derived_cache("upscale.skin_detail").get_or_compute(
        [frame.aovs[k] for k in names], params, lambda: _skin_pattern(frame, factor))


def _skin_pattern(frame: Frame, factor: int) -> tuple[torch.Tensor, torch.Tensor] | None:
    plan = plan_enhance(frame)              # a render's plan reads its AOVs, never the colour
    weight = upsample(plan.mask.float(), factor, "bilinear").clamp(0, 1)
    ys, xs = torch.nonzero(weight[0, 0] > MIN_WEIGHT, as_tuple=True)
    if ys.numel() == 0:
        return None
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    x0, y0, x1, y1 = box
    # the field between pixel centres: bilinear (nearest would repeat each millimetre over a
    # factor × factor block, a lattice of the input grid)
    field = upsample(rest_field(frame), factor, "bilinear")
    ff = plan.face
    # pixel centres: p_out + 0.5 = factor · (p_in + 0.5)
    face = replace(ff, origin=tuple((o + 0.5) * factor - 0.5 for o in ff.origin),
                   A=tuple(tuple(a * factor for a in row) for row in ff.A), mm_per_px=ff.mm_per_px / factor)
    support = (weight[..., y0:y1, x0:x1] > MIN_WEIGHT).float()
    relief = plate_relief(face, box, int(frame.meta.seed), support, ReliefControls(), frame.device, field=field)
    height = torch.zeros_like(weight)
    height[..., y0:y1, x0:x1] = relief.height_mm
    band = texture_band(height, factor)
    rms = ((band.square() * weight).sum() / weight.sum().clamp_min(1e-12)).sqrt()
    if not float(rms) > 0:
        return None
    return (band / rms).to(frame.rgb.dtype), weight.to(frame.rgb.dtype)
