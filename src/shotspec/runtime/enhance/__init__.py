"""Skin enhancer: restores pores, fine lines and micro-imperfections on skin, lit by the image's light.

Public API (used by the executor and ``shot enhance``):

* :func:`skin_enhance` — the pass itself;
* :func:`find_skin_mask` — skin detection for plates without a mask;
* :func:`band_energy`, :func:`radial_power_spectrum` — the texture statistics it is judged by.
"""

from shotspec.runtime.enhance.enhancer import EnhanceControls, EnhancePlan, plan_enhance, skin_enhance, texture_summary
from shotspec.runtime.faces.skin_mask import find_skin_mask
from shotspec.runtime.enhance.texture_stats import band_energy, radial_power_spectrum

__all__ = ["skin_enhance", "find_skin_mask", "band_energy", "radial_power_spectrum", "plan_enhance",
           "EnhancePlan", "EnhanceControls", "texture_summary"]
