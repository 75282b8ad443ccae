"""A video stream's code values to the working space's linear light, by its colour tags.

``linearise(code, colour)`` takes RGB code values ``(B, 3, H, W)`` in 0–1 (after the Y'CbCr
matrix) and the stream's ``video_tags.StreamColour`` and gives linear light in BT.709
primaries, the renderer's working space (scene-linear Rec.709, D65):

* ``rec709``, ``srgb``, ``linear`` — the image readers' own curves (``image_read``), bit for
  bit what a BT.709 or sRGB plate gave before;
* ``gamma22`` / ``gamma28`` — V^2.2 / V^2.8 (BT.470 M, B/G);
* ``log100`` / ``log316`` — H.273's logarithmic transfers: L = 10^(2(V − 1)) and
  10^(2.5(V − 1)); code 0 is black;
* ``pq`` — the SMPTE ST 2084 EOTF in cd/m², divided by 203 cd/m², the reference white of
  ITU-R BT.2408: diffuse white is 1.0, an HDR highlight of 1000 cd/m² is 4.93;
* ``hlg`` — BT.2100 HLG: the inverse OETF (scene light E in 0–1), then the reference OOTF
  F = Lw · Ys^(γ − 1) · E with Lw = 1000 cd/m² and system gamma γ = 1.2 (BT.2100 Table 5;
  Ys the luminance of E in the stream's primaries), divided by 203 cd/m² like PQ: the 75 %
  HLG reference white is 1.0 (1.0005), and a PQ and an HLG master of one picture agree.

Then primaries other than BT.709 (BT.2020, P3-D65, BT.601) are converted with the 3×3 matrix
between them (all D65; BT.2020 → BT.709 is BT.2087's). Out-of-gamut colours come out negative
and HDR highlights above 1, as a scene-linear working space holds them. Computed in float64,
returned as float32.
"""

from __future__ import annotations

import math

import torch

from shotspec.runtime.io.image_read import decode_transfer
from shotspec.video_tags import (HLG_PEAK_NITS, HLG_SYSTEM_GAMMA, PQ_REFERENCE_WHITE_NITS,
                                 StreamColour, luminance_row, to_rec709_matrix)

__all__ = ["linearise", "pq_eotf_nits", "hlg_inverse_oetf"]

# SMPTE ST 2084 constants
_M1, _M2 = 2610 / 16384, 2523 / 4096 * 128
_C1, _C2, _C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
# ARIB STD-B67 / BT.2100 HLG constants
_A = 0.17883277
_B = 1 - 4 * _A
_C = 0.5 - _A * math.log(4 * _A)


def pq_eotf_nits(v: torch.Tensor) -> torch.Tensor:
    """SMPTE ST 2084: PQ code values 0–1 → display luminance in cd/m² (0–10000)."""
    p = v.clamp(0, 1) ** (1 / _M2)
    return 10000.0 * ((p - _C1).clamp(min=0) / (_C2 - _C3 * p)) ** (1 / _M1)


def hlg_inverse_oetf(v: torch.Tensor) -> torch.Tensor:
    """BT.2100 HLG: code values 0–1 → normalised scene light E in 0–1."""
    v = v.clamp(0, 1)
    return torch.where(v <= 0.5, v * v / 3, (torch.exp((v - _C) / _A) + _B) / 12)


def _hlg_display(v: torch.Tensor, primaries: str) -> torch.Tensor:
    """HLG code values → display light in cd/m² through the reference OOTF."""
    e = hlg_inverse_oetf(v)
    row = torch.tensor(luminance_row(primaries), dtype=e.dtype, device=e.device)
    ys = torch.einsum("c,bchw->bhw", row, e)[:, None].clamp(min=0)
    return HLG_PEAK_NITS * ys ** (HLG_SYSTEM_GAMMA - 1) * e


def _decode(x: torch.Tensor, colour: StreamColour) -> torch.Tensor:
    t = colour.transfer
    if t == "gamma22":
        return x.clamp(min=0) ** 2.2
    if t == "gamma28":
        return x.clamp(min=0) ** 2.8
    if t in ("log100", "log316"):
        span = 2.0 if t == "log100" else 2.5
        return torch.where(x > 0, 10.0 ** (span * (x - 1)), torch.zeros_like(x))
    if t == "pq":
        return pq_eotf_nits(x) / PQ_REFERENCE_WHITE_NITS
    if t == "hlg":
        return _hlg_display(x, colour.primaries) / PQ_REFERENCE_WHITE_NITS
    raise ValueError(f"no decoding for the transfer {t!r}")


def linearise(code: torch.Tensor, colour: StreamColour) -> torch.Tensor:
    """Code values ``(B, 3, H, W)`` → linear BT.709-primaries light, float32 (see the module
    docstring). Raises ValueError for a stream ``video_tags`` marks with a problem."""
    if colour.problem:
        raise ValueError(colour.problem)
    if colour.transfer in ("rec709", "srgb", "linear") and colour.primaries == "bt709":
        return decode_transfer(code.contiguous(), colour.transfer).to(torch.float32)
    x = code.to(torch.float64)
    if colour.transfer in ("rec709", "srgb", "linear"):
        lin = decode_transfer(x, colour.transfer)
    else:
        lin = _decode(x, colour)
    if colour.primaries != "bt709":
        m = torch.tensor(to_rec709_matrix(colour.primaries), dtype=lin.dtype, device=lin.device)
        lin = torch.einsum("rc,bchw->brhw", m, lin)
    return lin.to(torch.float32)
