"""The face's texture coordinate system: where the face is, how it is turned, how big it is in mm.

Skin texture is generated in millimetres on the face, then mapped to pixels by an affine map
``p = origin + A·u`` (u in mm, p in pixels). Sources, best first:

1. a ``position`` AOV (renders): a least-squares affine fit of pixel position against the
   object-space x/y of the skin pixels — the texture follows the head's position, roll and scale;
2. ``FrameMeta.face_mm_per_px`` for the scale, and the eye line for origin and roll;
3. the eyes — from an ``eyes`` AOV, from landmarks (mediapipe's or the skin detector's own
   iris pair, ``eye_pair``), or from a pair of similar holes in the skin region — and at them
   ``face_scale.scale_from_eyes``: the iris diameter (11.7 mm, invariant to the head's turn)
   where one or both limbi are measured, averaged with the eye distance (63 mm) when the two
   agree — the skin detector's irises when it measured any (not fitted again), also when it
   found one eye alone (the other hidden on a turned head);
4. the width of the main skin region's upper half (≈ 140 mm, cheek to cheek);
5. a last-resort guess that the face spans 45 % of the frame width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from shotspec.runtime.faces.face_scale import IPD_MM, display_luma, scale_from_eyes, scale_from_irises
from shotspec.runtime.faces.iris import IrisFit
from shotspec.runtime.faces.regions import Region, label_regions, regions
from shotspec.runtime.frame import Frame

__all__ = ["FaceFrame", "face_frame", "IPD_MM", "FACE_WIDTH_MM"]

FACE_WIDTH_MM = 140.0  # bizygomatic breadth, cheek to cheek
GUESS_FACE_FRACTION = 0.45


@dataclass(frozen=True)
class FaceFrame:
    """Affine map from face millimetres to pixels: ``p = origin + A @ u``.

    origin: (x, y) pixels; A: 2×2 pixels per mm (rows: x, y); mm_per_px: the mean scale;
    scale_method / anchor_method: short descriptions for the user.
    """

    origin: tuple[float, float]
    A: tuple[tuple[float, float], tuple[float, float]]
    mm_per_px: float
    scale_method: str
    anchor_method: str

    def matrix(self) -> np.ndarray:
        return np.array(self.A, dtype=np.float64)


def _eye_pair_from_mask(eyes: torch.Tensor) -> tuple[tuple[float, float], tuple[float, float]] | None:
    m = eyes[0, 0].detach().float().cpu().numpy() > 0.5
    labels, count = label_regions(m)
    found = regions(labels, count)
    if len(found) < 2 or found[1].area < 0.3 * found[0].area:
        return None
    a, b = sorted(found[:2], key=lambda r: r.cx)
    return (a.cx, a.cy), (b.cx, b.cy)


def _eye_pair_from_holes(holes: tuple[Region, ...], face: Region | None):
    """Two similar holes side by side in the upper part of the face region: the eyes (or brows)."""
    if face is None or len(holes) < 2:
        return None
    fx0, fy0, fx1, fy1 = face.bbox
    fw = max(fx1 - fx0, 1)
    best, best_score = None, 0.0
    for i, a in enumerate(holes):
        for b in holes[i + 1:]:
            dx, dy = abs(a.cx - b.cx), abs(a.cy - b.cy)
            ratio = min(a.area, b.area) / max(a.area, b.area)
            if ratio < 0.35 or dy > 0.3 * dx or not (0.15 * fw <= dx <= 0.75 * fw):
                continue
            if max(a.area, b.area) > 0.05 * face.area:
                continue
            score = ratio * (a.area + b.area)
            if score > best_score:
                best, best_score = (a, b), score
    if best is None:
        return None
    a, b = sorted(best, key=lambda r: r.cx)
    return (a.cx, a.cy), (b.cx, b.cy)


def _upper_width_px(mask: torch.Tensor, face: Region | None) -> float | None:
    m = mask[0, 0].detach().float().cpu().numpy() > 0.5
    if face is not None:
        x0, y0, x1, y1 = face.bbox
        m = m[y0:y1, x0:x1]
    widths = m.sum(1)
    rows = np.flatnonzero(widths > 0)
    if rows.size < 8:
        return None
    upper = widths[rows[0]: rows[0] + max(4, rows.size // 2)]
    return float(np.median(upper[upper > 0]))


def _fit_position(position: torch.Tensor, mask: torch.Tensor):
    """Least-squares ``[x y] = origin + A·[X Y]`` over skin pixels; None when ill-posed."""
    pos = position[0, :2].detach().double() * 1000.0  # metres → mm
    valid = (mask[0, 0] > 0.5) & torch.isfinite(pos).all(0)
    ys, xs = torch.nonzero(valid, as_tuple=True)
    if ys.numel() < 64:
        return None
    step = max(1, ys.numel() // 20000)
    ys, xs = ys[::step], xs[::step]
    U = torch.stack([pos[0][ys, xs], pos[1][ys, xs], torch.ones_like(xs, dtype=torch.float64)], 1)
    P = torch.stack([xs.double(), ys.double()], 1)
    sol = torch.linalg.lstsq(U.cpu(), P.cpu()).solution.numpy()  # (3, 2)
    A = sol[:2].T
    det = abs(float(np.linalg.det(A)))
    if not math.isfinite(det) or det < 1e-6:
        return None
    return (float(sol[2, 0]), float(sol[2, 1])), A


def face_frame(frame: Frame, mask: torch.Tensor, holes: tuple[Region, ...] = (), face: Region | None = None,
               landmark_eyes=None, irises: tuple[IrisFit, ...] = ()) -> FaceFrame:
    """The face coordinate system for ``frame`` given its skin ``mask`` (1,1,H,W); see module doc.
    ``irises``: the skin detector's measured irises (one or two, full-resolution pixels), which
    size the face when no eye pair is known or none is measured at the eyes given."""
    position = frame.aov("position")
    if position is not None and position.shape[1] >= 2:
        fit = _fit_position(position, mask)
        if fit is not None:
            origin, A = fit
            mmpp = 1.0 / math.sqrt(abs(float(np.linalg.det(A))))
            if frame.meta.face_mm_per_px > 0:
                A = A * (mmpp / frame.meta.face_mm_per_px)
                mmpp = frame.meta.face_mm_per_px
            return FaceFrame(origin, (tuple(A[0]), tuple(A[1])), mmpp,
                             "position AOV (affine fit)", "object-space position AOV")

    eyes, eyes_src = None, ""
    if frame.aov("eyes") is not None:
        eyes, eyes_src = _eye_pair_from_mask(frame.aov("eyes")), "eyes mask"
    if eyes is None and landmark_eyes is not None:
        eyes, eyes_src = landmark_eyes, "face landmarks"
    if eyes is None:
        eyes, eyes_src = _eye_pair_from_holes(holes, face), "eye-like holes in the skin mask"

    if frame.meta.face_mm_per_px > 0:
        mmpp, scale_method = float(frame.meta.face_mm_per_px), "given (face_scale, --face-scale, or the plate's stated lens and distance)"
    elif eyes is not None and math.hypot(eyes[1][0] - eyes[0][0], eyes[1][1] - eyes[0][1]) > 1e-3:
        if irises:      # measured by the skin detector on this image: not fitted twice
            fs = scale_from_irises(tuple(irises), math.hypot(eyes[1][0] - eyes[0][0], eyes[1][1] - eyes[0][1]))
        else:
            fs = scale_from_eyes(display_luma(frame.rgb), eyes, mask[0, 0].detach().float().cpu().numpy() > 0.5)
        mmpp, scale_method = fs.mm_per_px, f"{fs.method} (eyes from {eyes_src})"
    elif irises:
        fs = scale_from_irises(tuple(irises))
        mmpp, scale_method = fs.mm_per_px, f"{fs.method} (the skin detector's iris finder)"
    else:
        width = _upper_width_px(mask, face)
        if width is not None and width > 8:
            mmpp, scale_method = FACE_WIDTH_MM / width, f"skin-region width {width:.0f} px ≈ {FACE_WIDTH_MM:.0f} mm"
        else:
            mmpp = FACE_WIDTH_MM / (GUESS_FACE_FRACTION * frame.width)
            scale_method = f"guess: face spans {GUESS_FACE_FRACTION:.0%} of the frame width"

    if eyes is not None:
        (x0, y0), (x1, y1) = eyes
        origin = ((x0 + x1) / 2, (y0 + y1) / 2)
        angle = math.atan2(y1 - y0, x1 - x0)
        anchor = f"eye midpoint and eye line ({eyes_src})"
    elif irises:
        origin, angle, anchor = (float(irises[0].cx), float(irises[0].cy)), 0.0, "one iris (no roll known)"
    else:
        m = mask[0, 0].detach().double()
        total = float(m.sum())
        if total > 0:
            ys = torch.arange(m.shape[0], dtype=torch.float64, device=m.device)
            xs = torch.arange(m.shape[1], dtype=torch.float64, device=m.device)
            origin = (float((m.sum(0) * xs).sum()) / total, float((m.sum(1) * ys).sum()) / total)
            anchor = "skin-mask centroid"
        else:
            origin, anchor = (frame.width / 2, frame.height / 2), "frame centre"
        angle = 0.0
    s = 1.0 / mmpp
    c, n = math.cos(angle) * s, math.sin(angle) * s
    return FaceFrame(origin, ((c, -n), (n, c)), mmpp, scale_method, anchor)
