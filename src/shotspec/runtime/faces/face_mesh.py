"""The optional mediapipe face mesh (the ``faces`` extra), for plates and identity photos.

When ``mediapipe`` (0.10.x, legacy ``solutions`` API, whose wheel ships the face-mesh model) is
importable, ``run_face_mesh`` gives the 468/478 landmarks of the largest face; nothing is
downloaded. The enhancer turns them into eye, lip and brow outlines (excluded from the skin
mask) and iris centres (the interpupillary distance sizes the texture) with
``find_face_features``; the identity builder reads its landmarks from the same run
(``face_finder``). Without mediapipe ``find_face_features`` returns ``None`` and the callers
fall back to colour, smoothness and mask geometry.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from shotspec.color import linear_to_srgb

__all__ = ["FaceFeatures", "find_face_features", "convex_hull", "mediapipe_available", "run_face_mesh",
           "landmark_indices", "landmark_centre", "eye_centres"]

FEATURE_DILATE = 0.12   # outline growth, as a fraction of the eye distance (lashes, lip line)


@dataclass(frozen=True)
class FaceFeatures:
    """Landmark-derived facts in full-resolution pixels.

    mask: (1,1,H,W) float 0–1 union of eyes, lips and brows (slightly grown);
    eye_centres: ((x, y), (x, y)) iris or eye-outline centres; face_width_px: the face oval's width.
    """

    mask: torch.Tensor
    eye_centres: tuple[tuple[float, float], tuple[float, float]]
    face_width_px: float


def mediapipe_available() -> bool:
    """True when the optional mediapipe face mesh can be imported."""
    try:
        mp = importlib.import_module("mediapipe")
    except ImportError:
        return False
    return hasattr(getattr(mp, "solutions", None), "face_mesh")


def run_face_mesh(img: np.ndarray):
    """Landmarks of the largest face in ``img`` (H, W, 3 uint8 sRGB): ``(points, face_mesh)``
    with points (N, 2) float64 in pixels and mediapipe's ``face_mesh`` module (its landmark
    sets), or None when mediapipe finds no face. Call only when ``mediapipe_available()``."""
    fm = importlib.import_module("mediapipe").solutions.face_mesh
    h, w = img.shape[:2]
    with fm.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                     min_detection_confidence=0.5) as mesh:
        result = mesh.process(np.ascontiguousarray(img))
    faces = getattr(result, "multi_face_landmarks", None)
    if not faces:
        return None
    return np.array([(p.x * w, p.y * h) for p in faces[0].landmark], dtype=np.float64), fm


def landmark_indices(connections) -> list[int]:
    """The landmark numbers a mediapipe connection set (pairs of landmarks) touches, sorted."""
    return sorted({i for edge in connections for i in edge})


def landmark_centre(points: np.ndarray, connections) -> tuple[float, float]:
    """Mean (x, y) of the landmarks of one connection set."""
    c = points[landmark_indices(connections)].mean(0)
    return float(c[0]), float(c[1])


def eye_centres(points: np.ndarray, fm) -> tuple[tuple[float, float], tuple[float, float]]:
    """The irises' centres (mesh's left, right) when the mesh has the refined iris landmarks,
    else the eye outlines' centres."""
    if len(points) >= 478 and hasattr(fm, "FACEMESH_LEFT_IRIS"):
        return landmark_centre(points, fm.FACEMESH_LEFT_IRIS), landmark_centre(points, fm.FACEMESH_RIGHT_IRIS)
    return landmark_centre(points, fm.FACEMESH_LEFT_EYE), landmark_centre(points, fm.FACEMESH_RIGHT_EYE)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (counter-clockwise, (K, 2)) of (N, 2) points, Andrew's monotone chain."""
    pts = np.unique(np.asarray(points, dtype=np.float64), axis=0)
    if len(pts) < 3:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def half(seq):
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2 and _cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def find_face_features(rgb: torch.Tensor) -> FaceFeatures | None:
    """Landmarks of the largest face in ``rgb`` (1,3,H,W linear), or None (no mediapipe / no face)."""
    if not mediapipe_available():
        return None
    h, w = int(rgb.shape[-2]), int(rgb.shape[-1])
    img = (linear_to_srgb(rgb[0].float()).permute(1, 2, 0).cpu().numpy() * 255.0 + 0.5).astype(np.uint8)
    found = run_face_mesh(img)
    if found is None:
        return None
    pts, fm = found
    eyes = eye_centres(pts, fm)
    eye_dist = float(np.hypot(eyes[0][0] - eyes[1][0], eyes[0][1] - eyes[1][1]))
    grow = FEATURE_DILATE * eye_dist
    canvas = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(canvas)
    for conn in (fm.FACEMESH_LEFT_EYE, fm.FACEMESH_RIGHT_EYE, fm.FACEMESH_LIPS,
                 fm.FACEMESH_LEFT_EYEBROW, fm.FACEMESH_RIGHT_EYEBROW):
        part = pts[landmark_indices(conn)]
        c = part.mean(0)
        d = part - c
        norm = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)[:, None]
        hull = convex_hull(part + d / norm * grow)
        draw.polygon([(float(x), float(y)) for x, y in hull], fill=255)
    mask = torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255.0)[None, None].to(rgb.device)
    oval = pts[landmark_indices(fm.FACEMESH_FACE_OVAL)]
    return FaceFeatures(mask, eyes, float(oval[:, 0].max() - oval[:, 0].min()))
