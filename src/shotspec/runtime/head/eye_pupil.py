"""The pupil's diameter: the spec's, or the light-adapted size for the rig's light at the eye.

Watson and Yellott's unified formula (2012, "A unified formula for light-adapted pupil size",
Journal of Vision 12(10):12) gives the mean pupil diameter from the corneal flux density
``F = L·a·M(e)`` (field luminance cd/m² × field area deg² × 1 for two eyes) and the observer's
age. A uniform field of luminance ``L`` over a solid angle ``Ω`` makes the corneal illuminance
``E = L·Ω``, so ``L·a = E / (π/180)²``: the renderer needs only the illuminance at the cornea.

The rig's intensities are relative (a white card facing a light of intensity 1 at its nominal
distance has radiance 1), so one photometric anchor is assumed: ``LUX_PER_UNIT`` lux at the
eye per unit of that irradiance — a studio under modelling lights. The default rig then gives
a pupil of about 3.2 mm; a key four times brighter about 2.8 mm, a dim rig 4–5 mm.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from shotspec.runtime.head.brdf import light_terms
from shotspec.runtime.head.lights import RigLight

__all__ = ["LUX_PER_UNIT", "PUPIL_RANGE_MM", "unified_pupil_mm", "corneal_illuminance",
           "pupil_for_rig"]

LUX_PER_UNIT = 30.0                  # lux at the cornea per unit of the rig's irradiance
PUPIL_RANGE_MM = (2.0, 8.0)          # the human range, and the spec's
_AGE_RANGE = (20.0, 83.0)            # the formula's fitted ages (Watson & Yellott, eq. 22)


def unified_pupil_mm(lux: float, age_years: float = 28.58, eyes: int = 2) -> float:
    """Watson & Yellott's unified formula: mean pupil diameter (mm) at corneal illuminance
    ``lux`` for an observer of ``age_years`` adapting with ``eyes`` (1 or 2) eyes.

    Stanley & Davies' ``D = 7.75 − 5.75 (F/846)^0.41 / ((F/846)^0.41 + 2)`` at the corneal
    flux density ``F`` (cd/m²·deg²), then the age term ``(y − 28.58)(0.02132 − 0.009562 D)``."""
    if lux < 0.0 or not math.isfinite(lux):
        raise ValueError(f"corneal illuminance must be a finite lux value ≥ 0, not {lux}")
    flux = lux / (math.pi / 180.0) ** 2 * (1.0 if eyes == 2 else 0.1)
    x = (flux / 846.0) ** 0.41
    d_sd = 7.75 - 5.75 * x / (x + 2.0)
    age = min(max(float(age_years), _AGE_RANGE[0]), _AGE_RANGE[1])
    d = d_sd + (age - 28.58) * (0.02132 - 0.009562 * d_sd)
    return min(max(d, PUPIL_RANGE_MM[0]), PUPIL_RANGE_MM[1])


def _luminance(colour: Sequence[float]) -> float:
    return 0.2126 * colour[0] + 0.7152 * colour[1] + 0.0722 * colour[2]


def corneal_illuminance(lights: Sequence[RigLight], apex_m: torch.Tensor,
                        axis: torch.Tensor) -> float:
    """Irradiance (rig units) at a corneal ``apex_m`` (3,) facing ``axis`` (3,): each light's
    luminance × falloff × cosine to the axis (lids and shadows left out: the pupil reacts to
    the whole field), the environment's sky term as the shader's."""
    total = 0.0
    p = apex_m.to(torch.float32)[None]
    a = axis.to(torch.float32)
    for light in lights:
        lum = _luminance(light.colour)
        if light.kind == "environment":
            total += lum * (0.6 + 0.4 * float(a[1]))
            continue
        l, att, _ = light_terms(light, p)
        total += lum * float(att[0]) * max(0.0, float(l[0] @ a))
    return total


def pupil_for_rig(lights: Sequence[RigLight], apexes: torch.Tensor, axes: torch.Tensor,
                  age_years: float, spec_m: float | None) -> float:
    """The pupil diameter (mm) both eyes get: ``spec_m`` (metres) when the spec sets it, else
    the unified formula at the mean corneal illuminance of the two eyes (``apexes``,
    ``axes``: (2, 3))."""
    if spec_m is not None:
        return float(spec_m) * 1000.0
    rel = 0.5 * sum(corneal_illuminance(lights, apexes[k], axes[k]) for k in range(2))
    return unified_pupil_mm(rel * LUX_PER_UNIT, age_years)
