"""Finding the face and a few landmarks in a reference photo, without downloads.

Two methods, best first:

* **mediapipe** (the optional ``faces`` extra, 0.10.x legacy ``solutions`` API, models inside the
  wheel): face mesh landmarks give the irises, mouth corners and the lips; the iris centres
  are then moved onto the image's iris centroids (``refine_eyes``), and the face width at
  mouth height comes from the silhouette as for the built-in method (the mesh's face oval
  runs inside the jaw line by an amount that changes with the light).
* **built-in fallback** for front-ish views: a skin-colour segmentation finds the face; the
  eyes are the best level pair of iris-like spots in the upper face (``eye_response``: a spot
  darker than bright sclera on *both* sides, which brows, lash lines and lid creases — long
  horizontal dark bands — are not, however dark), placed on the iris centroid to a fraction of
  a pixel; the mouth is the reddest blob below them, its width the spread of the lip colour;
  the face width at mouth height runs from the skin region's edge out to the silhouette.

Skin colour (fallback): a broad red-to-yellow hue and saturation gate in sRGB finds candidates;
the candidate region nearest the image centre seeds an image-specific Gaussian model in
log-chromaticity ``(ln R/G, ln B/G)``, which then decides skin (it follows the person's tone and
the light's colour instead of a fixed box, so dark skin works too). "No face found" means no
skin region of plausible size and shape, or no pair of eyes inside it.

Coordinates are working-resolution pixels (x right, y down).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.enhance.face_landmarks import mediapipe_available

from shotspec.runtime.color import LUMA_REC709, linear_to_srgb
from shotspec.runtime.enhance.regions import label_regions, regions

__all__ = ["FaceFind", "Landmarks", "find_face", "skin_candidates", "mediapipe_available", "eye_response",
           "refine_eyes", "face_width_at"]

MIN_FACE_AREA = 0.015      # face region: at least this share of the image …
MAX_FACE_AREA = 0.92       # … and at most this share
MIN_FILL = 0.35            # region area / bounding box area
SKIN_CHI2 = 11.3           # 99 % of a 3-D Gaussian
CLOSE_FRACTION = 0.06       # closing radius (share of the face width) before filling holes
EYE_DARKNESS = 0.85         # an iris: darker than this × the median skin luma
IRIS_FRACTION = 0.085       # iris diameter ≈ 0.19 eye distances ≈ this share of the face width
EYE_FLANK = (0.05, 0.12)    # where the sclera is looked for either side (face widths)
EYE_MIN_RESPONSE = 0.06     # an iris is this much (× skin luma) darker than its darker flank
EYE_ROWS = (0.12, 0.62)     # eye search rows (share of the face's height)
EYE_CANDIDATES = 40         # strongest peaks paired
IRIS_ITERATIONS = 5         # centroid refinements of an iris centre
IRIS_LEVEL = 0.75           # iris pixels: darker than this share of the way up to the sclera
LIP_REDNESS = 0.08          # lips: ln(R/G) above the skin's median by this
MOUTH_AGREEMENT = 0.15      # mediapipe's mouth and the lip colour's: this × the eye distance apart at most
MOUTH_PAD = (0.06, 0.12)    # the lip pieces' box grown by these × the eye distance (x, y)
MOUTH_BAND = (0.95, 1.7)     # mouth search rows below the eyes, in eye distances
SYMMETRY_TOLERANCE = 0.15   # widths only from rows whose halves differ by less
SIDE_AGREEMENT = 0.75       # face width at mouth height: the shorter half ≥ this × the longer
SILHOUETTE_REACH = 0.45     # the face's edge is looked for this × the eye distance past the skin
SILHOUETTE_CONTRAST = 0.06  # … where ln(R/G) falls at least this far below the skin's
CENTRE = (0.35, 0.65, 0.30, 0.70)   # seed window: x0, x1, y0, y1 as fractions of the image


@dataclass(frozen=True)
class Landmarks:
    """Points and widths a face-shape estimate needs (working pixels)."""

    eyes: tuple[tuple[float, float], tuple[float, float]]      # (left in image, right in image)
    mouth: tuple[float, float] | None                           # centre of the mouth
    mouth_width: float | None                                   # corner to corner
    face_width: float | None                                    # skin width at eye height
    jaw_width: float | None                                     # face width at mouth height
    method: str                                                 # "mediapipe" or "fallback"

    @property
    def eye_distance(self) -> float:
        (ax, ay), (bx, by) = self.eyes
        return float(np.hypot(bx - ax, by - ay))


@dataclass(frozen=True)
class FaceFind:
    """Result of face finding: ``skin`` (H, W bool) the face's skin pixels, ``region`` (H, W
    bool) the face with its holes filled, ``bbox`` (x0, y0, x1, y1), or ``reason`` when none."""

    skin: np.ndarray | None
    region: np.ndarray | None
    bbox: tuple[int, int, int, int] | None
    landmarks: Landmarks | None
    reason: str | None = None

    @property
    def found(self) -> bool:
        return self.skin is not None and self.landmarks is not None

    @property
    def width(self) -> float:
        return 0.0 if self.bbox is None else float(self.bbox[2] - self.bbox[0])


def _redness(srgb: np.ndarray) -> np.ndarray:
    """ln(R/G) per pixel (H, W) of sRGB (H, W, 3), a little regularised for dark pixels."""
    eps = 1.5e-2
    return np.log((srgb[..., 0] + eps) / (srgb[..., 1] + eps))


def _srgb_np(rgb: torch.Tensor) -> np.ndarray:
    return linear_to_srgb(rgb[0].clamp(0, 1)).permute(1, 2, 0).cpu().numpy().astype(np.float64)


def skin_candidates(srgb: np.ndarray) -> np.ndarray:
    """Broad skin gate (H, W bool) on sRGB (H, W, 3): red ≥ green ≥ blue-ish hues, some
    saturation, neither black nor clipped. Sky, grey walls and foliage fail it."""
    r, g, b = srgb[..., 0], srgb[..., 1], srgb[..., 2]
    mx, mn = srgb.max(-1), srgb.min(-1)
    sat = (mx - mn) / np.maximum(mx, 1e-6)
    luma = LUMA_REC709[0] * r + LUMA_REC709[1] * g + LUMA_REC709[2] * b
    return ((r >= g * 0.98) & (g >= b * 0.85) & (r > b * 1.05) & (sat > 0.07) & (sat < 0.8)
            & (luma > 0.035) & (mx < 0.995))


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    labels, count = label_regions(~mask)
    h, w = mask.shape
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    out = mask.copy()
    for lab in range(1, count + 1):
        if lab not in border:
            out[labels == lab] = True
    return out


def _close(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary closing (dilate then erode) with a (2r+1)² square, edges treated as unset."""
    if radius < 1:
        return mask
    k = 2 * radius + 1
    t = torch.from_numpy(mask.astype(np.float32))[None, None]
    t = F.pad(t, (k, k, k, k))
    t = F.max_pool2d(t, k, 1, radius)
    t = -F.max_pool2d(-t, k, 1, radius)
    return t[0, 0, k:-k, k:-k].numpy() > 0.5


