"""The built-in landmark measures: the eyes, the mouth and the face's width, read off a photo.

* **eyes** (``eye_response``, ``find_eyes``): the best level pair of iris-like spots in the
  upper face, a spot darker than bright sclera on *both* sides, which brows, lash lines and
  lid creases (long horizontal dark bands) are not, however dark; each placed on its iris
  centroid to a fraction of a pixel (``refine_eyes`` does the same for another method's eyes).
* **mouth** (``find_mouth``): the reddest blob below the eyes, its centre and width from the
  spread of the lip colour.
* **face width** (``face_width_at``, ``row_width``): at mouth height from the skin region's
  edge out to the silhouette; at eye height the skin region's own (symmetric) span.

Images are sRGB or luma numpy arrays (H, W[, 3]); coordinates are working-resolution pixels
(x right, y down).
"""

from __future__ import annotations

import numpy as np
import torch

from shotspec.runtime.faces.regions import label_regions, regions
from shotspec.runtime.filters import box_max, box_mean

__all__ = ["eye_response", "refine_eyes", "face_width_at", "find_eyes", "find_mouth", "row_width"]

EYE_DARKNESS = 0.85         # an iris: darker than this × the median skin luma
IRIS_FRACTION = 0.085       # iris diameter ≈ 0.19 eye distances ≈ this share of the face width
EYE_FLANK = (0.05, 0.12)    # where the sclera is looked for either side (face widths)
EYE_MIN_RESPONSE = 0.06     # an iris is this much (× skin luma) darker than its darker flank
EYE_ROWS = (0.12, 0.62)     # eye search rows (share of the face's height)
EYE_CANDIDATES = 40         # strongest peaks paired
IRIS_ITERATIONS = 5         # centroid refinements of an iris centre
IRIS_LEVEL = 0.75           # iris pixels: darker than this share of the way up to the sclera
LIP_REDNESS = 0.08          # lips: ln(R/G) above the skin's median by this
MOUTH_PAD = (0.06, 0.12)    # the lip pieces' box grown by these × the eye distance (x, y)
MOUTH_BAND = (0.95, 1.7)     # mouth search rows below the eyes, in eye distances
SYMMETRY_TOLERANCE = 0.15   # widths only from rows whose halves differ by less
SIDE_AGREEMENT = 0.75       # face width at mouth height: the shorter half ≥ this × the longer
SILHOUETTE_REACH = 0.45     # the face's edge is looked for this × the eye distance past the skin
SILHOUETTE_CONTRAST = 0.06  # … where ln(R/G) falls at least this far below the skin's


def _redness(srgb: np.ndarray) -> np.ndarray:
    """ln(R/G) per pixel (H, W) of sRGB (H, W, 3), a little regularised for dark pixels."""
    eps = 1.5e-2
    return np.log((srgb[..., 0] + eps) / (srgb[..., 1] + eps))


def row_width(region: np.ndarray, y: float, centre_x: float) -> float | None:
    """Width of ``region`` in row ``y``, or None unless the row's span is symmetric about
    ``centre_x`` (a side lost to shadow or hair would bias the width)."""
    row = region[int(round(np.clip(y, 0, region.shape[0] - 1)))]
    xs = np.flatnonzero(row)
    if xs.size < 2:
        return None
    left, right = centre_x - xs[0], xs[-1] + 1 - centre_x
    if min(left, right) < (1.0 - SYMMETRY_TOLERANCE) * max(left, right):
        return None
    return float(xs[-1] - xs[0] + 1)


def _lip_moments(redness: np.ndarray, labels: np.ndarray, parts, skin_level: float,
                 ipd: float) -> tuple[float, float, float]:
    """Centre (x, y) and corner-to-corner width of the lips from the spread of their colour.
    Every pixel in the lip pieces' box, grown by ``MOUTH_PAD`` eye distances, weighs by how
    lip-red it is (skin 0 … the pieces' median 1); the centre is the weights' centroid, the
    width √12 × their standard deviation along x (a uniform bar's length). Moments add up
    partial pixels the way area-averaging does, so the width does not grow with the
    resolution as a count of lip-coloured columns did, and neither moves much when paler or
    redder lips let more or less of them past the lip threshold (the pieces' centroid moved
    by up to a pixel, and the face width measured at that height with it)."""
    x0 = min(r.bbox[0] for r in parts)
    x1 = max(r.bbox[2] for r in parts)
    y0 = min(r.bbox[1] for r in parts)
    y1 = max(r.bbox[3] for r in parts)
    lips = np.isin(labels, [r.label for r in parts])
    level = max(float(np.median(redness[lips])) - skin_level, 1e-3)
    gx, gy = (int(np.ceil(f * ipd)) for f in MOUTH_PAD)
    ya, yb = max(0, y0 - gy), min(redness.shape[0], y1 + gy)
    xa, xb = max(0, x0 - gx), min(redness.shape[1], x1 + gx)
    w = np.clip((redness[ya:yb, xa:xb] - skin_level) / level, 0.0, 1.0)
    total = float(w.sum())
    cols, rows = w.sum(0), w.sum(1)
    xs = np.arange(xa, xb, dtype=np.float64)
    cx = float((cols * xs).sum() / total)
    cy = float((rows * np.arange(ya, yb, dtype=np.float64)).sum() / total)
    var = float((cols * (xs - cx) ** 2).sum() / total) - 1.0 / 12.0
    return cx, cy, float(np.sqrt(12.0 * max(var, 0.0)))


