"""The iris's outline (limbus) in a photo, to a fraction of a pixel, and the scale it gives.

The visible iris (limbus, "white to white") is 11.7 mm across in adults (sd ≈ 0.5 mm; Rüfer,
Schröder & Erb 2005, 11.71 ± 0.42 mm over 1,000 eyes; it reaches adult size in the second
year) and, unlike the eye distance or the face's width, it does not shrink when the head turns
as long as the eyes look towards the camera (a portrait's usual gaze): it is the scale bar a
face carries.

``limbus_fit`` reads the two side arcs of the iris (±``ARC_DEG`` around horizontal; the lids
cover its top and bottom), the luma taken as the median along each arc so a catch-light or a
lash does not count, and finds on each side the radius where the luma steps up from the iris
to the sclera (Daugman's integro-differential idea, one side at a time):

1. **centre**: the darkest point near the given centre, and the pupil around it (the pixels
   darker than halfway between it and the iris). A whole pupil (round: ``PUPIL_ROUND``) gives
   the centre — the median of its rows' and columns' midpoints, which a catch-light's notch
   moves less than a centroid — since the pupil sits in the iris's middle whatever the gaze;
2. **both sides**: the innermost pair of limbus steps (below), one on each side arc, whose
   mean radius is in the range asked for and, from a whole pupil, whose two distances agree
   within ``PUPIL_OFFSET`` × r + 1 px; their midpoint corrects the centre, their mean is the radius.
   Used when the weaker step scores at least ``SIDE_BALANCE`` of the stronger — both sides of
   a limbus border the same sclera. Without a whole pupil (a dark iris whose "pupil" takes in
   the lashes) the arcs' height is searched too and the widest clear chord is the diameter;
3. **one side**: on a turned head the nasal side of the iris often lies in the eye's shaded
   corner (lashes, caruncle: no step). Then the best step on the other side, measured from a
   whole pupil's centre, is the radius — if iris surrounds the pupil on the hidden side too
   (``INNER_SIDE``); a pupil half under the corner gives no fit.

A step is only a limbus if it rises by at least ``MIN_RISE`` of the luma across it (JPEG noise
and film grain rise less) and lies beyond the pupil's edge (radius ≥ ``PUPIL_CLEAR`` × the
pupil's: the pupil steps up to the iris too). Steps are scored by region (``_region_score``:
the sclera just outside against the iris inside); on each side the innermost step scoring at
least ``FIRST_STEP`` of that side's best is the limbus (``_first_steps``: past a shaded
sclera the lid's brighter skin scores higher still), and the step's middle is its gradient's
centroid over the run above half its peak (``_step_centre``; a parabola through a lone
peak) — the hand measure's "middle of the step", where the peak alone read the outer end of
a ramp and irises of resized photos up to 15 % wide. An eye cut by the frame's edge gives
no fit.

On synthetic eyes with lids and a catch-light (8–31 px radius) it is within 0.4 px two-sided
and 10 % one-sided; on the bench's photographs within 7 % of the hand measure and on its
renders (15–18 px irises) within 6 % of the truth (bench/skin_mask_accuracy.py); resized to
25–150 %, 58 of 72 cases within 10 % (bench/face_scale_sizes.py).

Images are display-referred luma arrays (H, W) in 0–1; coordinates are their pixels (x right,
y down), pixel centres at whole numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.faces.regions import label_regions
from shotspec.runtime.filters import gaussian_blur

__all__ = ["IrisFit", "limbus_fit", "IRIS_DIAMETER_MM"]

IRIS_DIAMETER_MM = 11.7     # horizontal visible iris diameter, adult mean
ARC_DEG = 35.0              # side arcs sampled: ± this around horizontal, both sides
ARC_SAMPLES = 15            # samples per side arc
RADIUS_STEP_PX = 0.25       # radial sampling step
SMOOTH_PX = 0.8             # Gaussian pre-smoothing (JPEG blocks, lash hairs)
PUPIL_ROUND = (0.6, 1.6)    # a pupil's width / height when it is whole (not under a lid)
PUPIL_OFFSET = 0.1          # a whole pupil's centre lies within this × r + 1 px of the iris's (pupils
                            # sit 0.1–0.3 mm off it; a catch-light's notch, pixels: the rest)
PUPIL_CLEAR = 1.3           # the limbus lies at least this × the pupil's radius out
SIDE_BALANCE = 0.5          # two-sided fit: the weaker side's step at least this × the stronger
INNER = 0.4                 # the iris's luma is read from this × the radius outwards …
EDGE_PX = 1.5               # … to this far inside the limbus; the sclera's this far outside
INNER_SIDE = 0.75           # one-sided fits: the hidden side must show iris out to this × r
CLEAR_SHARE = 0.7           # height search: fits scoring this × the best count as clear
MIN_RISE = 0.08             # a limbus step rises by this share of the luma across it at least
FIRST_STEP = 0.6            # a side's steps scoring this × its best border the sclera; the innermost counts


@dataclass(frozen=True)
class IrisFit:
    """One fitted iris: centre (x, y) px, radius px (limbus), the step's contrast (luma units
    per pixel of radius; the weaker side's when both were read) and how many sides (1 or 2)
    showed the limbus."""

    cx: float
    cy: float
    radius: float
    contrast: float
    sides: int = 2

    @property
    def diameter(self) -> float:
        return 2.0 * self.radius


def _profiles(img: torch.Tensor, cx: float, cy: float, radii: torch.Tensor) -> np.ndarray:
    """Median luma (2, R) along the left and the right side arc at every radius (R,)."""
    half = math.radians(ARC_DEG)
    a = torch.linspace(-half, half, ARC_SAMPLES, dtype=torch.float64)
    angles = torch.cat([a + math.pi, a])                  # left side first
    h, w = img.shape[-2:]
    x = cx + radii[:, None] * torch.cos(angles)[None]
    y = cy + radii[:, None] * torch.sin(angles)[None]
    grid = torch.stack([(2.0 * x + 1.0) / w - 1.0, (2.0 * y + 1.0) / h - 1.0], -1)[None].float()
    s = F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=False)[0, 0]
    return s.reshape(radii.numel(), 2, ARC_SAMPLES).median(-1).values.double().T.numpy()


def _steps(prof: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d(luma)/dr (2, R) by central differences over ±1 px (ends zero), and the relative rise
    (2, R): the step over the mean luma across it."""
    k = max(1, int(round(1.0 / RADIUS_STEP_PX)))
    d = np.zeros_like(prof)
    rise = np.zeros_like(prof)
    lo, hi = prof[:, :-2 * k], prof[:, 2 * k:]
    d[:, k:-k] = (hi - lo) / (2 * k * RADIUS_STEP_PX)
    rise[:, k:-k] = (hi - lo) / np.maximum(0.5 * (hi + lo), 1e-3)
    return d, rise


