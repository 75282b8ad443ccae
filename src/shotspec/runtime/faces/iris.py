"""The iris's outline (limbus) in a photo, to a fraction of a pixel, and the scale it gives.

The visible iris (limbus, "white to white") is 11.7 mm across in adults (sd ≈ 0.5 mm; Rüfer,
Schröder & Erb 2005, 11.71 ± 0.42 mm over 1,000 eyes) and, unlike the eye distance or the face's
width, it does not shrink when the head turns as long as the eyes look towards the camera (a
portrait's usual gaze): it is the scale bar a face carries.

``limbus_fit`` is Daugman's integro-differential operator restricted to the two side arcs of
the iris (the lids cover its top and bottom): over a grid of centres and radii it averages the
luma along the arcs ±``ARC_DEG`` around horizontal on both sides, differentiates that mean
along the radius, and keeps the centre and radius of the strongest dark-to-bright step
(iris → sclera). The pupil's edge is a dark-to-bright step too, at a smaller radius: of the
radial peaks above ``OUTER_SHARE`` of the strongest, the outermost is the limbus. A parabola
through the peak and its neighbours gives the sub-pixel radius; a second, finer grid around
the first answer refines the centre.

Images are display-referred luma arrays (H, W) in 0–1; coordinates are their pixels (x right,
y down), pixel centres at whole numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.filters import gaussian_blur

__all__ = ["IrisFit", "limbus_fit", "IRIS_DIAMETER_MM"]

IRIS_DIAMETER_MM = 11.7     # horizontal visible iris diameter, adult mean
ARC_DEG = 35.0              # side arcs sampled: ± this around horizontal, both sides
ARC_SAMPLES = 15            # samples per side arc
RADIUS_STEP_PX = 0.25       # radial sampling step
CENTRE_STEPS = 9            # centre grid per axis (coarse and fine pass)
SMOOTH_PX = 0.8             # Gaussian pre-smoothing (JPEG blocks, lash hairs)
OUTER_SHARE = 0.45          # a radial peak this strong (× the strongest) can be the limbus


@dataclass(frozen=True)
class IrisFit:
    """One fitted iris: centre (x, y) px, radius px (limbus), and the step's contrast (luma
    units per pixel of radius, averaged over the arcs)."""

    cx: float
    cy: float
    radius: float
    contrast: float

    @property
    def diameter(self) -> float:
        return 2.0 * self.radius


def _profiles(img: torch.Tensor, cxs: torch.Tensor, cys: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Mean luma (2, C, R) along the left and the right side arc for every centre (C,) and
    radius (R,)."""
    half = math.radians(ARC_DEG)
    a = torch.linspace(-half, half, ARC_SAMPLES, dtype=torch.float64)
    angles = torch.cat([a, a + math.pi])
    ca, sa = torch.cos(angles), torch.sin(angles)
    h, w = img.shape[-2:]
    x = cxs[:, None, None] + radii[None, :, None] * ca[None, None, :]
    y = cys[:, None, None] + radii[None, :, None] * sa[None, None, :]
    gx = (2.0 * x + 1.0) / w - 1.0          # align_corners=False: pixel centres at whole numbers
    gy = (2.0 * y + 1.0) / h - 1.0
    grid = torch.stack([gx, gy], -1).reshape(1, -1, angles.numel(), 2).float()
    s = F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=False)
    s = s.reshape(cxs.numel(), radii.numel(), 2, ARC_SAMPLES).mean(-1).double()
    return s.permute(2, 0, 1)


def _radial_step(prof: torch.Tensor) -> torch.Tensor:
    """d(mean luma)/dr (C, R) by central differences over ±1 px (ends zero), the weaker of the
    two sides: a limbus steps up on both, a lash line, a lid or a catch-light on one."""
    k = max(1, int(round(1.0 / RADIUS_STEP_PX)))
    d = torch.zeros_like(prof)
    d[..., k:-k] = (prof[..., 2 * k:] - prof[..., :-2 * k]) / (2 * k * RADIUS_STEP_PX)
    return torch.minimum(d[0], d[1])


def _outer_peak(step: np.ndarray) -> int | None:
    """Index of the outermost local maximum of ``step`` (R,) above ``OUTER_SHARE`` of the largest."""
    top = float(step.max())
    if top <= 0:
        return None
    inner = step[1:-1]
    peaks = np.flatnonzero((inner >= step[:-2]) & (inner >= step[2:]) & (inner >= OUTER_SHARE * top)) + 1
    return int(peaks[-1]) if peaks.size else int(np.argmax(step))


def _search(img: torch.Tensor, cx: float, cy: float, half: float, radii: torch.Tensor):
    offs = torch.linspace(-half, half, CENTRE_STEPS, dtype=torch.float64)
    gy, gx = torch.meshgrid(offs + cy, offs + cx, indexing="ij")
    cxs, cys = gx.reshape(-1), gy.reshape(-1)
    step = _radial_step(_profiles(img, cxs, cys, radii)).numpy()
    best = int(np.argmax(step.max(1)))
    return float(cxs[best]), float(cys[best]), step[best]


def limbus_fit(luma: np.ndarray, centre: tuple[float, float], r_min: float, r_max: float) -> IrisFit | None:
    """The iris around ``centre`` (x, y) in ``luma`` (H, W), its radius between ``r_min`` and
    ``r_max`` px; the centre may be off by up to half of ``r_min``. None when there is no
    dark-to-bright step on both side arcs (no iris there)."""
    if not 0 < r_min < r_max:
        raise ValueError(f"need 0 < r_min < r_max, got {r_min}, {r_max}")
    reach = int(math.ceil(r_max + r_min + 4))
    x0, y0 = max(0, int(centre[0]) - reach), max(0, int(centre[1]) - reach)
    x1, y1 = min(luma.shape[1], int(centre[0]) + reach + 1), min(luma.shape[0], int(centre[1]) + reach + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    img = torch.from_numpy(np.ascontiguousarray(luma[y0:y1, x0:x1], dtype=np.float32))[None, None]
    img = gaussian_blur(img, SMOOTH_PX, edge="replicate")
    radii = torch.arange(r_min, r_max + RADIUS_STEP_PX, RADIUS_STEP_PX, dtype=torch.float64)
    cx, cy, _ = _search(img, centre[0] - x0, centre[1] - y0, 0.5 * r_min, radii)
    cx, cy, step = _search(img, cx, cy, r_min / (CENTRE_STEPS - 1), radii)
    cx, cy = cx + x0, cy + y0
    i = _outer_peak(step)
    if i is None or step[i] <= 0:
        return None
    r = float(radii[i])
    if 0 < i < len(step) - 1:
        a, b, c = step[i - 1], step[i], step[i + 1]
        den = a - 2 * b + c
        if den < 0:
            r += RADIUS_STEP_PX * float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return IrisFit(cx, cy, r, float(step[i]))
