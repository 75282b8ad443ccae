"""Lens simulation: thin-lens depth of field, bokeh, vignetting, distortion, chromatic aberration."""

from shotspec.runtime.optics.bokeh import aperture_kernel
from shotspec.runtime.optics.defocus import MAX_RADIUS_PX, layered_defocus
from shotspec.runtime.optics.thin_lens import apply_lens, circle_of_confusion_m, coc_px, signed_coc_m

__all__ = ["apply_lens", "circle_of_confusion_m", "coc_px", "signed_coc_m", "aperture_kernel",
           "layered_defocus", "MAX_RADIUS_PX"]
