"""Edge-adaptive learned filters: the fidelity estimate of the upscaler.

In the spirit of RAISR (Romano, Isidoro & Milanfar 2017): every output pixel is classified by
the local structure of a bicubic upsample — gradient orientation (16 bins), strength (3) and
coherence (3), from the eigen-decomposition of the smoothed structure tensor — by whether the
small image is aliased there (2 bins, ``alias_ratio``) and by its sub-pixel phase (``scale²``
positions). Each class owns a linear filter over the 6×6 small-image neighbourhood (local mean
removed) that predicts what bicubic upsampling got wrong. The filters are least-squares fits on
photographs shrunk with both Pillow bicubic and box kernels (``bench/train_upscaler.py``), so
they sharpen edges along their direction without assuming one particular shrinking kernel. The
aliasing bin gives pixels where fine stripes folded into near-Nyquist moiré (an area-shrunk
striped shirt) filters of their own: sharpened like clean edges, moiré became wrong stripes (it
put barbara's clothes, box-shrunk ×2, 0.17 dB below Lanczos; with the bin it is 0.06 dB above).

Because each filter sees the image minus its local mean and is linear, a flat area gets exactly
zero correction and scaling the image's contrast scales the correction (apart from the class
thresholds), which keeps scene-linear data above 1 well behaved.

Weights ship as ``upscaler_filters.npz`` next to this file (well under 1 MB); nothing is ever
downloaded.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..filters import gaussian_blur
from .resample import upsample

__all__ = ["FilterBank", "load_filters", "structure_classes", "structure_features", "alias_ratio",
           "lr_windows", "small_windows", "class_count", "WEIGHTS_PATH", "ANGLES", "STRENGTHS", "COHERENCES", "ALIAS_BINS", "TAPS",
           "SCALES"]

WEIGHTS_PATH = Path(__file__).with_name("upscaler_filters.npz")
ANGLES, STRENGTHS, COHERENCES, ALIAS_BINS = 16, 3, 3, 2
WINDOW = 6                      # small-image taps per side
TAPS = WINDOW * WINDOW
SCALES = (2, 3, 4)
_STRIP = 64                     # small-image rows per strip, to bound memory on large images


def structure_features(base: torch.Tensor, scale: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Angle bin, strength and coherence per pixel of a bicubic upsample ``(N, 1, H, W)``."""
    p = F.pad(base, (1, 1, 1, 1), mode="replicate")
    gx = 0.5 * (p[..., 1:-1, 2:] - p[..., 1:-1, :-2])
    gy = 0.5 * (p[..., 2:, 1:-1] - p[..., :-2, 1:-1])
    t = gaussian_blur(torch.cat([gx * gx, gx * gy, gy * gy], 1), 0.75 * scale, edge="replicate", truncate=2.5)
    gxx, gxy, gyy = t[:, 0:1], t[:, 1:2], t[:, 2:3]
    root = torch.sqrt((gxx - gyy) ** 2 + 4 * gxy * gxy)
    l1 = (0.5 * (gxx + gyy + root)).clamp_min(0)
    l2 = (0.5 * (gxx + gyy - root)).clamp_min(0)
    theta = 0.5 * torch.atan2(2 * gxy, gxx - gyy)                      # in (-pi/2, pi/2]
    angle = torch.floor((theta + math.pi / 2) / math.pi * ANGLES).long().clamp(0, ANGLES - 1)
    s1, s2 = l1.sqrt(), l2.sqrt()
    coherence = (s1 - s2) / (s1 + s2 + 1e-12)
    return angle, s1, coherence


def alias_ratio(base: torch.Tensor, scale: int) -> torch.Tensor:
    """Share of the small image's local energy near its Nyquist frequency, in [0, 1) → ``(N, 1, H, W)``.

    Measured on the bicubic upsample ``base`` with differences ``scale`` pixels apart (one small
    pixel): the second difference responds most at the Nyquist frequency, the central first
    difference not at all there, so ``E[d²]/(E[d²] + E[d¹])`` is about 0.03 for a pattern at
    0.1 cycles/pixel, 0.2 at 0.25 and 0.7 at 0.4 — high where stripes finer than the small grid
    have folded into moiré.
    """
    s = scale
    p = F.pad(base, (s, s, s, s), mode="replicate")
    mid = p[..., s:-s, s:-s]
    left, right = p[..., s:-s, :-2 * s], p[..., s:-s, 2 * s:]
    up, down = p[..., :-2 * s, s:-s], p[..., 2 * s:, s:-s]
    second = ((left - 2 * mid + right) / 4) ** 2 + ((up - 2 * mid + down) / 4) ** 2
    first = ((right - left) / 2) ** 2 + ((down - up) / 2) ** 2
    t = gaussian_blur(torch.cat([second, first], 1), 0.75 * scale, edge="replicate", truncate=2.5)
    return t[:, :1] / (t[:, :1] + t[:, 1:] + 1e-10)


def class_count(scale: int) -> int:
    """Number of filter classes at ``scale``."""
    return ALIAS_BINS * ANGLES * STRENGTHS * COHERENCES * scale * scale


def structure_classes(base: torch.Tensor, scale: int, thresholds: torch.Tensor) -> torch.Tensor:
    """Class index per output pixel (aliasing, angle, strength, coherence, phase) → ``(N, 1, H, W)`` long.

    ``thresholds`` holds 2 strength, 2 coherence and ``ALIAS_BINS - 1`` aliasing bin edges.
    """
    angle, strength, coherence = structure_features(base, scale)
    s_bin = torch.bucketize(strength.contiguous(), thresholds[:2].contiguous())
    c_bin = torch.bucketize(coherence.contiguous(), thresholds[2:4].contiguous())
    a_bin = torch.bucketize(alias_ratio(base, scale).contiguous(), thresholds[4:].contiguous())
    h, w = base.shape[-2:]
    py = (torch.arange(h, device=base.device) % scale).view(h, 1)
    px = (torch.arange(w, device=base.device) % scale).view(1, w)
    phase = py * scale + px
    return (((a_bin * ANGLES + angle) * STRENGTHS + s_bin) * COHERENCES + c_bin) * (scale * scale) + phase


