"""Colour science shared by the compiler, the prompt export and the renderer: the sRGB transfer
curve, hex colours, luma weights, sRGB ↔ XYZ, CIELAB and colour temperature, each defined once.

Torch-free, and numpy is imported only inside the functions that take arrays, so the compiler
(``shot check``, ``shot fmt``) and the prompt export load it without either. The array functions
take numpy arrays and torch tensors alike (a tensor keeps its dtype and device; the tensor path
uses only tensor methods, so this module never imports torch).

Colour temperature uses the colour-science library (maintained CIE tables): a Planckian
radiator's spectrum integrated against the CIE 1931 2° observer below 4000 K, the CIE daylight
locus from 4000 K up (what "5600 K daylight" means on a lamp's label), then XYZ → linear sRGB
primaries (D65). The result is normalised to luminance Y = 1 so a temperature change never
changes a light's brightness.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

__all__ = [
    "SRGB_DECODE_KNEE", "SRGB_ENCODE_KNEE", "SRGB_LINEAR_SLOPE", "SRGB_OFFSET", "SRGB_SCALE",
    "SRGB_GAMMA", "LUMA_REC709", "LUMA_REC601", "SRGB_TO_XYZ", "XYZ_TO_SRGB", "D65_WHITE_XYZ",
    "hex_to_srgb", "srgb_decode", "srgb_to_linear", "linear_to_srgb", "luminance",
    "cie_lightness", "srgb_to_lab", "kelvin_to_rgb", "REC709_ALPHA", "REC709_BETA",
    "linear_to_rec709", "rec709_to_linear",
]

# IEC 61966-2-1 (sRGB) transfer curve: linear segment below the knee, offset power curve above.
SRGB_DECODE_KNEE = 0.04045      # encoded value where the curve turns linear
SRGB_ENCODE_KNEE = 0.0031308    # the same point in linear light
SRGB_LINEAR_SLOPE = 12.92
SRGB_OFFSET = 0.055
SRGB_SCALE = 1.055              # 1 + SRGB_OFFSET, written out as the standard does
SRGB_GAMMA = 2.4

LUMA_REC709 = (0.2126, 0.7152, 0.0722)     # luminance of linear Rec.709/sRGB primaries
LUMA_REC601 = (0.299, 0.587, 0.114)        # BT.601 luma of gamma-encoded RGB (JPEG's YCbCr)

# Linear sRGB (D65) ↔ CIE XYZ, IEC 61966-2-1.
SRGB_TO_XYZ = ((0.4124564, 0.3575761, 0.1804375),
               (0.2126729, 0.7151522, 0.0721750),
               (0.0193339, 0.1191920, 0.9503041))
XYZ_TO_SRGB = ((3.2404542, -1.5371385, -0.4985314),
               (-0.9692660, 1.8760108, 0.0415560),
               (0.0556434, -0.2040259, 1.0572252))
D65_WHITE_XYZ = (0.95047, 1.0, 1.08883)


def hex_to_srgb(text: str) -> tuple[float, float, float]:
    """``#rrggbb`` or ``#rgb`` → sRGB-encoded floats in 0–1 (rounded to 4 places)."""
    h = text.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(round(int(h[i:i + 2], 16) / 255.0, 4) for i in (0, 2, 4))  # type: ignore[return-value]


def srgb_decode(c: float) -> float:
    """The sRGB transfer curve inverted for one number (encoded → linear), not clipped."""
    return c / SRGB_LINEAR_SLOPE if c <= SRGB_DECODE_KNEE else ((c + SRGB_OFFSET) / SRGB_SCALE) ** SRGB_GAMMA


def srgb_to_linear(x):
    """sRGB decoding of an array or tensor, clipped to 0–1 first (IEC 61966-2-1)."""
    if hasattr(x, "clamp"):                     # a torch tensor
        x = x.clamp(0, 1)
        return (x / SRGB_LINEAR_SLOPE).where(x <= SRGB_DECODE_KNEE,
                                             ((x + SRGB_OFFSET) / SRGB_SCALE) ** SRGB_GAMMA)
    import numpy as np  # noqa: PLC0415 - the compiler imports this module without numpy

    x = np.clip(x, 0, 1)
    return np.where(x <= SRGB_DECODE_KNEE, x / SRGB_LINEAR_SLOPE, ((x + SRGB_OFFSET) / SRGB_SCALE) ** SRGB_GAMMA)


