"""Detail-preserving upscaler: ``upscale_image`` for tensors, ``upscale_frame`` for Frames.

See docs/upscale.md for the method, the two modes and measured quality.
"""

from .frame_upscale import upscale_frame
from .image import FACTORS, MODES, upscale_image

__all__ = ["upscale_image", "upscale_frame", "MODES", "FACTORS"]
