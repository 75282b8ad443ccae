"""White balance: neutralise the colour of the light that lit the scene.

The scene white is the colour of a ``temperature_k`` light, as the renderer's lights make it
(``shotspec.color.kelvin_to_rgb``: Planckian locus below 4000 K, CIE daylight above),
optionally moved off the locus by ``tint``. A Bradford chromatic adaptation in CIE XYZ maps that
white to D65, the working space's white, so a grey card lit by the light comes out neutral grey
with its luminance unchanged, and other colours adapt the way the eye's cone responses do.

``tint`` is a green–magenta offset of the scene white perpendicular to the locus in CIE 1960
(u, v), in units of 0.01 Duv: +1 says the light was greener than the locus (e.g. fluorescent,
Duv ≈ +0.01), so neutralising it adds magenta; −1 says it was magenta, so green is added.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from shotspec.color import SRGB_TO_XYZ, kelvin_to_rgb
from shotspec.runtime.finishing.perceptual import require_rgb
from shotspec.runtime.frame import Frame

__all__ = ["white_balance", "white_balance_matrix", "scene_white_xyz"]

_RGB_TO_XYZ = np.array(SRGB_TO_XYZ)
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614],
                      [-0.7502, 1.7135, 0.0367],
                      [0.0389, -0.0685, 1.0296]])
_TINT_DUV = 0.01


def _xyz_to_uv(xyz: np.ndarray) -> np.ndarray:
    d = xyz[0] + 15.0 * xyz[1] + 3.0 * xyz[2]
    return np.array([4.0 * xyz[0] / d, 6.0 * xyz[1] / d])


def _uv_to_xyz(uv: np.ndarray, luminance: float = 1.0) -> np.ndarray:
    u, v = uv
    x, y = 3.0 * u / (2.0 * u - 8.0 * v + 4.0), 2.0 * v / (2.0 * u - 8.0 * v + 4.0)
    return np.array([x / y, 1.0, (1.0 - x - y) / y]) * luminance


def scene_white_xyz(temperature_k: float, tint: float = 0.0) -> np.ndarray:
    """XYZ (Y = 1) of the light to neutralise: kelvin_to_rgb's colour moved by ``tint``."""
    white = _RGB_TO_XYZ @ np.array(kelvin_to_rgb(temperature_k))
    if tint == 0.0:
        return white / white[1]
    uv = _xyz_to_uv(white)
    # Locus direction from a small temperature step; its normal toward green (+v).
    step = _xyz_to_uv(_RGB_TO_XYZ @ np.array(kelvin_to_rgb(temperature_k * 1.02))) - uv
    if np.linalg.norm(step) < 1e-9:   # clipped at the ends of kelvin_to_rgb's range
        step = uv - _xyz_to_uv(_RGB_TO_XYZ @ np.array(kelvin_to_rgb(temperature_k * 0.98)))
    normal = np.array([-step[1], step[0]]) / np.linalg.norm(step)
    if normal[1] < 0:
        normal = -normal
    return _uv_to_xyz(uv + tint * _TINT_DUV * normal)


def white_balance_matrix(temperature_k: float, tint: float = 0.0) -> np.ndarray:
    """3×3 linear-sRGB matrix adapting the scene white (temperature, tint) to D65 (Bradford)."""
    src = scene_white_xyz(temperature_k, tint)
    dst = _RGB_TO_XYZ @ np.ones(3)
    gains = (_BRADFORD @ dst) / (_BRADFORD @ src)
    cat = np.linalg.inv(_BRADFORD) @ np.diag(gains) @ _BRADFORD
    return np.linalg.inv(_RGB_TO_XYZ) @ cat @ _RGB_TO_XYZ


def white_balance(frame: Frame, temperature_k: float, tint: float = 0.0) -> Frame:
    """Neutralise a scene white of ``temperature_k`` kelvin (1000–25000) with ``tint`` (units of
    0.01 Duv, + = the light was green) on linear ``frame.rgb`` ``(1, 3, H, W)``. 6500 K with no
    tint is (nearly) the identity; AOVs untouched."""
    require_rgb(frame.rgb, "white_balance")
    if not (math.isfinite(temperature_k) and 1000.0 <= temperature_k <= 25000.0):
        raise ValueError(f"white balance temperature must be 1000–25000 K, got {temperature_k}")
    if not (math.isfinite(tint) and -10.0 <= tint <= 10.0):
        raise ValueError(f"white balance tint must be in −10..10 (0.01 Duv units), got {tint}")
    m = torch.tensor(white_balance_matrix(float(temperature_k), float(tint)),
                     dtype=frame.rgb.dtype, device=frame.rgb.device)
    return frame.with_rgb(torch.einsum("ij,bjhw->bihw", m, frame.rgb))