def linear_to_srgb(x):
    """sRGB encoding of an array or tensor, clipped to 0–1 first (IEC 61966-2-1)."""
    if hasattr(x, "clamp"):                     # a torch tensor
        x = x.clamp(0, 1)
        return (x * SRGB_LINEAR_SLOPE).where(x <= SRGB_ENCODE_KNEE,
                                             SRGB_SCALE * x.clamp_min(1e-12) ** (1 / SRGB_GAMMA) - SRGB_OFFSET)
    import numpy as np  # noqa: PLC0415

    x = np.clip(x, 0, 1)
    return np.where(x <= SRGB_ENCODE_KNEE, x * SRGB_LINEAR_SLOPE,
                    SRGB_SCALE * np.maximum(x, 1e-12) ** (1 / SRGB_GAMMA) - SRGB_OFFSET)


# BT.709's OETF, V = 4.5·L below β, α·L^0.45 − (α − 1) above, with α and β to the precision at
# which the two pieces meet (the rounded 1.099 / 0.018 leave a 2e-4 step at the knee, so an
# encode of a decoded code could land 13 16-bit codes away).
REC709_ALPHA = 1.09929682680944
REC709_BETA = 0.018053968510807


def linear_to_rec709(x):
    """BT.709 encoding of a tensor, clipped to 0–1 first (continuous at the knee)."""
    x = x.clamp(0, 1)
    return _where(x < REC709_BETA, 4.5 * x,
                       REC709_ALPHA * x.clamp_min(1e-12) ** 0.45 - (REC709_ALPHA - 1.0))


def rec709_to_linear(x):
    """The exact inverse of :func:`linear_to_rec709` on a tensor of codes (clipped to 0–1)."""
    x = x.clamp(0, 1)
    return _where(x < 4.5 * REC709_BETA, x / 4.5,
                       ((x + (REC709_ALPHA - 1.0)) / REC709_ALPHA) ** (1.0 / 0.45))


def _where(cond, a, b):
    """``torch.where(cond, a, b)`` without importing torch (the compiler imports this module)."""
    return a.where(cond, b)


def luminance(rgb):
    """Rec.709 luminance of a ``(…, 3, H, W)`` tensor or array (channel dim −3) → ``(…, 1, H, W)``."""
    r, g, b = rgb[..., 0:1, :, :], rgb[..., 1:2, :, :], rgb[..., 2:3, :, :]
    return LUMA_REC709[0] * r + LUMA_REC709[1] * g + LUMA_REC709[2] * b


def cie_lightness(y: float) -> float:
    """CIE L* (0–100) of a relative luminance ``y`` (white = 1)."""
    f = y ** (1 / 3) if y > (6 / 29) ** 3 else y / (3 * (6 / 29) ** 2) + 4 / 29
    return 116 * f - 16


def srgb_to_lab(srgb):
    """CIELAB (D65) of sRGB-encoded colours in 0–1, shape (..., 3) → (..., 3) float64."""
    import numpy as np  # noqa: PLC0415

    lin = srgb_to_linear(np.asarray(srgb, dtype=np.float64))
    xyz = lin @ np.array(SRGB_TO_XYZ).T / np.array(D65_WHITE_XYZ)
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def _colour():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour  # noqa: PLC0415 - heavy import, only when a temperature is converted
    return colour


def _daylight_xy(temperature_k: float) -> tuple[float, float]:
    """CIE daylight locus (Wyszecki & Stiles), 4000–25000 K: the expressions and operation order
    of ``colour.temperature.CCT_to_xy_CIE_D``, so the result is the same to the bit without
    importing ``colour`` (0.4–1 s in a fresh process)."""
    import numpy as np  # noqa: PLC0415

    cct = np.asarray(float(np.clip(temperature_k, 4000, 25000)), dtype=np.float64)
    cct_3, cct_2 = cct**3, cct**2
    x = np.where(cct <= 7000,
                 -4.607 * 10**9 / cct_3 + 2.9678 * 10**6 / cct_2 + 0.09911 * 10**3 / cct + 0.244063,
                 -2.0064 * 10**9 / cct_3 + 1.9018 * 10**6 / cct_2 + 0.24748 * 10**3 / cct + 0.23704)
    y = -3.000 * x**2 + 2.870 * x - 0.275
    return float(x), float(y)


@lru_cache(maxsize=4096)
def _kelvin_xy(temperature_k: float) -> tuple[float, float]:
    if temperature_k >= 4000.0:
        return _daylight_xy(temperature_k)
    colour = _colour()
    with warnings.catch_warnings():      # below 4000 K: the Planckian locus, integrated
        warnings.simplefilter("ignore")
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
    import numpy as np  # noqa: PLC0415

    t = float(np.clip(temperature_k, 1000.0, 25000.0))
    x, y = _kelvin_xy(round(t, 1))
    XYZ = np.array([x / y, 1.0, (1.0 - x - y) / y])
    rgb = np.clip(np.array(XYZ_TO_SRGB) @ XYZ, 1e-4, None)
    rgb = rgb / float(np.dot(LUMA_REC709, rgb))
    return float(rgb[0]), float(rgb[1]), float(rgb[2])