def _peaks(d: np.ndarray, rise: np.ndarray, ok: np.ndarray) -> list[int]:
    """Indices of the local maxima of one side's step ``d`` inside ``ok`` that rise enough."""
    i = np.arange(1, len(d) - 1)
    m = (d[i] >= d[i - 1]) & (d[i] > d[i + 1]) & (d[i] > 0) & ok[i] & (rise[i] >= MIN_RISE)
    return [int(j) for j in i[m]]


def _subpixel(d: np.ndarray, i: int) -> float:
    """Offset (in samples, ±0.5) of a parabola's vertex through d[i-1], d[i], d[i+1]."""
    if 0 < i < len(d) - 1:
        a, b, c = d[i - 1], d[i], d[i + 1]
        den = a - 2 * b + c
        if den < 0:
            return float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    return 0.0


def _first_steps(score: np.ndarray, peaks: list[int]) -> list[int]:
    """The ``peaks`` of one side whose region ``score`` is at least ``FIRST_STEP`` of the
    side's best. Beyond the limbus the luma may rise again — from a shaded sclera to the lid's
    skin beyond the eye's corner — and score higher (the skin is brighter than the sclera);
    the limbus is the first step that borders white, so the innermost of these is taken."""
    if not peaks:
        return []
    top = max(score[i] for i in peaks)
    return [i for i in peaks if score[i] >= FIRST_STEP * top]


