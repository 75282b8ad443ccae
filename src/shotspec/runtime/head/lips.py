"""The vermilion of the lips per pixel: its colour with a sharp border, the white roll, and
where its saliva film is wet.

The skin regions' ``lips`` weight falls from 1 to 0 over 2.5 mm outside the vermilion border
(``regions``), and the mesh's 2.5 mm triangles would soften a colour mixed per vertex further;
a real border is a fraction of a millimetre. So the skin's per-vertex albedo is made without
the lips (``skin_albedo.vertex_albedo(mix_lips=False)``) and ``vermilion`` mixes them per pixel
on a steep ramp of the interpolated weight (never steeper than the pixel's footprint allows).
Just outside the border, the white roll — a pale ridge of skin a millimetre wide — lightens it.

``lip_wetness`` says how wet each point is (0–1) from ``LipsIR.moisture``: the film is
thickest on the lower lip's centre and thins towards the corners and the upper lip; the skin's
specular model (``skin_brdf.skin_specular``) turns it into a sharp, strong lobe. The furrows
that break the film into streaks are the relief's (``relief``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.runtime.head.noise import detail_fade, value_noise
from shotspec.runtime.head.regions import smoothstep

__all__ = ["MouthLine", "mouth_line", "vermilion", "lip_wetness", "BORDER_WEIGHT"]

BORDER_WEIGHT = 0.7       # the ``lips`` weight (interpolated per pixel) at the vermilion border
_WEIGHT_MM = 2.5          # mm of skin over which the ``lips`` weight falls from 1 to 0
_ROLL = 0.12              # the white roll's lightening at its crest


@dataclass(frozen=True)
class MouthLine:
    """Where the lips meet, in rest-pose mm: the midline ``x0``, the centre's height ``y0``, the
    corners' half-width and height; the line is a parabola through the centre and corners."""

    x0: float
    y0: float
    half_width: float
    y_corner: float

    def height(self, x_mm: torch.Tensor) -> torch.Tensor:
        """The line's height (N,) mm at ``x_mm`` (N,)."""
        t = ((x_mm - self.x0) / self.half_width).clamp(-1.5, 1.5)
        return self.y0 + (self.y_corner - self.y0) * t * t


def mouth_line(landmarks_mm: torch.Tensor) -> MouthLine:
    """The mouth line of rest-pose 68-point ``landmarks_mm`` (68, 3): through the inner-lip
    centre (62, 66) and the corners (48, 54)."""
    lm = landmarks_mm.double()
    centre = 0.5 * (lm[62] + lm[66])
    corners = 0.5 * (lm[48, 1] + lm[54, 1])
    return MouthLine(float(centre[0]), float(centre[1]),
                     max(0.5 * float((lm[54, 0] - lm[48, 0]).abs()), 1.0), float(corners))


def vermilion(albedo: torch.Tensor, lips_w: torch.Tensor, tint: torch.Tensor,
              rest_mm: torch.Tensor, footprint_mm: torch.Tensor, seed: int
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Skin albedo (N, 3) made without the lips → with them, and the sharp vermilion weight
    (N,). ``lips_w`` (N,) the interpolated region weight, ``tint`` (3,) the vermilion's colour
    over the skin's (``skin_albedo.lip_tint``), ``rest_mm`` (N, 3), ``footprint_mm`` (N,)."""
    if albedo.shape != rest_mm.shape or lips_w.shape != footprint_mm.shape:
        raise ValueError(f"albedo and rest_mm must be (N, 3), lips_w and footprint_mm (N,): got "
                         f"{tuple(albedo.shape)}, {tuple(rest_mm.shape)}, {tuple(lips_w.shape)}, "
                         f"{tuple(footprint_mm.shape)}")
    # a ramp 0.3 mm wide on each side, widened to a pixel's footprint (never aliased)
    half = (0.3 + 0.5 * footprint_mm) / _WEIGHT_MM
    w = ((lips_w - BORDER_WEIGHT) / half * 0.5 + 0.5).clamp(0.0, 1.0)
    w = w * w * (3.0 - 2.0 * w)
    # the vermilion's own unevenness: a little blotchier than skin, over a few millimetres
    q = rest_mm.float()
    blotch = 1.0 + 0.10 * (value_noise(q / 3.0, seed + 961) - 0.5)
    lip = albedo * tint.to(albedo.device) * blotch[:, None]
    # the white roll: a pale ridge ~1 mm wide just outside the border
    crest = BORDER_WEIGHT - 0.6 / _WEIGHT_MM
    roll = torch.exp(-((lips_w - crest) * _WEIGHT_MM / 0.45) ** 2) * (1.0 - w)
    roll = roll * detail_fade(1.0, footprint_mm)
    skin = albedo * (1.0 + _ROLL * roll)[:, None]
    return (skin + w[:, None] * (lip - skin)).clamp(0.0, 1.0), w


def lip_wetness(vermilion_w: torch.Tensor, rest_mm: torch.Tensor, line: MouthLine,
                moisture: float, seed: int) -> torch.Tensor:
    """How wet each point is (N,) 0–1: ``moisture`` on the vermilion (``vermilion_w`` (N,)),
    most on the lower lip's centre, less towards the corners and on the upper lip, in patches
    a few millimetres across (the film beads and thins)."""
    if not 0.0 <= moisture <= 1.0:
        raise ValueError(f"moisture {moisture} is outside 0…1")
    q = rest_mm.float()
    below = smoothstep(0.5, -2.0, q[:, 1] - line.height(q[:, 0]))
    centre = torch.exp(-((q[:, 0] - line.x0) / (0.55 * line.half_width)) ** 2)
    patches = 0.75 + 0.5 * value_noise(q / 2.5, seed + 962)
    film = (0.45 + 0.75 * below * centre + 0.15 * centre) * patches
    return (moisture * vermilion_w * film).clamp(0.0, 1.0)