def _silhouette_edge(chroma_row: np.ndarray, edge: int, step: int, skin_chroma: float,
                     reach: int) -> float | None:
    """Where the face ends along one row, walking from the skin region's outermost pixel
    ``edge`` towards ``step`` (±1): the first place, within ``reach`` px, where the redness
    ``ln(R/G)`` falls half-way from the skin's to the background's (the lowest value within
    reach), to a fraction of a pixel (pixel centres at whole numbers, the edge between
    them). Redness, not brightness: the shadow side of the jaw stays skin-hued where it is
    too dark for the skin-colour model. None when nothing within reach differs from skin (a
    skin-coloured background, or the edge further out)."""
    n = chroma_row.size
    far = int(np.clip(edge + step * reach, 0, n - 1))
    span = chroma_row[min(edge, far):max(edge, far) + 1]
    floor = float(span.min())
    if skin_chroma - floor < SILHOUETTE_CONTRAST:
        return None
    mid = 0.5 * (skin_chroma + floor)
    k = edge
    while chroma_row[k] > mid:
        if k == far:
            return None
        k += step
    if k == edge:                      # the region's own edge pixel is already background
        return float(edge) - 0.5 * step
    # the crossing lies between pixel k - step (above mid) and k (below): a pixel that is a
    # fraction f face reads (1 - f) of the way from skin to background
    a, b = float(chroma_row[k - step]), float(chroma_row[k])
    t = (a - mid) / max(a - b, 1e-6)
    return float(k - step) + step * (t + 0.5) - 0.5 * step


def face_width_at(region: np.ndarray, chroma: np.ndarray, skin_chroma: float, y: float,
                  centre_x: float, ipd: float) -> float | None:
    """Width (px) of the face at row ``y``: the median over the rows ±0.1 eye distances, each
    side from the skin ``region``'s edge out to the silhouette (``_silhouette_edge`` on
    ``chroma`` = ln(R/G)). Only rows where both halves about ``centre_x`` agree within
    ``SIDE_AGREEMENT`` count: a side lost to hair or a hand would bias it, while the full
    width barely changes with a small head turn (one half grows as the other shrinks). None
    without such rows or for an implausible width (1.2–3.6 eye distances)."""
    widths = []
    reach = max(3, int(round(SILHOUETTE_REACH * ipd)))
    for yy in range(int(round(y - 0.1 * ipd)), int(round(y + 0.1 * ipd)) + 1):
        if not 0 <= yy < region.shape[0]:
            continue
        xs = np.flatnonzero(region[yy])
        if xs.size < 2:
            continue
        lo = _silhouette_edge(chroma[yy], int(xs[0]), -1, skin_chroma, reach)
        hi = _silhouette_edge(chroma[yy], int(xs[-1]), 1, skin_chroma, reach)
        if lo is None or hi is None:
            continue
        left, right = centre_x - lo, hi - centre_x
        if min(left, right) >= SIDE_AGREEMENT * max(left, right):
            widths.append(left + right)
    if not widths:
        return None
    width = float(np.median(widths))
    return width if 1.2 * ipd <= width <= 3.6 * ipd else None


def _shift(a: np.ndarray, dx: int) -> np.ndarray:
    """``a`` moved ``dx`` columns right (edge columns repeated): out[:, x] = a[:, x - dx]."""
    if dx == 0:
        return a
    idx = np.clip(np.arange(a.shape[1]) - dx, 0, a.shape[1] - 1)
    return a[:, idx]


