"""Exposure and tone mapping: scene-referred linear light → display-referred linear light.

``tonemap`` output is **display-referred and linear** in 0..1 (Rec.709/sRGB primaries, D65):
1.0 is the display's white, and the values are *light*, not code values. The output encoder
applies the sRGB / Rec.709 transfer function afterwards; nothing here encodes. Grading LUTs
(``apply_lut``) expect this display-referred signal.

Operators (``x`` is scene-linear, 0.18 = mid-grey, 1.0 = diffuse white):

* ``agx`` (default) — AgX-like: primaries inset toward the achromatic axis, per-channel log2
  encoding of −10 … +6.5 stops around mid-grey into 0..1, a toe/shoulder sigmoid pivoting at
  mid-grey (slope 2.4, toe and shoulder powers 1.5) whose output is an sRGB-encoded display
  value, decoded to linear, then a smaller outset. Mid-grey → 0.18 (sRGB code 0.46); bright
  saturated colours path to white instead of clipping to a hue.
* ``aces`` — the ACES 1.0 SDR Video view (RRT + sRGB ODT) of the ACES 1.3 studio config built
  into OpenColorIO (``runtime.color_management.aces_sdr_video``; it replaced a hand-fitted
  approximation), its sRGB display code values decoded to display light. Mid-grey → 0.104
  (code 0.356): ACES is darker and more contrasty by design. For the ACES 2.0 views, or any
  view of a studio's config, name the view on ``output`` instead (docs/color.md).
* ``reinhard`` — extended Reinhard per channel, x(1 + x/16²)/(1 + x), white at 16 (≈ +6.5
  stops). Mid-grey → 0.153 (code 0.43).
* ``filmic`` — John Hable's filmic curve (Uncharted 2), ×2 exposure bias, white point 11.2.
  Mid-grey → 0.128 (code 0.39).
* ``none`` — clip to 0..1.

``contrast`` (default 1) scales log exposure around mid-grey before the curve:
x' = 0.18·(x/0.18)^contrast. ``look`` ("none", "punchy", "golden") is an ASC CDL of the encoded
display values after the curve, applied by OpenColorIO (clamped ASC style).

Why AgX, Reinhard and Hable stay here: none of them is a view of the ACES configs OpenColorIO
ships (AgX lives in Blender's own config, which is not built into the library), and AgX is the
default whose look every existing render has; they remain named operators of this pass.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch

from shotspec.color import LUMA_REC709, linear_to_srgb, srgb_to_linear
from shotspec.runtime.color_management import aces_sdr_video, display_cdl
from shotspec.runtime.finishing.perceptual import MID_GREY, require_rgb
from shotspec.runtime.frame import Frame

__all__ = ["exposure", "tonemap", "tone_curve", "OPERATORS", "LOOKS"]

OPERATORS = ("agx", "aces", "reinhard", "filmic", "none")

# ASC CDL looks on encoded display values: slope, offset, power (per channel), saturation.
LOOKS: dict[str, tuple[tuple[float, float, float], tuple[float, float, float],
                       tuple[float, float, float], float]] = {
    "none": ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), 1.0),
    "punchy": ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (1.35, 1.35, 1.35), 1.4),
    "golden": ((1.0, 0.9, 0.5), (0.0, 0.0, 0.0), (0.8, 0.8, 0.8), 1.3),
}

# AgX-like constants.
_AGX_EV_MIN, _AGX_EV_MAX = -10.0, 6.5
_AGX_SLOPE, _AGX_TOE_POWER, _AGX_SHOULDER_POWER = 2.4, 1.5, 1.5
_AGX_INSET, _AGX_OUTSET = 0.20, 0.15

_REINHARD_WHITE = 16.0
_HABLE = (0.15, 0.50, 0.10, 0.20, 0.02, 0.30)   # A shoulder, B linear, C angle, D toe, E, F
_HABLE_WHITE, _HABLE_BIAS = 11.2, 2.0


def exposure(frame: Frame, stops: float) -> Frame:
    """Multiply linear light by 2**stops (+1 stop doubles); AOVs untouched."""
    require_rgb(frame.rgb, "exposure")
    if not math.isfinite(stops):
        raise ValueError(f"exposure must be a finite number of stops, got {stops}")
    return frame.with_rgb(frame.rgb * (2.0 ** float(stops)))


def _mix(rgb: torch.Tensor, m) -> torch.Tensor:
    mat = torch.tensor(m, dtype=rgb.dtype, device=rgb.device)
    return torch.einsum("ij,bjhw->bihw", mat, rgb)


def _toward_luma(amount: float) -> list[list[float]]:
    """Matrix (1−a)·I + a·1·wᵀ: pulls each channel toward luminance; greys are fixed."""
    return [[(1.0 - amount) * (i == j) + amount * LUMA_REC709[j] for j in range(3)] for i in range(3)]


def _sigmoid_limit(slope: float, run: float, rise: float, power: float) -> float:
    """The asymptote L for which f(run) = rise, f(d) = m·d / (1 + (m·d/L)^p)^(1/p)."""
    md = slope * run
    return md / ((md / rise) ** power - 1.0) ** (1.0 / power)


def _agx_curve(t: torch.Tensor) -> torch.Tensor:
    """Log-encoded 0..1 → sRGB-encoded display 0..1; pivot mid-grey, f(0) = 0 and f(1) = 1."""
    t0 = -_AGX_EV_MIN / (_AGX_EV_MAX - _AGX_EV_MIN)
    y0 = float(linear_to_srgb(torch.tensor(MID_GREY, dtype=torch.float64)))
    m = _AGX_SLOPE
    lim_s = _sigmoid_limit(m, 1.0 - t0, 1.0 - y0, _AGX_SHOULDER_POWER)
    lim_t = _sigmoid_limit(m, t0, y0, _AGX_TOE_POWER)

    def f(d, lim, p):
        return m * d / (1.0 + (m * d / lim) ** p) ** (1.0 / p)

    d = t - t0
    up = y0 + f(d.clamp_min(0.0), lim_s, _AGX_SHOULDER_POWER)
    down = y0 - f((-d).clamp_min(0.0), lim_t, _AGX_TOE_POWER)
    return torch.where(d >= 0, up, down)


_AGX_LUT_SIZE = 4097


@lru_cache(maxsize=8)
def _agx_lut(device: str, dtype: torch.dtype) -> torch.Tensor:
    """``srgb_to_linear(_agx_curve(t))`` sampled on 4097 points of t in 0..1 (float64 math).

    The curve is smooth, so linear interpolation in this table is within 1e-6 of the formula
    and costs a quarter of its arithmetic on a full frame.
    """
    t = torch.linspace(0.0, 1.0, _AGX_LUT_SIZE, dtype=torch.float64)
    return srgb_to_linear(_agx_curve(t)).to(device=device, dtype=dtype)


def _agx_display(t: torch.Tensor) -> torch.Tensor:
    lut = _agx_lut(str(t.device), t.dtype)
    pos = t * (_AGX_LUT_SIZE - 1)
    i0 = pos.floor().clamp(0, _AGX_LUT_SIZE - 2)
    frac = pos - i0
    i0 = i0.long()
    lo = lut[i0]
    return lo + (lut[i0 + 1] - lo) * frac


def _agx(x: torch.Tensor) -> torch.Tensor:
    x = _mix(x.clamp_min(0.0), _toward_luma(_AGX_INSET)).clamp_min(1e-10)
    t = ((torch.log2(x / MID_GREY) - _AGX_EV_MIN) / (_AGX_EV_MAX - _AGX_EV_MIN)).clamp(0.0, 1.0)
    lin = _agx_display(t)
    out = _mix(lin, torch.linalg.inv(torch.tensor(_toward_luma(_AGX_OUTSET), dtype=torch.float64)).tolist())
    return out


def _aces(x: torch.Tensor) -> torch.Tensor:
    return srgb_to_linear(aces_sdr_video(x.clamp_min(0.0)))


def _reinhard(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp_min(0.0)
    return x * (1.0 + x / _REINHARD_WHITE**2) / (1.0 + x)


def _hable(x):
    a, b, c, d, e, f = _HABLE
    return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f


def _filmic(x: torch.Tensor) -> torch.Tensor:
    return _hable(_HABLE_BIAS * x.clamp_min(0.0)) / _hable(_HABLE_WHITE)


_CURVES = {"agx": _agx, "aces": _aces, "reinhard": _reinhard, "filmic": _filmic,
           "none": lambda x: x}


def _apply_look(lin: torch.Tensor, look: str) -> torch.Tensor:
    if look == "none":
        return lin
    return srgb_to_linear(display_cdl(linear_to_srgb(lin), *LOOKS[look]))


def tone_curve(x: torch.Tensor, operator: str) -> torch.Tensor:
    """The bare operator on a ``(B, 3, H, W)`` scene-linear tensor → display linear 0..1."""
    if operator not in _CURVES:
        raise ValueError(f"unknown tone-map operator {operator!r}; known: {', '.join(OPERATORS)}")
    return _CURVES[operator](x).clamp(0.0, 1.0)


def tonemap(frame: Frame, operator: str, *, contrast: float = 1.0, look: str = "none") -> Frame:
    """Map scene-referred linear ``frame.rgb`` ``(1, 3, H, W)`` to display-referred LINEAR light
    in 0..1 (encode with the sRGB transfer on output). 0 → 0, monotonic, > 1 compressed below 1.
    """
    require_rgb(frame.rgb, "tonemap")
    if operator not in _CURVES:
        raise ValueError(f"unknown tone-map operator {operator!r}; known: {', '.join(OPERATORS)}")
    if look not in LOOKS:
        raise ValueError(f"unknown look {look!r}; known: {', '.join(LOOKS)}")
    if not math.isfinite(contrast) or contrast < 0:
        raise ValueError(f"contrast must be a finite number ≥ 0, got {contrast}")
    x = frame.rgb
    if contrast != 1.0:
        pos = x.clamp_min(0.0)
        x = torch.where(pos > 0, MID_GREY * (pos / MID_GREY) ** float(contrast), pos)
    out = tone_curve(x, operator)
    return frame.with_rgb(_apply_look(out, look).clamp(0.0, 1.0))