def _step_centre(d: np.ndarray, ok: np.ndarray, rr: np.ndarray, i: int) -> float:
    """Radius (px) of the middle of one side's step whose gradient ``d`` (R,) peaks at
    ``rr[i]``: the gradient's centroid over the run where it stays above half the peak, inside
    ``ok``. On a clean blurred step that is the peak itself; on a ramp — a limbal ring, the
    shaded sclera of the eye's inner corner, a resized image — the peak can sit at either end,
    and its outer end (the region score's choice) read up to 15 % wide."""
    lo = hi = i
    while lo > 0 and ok[lo - 1] and d[lo - 1] >= 0.5 * d[i]:
        lo -= 1
    while hi < len(d) - 1 and ok[hi + 1] and d[hi + 1] >= 0.5 * d[i]:
        hi += 1
    w = d[lo:hi + 1]
    if hi - lo < 2:
        return float(rr[i] + RADIUS_STEP_PX * _subpixel(d, i))
    return float((w * rr[lo:hi + 1]).sum() / w.sum())


def _region_score(prof: np.ndarray, rr: np.ndarray, rp: float) -> np.ndarray:
    """(2, R): the luma just outside each radius (r + ``EDGE_PX``) less the mean luma of the iris
    inside it (from past the pupil, ``INNER`` × r, to r − ``EDGE_PX``). The limbus has sclera
    outside and iris inside; a step inside the iris (fibres, a catch-light's rim, the pupil's
    edge) has iris outside, and the eye's corner beyond the sclera has sclera inside."""
    n = prof.shape[1]
    out = np.full_like(prof, -np.inf)
    csum = np.concatenate([np.zeros((2, 1)), np.cumsum(prof, 1)], 1)
    e = int(round(EDGE_PX / RADIUS_STEP_PX))
    i = np.arange(n - e)
    lo = np.searchsorted(rr, np.maximum(INNER * rr[i], PUPIL_CLEAR * rp))
    hi = i - e
    ok = hi - lo >= 2
    i, lo, hi = i[ok], lo[ok], hi[ok]
    out[:, i] = prof[:, i + e] - (csum[:, hi] - csum[:, lo]) / (hi - lo)
    return out


def _pupil(img: np.ndarray, x: int, y: int, r_min: float):
    """The dark blob at (x, y) in ``img`` (h, w): its centroid (cx, cy), radius (px, from its
    area) and whether it is round (whole); the threshold is halfway from its darkest to the
    median luma within ``r_min`` (mostly iris)."""
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w]
    near = (xx - x) ** 2 + (yy - y) ** 2 <= r_min ** 2
    low = float(img[y, x])
    thr = low + 0.5 * (float(np.median(img[near])) - low)
    labels, _ = label_regions((img < thr) & near)
    blob = labels == labels[y, x]
    if labels[y, x] == 0 or blob.sum() < 2:
        return float(x), float(y), 0.5, False
    ys, xs = np.nonzero(blob)
    width, height = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    mx, my = float(xs.mean()), float(ys.mean())
    radius = math.sqrt(blob.sum() / math.pi)
    # whole: round, and no further from its centroid than its own size allows (not a lash line)
    whole = (PUPIL_ROUND[0] <= width / height <= PUPIL_ROUND[1]
             and float(np.hypot(xs - mx, ys - my).max()) <= 1.5 * radius + 1.0)
    if whole:           # the median of the rows' and columns' midpoints: a catch-light's notch
        rows = [0.5 * (r.min() + r.max()) for r in (np.flatnonzero(blob[j]) for j in np.unique(ys))]
        cols = [0.5 * (c.min() + c.max()) for c in (np.flatnonzero(blob[:, i]) for i in np.unique(xs))]
        mx, my = float(np.median(rows)), float(np.median(cols))     # moves few of them, a centroid all
    return mx, my, radius, whole


