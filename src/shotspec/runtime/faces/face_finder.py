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

The image measures of eyes, mouth and jaw live in ``landmark_measures`` (re-exported here);
this module segments the skin, reads the landmarks from the shared mediapipe run
(``face_mesh.run_face_mesh``) and puts them together. Its skin model is not the plates' one
(``skin_mask``: the YCbCr box, a smoothness test, a soft edge): it seeds a log-chromaticity
model in the middle of the photo and gives a hard mask of that one face.

Skin colour (fallback): a broad red-to-yellow hue and saturation gate in sRGB finds candidates;
the candidate region nearest the image centre seeds an image-specific Gaussian model in
log-chromaticity ``(ln R/G, ln B/G)``, which then decides skin (it follows the person's tone and
the light's colour instead of a fixed box, so dark skin works too). "No face found" means no
skin region of plausible size and shape, or no pair of eyes inside it.

Coordinates are working-resolution pixels (x right, y down).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.color import LUMA_REC709, linear_to_srgb
from shotspec.runtime.faces.face_mesh import eye_centres, landmark_indices, mediapipe_available, run_face_mesh
from shotspec.runtime.faces.regions import label_regions
from shotspec.runtime.filters import box_max
from shotspec.runtime.faces.landmark_measures import (eye_response, face_width_at, find_eyes, find_mouth,
                                                         refine_eyes, row_width)

__all__ = ["FaceFind", "Landmarks", "find_face", "skin_candidates", "mediapipe_available", "eye_response",
           "refine_eyes", "face_width_at"]

MIN_FACE_AREA = 0.015      # face region: at least this share of the image …
MAX_FACE_AREA = 0.92       # … and at most this share
MIN_FILL = 0.35            # region area / bounding box area
# region height / width: a face with its neck is about 1.6; half a face lit by a hard side light,
# with the neck, measured 3.05 (the shadowed half is not skin-coloured)
MIN_ASPECT, MAX_ASPECT = 0.6, 3.5
SKIN_CHI2 = 11.3           # 99 % of a 3-D Gaussian
CLOSE_FRACTION = 0.06       # closing radius (share of the face width) before filling holes
MOUTH_AGREEMENT = 0.15      # mediapipe's mouth and the lip colour's: this × the eye distance apart at most
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
    mesh: np.ndarray | None = field(default=None, compare=False)  # mediapipe's (478, 2) points

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
    """``mask`` with every unset region that does not touch the border set (one pass over the
    labels: a photo's skin can hold thousands of small holes)."""
    labels, _ = label_regions(~mask)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return mask | ((labels > 0) & ~np.isin(labels, border))


def _close(mask: np.ndarray, radius: int) -> np.ndarray:
    """Binary closing (dilate then erode) with a (2r+1)² square, edges treated as unset."""
    if radius < 1:
        return mask
    k = 2 * radius + 1
    t = torch.from_numpy(mask.astype(np.float32))[None, None]
    t = F.pad(t, (k, k, k, k))
    t = box_max(t, radius)
    t = -box_max(-t, radius)
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


def _fallback_landmarks(srgb: np.ndarray, skin: np.ndarray, region: np.ndarray,
                        bbox: tuple[int, int, int, int]) -> Landmarks | None:
    luma = srgb @ np.asarray(LUMA_REC709)
    eyes = find_eyes(luma, region, bbox, float(np.median(luma[skin])))
    if eyes is None:
        return None
    (ax, ay), (bx, by) = eyes
    mouth = find_mouth(srgb, skin, region, eyes)
    centre, width, jaw = mouth if mouth is not None else (None, None, None)
    return Landmarks(eyes, centre, width, row_width(region, 0.5 * (ay + by), 0.5 * (ax + bx)),
                     jaw, "fallback")


def _mediapipe_landmarks(srgb: np.ndarray) -> Landmarks | None:
    """Face mesh landmarks (mediapipe 0.10.x); None when it finds no face."""
    found = run_face_mesh((srgb * 255.0 + 0.5).astype(np.uint8))
    if found is None:
        return None
    pts, fm = found
    eyes = sorted(eye_centres(pts, fm))
    left, right = pts[61], pts[291]                      # mouth corners
    # the mouth's height: the mean of all ~40 lip landmarks, not the two inner-lip points
    # 13/14 alone (on renders of one head under five lights: 0.5 px spread against 0.9 px at
    # a 80 px eye distance; the face width at that height changes by up to 2 px per row)
    lips = pts[landmark_indices(fm.FACEMESH_LIPS)]
    mouth = (float((left[0] + right[0]) / 2), float(lips[:, 1].mean()))
    oval = pts[landmark_indices(fm.FACEMESH_FACE_OVAL)]

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
                     width_at(mouth[1]), "mediapipe", mesh=pts)


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
    found = find_mouth(srgb, skin, region, marks.eyes)
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
    if area < MIN_FACE_AREA or area > MAX_FACE_AREA or fill < MIN_FILL or not MIN_ASPECT <= aspect <= MAX_ASPECT:
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
