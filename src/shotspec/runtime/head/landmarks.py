"""Landmarks of the packaged head as a photo's landmark finder reports them.

The points (``N_POINTS`` = 70): the 68 Multi-PIE landmarks as a detector marks them, then the
two pupils (the corneal apexes, for finders that give iris centres). A detector puts the
contour points 0–7 and 9–16 on the face's outline, not on fixed skin: those are the kit's
jawline substitutes (its README), and the kit's extended jawlines (17 vertices a side) are the
outline they slide along when the head turns (``shotspec.runtime.head.fit``).

``LandmarkObservation`` is one photo's points with a confidence each; ``project_px`` is the
render camera's projection; ``landmarks_in_view`` and ``face_rms_mm`` make and score closed
loops (a known person's points through a camera, a fitted face against the truth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from shotspec.head_facts import LANDMARKS_68, PARTS
from shotspec.runtime.head.model import HeadData, pose_head

__all__ = ["N_POINTS", "PUPIL_VERTICES", "CONTOUR_POINTS", "RIGHT_JAWLINE", "LEFT_JAWLINE",
           "NOISE_FRACTION", "LandmarkObservation", "detector_vertices", "project_px",
           "landmarks_in_view", "face_rms_mm", "expression_deltas_at"]

N_POINTS = 70
# the corneal apex of the subject's right and left eyeball on the neutral mesh (points 68, 69)
PUPIL_VERTICES = (23028, 21458)
# the kit's jawline substitutes for Multi-PIE 0–7 (subject's right) and 9–16 (left)
_RIGHT_JAW = (1278, 1272, 12, 1834, 243, 781, 2199, 1447)
_LEFT_JAW = (3661, 4390, 3022, 2484, 4036, 2253, 3490, 3496)
# the kit's extended jawlines (supersets of the above), ear to chin and chin to ear
RIGHT_JAWLINE = (1280, 1278, 1275, 1272, 1248, 12, 820, 1834, 1902, 243, 844, 781, 1673, 2199,
                 801, 1447, 800)
LEFT_JAWLINE = (3041, 3661, 3042, 4390, 3880, 3022, 3085, 2484, 4102, 4036, 3061, 2253, 3466,
                3490, 3493, 3496, 3498)
CONTOUR_POINTS = tuple(range(0, 8)) + tuple(range(9, 17))
NOISE_FRACTION = 0.012         # default landmark noise: this × the outer eye-corner distance


def detector_vertices() -> tuple[int, ...]:
    """The model vertex of each of the ``N_POINTS`` points as a landmark detector marks them:
    the 68 with the jawline substitutes on the contour, then the two pupils."""
    ids = list(LANDMARKS_68)
    ids[0:8] = _RIGHT_JAW
    ids[9:17] = _LEFT_JAW
    return tuple(ids) + PUPIL_VERTICES


@dataclass(frozen=True)
class LandmarkObservation:
    """One photo's landmarks. ``points_px`` (70, 2) or (68, 2): x right, y down, in pixels of
    an image of ``image_size`` (width, height), 0 at its left/top edge (pixel centres at +0.5);
    ``confidence`` (same N,) 0…1 weights each point, 0 = not seen. ``focal_px`` when the
    camera is known, else the prior decides; ``noise_px`` the landmark noise (default
    ``NOISE_FRACTION`` × the eye-corner distance); ``rotation_sd_rad`` the prior on the head's
    rotation in this photo (default ``fit.ROTATION_SD_RAD``; tighter for a finder that only sees
    front views); ``expressions``: whether the fit may give this photo a smile or an open jaw
    (off for a finder with too few points to tell a smile from a wide mouth)."""

    points_px: np.ndarray
    confidence: np.ndarray
    image_size: tuple[int, int]
    focal_px: float | None = None
    noise_px: float | None = None
    rotation_sd_rad: float | None = None
    expressions: bool = True

    def padded(self) -> tuple[np.ndarray, np.ndarray]:
        """(70, 2) points and (70,) weights, finite and ≥ 0 (missing points weigh 0)."""
        p = np.asarray(self.points_px, dtype=np.float64)
        w = np.asarray(self.confidence, dtype=np.float64).reshape(-1)
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] not in (68, N_POINTS) or len(w) != len(p):
            raise ValueError(f"landmarks must be (68, 2) or (70, 2) with one confidence each, got "
                             f"{p.shape} and {w.shape}")
        out, wt = np.zeros((N_POINTS, 2)), np.zeros(N_POINTS)
        ok = np.isfinite(p).all(1) & np.isfinite(w)
        out[: len(p)][ok], wt[: len(p)][ok] = p[ok], np.clip(w[ok], 0.0, 1.0)
        return out, wt

    def scale_px(self) -> float:
        """The landmark noise σ in px."""
        if self.noise_px is not None:
            return float(self.noise_px)
        p, w = self.padded()
        for a, b in ((36, 45), (68, 69)):
            if w[a] > 0 and w[b] > 0:
                return max(0.5, NOISE_FRACTION * float(np.linalg.norm(p[a] - p[b])) * (1.0 if a == 36 else 1.5))
        return max(0.5, float(max(self.image_size)) / 150.0)


def project_px(points_cam: torch.Tensor, focal_px, image_size: tuple[int, int]) -> torch.Tensor:
    """Camera-space points (N, 3) m (looking down −z) → pixels (N, 2), x right, y down, 0 at
    the image's left/top edge: ``PinholeCamera``'s projection."""
    w, h = image_size
    z = (-points_cam[:, 2]).clamp_min(1e-4)
    return torch.stack((w / 2 + focal_px * points_cam[:, 0] / z,
                        h / 2 - focal_px * points_cam[:, 1] / z), dim=1)


def landmarks_in_view(head: HeadData, coefficients, camera, *, noise_px: float = 0.0,
                      rng: np.random.Generator | None = None, known_focal: bool = True,
                      expression=()) -> LandmarkObservation:
    """The ``N_POINTS`` detector points of the person ``coefficients`` (placed by
    ``pose_head``, with ``expression``) as the ``PinholeCamera`` ``camera`` sees them, with
    Gaussian noise of ``noise_px`` per axis from ``rng``: a closed-loop photo's landmarks.
    The focal length is handed on unless ``known_focal`` is False."""
    v = pose_head(head, coefficients, expression).double()[list(detector_vertices())]
    local = (v - torch.tensor(camera.origin, dtype=torch.float64)) @ camera.rotation("cpu", torch.float64)
    size = (int(camera.width), int(camera.height))
    uv = project_px(local, camera.focal_px, size).numpy()
    if noise_px > 0.0:
        uv = uv + (rng if rng is not None else np.random.default_rng(0)).normal(0.0, noise_px, uv.shape)
    return LandmarkObservation(uv, np.ones(N_POINTS), size,
                               focal_px=camera.focal_px if known_focal else None)


def expression_deltas_at(head: HeadData, ids: torch.Tensor, names) -> torch.Tensor:
    """(E, M, 3) float64: each expression of ``names``' full-weight delta (m) at the vertices
    ``ids`` (M,)."""
    row = torch.full((head.neutral.shape[0],), -1, dtype=torch.int64)
    row[ids] = torch.arange(len(ids))
    out = torch.zeros((len(names), len(ids), 3), dtype=torch.float64)
    for e, name in enumerate(names):
        n = head.expr_names.index(name)
        lo, hi = head.expr_offsets[n], head.expr_offsets[n + 1]
        rows = row[head.expr_index[lo:hi]]
        hit = rows >= 0
        out[e].index_add_(0, rows[hit], head.expr_delta[lo:hi][hit].double())
    return out


def face_rms_mm(head: HeadData, coefficients_a, coefficients_b, aligned: bool = True) -> float:
    """RMS distance (mm) between the face part (vertices 0–9408) of two people, each placed as
    ``pose_head`` places them; ``aligned``: after the best rigid motion of one onto the other
    (Kabsch), so only the shape counts, not where the eyes put it."""
    lo, hi = PARTS[0][2]
    a = pose_head(head, coefficients_a).double()[lo:hi + 1]
    b = pose_head(head, coefficients_b).double()[lo:hi + 1]
    if aligned:
        ma, mb = a.mean(0), b.mean(0)
        u, _, vt = torch.linalg.svd((a - ma).T @ (b - mb))
        d = torch.sign(torch.det(u @ vt))
        a = (a - ma) @ (u @ torch.diag(torch.tensor([1.0, 1.0, float(d)], dtype=torch.float64)) @ vt) + mb
    return float(((a - b) ** 2).sum(1).mean().sqrt()) * 1000.0