def eye_response(luma: np.ndarray, face_width: float) -> np.ndarray:
    """Iris-ness of every pixel (H, W), in luma units: how much darker an iris-sized patch
    is than the *darker* of its two horizontal flanks, each flank the brightest patch
    ``EYE_FLANK`` face widths to that side. An iris has bright sclera on both sides, so it
    scores high; a brow, a lash line or a lid crease is a long horizontal dark band whose
    flanks at an iris' distance are the band itself, so it scores near zero however dark it is
    (darker or thicker brows do not make it more eye-like); nostrils score, but sit too close
    together to pair as eyes."""
    r = max(1, int(round(IRIS_FRACTION * face_width / 2)))
    sm = box_mean(torch.from_numpy(luma.astype(np.float32))[None, None], r, edge="replicate",
                  method="running_sum")[0, 0].numpy()
    lo, hi = (max(1, int(round(f * face_width))) for f in EYE_FLANK)
    left = np.max([_shift(sm, d) for d in range(lo, hi + 1)], axis=0)
    right = np.max([_shift(sm, -d) for d in range(lo, hi + 1)], axis=0)
    return np.minimum(left, right) - sm


def _local_maxima(resp: np.ndarray, mask: np.ndarray, radius: int, floor: float) -> list[tuple[int, int]]:
    """(y, x) of the pixels in ``mask`` that are the maximum of ``resp`` in their (2r+1)² box
    and above ``floor``, strongest first."""
    masked = np.where(mask, resp, -np.inf).astype(np.float32)
    peak = box_max(torch.from_numpy(masked)[None, None], radius)[0, 0].numpy()
    resp = resp.astype(np.float32)
    ys, xs = np.nonzero(mask & (resp >= peak) & (resp > floor))
    order = np.argsort(-resp[ys, xs], kind="stable")
    return [(int(ys[i]), int(xs[i])) for i in order[:EYE_CANDIDATES]]


def _iris_centre(luma: np.ndarray, y: int, x: int, r: int, level: float) -> tuple[float, float]:
    """Sub-pixel iris centre near the pixel (x, y): the centroid of how much darker than
    ``level`` each pixel is, inside a disc of radius ``r`` (soft one-pixel rim) that is moved
    onto the centroid a few times. A disc fixed on the whole pixel would pull every centre
    towards that pixel: at a 31 px eye distance that shrank wide-set eyes by 0.6 px and
    widened narrow ones by as much."""
    y0, y1 = max(0, y - r - 3), min(luma.shape[0], y + r + 4)
    x0, x1 = max(0, x - r - 3), min(luma.shape[1], x + r + 4)
    dark = np.clip(level - luma[y0:y1, x0:x1], 0.0, None)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    cx, cy = float(x), float(y)
    for _ in range(IRIS_ITERATIONS):
        rim = np.clip(r + 0.5 - np.hypot(xx - cx, yy - cy), 0.0, 1.0)
        w = dark * rim
        total = float(w.sum())
        if total <= 0.0:
            break
        nx, ny = float((w * xx).sum() / total), float((w * yy).sum() / total)
        if abs(nx - x) > r or abs(ny - y) > r:        # ran off the iris: keep the last
            break
        cx, cy = nx, ny
    return cx, cy


