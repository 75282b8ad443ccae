"""Colour science the renderer needs: colour temperature to linear RGB, sRGB transfer, luma.

Colour temperature uses the colour-science library (maintained CIE tables): a Planckian
radiator's spectrum integrated against the CIE 1931 2° observer below 4000 K, the CIE daylight
locus from 4000 K up (what "5600 K daylight" means on a lamp's label), then XYZ → linear sRGB
primaries (D65). The result is normalised to luminance Y = 1 so a temperature change never
changes a light's brightness.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

__all__ = ["kelvin_to_rgb", "srgb_to_linear", "linear_to_srgb", "luminance", "LUMA_REC709"]

LUMA_REC709 = (0.2126, 0.7152, 0.0722)
_XYZ_TO_SRGB = np.array(
    [[3.2404542, -1.5371385, -0.4985314],
     [-0.9692660, 1.8760108, 0.0415560],
     [0.0556434, -0.2040259, 1.0572252]]
)


def _colour():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour  # noqa: PLC0415 - heavy import, only when a temperature is converted
    return colour


@lru_cache(maxsize=4096)
def _kelvin_xy(temperature_k: float) -> tuple[float, float]:
    colour = _colour()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if temperature_k >= 4000.0:
            xy = colour.temperature.CCT_to_xy_CIE_D(float(np.clip(temperature_k, 4000, 25000)))
        else:
            shape = colour.SpectralShape(360, 830, 5)
            sd = colour.sd_blackbody(float(temperature_k), shape)
            cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape)
            XYZ = colour.sd_to_XYZ(sd, cmfs, method="Integration")
            xy = colour.XYZ_to_xy(XYZ)
    return float(xy[0]), float(xy[1])


def kelvin_to_rgb(temperature_k: float) -> tuple[float, float, float]:
    """Linear sRGB-primaries colour of a light at ``temperature_k`` (1000–25000 K), luminance 1.

    6504 K gives (1, 1, 1) within 1 %; lower temperatures are warmer (red > blue).
    """
    t = float(np.clip(temperature_k, 1000.0, 25000.0))
    x, y = _kelvin_xy(round(t, 1))
    XYZ = np.array([x / y, 1.0, (1.0 - x - y) / y])
    rgb = np.clip(_XYZ_TO_SRGB @ XYZ, 1e-4, None)
    rgb = rgb / float(np.dot(LUMA_REC709, rgb))
    return float(rgb[0]), float(rgb[1]), float(rgb[2])


def srgb_to_linear(x):
    """IEC 61966-2-1 decoding; works on numpy arrays and torch tensors."""
    if hasattr(x, "clamp"):
        import torch  # noqa: PLC0415

        x = x.clamp(0, 1)
        return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x):
    """IEC 61966-2-1 encoding; works on numpy arrays and torch tensors."""
    if hasattr(x, "clamp"):
        import torch  # noqa: PLC0415

        x = x.clamp(0, 1)
        return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp_min(1e-12) ** (1 / 2.4) - 0.055)
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.maximum(x, 1e-12) ** (1 / 2.4) - 0.055)


def luminance(rgb):
    """Rec.709 luminance of a ``(…, 3, H, W)`` tensor (channel dim −3) → ``(…, 1, H, W)``."""
    r, g, b = rgb[..., 0:1, :, :], rgb[..., 1:2, :, :], rgb[..., 2:3, :, :]
    return LUMA_REC709[0] * r + LUMA_REC709[1] * g + LUMA_REC709[2] * b
