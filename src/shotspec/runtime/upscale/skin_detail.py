"""Detail mode's texture on skin: the skin's own relief at the output scale.

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

Only where the output resolves skin's cells (``RESOLVED_MM_PER_PX``). A plate gets it too when
the skin detector finds a face with an eye pair; the relief is then placed
as ``skin_enhance`` places it: by the face frame on a still, by the skin's tracked coordinates
(``skin_track``, handed over by the plan) in a sequence. Anything less (a skin-coloured area
without eyes, a guessed scale) keeps the noise, so a false face costs only the texture's look,
never its amount.

Only the relief's part above the input's Nyquist limit is used (:func:`.detail.texture_band`,
the noise's band), as a unit-RMS pattern; how much of it is added is decided exactly as for
the noise (the image's local contrast, the spectral target), so a soft render gets little.
The relief's controls are the enhancer's defaults (pores 0.6, pore size 1, age 35): the
upscale pass does not know a ``skin_enhance`` pass's settings. A render's pattern depends on
its geometry AOVs alone and is kept in the ``upscale.skin_detail`` derived cache, so a lighting
or finishing edit reuses it.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..cache import derived_cache
from ..frame import Frame
from ..enhance.enhancer import GEOMETRY_AOVS, EnhancePlan, cached_plan, plan_enhance, rest_field
from ..enhance.plate_relief import ReliefControls, plate_relief
from .detail import texture_band
from .resample import upsample

__all__ = ["skin_pattern", "MIN_WEIGHT", "RESOLVED_MM_PER_PX"]

MIN_WEIGHT = 0.02       # mask weight below which a pixel gets the noise alone (no relief evaluated)
# Coarsest output scale (face mm per output pixel) that gets the relief: skin's pebbled cells
# (about 1 mm) then span three pixels or more. Coarser, what the texture band holds of the
# relief is its furrow network alone, which normalised to the texture's amplitude reads as
# a woven canvas (kodim04 at ×4, 0.5 mm/px); a photograph shows grain there, as the noise does.
RESOLVED_MM_PER_PX = 0.3


def skin_pattern(frame: Frame, factor: int, field: torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """``(texture, weight)`` for :func:`.image.upscale_image`'s ``pattern``, each
    ``(1, 1, H*factor, W*factor)``: the skin relief in the texture's band (unit RMS over the
    skin) and the skin mask upscaled; None without skin, and for a plate on which the skin
    detector finds no eye pair. field (1, 2, H, W) mm: a plate sequence's
    tracked face-plane coordinates (``skin_track``), which place the relief on a plate."""
    if frame.aov("skin") is None:
        return _plate_pattern(frame, factor, field)
    if rest_field(frame) is None or not 0 < frame.meta.face_mm_per_px / factor <= RESOLVED_MM_PER_PX:
        return None
    names = tuple(k for k in GEOMETRY_AOVS if frame.aov(k) is not None)
    params = (names, factor, frame.height, frame.width, frame.meta.face_mm_per_px, int(frame.meta.seed),
              str(frame.device))
    return derived_cache("upscale.skin_detail").get_or_compute(
        [frame.aovs[k] for k in names], params,
        lambda: _skin_pattern(frame, factor, plan_enhance(frame), rest_field(frame)))


def _plate_pattern(frame: Frame, factor: int, field: torch.Tensor | None
                   ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """A plate's pattern: the enhancer's mask and face frame (found from the colour), the relief
    placed as ``skin_enhance`` places it: by the tracked ``field`` in a sequence (each frame's
    own face detection moves by a pixel or more from frame to frame: the relief would jitter),
    else by the face frame. Without a field, only where the face frame stands on an eye pair:
    anything less (a skin-coloured area, a guessed scale) keeps the noise. The field carries
    the first frame's face frame, so a sequence's frames agree with its first."""
    plan = cached_plan(frame)
    if field is not None:
        if not _field_mm_per_px(field, plan.mask) / factor <= RESOLVED_MM_PER_PX:
            return None
    elif not (plan.face.anchor_method.startswith("eye") and plan.face.mm_per_px / factor <= RESOLVED_MM_PER_PX):
        return None
    return _skin_pattern(frame, factor, plan, field)


def _field_mm_per_px(field: torch.Tensor, mask: torch.Tensor) -> float:
    """The median scale (mm per pixel, the root of the Jacobian's determinant) of a face-plane
    ``field`` (1, 2, H, W) over the skin ``mask`` (nan without skin)."""
    f = field[0].double()
    gx, gy = f[:, :-1, 1:] - f[:, :-1, :-1], f[:, 1:, :-1] - f[:, :-1, :-1]
    scale = (gx[0] * gy[1] - gx[1] * gy[0]).abs().sqrt()
    skin = mask[0, 0, :-1, :-1] > 0.5
    return float(scale[skin].median()) if bool(skin.any()) else float("nan")


def _skin_pattern(frame: Frame, factor: int, plan: EnhancePlan, field: torch.Tensor | None
                  ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The pattern from the enhancer's ``plan`` of ``frame`` (a render's plan reads its AOVs,
    never the colour) and the field that places it (mm, at the frame's size): a render's rest
    field, a plate sequence's tracked one, or None (the face frame)."""
    weight = upsample(plan.mask.float(), factor, "bilinear").clamp(0, 1)
    ys, xs = torch.nonzero(weight[0, 0] > MIN_WEIGHT, as_tuple=True)
    if ys.numel() == 0:
        return None
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    x0, y0, x1, y1 = box
    if field is not None:
        # between pixel centres: bilinear (nearest would repeat each millimetre over a
        # factor × factor block, a lattice of the input grid)
        field = upsample(field, factor, "bilinear")
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