def _skin_model(srgb: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """Pixels within ~3σ of a Gaussian fitted to ``seed`` in (ln R/G, ln B/G, ln luma): the
    person's own skin colour and brightness, so a beige wall of the same hue but another
    brightness stays out."""
    eps = 1.5e-2
    u = np.log((srgb[..., 0] + eps) / (srgb[..., 1] + eps))
    v = np.log((srgb[..., 2] + eps) / (srgb[..., 1] + eps))
    ell = np.log(srgb @ np.asarray(LUMA_REC709) + eps)
    feats = np.stack([u, v, ell], -1)
    s = feats[seed]
    floor = np.diag([2.5e-4, 2.5e-4, 1.0e-2])   # brightness: a key-lit cheek vs the shadow side
    keep = np.ones(len(s), dtype=bool)
    for _ in range(3):       # trimmed refits: eyes, lips, nostrils in the window drop out
        mu = s[keep].mean(0)
        inv = np.linalg.inv(np.cov(s[keep].T) + floor)
        d = s - mu
        keep = np.einsum("...i,ij,...j->...", d, inv, d) < 4.0
        if keep.sum() < 8:
            break
    d = feats - mu
    m2 = np.einsum("...i,ij,...j->...", d, inv, d)
    return m2 < SKIN_CHI2


def _row_width(region: np.ndarray, y: float, centre_x: float) -> float | None:
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


def _box(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² square (edges repeated)."""
    if r < 1:
        return a
    t = F.pad(torch.from_numpy(a)[None, None], (r, r, r, r), mode="replicate")
    return F.avg_pool2d(t, 2 * r + 1, 1)[0, 0].numpy()


def eye_response(luma: np.ndarray, face_width: float) -> np.ndarray:
    """Iris-ness of every pixel (H, W), in luma units: how much darker an iris-sized patch
    is than the *darker* of its two horizontal flanks, each flank the brightest patch
    ``EYE_FLANK`` face widths to that side. An iris has bright sclera on both sides, so it
    scores high; a brow, a lash line or a lid crease is a long horizontal dark band whose
    flanks at an iris' distance are the band itself, so it scores near zero however dark it is
    (darker or thicker brows do not make it more eye-like); nostrils score, but sit too close
    together to pair as eyes."""
    r = max(1, int(round(IRIS_FRACTION * face_width / 2)))
    sm = _box(luma.astype(np.float32), r)
    lo, hi = (max(1, int(round(f * face_width))) for f in EYE_FLANK)
    left = np.max([_shift(sm, d) for d in range(lo, hi + 1)], axis=0)
    right = np.max([_shift(sm, -d) for d in range(lo, hi + 1)], axis=0)
    return np.minimum(left, right) - sm


def _local_maxima(resp: np.ndarray, mask: np.ndarray, radius: int, floor: float) -> list[tuple[int, int]]:
    """(y, x) of the pixels in ``mask`` that are the maximum of ``resp`` in their (2r+1)² box
    and above ``floor``, strongest first."""
    masked = np.where(mask, resp, -np.inf).astype(np.float32)
    peak = F.max_pool2d(torch.from_numpy(masked)[None, None], 2 * radius + 1, 1, radius)[0, 0].numpy()
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


def _find_eyes(luma: np.ndarray, region: np.ndarray, bbox: tuple[int, int, int, int],
               ref: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The two irises: the best pair of ``eye_response`` peaks in the upper face that are
    level, plausibly far apart, alike in strength, darker than the skin and centred on the
    face. (No rule to prefer the lower of two stacked pairs is needed: on 283 renders,
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
            score = (min(ra, rb) * (min(ra, rb) / max(ra, rb)) ** 0.5 * (1.0 - dy / dx)
                     * max(0.0, 1.0 - 2.0 * off))
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
    ``_find_eyes``, ``ref`` is the skin's median luma. An eye without an iris-like response
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


def _find_mouth(srgb: np.ndarray, skin: np.ndarray, region: np.ndarray, eyes
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


def _fallback_landmarks(srgb: np.ndarray, skin: np.ndarray, region: np.ndarray,
                        bbox: tuple[int, int, int, int]) -> Landmarks | None:
    luma = srgb @ np.asarray(LUMA_REC709)
    eyes = _find_eyes(luma, region, bbox, float(np.median(luma[skin])))
    if eyes is None:
        return None
    (ax, ay), (bx, by) = eyes
    mouth = _find_mouth(srgb, skin, region, eyes)
    centre, width, jaw = mouth if mouth is not None else (None, None, None)
    return Landmarks(eyes, centre, width, _row_width(region, 0.5 * (ay + by), 0.5 * (ax + bx)),
                     jaw, "fallback")


def _mediapipe_landmarks(srgb: np.ndarray) -> Landmarks | None:
    """Face mesh landmarks (mediapipe 0.10.x); None when it finds no face."""
    mp = importlib.import_module("mediapipe")
    fm = mp.solutions.face_mesh
    h, w = srgb.shape[:2]
    img = np.ascontiguousarray((srgb * 255.0 + 0.5).astype(np.uint8))
    with fm.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                     min_detection_confidence=0.5) as mesh:
        result = mesh.process(img)
    faces = getattr(result, "multi_face_landmarks", None)
    if not faces:
        return None
    pts = np.array([(p.x * w, p.y * h) for p in faces[0].landmark])

    def centre(conn) -> tuple[float, float]:
        idx = sorted({i for e in conn for i in e})
        c = pts[idx].mean(0)
        return float(c[0]), float(c[1])

    if len(pts) >= 478:
        eyes = sorted((centre(fm.FACEMESH_LEFT_IRIS), centre(fm.FACEMESH_RIGHT_IRIS)))
    else:
        eyes = sorted((centre(fm.FACEMESH_LEFT_EYE), centre(fm.FACEMESH_RIGHT_EYE)))
    left, right = pts[61], pts[291]                      # mouth corners
    # the mouth's height: the mean of all ~40 lip landmarks, not the two inner-lip points
    # 13/14 alone (on renders of one head under five lights: 0.5 px spread against 0.9 px at
    # a 80 px eye distance; the face width at that height changes by up to 2 px per row)
    lips = pts[sorted({i for e in fm.FACEMESH_LIPS for i in e})]
    mouth = (float((left[0] + right[0]) / 2), float(lips[:, 1].mean()))
    oval = pts[sorted({i for e in fm.FACEMESH_FACE_OVAL for i in e})]

    mid = float(oval[:, 0].mean())

    def width_at(y: float) -> float | None:
        """The oval's width at row ``y``: each side's outline interpolated at that height."""
        xs = []
        for side in (oval[oval[:, 0] < mid], oval[oval[:, 0] >= mid]):
            side = side[np.argsort(side[:, 1])]
            if len(side) < 2 or not side[0, 1] <= y <= side[-1, 1]:
                return None
            xs.append(float(np.interp(y, side[:, 1], side[:, 0])))
        return abs(xs[1] - xs[0])

    ey = 0.5 * (eyes[0][1] + eyes[1][1])
    return Landmarks((eyes[0], eyes[1]), mouth, float(np.hypot(*(right - left))), width_at(ey),
                     width_at(mouth[1]), "mediapipe")


def _refined(marks: Landmarks, srgb: np.ndarray, skin: np.ndarray, region: np.ndarray,
             face_width: float) -> Landmarks:
    """mediapipe landmarks placed on the image where it shows them more steadily than the
    mesh, whose points follow its face prior: the irises on the iris centroids
    (``refine_eyes``); the mouth's height on the lip colour's centroid and the face width at
    that height from the silhouette, as for the built-in landmarks (the mesh's face oval runs
    inside the jaw line by 1–5 % of its width, more or less with the light, and its lip
    points moved by up to 1 px between lights at an 80 px eye distance, where the face's
    width changes by up to 2 px per row). The mouth's corners stay the mesh's."""
    luma = srgb @ np.asarray(LUMA_REC709)
    marks = replace(marks, eyes=refine_eyes(luma, marks.eyes, face_width,
                                            float(np.median(luma[skin]))))
    if marks.mouth is None:
        return marks
    found = _find_mouth(srgb, skin, region, marks.eyes)
    if found is None or abs(found[0][1] - marks.mouth[1]) > MOUTH_AGREEMENT * marks.eye_distance:
        return replace(marks, jaw_width=None)
    (_, my), _, jaw = found
    return replace(marks, mouth=(marks.mouth[0], my), jaw_width=jaw)


def find_face(rgb: torch.Tensor, use_mediapipe: bool | None = None) -> FaceFind:
    """Find the face in a photo ``rgb`` (1, 3, H, W) linear. ``use_mediapipe=None``: when
    importable. Skin pixels always come from the colour model (mediapipe only adds landmarks)."""
    if rgb.dim() != 4 or rgb.shape[:2] != (1, 3):
        raise ValueError(f"rgb must be (1, 3, H, W), got {tuple(rgb.shape)}")
    srgb = _srgb_np(rgb)
    h, w = srgb.shape[:2]
    gate = skin_candidates(srgb)
    window = np.zeros_like(gate)
    window[int(CENTRE[2] * h):int(CENTRE[3] * h), int(CENTRE[0] * w):int(CENTRE[1] * w)] = True
    seed = gate & window
    if seed.sum() < max(12, 0.2 * window.sum()):
        return FaceFind(None, None, None, None, "no face found (no skin colour in the middle of the photo)")
    skin_all = _skin_model(srgb, seed) & gate
    labels, count = label_regions(skin_all)
    hits = np.bincount(labels[seed], minlength=count + 1)
    hits[0] = 0
    skin = labels == int(hits.argmax())
    ys, xs = np.nonzero(skin)
    radius = int(round(CLOSE_FRACTION * (xs.max() - xs.min() + 1)))
    region = _fill_holes(_close(skin, radius) | skin)
    ys, xs = np.nonzero(region)
    bbox = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    area = region.sum() / (h * w)
    fill = region.sum() / max(1, (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]))
    aspect = (bbox[3] - bbox[1]) / max(1, bbox[2] - bbox[0])
    if area < MIN_FACE_AREA or area > MAX_FACE_AREA or fill < MIN_FILL or not 0.6 <= aspect <= 3.0:
        return FaceFind(None, None, None, None,
                        "no face found (the skin-coloured region is not face-sized or face-shaped)")
    mp_ok = mediapipe_available() if use_mediapipe is None else use_mediapipe
    marks = _mediapipe_landmarks(srgb) if mp_ok else None
    if marks is not None:
        marks = _refined(marks, srgb, skin, region, float(bbox[2] - bbox[0]))
    if marks is None:
        marks = _fallback_landmarks(srgb, skin, region, bbox)
    if marks is None:
        return FaceFind(skin, region, bbox, None, "no face found (no eyes in the skin region)")
    return FaceFind(skin, region, bbox, marks)
