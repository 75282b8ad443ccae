"""The iris's outline (limbus) in a photo, to a fraction of a pixel, and the scale it gives.

The visible iris (limbus, "white to white") is 11.7 mm across in adults (sd ≈ 0.5 mm; Rüfer,
Schröder & Erb 2005, 11.71 ± 0.42 mm over 1,000 eyes) and, unlike the eye distance or the face's
width, it does not shrink when the head turns as long as the eyes look towards the camera (a
portrait's usual gaze): it is the scale bar a face carries.

``limbus_fit`` is Daugman's integro-differential idea restricted to the two side arcs of the
iris (±``ARC_DEG`` around horizontal; the lids cover its top and bottom), the luma taken as the
median along each arc so a catch-light does not count. Two stages:

1. by regions, over a grid of centres and radii: darkest inside (0.45–0.9 r, past the pupil)
   against brightest outside (1.1–1.35 r, the sclera; the darker side counts). The pupil
   against the iris and a made-up eye against the skin peak too, so every radius peaking above
   ``OUTER_SHARE`` of the best is a candidate;
2. by edges, around each candidate (±20 % of its radius, a finer centre grid): the strongest
   dark-to-bright step present on *both* arcs (a lash line, a lid or a catch-light steps on
   one). The sharpest candidate wins; a parabola through its peak gives the sub-pixel radius.

On synthetic eyes with lids and a catch-light (8–31 px radius) it is within 0.4 px; on
``model_face.jpg`` it reads 61–66 px where the hand measure is about 60.

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
REFINE = (0.8, 1.2)          # stage 2 looks for the edge within these × stage 1's radius
OUTER_SHARE = 0.5           # a radius scoring this × the best is a limbus candidate


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
    s = s.reshape(cxs.numel(), radii.numel(), 2, ARC_SAMPLES).median(-1).values.double()
    return s.permute(2, 0, 1)


def _radial_step(prof: torch.Tensor) -> torch.Tensor:
    """d(mean luma)/dr (C, R) by central differences over ±1 px (ends zero), the weaker of the
    two sides: a limbus steps up on both, a lash line, a lid or a catch-light on one."""
    k = max(1, int(round(1.0 / RADIUS_STEP_PX)))
    d = torch.zeros_like(prof)
    d[..., k:-k] = (prof[..., 2 * k:] - prof[..., :-2 * k]) / (2 * k * RADIUS_STEP_PX)
    return torch.minimum(d[0], d[1])


def _disc_search(img: torch.Tensor, cx: float, cy: float, half: float, r_min: float, r_max: float):
    """Stage 1, by regions: the centre and radius whose side arcs are darkest inside (0.45–0.9 r,
    past the pupil and its catch-light) against the brightest sclera outside (1.1–1.35 r, the
    darker side counting). The pupil against the iris and a made-up eye against the skin score
    too: every radius whose score peaks above ``OUTER_SHARE`` of the best is returned
    ((cx, cy, r) each), and stage 2 keeps the sharpest edge among them."""
    offs = torch.linspace(-half, half, CENTRE_STEPS, dtype=torch.float64)
    gy, gx = torch.meshgrid(offs + cy, offs + cx, indexing="ij")
    cxs, cys = gx.reshape(-1), gy.reshape(-1)
    grid = torch.arange(0.4 * r_min, 1.4 * r_max + 0.5, 0.5, dtype=torch.float64)
    prof = _profiles(img, cxs, cys, grid)                       # (2, C, K)
    cand = torch.arange(r_min, r_max + 0.5, 0.5, dtype=torch.float64)
    inner = ((grid[None] >= 0.45 * cand[:, None]) & (grid[None] <= 0.9 * cand[:, None])).double()
    outer = ((grid[None] >= 1.1 * cand[:, None]) & (grid[None] <= 1.35 * cand[:, None])).double()
    inner = inner / inner.sum(1, keepdim=True).clamp_min(1)
    outer = outer / outer.sum(1, keepdim=True).clamp_min(1)
    inside = (prof @ inner.T).mean(0)                           # (C, Rc)
    outside = (prof @ outer.T).min(0).values
    score = (outside - inside).numpy()
    per_r = score.max(0)
    top = float(per_r.max())
    if top <= 0:
        return []
    # local maxima over the radius (not the smallest radius tried: a peak there is the pupil's)
    inner_idx = np.arange(1, len(per_r) - 1)
    peaks = [int(i) for i in inner_idx
             if per_r[i] >= per_r[i - 1] and per_r[i] >= per_r[i + 1] and per_r[i] >= OUTER_SHARE * top]
    if per_r[-1] >= per_r[-2] and per_r[-1] >= OUTER_SHARE * top:
        peaks.append(len(per_r) - 1)
    return [(float(cxs[int(np.argmax(score[:, i]))]), float(cys[int(np.argmax(score[:, i]))]), float(cand[i]))
            for i in peaks]


def _edge_search(img: torch.Tensor, cx: float, cy: float, half: float, radii: torch.Tensor):
    """Stage 2, by edges: the centre (within ±``half``) and radial step profile (R,) with the
    strongest two-sided dark-to-bright step."""
    offs = torch.linspace(-half, half, CENTRE_STEPS, dtype=torch.float64)
    gy, gx = torch.meshgrid(offs + cy, offs + cx, indexing="ij")
    cxs, cys = gx.reshape(-1), gy.reshape(-1)
    step = _radial_step(_profiles(img, cxs, cys, radii)).numpy()
    best = int(np.argmax(step.max(1)))
    return float(cxs[best]), float(cys[best]), step[best]


def limbus_fit(luma: np.ndarray, centre: tuple[float, float], r_min: float, r_max: float,
               search: float | None = None) -> IrisFit | None:
    """The iris around ``centre`` (x, y) in ``luma`` (H, W), its radius between ``r_min`` and
    ``r_max`` px; the centre may be off by up to ``search`` px (default half of ``r_min``).
    None when there is no dark-to-bright step on both side arcs (no iris there)."""
    if not 0 < r_min < r_max:
        raise ValueError(f"need 0 < r_min < r_max, got {r_min}, {r_max}")
    search = 0.5 * r_min if search is None else float(search)
    reach = int(math.ceil(r_max + search + 4))
    x0, y0 = max(0, int(centre[0]) - reach), max(0, int(centre[1]) - reach)
    x1, y1 = min(luma.shape[1], int(centre[0]) + reach + 1), min(luma.shape[0], int(centre[1]) + reach + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    img = torch.from_numpy(np.ascontiguousarray(luma[y0:y1, x0:x1], dtype=np.float32))[None, None]
    img = gaussian_blur(img, SMOOTH_PX, edge="replicate")
    best = None
    for cx, cy, r1 in _disc_search(img, centre[0] - x0, centre[1] - y0, search, r_min, r_max):
        radii = torch.arange(max(0.5, REFINE[0] * r1), REFINE[1] * r1 + RADIUS_STEP_PX, RADIUS_STEP_PX,
                             dtype=torch.float64)
        ex, ey, step = _edge_search(img, cx, cy, max(1.0, 0.08 * r1), radii)
        i = int(np.argmax(step))
        if step[i] > 0 and (best is None or step[i] > best[3][best[4]]):
            best = (ex + x0, ey + y0, radii, step, i)
    if best is None:
        return None
    cx, cy, radii, step, i = best
    r = float(radii[i])
    if 0 < i < len(step) - 1:
        a, b, c = step[i - 1], step[i], step[i + 1]
        den = a - 2 * b + c
        if den < 0:
            r += RADIUS_STEP_PX * float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return IrisFit(cx, cy, r, float(step[i]))
