"""Finding the face and a few landmarks in a reference photo, without downloads.

Two methods, best first:

* **mediapipe** (the optional ``faces`` extra, 0.10.x legacy ``solutions`` API, models inside the
  wheel): face mesh landmarks give the iris centres, mouth corners and the face oval.
* **built-in fallback** for front-ish views: a skin-colour segmentation finds the face, then
  landmarks from its holes: the eyes are the darkest pair of blobs in the upper face, the mouth
  the reddest blob below them; widths come from the skin region's rows at eye and mouth height
  (only where both sides of the face are in the skin region).

Skin colour (fallback): a broad red-to-yellow hue and saturation gate in sRGB finds candidates;
the candidate region nearest the image centre seeds an image-specific Gaussian model in
log-chromaticity ``(ln R/G, ln B/G)``, which then decides skin (it follows the person's tone and
the light's colour instead of a fixed box, so dark skin works too). "No face found" means no
skin region of plausible size and shape, or no pair of eyes inside it.

Coordinates are working-resolution pixels (x right, y down).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.enhance.face_landmarks import mediapipe_available

from shotspec.runtime.color import LUMA_REC709, linear_to_srgb
from shotspec.runtime.enhance.regions import label_regions, regions

__all__ = ["FaceFind", "Landmarks", "find_face", "skin_candidates", "mediapipe_available"]

MIN_FACE_AREA = 0.015      # face region: at least this share of the image …
MAX_FACE_AREA = 0.92       # … and at most this share
MIN_FILL = 0.35            # region area / bounding box area
SKIN_CHI2 = 11.3           # 99 % of a 3-D Gaussian
CLOSE_FRACTION = 0.06       # closing radius (share of the face width) before filling holes
EYE_DARKNESS = 0.8          # eye blobs: darker than this × the median skin luma
EYE_LEVELS = (0.8, 0.6, 0.45)
LIP_REDNESS = 0.08          # lips: ln(R/G) above the skin's median by this
MOUTH_BAND = (0.95, 1.7)     # mouth search rows below the eyes, in eye distances
SYMMETRY_TOLERANCE = 0.15   # widths only from rows whose halves differ by less
SIDE_AGREEMENT = 0.75       # face width at mouth height: the shorter half ≥ this × the longer
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


def _central_region(mask: np.ndarray) -> np.ndarray | None:
    """The connected region of ``mask`` with the largest area × centrality."""
    labels, count = label_regions(mask)
    if count == 0:
        return None
    h, w = mask.shape
    best, best_score = None, 0.0
    for r in regions(labels, count):
        dx, dy = (r.cx - w / 2) / w, (r.cy - h / 2) / h
        score = r.area * np.exp(-4.0 * (dx * dx + dy * dy))
        if score > best_score:
            best, best_score = r, score
    return labels == best.label


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


def _soft_width(redness: np.ndarray, labels: np.ndarray, parts, skin_level: float) -> float:
    """Corner-to-corner width of the lips with sub-pixel corners: each column counts by how
    lip-red its reddest pixel in the lips' rows is (skin 0 … the lips' median 1), so a corner
    that covers half a pixel counts half, not 0 or 1."""
    x0 = min(r.bbox[0] for r in parts)
    x1 = max(r.bbox[2] for r in parts)
    y0 = min(r.bbox[1] for r in parts)
    y1 = max(r.bbox[3] for r in parts)
    lips = np.isin(labels, [r.label for r in parts])
    level = float(np.median(redness[lips])) - skin_level
    lo, hi = max(0, x0 - 2), min(redness.shape[1], x1 + 2)
    prof = redness[y0:y1, lo:hi].max(0) - skin_level
    return float(np.clip(prof / max(level, 1e-3), 0.0, 1.0).sum())


def _edge_fraction(luma_row: np.ndarray, edge: int, step: int) -> float:
    """How far (0–1 px) the face extends past its outermost pixel ``edge`` towards ``step``
    (±1): the luma of the next pixel between the skin's and the background's beyond it."""
    out, far = edge + step, edge + 3 * step
    if not 0 <= far < luma_row.size:
        return 0.0
    span = luma_row[edge] - luma_row[far]
    if abs(span) < 1e-3:
        return 0.0
    return float(np.clip((luma_row[out] - luma_row[far]) / span, 0.0, 1.0))


def _face_width(region: np.ndarray, luma: np.ndarray, y: float, centre_x: float,
                ipd: float) -> float | None:
    """Width of the face ``region`` at row ``y`` (median over the rows ±0.1 eye distances),
    edges placed to a fraction of a pixel. Only rows where both halves about ``centre_x``
    agree within ``SIDE_AGREEMENT`` count: a side lost to shadow, hair or a hand would bias it,
    while the full width barely changes with a small head turn (one half grows as the other
    shrinks). None without such rows or for an implausible width (1.2–3.6 eye distances)."""
    widths = []
    for yy in range(int(round(y - 0.1 * ipd)), int(round(y + 0.1 * ipd)) + 1):
        if not 0 <= yy < region.shape[0]:
            continue
        xs = np.flatnonzero(region[yy])
        if xs.size < 2:
            continue
        left = centre_x - xs[0] + _edge_fraction(luma[yy], xs[0], -1)
        right = xs[-1] + 1 - centre_x + _edge_fraction(luma[yy], xs[-1], 1)
        if min(left, right) >= SIDE_AGREEMENT * max(left, right):
            widths.append(left + right)
    if not widths:
        return None
    width = float(np.median(widths))
    return width if 1.2 * ipd <= width <= 3.6 * ipd else None


def _fallback_landmarks(srgb: np.ndarray, skin: np.ndarray, region: np.ndarray,
                        bbox: tuple[int, int, int, int]) -> Landmarks | None:
    x0, y0, x1, y1 = bbox
    fw, fh = x1 - x0, y1 - y0
    luma = srgb @ np.asarray(LUMA_REC709)
    ref = np.median(luma[skin])
    dark = region & ~skin & (luma < EYE_DARKNESS * ref)
    blobs = []
    for level in EYE_LEVELS:          # stricter levels split an iris from a shadow it touches
        labels, count = label_regions(dark & (luma < level * ref))
        for r in regions(labels, count):
            bw, bh = r.bbox[2] - r.bbox[0], r.bbox[3] - r.bbox[1]
            if (max(2, 0.0006 * fw * fh) <= r.area <= 0.04 * fw * fh and bw <= 0.3 * fw
                    and bh <= 0.15 * fh and y0 + 0.12 * fh <= r.cy <= y0 + 0.62 * fh):
                blobs.append((r, float(luma[labels == r.label].mean()), r.area / max(1, bw * bh)))
    best, best_score = None, -1.0
    for i, (a, da, ca) in enumerate(blobs):
        for b, db, cb in blobs[i + 1:]:
            dx, dy = abs(a.cx - b.cx), abs(a.cy - b.cy)
            if not (0.22 * fw <= dx <= 0.65 * fw) or dy > 0.2 * dx:
                continue
            ratio = min(a.area, b.area) / max(a.area, b.area)
            if ratio < 0.3:
                continue
            # dark, similar, compact, level, and the lower of two stacked pairs (brows above)
            score = (ratio * ca * cb * (1.0 - 0.5 * (da + db) / max(ref, 1e-3))
                     * (1.0 - dy / dx) * (1.0 + 0.6 * (0.5 * (a.cy + b.cy) - y0) / fh))
            if score > best_score:
                best, best_score = (a, b), score
    if best is None:
        return None
    a, b = sorted(best, key=lambda r: r.cx)
    eyes = ((a.cx, a.cy), (b.cx, b.cy))
    ipd = b.cx - a.cx
    ey = 0.5 * (a.cy + b.cy)
    ex = 0.5 * (a.cx + b.cx)
    # mouth: the largest reddish non-skin blob centred below the eyes (the lips)
    band = np.zeros_like(region)
    band[int(ey + MOUTH_BAND[0] * ipd): int(min(region.shape[0], ey + MOUTH_BAND[1] * ipd)),
         int(max(0, ex - 0.9 * ipd)): int(ex + 0.9 * ipd) + 1] = True
    eps = 1.5e-2
    redness = np.log((srgb[..., 0] + eps) / (srgb[..., 1] + eps))
    # not limited to the face region: under side light the shadow half of the lower face drops
    # out of the skin region, and the lips with it (the band keeps the search under the eyes)
    lips = band & ~skin & (redness > np.median(redness[skin]) + LIP_REDNESS)
    labels, count = label_regions(lips)
    cands = [r for r in regions(labels, count) if abs(r.cx - ex) < 0.3 * ipd and r.area >= 3]
    mouth, mouth_w, jaw_w = None, None, None
    if cands:
        # the lips often fall apart into pieces (upper/lower lip, the two sides of the cupid's
        # bow, a shadowed corner): the mouth is all the lip pieces on the largest one's row band
        big = max(cands, key=lambda r: r.area)
        parts = [r for r in cands if abs(r.cy - big.cy) <= 0.25 * ipd]
        area = float(sum(r.area for r in parts))
        mouth = (sum(r.cx * r.area for r in parts) / area, sum(r.cy * r.area for r in parts) / area)
        mouth_w = _soft_width(redness, labels, parts, float(np.median(redness[skin])))
        jaw_w = _face_width(region, luma, mouth[1], mouth[0], ipd)
    return Landmarks(eyes, mouth, mouth_w, _row_width(region, ey, ex), jaw_w, "fallback")


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
    mouth = (float((left[0] + right[0]) / 2), float((pts[13][1] + pts[14][1]) / 2))
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
    if marks is None:
        marks = _fallback_landmarks(srgb, skin, region, bbox)
    if marks is None:
        return FaceFind(skin, region, bbox, None, "no face found (no eyes in the skin region)")
    return FaceFind(skin, region, bbox, marks)