def find_eyes(luma: np.ndarray, region: np.ndarray, bbox: tuple[int, int, int, int],
              ref: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The two irises: the best pair of ``eye_response`` peaks in the upper face that are
    level, plausibly far apart, alike in strength and in darkness against the skin, and
    centred on the face. (No rule to prefer the lower of two stacked pairs is needed: on 283 renders,
    brows darkened to 5 % and thickened included, brows never out-scored the eyes.)"""
    x0, y0, x1, y1 = bbox
    fw, fh = x1 - x0, y1 - y0
    resp = eye_response(luma, fw) / max(ref, 1e-3)
    band = np.zeros_like(region)
    band[int(y0 + EYE_ROWS[0] * fh):int(y0 + EYE_ROWS[1] * fh) + 1] = True
    inner = region & band & (luma < EYE_DARKNESS * ref)
    r = max(1, int(round(IRIS_FRACTION * fw / 2)))
    peaks = _local_maxima(resp, inner, r, EYE_MIN_RESPONSE)
    pairs = []
    for i, (ay, ax) in enumerate(peaks):
        for by, bx in peaks[i + 1:]:
            dx, dy = abs(ax - bx), abs(ay - by)
            if not (0.22 * fw <= dx <= 0.65 * fw) or dy > 0.2 * dx:
                continue
            ra, rb = resp[ay, ax], resp[by, bx]
            xs = np.flatnonzero(region[(ay + by) // 2])       # off the face's middle
            off = abs(0.5 * (ax + bx) - 0.5 * (xs[0] + xs[-1] + 1)) / fw if xs.size else 0.0
            # two irises are about as dark as each other against the skin; a shadowed
            # inner eye corner beside the nose scores as an iris but is barely darker than it
            da, db = (max(1.0 - luma[y, x] / max(ref, 1e-3), 1e-3) for y, x in ((ay, ax), (by, bx)))
            score = (min(ra, rb) * (min(ra, rb) / max(ra, rb)) ** 0.5 * (1.0 - dy / dx)
                     * max(0.0, 1.0 - 2.0 * off) * (min(da, db) / max(da, db)) ** 0.5)
            pairs.append((score, (ay, ax), (by, bx)))
    if not pairs:
        return None
    best = max(pairs, key=lambda p: p[0])
    out = []
    for y, x in (best[1], best[2]):
        # the iris: pixels darker than most of the way from its darkest pixel up to the
        # flanking sclera (not the grey shaded sclera around it); on renders across light and
        # ±6° turns the eye distance at 31 px then spreads by 0.23 px (sd), the eye line by 0.05
        level = luma[y, x] + IRIS_LEVEL * resp[y, x] * ref
        out.append(_iris_centre(luma, y, x, r, level))
    a, b = sorted(out)
    return a, b


def refine_eyes(luma: np.ndarray, eyes, face_width: float, ref: float):
    """Eye centres from another landmark method (mediapipe's irises) moved onto the image's
    iris centroids the way the built-in finder places them: the strongest ``eye_response``
    within an iris radius of each, then ``_iris_centre``. The mesh places its irises from a
    face prior: on renders of one head under five lights its eye distance spread by 1.5 %,
    the built-in centroids' by 0.6 %. ``face_width`` (px) sets the iris' scale as in
    ``find_eyes``, ``ref`` is the skin's median luma. An eye without an iris-like response
    stays put."""
    fw = face_width
    resp = eye_response(luma, fw) / max(ref, 1e-3)
    r = max(1, int(round(IRIS_FRACTION * fw / 2)))
    out = []
    for cx, cy in eyes:
        x, y = int(round(cx)), int(round(cy))
        y0, y1 = max(0, y - r), min(luma.shape[0], y + r + 1)
        x0, x1 = max(0, x - r), min(luma.shape[1], x + r + 1)
        if y0 >= y1 or x0 >= x1:
            out.append((cx, cy))
            continue
        win = resp[y0:y1, x0:x1]
        iy, ix = np.unravel_index(int(np.argmax(win)), win.shape)
        py, px = y0 + int(iy), x0 + int(ix)
        if resp[py, px] < EYE_MIN_RESPONSE:
            out.append((cx, cy))
            continue
        out.append(_iris_centre(luma, py, px, r, luma[py, px] + IRIS_LEVEL * resp[py, px] * ref))
    return tuple(sorted(out))


def find_mouth(srgb: np.ndarray, skin: np.ndarray, region: np.ndarray, eyes
               ) -> tuple[tuple[float, float], float, float | None] | None:
    """The mouth under ``eyes``: its centre (x, y), width (``_lip_moments``) and the face
    width at its height (``face_width_at``), or None when no lip-red blob lies centred below
    the eyes."""
    (ax, ay), (bx, by) = eyes
    ipd = bx - ax
    ey, ex = 0.5 * (ay + by), 0.5 * (ax + bx)
    # the largest reddish non-skin blob centred below the eyes (the lips)
    band = np.zeros_like(region)
    band[int(ey + MOUTH_BAND[0] * ipd): int(min(region.shape[0], ey + MOUTH_BAND[1] * ipd)),
         int(max(0, ex - 0.9 * ipd)): int(ex + 0.9 * ipd) + 1] = True
    redness = _redness(srgb)
    skin_red = float(np.median(redness[skin]))
    # not limited to the face region: under side light the shadow half of the lower face drops
    # out of the skin region, and the lips with it (the band keeps the search under the eyes)
    lips = band & ~skin & (redness > skin_red + LIP_REDNESS)
    labels, count = label_regions(lips)
    cands = [r for r in regions(labels, count) if abs(r.cx - ex) < 0.3 * ipd and r.area >= 3]
    if not cands:
        return None
    # the lips often fall apart into pieces (upper/lower lip, the two sides of the cupid's
    # bow, a shadowed corner): the mouth is all the lip pieces on the largest one's row band
    big = max(cands, key=lambda r: r.area)
    parts = [r for r in cands if abs(r.cy - big.cy) <= 0.25 * ipd]
    mx, my, width = _lip_moments(redness, labels, parts, skin_red, ipd)
    return (mx, my), width, face_width_at(region, redness, skin_red, my, mx, ipd)