def limbus_fit(luma: np.ndarray, centre: tuple[float, float], r_min: float, r_max: float,
               search: float | None = None) -> IrisFit | None:
    """The iris around ``centre`` (x, y) in ``luma`` (H, W), its radius between ``r_min`` and
    ``r_max`` px; the centre may be off by up to ``search`` px (default half of ``r_min``).
    None when neither side arc shows a limbus (or only one does and the pupil is not whole)."""
    if not 0 < r_min < r_max:
        raise ValueError(f"need 0 < r_min < r_max, got {r_min}, {r_max}")
    search = 0.5 * r_min if search is None else float(search)
    reach = int(math.ceil(1.3 * r_max + 2 * search + 4))
    x0, y0 = max(0, int(centre[0]) - reach), max(0, int(centre[1]) - reach)
    x1, y1 = min(luma.shape[1], int(centre[0]) + reach + 1), min(luma.shape[0], int(centre[1]) + reach + 1)
    if x1 - x0 < 5 or y1 - y0 < 5:
        return None
    img = torch.from_numpy(np.ascontiguousarray(luma[y0:y1, x0:x1], dtype=np.float32))[None, None]
    img = gaussian_blur(img, SMOOTH_PX, edge="replicate")
    arr = img[0, 0].numpy()
    # 1. the darkest point within the search radius, and the pupil around it
    yy, xx = np.mgrid[0:arr.shape[0], 0:arr.shape[1]]
    sx, sy = centre[0] - x0, centre[1] - y0
    inside = (xx - sx) ** 2 + (yy - sy) ** 2 <= max(search, 1.0) ** 2
    k = int(np.argmin(np.where(inside, arr, np.inf)))
    py, px = divmod(k, arr.shape[1])
    cx, cy, rp, whole = _pupil(arr, px, py, r_min)
    floor = max(r_min - search, PUPIL_CLEAR * rp if whole else 0.0, 1.0)
    radii = torch.arange(0.5, 1.3 * (r_max + search) + 2.0, RADIUS_STEP_PX, dtype=torch.float64)
    rr = radii.numpy()
    ok = (rr >= floor) & (rr <= r_max + search)
    # 2. both sides; without a whole pupil (a dark iris, whose "pupil" takes in the lashes) the
    # arcs' height is searched too, and the widest chord among the clear fits is the diameter
    fits = []
    reach_y = 0 if whole else math.floor(search)
    for dy in np.arange(-reach_y, reach_y + 1):
        best = None
        prof = _profiles(img, cx, cy + dy, radii)
        d, rise = _steps(prof)
        score = _region_score(prof, rr, rp if whole else 0.0)
        left, right = (_first_steps(score[s], _peaks(d[s], rise[s], ok)) for s in (0, 1))
        for i in left:
            for j in right:
                r = 0.5 * (rr[i] + rr[j])
                shift = PUPIL_OFFSET * r + 1.0 if whole else search     # centre shift allowed
                if r_min <= r <= r_max and abs(rr[j] - rr[i]) <= 2 * shift:
                    weak, strong = sorted((score[0, i], score[1, j]))
                    if weak >= SIDE_BALANCE * strong and (best is None or r < best[2]):
                        ri, rj = _step_centre(d[0], ok, rr, i), _step_centre(d[1], ok, rr, j)
                        best = ((weak, strong), IrisFit(cx + 0.5 * (rj - ri) + x0, cy + dy + y0, 0.5 * (ri + rj),
                                                        float(min(d[0, i], d[1, j])), 2), r)
        if best is not None:
            fits.append(best[:2])
    if fits:
        top = max(f[0][0] for f in fits)
        return _inside(max((f[1] for f in fits if f[0][0] >= CLEAR_SHARE * top), key=lambda f: f.radius),
                       luma.shape[1])
    # 3. one side, measured from a whole pupil's centre
    if not whole:
        return None
    prof = _profiles(img, cx, cy, radii)
    d, rise = _steps(prof)
    score = _region_score(prof, rr, rp)
    one = [(score[s, i], s, i) for s in (0, 1) for i in _peaks(d[s], rise[s], ok) if r_min <= rr[i] <= r_max]
    if not one:
        return None
    _, s, i = max(one)
    r = _step_centre(d[s], ok, rr, i)
    # the pupil is whole only if iris surrounds it on the hidden side too (a pupil half under
    # the eye's corner has skin beside it, and its centroid is off the iris's centre)
    band = (rr >= PUPIL_CLEAR * rp) & (rr <= INNER_SIDE * r)
    if band.any():
        iris_here, iris_there = float(np.median(prof[s, band])), float(np.median(prof[1 - s, band]))
        sclera = float(np.interp(r + EDGE_PX, rr, prof[s]))
        if iris_there > iris_here + 0.5 * (sclera - iris_here):
            return None
    return _inside(IrisFit(cx + x0, cy + y0, float(r), float(d[s, i]), 1), luma.shape[1])


def _inside(fit: IrisFit, width: int) -> IrisFit | None:
    """``fit`` when both its side arcs, with the sclera beyond them, lie inside the frame
    (``width`` px); None for an eye cut by the frame's edge, whose far side was read off the
    border's replicated pixels."""
    reach = fit.radius + 2 * EDGE_PX
    return fit if fit.cx - reach >= 0 and fit.cx + reach <= width - 1 else None