def lr_windows(small: torch.Tensor, scale: int, rows: slice | None = None) -> torch.Tensor:
    """Mean-removed 6×6 small-image neighbourhoods of each output pixel → ``(N, 36, H*s, W*s)``.

    Output pixel ``o`` sits at small-image position ``(o + 0.5)/s - 0.5``; its window covers
    small pixels ``q-2 … q+3`` around ``q = floor`` of that. ``rows`` restricts the output rows.
    """
    n, _, h, w = small.shape
    yp = F.pad(small, (3, 3, 3, 3), mode="replicate")
    out_h, out_w = h * scale, w * scale
    oy = torch.arange(out_h, device=small.device)[rows if rows is not None else slice(None)]
    qy = torch.div(2 * oy + 1 - scale, 2 * scale, rounding_mode="floor") + 1   # 0 … h
    qx = torch.div(2 * torch.arange(out_w, device=small.device) + 1 - scale, 2 * scale, rounding_mode="floor") + 1
    r0, r1 = int(qy.min()), int(qy.max())
    band = yp[..., r0:r1 + WINDOW, :]
    win = F.unfold(band, WINDOW).view(n, TAPS, r1 - r0 + 1, w + 1)
    win = win[:, :, qy - r0][:, :, :, qx]
    return win - win.mean(dim=1, keepdim=True)


class FilterBank:
    """Per-scale learned filters ``(classes, 36)`` and class thresholds, on one device."""

    def __init__(self, filters: dict[int, torch.Tensor], thresholds: dict[int, torch.Tensor]):
        self.filters, self.thresholds = filters, thresholds

    def correction(self, small: torch.Tensor, scale: int, base: torch.Tensor | None = None) -> torch.Tensor:
        """What to add to bicubic upsampling of ``small`` (N, 1, H, W) → ``(N, 1, H*s, W*s)``.

        Output pixels of one sub-pixel phase ``(py, px)`` (rows ``py::s``, columns ``px::s``)
        read the 6×6 windows of consecutive small pixels, so the mean-removed windows are
        formed once on the small grid (``small_windows``) and each phase takes a shifted view
        of them — no per-output-pixel copy of 36 taps — and gathers only its filters."""
        if base is None:
            base = upsample(small, scale, "bicubic")
        filt = self.filters[scale].to(small.dtype)
        classes = structure_classes(base, scale, self.thresholds[scale].to(small.dtype))
        windows = small_windows(small)                                      # (N, h+1, w+1, 36)
        n, _, h, w = small.shape
        out = torch.empty_like(base)
        for py in range(scale):
            dy = 1 if 2 * py + 1 >= scale else 0        # window row of output row k·s + py: k + dy
            for px in range(scale):
                dx = 1 if 2 * px + 1 >= scale else 0
                win = windows[:, dy:dy + h, dx:dx + w]                      # (N, h, w, 36) view
                for r in range(0, h, _STRIP):
                    rows = slice(r, min(r + _STRIP, h))
                    f = filt[classes[:, 0, py::scale, px::scale][:, rows]]  # (N, rows, w, 36)
                    out[:, 0, py::scale, px::scale][:, rows] = (win[:, rows] * f).sum(-1)
        return out


def small_windows(small: torch.Tensor) -> torch.Tensor:
    """Mean-removed 6×6 neighbourhoods of the edge-extended small image ``(N, 1, h, w)``, taps
    last: ``(N, h+1, w+1, 36)``; entry ``[q, r]`` is the window of padded rows ``q … q+5`` and
    columns ``r … r+5`` (what :func:`lr_windows` gathers per output pixel)."""
    n, _, h, w = small.shape
    yp = F.pad(small, (3, 3, 3, 3), mode="replicate")
    win = F.unfold(yp, WINDOW).view(n, TAPS, h + 1, w + 1)
    win = win - win.mean(dim=1, keepdim=True)
    return win.permute(0, 2, 3, 1).contiguous()


@lru_cache(maxsize=4)
def _load(device: str, path: str) -> FilterBank:
    if not Path(path).exists():
        raise FileNotFoundError(f"upscaler filters missing at {path}; run bench/train_upscaler.py")
    with np.load(path) as arrays:
        filters = {s: torch.from_numpy(arrays[f"filters{s}"].astype(np.float32)).to(device) for s in SCALES}
        thresholds = {s: torch.from_numpy(arrays[f"thresholds{s}"].astype(np.float32)).to(device) for s in SCALES}
    for s in SCALES:
        expected = ((class_count(s), TAPS), (4 + ALIAS_BINS - 1,))
        if (tuple(filters[s].shape), tuple(thresholds[s].shape)) != expected:
            raise ValueError(f"upscaler filters at {path} do not match this version (x{s}: filters "
                             f"{tuple(filters[s].shape)}, thresholds {tuple(thresholds[s].shape)}); "
                             "run bench/train_upscaler.py")
    return FilterBank(filters, thresholds)


def load_filters(device: torch.device | str = "cpu") -> FilterBank:
    """The shipped filter bank on ``device`` (cached; read from the package, never downloaded)."""
    return _load(str(torch.device(device)), str(WEIGHTS_PATH))
