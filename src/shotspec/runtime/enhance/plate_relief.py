"""The render's skin micro-relief, evaluated on an image's face millimetres.

The enhancer adds no texture model of its own: it evaluates the scanned head's relief
(:func:`shotspec.runtime.head.relief.skin_relief` — with its isotropic network of polygonal cells
~1 mm across, pores by region, imperfections) on the flat face plane of the image. Each skin pixel
gets a position in face millimetres from the :class:`FaceFrame` (``u = A⁻¹ (p − origin)``), a
footprint of one pixel's width in mm (so the relief pre-filters itself exactly as in a render at
that scale), and
region weights from where it sits relative to the eyes (forehead above the brows, the nose
between and below the eyes, chin below the mouth, cheeks elsewhere) when the face frame is
anchored at the eyes; uniform cheek skin otherwise. Asked for (``fine_lines``) and anchored at
the eyes, the head's fine lines (forehead lines, the glabella's pair, crow's feet) are placed by
an average face's landmarks (:func:`average_anchors`); never the nasolabial creases, which must
lie on this face's folds.

Controls (:class:`ReliefControls`): ``pores``, ``age_years`` and ``fine_lines`` are the head's
``SkinIR`` traits (pore depth and density; how deep the relief and lines are; how marked the lines
are), ``pore_size`` scales the whole relief in mm (1 = the adult average, cells ~1 mm, pore
openings 0.1–0.25 mm).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.faces.face_frame import FaceFrame
from shotspec.runtime.head.regions import REGIONS, RegionWeights, smoothstep
from shotspec.runtime.filters import gaussian_blur, masked_gaussian_blur
from shotspec.runtime.head.face_anchors import FaceAnchors
from shotspec.runtime.head.relief import skin_relief

__all__ = ["PlateRelief", "ReliefControls", "plate_relief", "face_regions", "field_jacobian", "average_anchors",
           "JACOBIAN_SIGMA_MM"]

JACOBIAN_SIGMA_MM = 2.0      # a tracked field's local stretch is measured over this much face
RELIEF_CHUNK = 1 << 16       # skin pixels per relief evaluation
JACOBIAN_STEP = 2.0 ** -20   # a tracked field's Jacobian is rounded to this (mm per px)


@dataclass(frozen=True)
class ReliefControls:
    """pores 0–1 (depth and density), pore_size 0.5–2 (× the relief's scale), age_years 1–110,
    fine_lines 0–1 (0: none; above, the head's trait of that name, where the eyes are found)."""

    pores: float = 0.6
    pore_size: float = 1.0
    age_years: float = 35.0
    fine_lines: float = 0.0


@dataclass(frozen=True)
class PlateRelief:
    """Relief over a pixel box ``(x0, y0, x1, y1)``; tensors (1, C, y1−y0, x1−x0).

    height_mm: relief height (≤ 0 in pores and furrows); grad_mm: (∂h/∂u₁, ∂h/∂u₂) per mm of
    face in the frame's own axes (``u = A⁻¹ (p − origin)``); cavity: 0–1 occlusion;
    grad_px: (∂h/∂x, ∂h/∂y) per pixel.
    """

    box: tuple[int, int, int, int]
    height_mm: torch.Tensor
    grad_mm: torch.Tensor
    grad_px: torch.Tensor
    cavity: torch.Tensor


def face_regions(uv_mm: torch.Tensor, anchored_at_eyes: bool) -> RegionWeights:
    """Region weights (N, 16) for face-plane positions ``uv_mm`` (N, 2): u along the eye line from
    the eyes' midpoint, v down the face. Adult proportions (eye distance 63 mm): brows ~15 mm
    above the eye line, nose tip ~45 mm below, mouth ~70 mm; regions blend over ≥ 5 mm."""
    n = uv_mm.shape[0]
    w = torch.zeros(n, len(REGIONS), device=uv_mm.device)
    w[:, REGIONS.index("skin")] = 1.0
    if not anchored_at_eyes:
        w[:, REGIONS.index("cheeks")] = 1.0
        return RegionWeights(w)
    u, v = uv_mm[:, 0], uv_mm[:, 1]
    au = u.abs()
    forehead = smoothstep(-10.0, -18.0, v)
    nose = smoothstep(14.0, 9.0, au) * smoothstep(-6.0, 2.0, v) * smoothstep(52.0, 46.0, v)
    chin = smoothstep(78.0, 86.0, v)
    cheeks = ((1.0 - forehead) * (1.0 - nose) * (1.0 - chin)).clamp_min(0.0)
    for name, col in (("forehead", forehead), ("t_zone", forehead * smoothstep(30.0, 15.0, au)),
                      ("nose", nose), ("chin", chin), ("cheeks", cheeks)):
        w[:, REGIONS.index(name)] = col
    return RegionWeights(w)


@functools.lru_cache(maxsize=8)
def average_anchors(scale: float = 1.0, device: str = "cpu") -> FaceAnchors:
    """The packaged head's face anchors (an average adult face, mm) in a plate's face-plane
    coordinates: x along the eye line, y up, both from the eyes' midpoint, z 0; divided by
    ``scale`` (the relief's ``pore_size``, by which the positions are divided too); on
    ``device``."""
    from shotspec.runtime.head.face_anchors import face_anchors
    from shotspec.runtime.head.model import load_head

    head = load_head()
    a = face_anchors(head, head.neutral)
    mid = a.eye_centre.mean(0)
    shift3 = torch.stack((mid[0], mid[1], torch.zeros(())))
    keep3 = torch.tensor([1.0, 1.0, 0.0])

    def moved(t: torch.Tensor) -> torch.Tensor:
        t = t - shift3 if t.shape[-1] == 3 else t - mid[:2]
        return (t * keep3 if t.shape[-1] == 3 else t) / scale

    return FaceAnchors(**{f.name: moved(getattr(a, f.name)).to(device) for f in dataclasses.fields(a)})


def field_jacobian(field: torch.Tensor, box: tuple[int, int, int, int], ff: FaceFrame,
                   support: torch.Tensor | None = None) -> torch.Tensor:
    """``∂u/∂p`` of a face-plane field (1,2,H,W) mm over ``box``: (4, y1−y0, x1−x0) float64 as
    ``(∂u₁/∂x, ∂u₁/∂y, ∂u₂/∂x, ∂u₂/∂y)`` mm per px.

    The field's departure from ``ff``'s similarity map is smoothed over ``JACOBIAN_SIGMA_MM``
    before its central differences are taken, and ``A⁻¹`` added back: the skin's local stretch
    and turn vary over millimetres, while the flow's pixel noise, differenced, would flicker
    the relief's footprint and shading from frame to frame. support (1,1,y1−y0,x1−x0), optional:
    where the field holds skin (the rest is ignored: a render's rest field is 0 off the head, and
    smoothed across the silhouette that jump read as skin shrunk to a twentieth of its size).
    """
    from shotspec.runtime.enhance.skin_track import similarity_field

    x0, y0, x1, y1 = box
    h, w = field.shape[-2:]
    sigma = max(0.5, JACOBIAN_SIGMA_MM / ff.mm_per_px)
    pad = int(math.ceil(3 * sigma)) + 1
    ya, yb, xa, xb = max(0, y0 - pad), min(h, y1 + pad), max(0, x0 - pad), min(w, x1 + pad)
    sub = FaceFrame((ff.origin[0] - xa, ff.origin[1] - ya), ff.A, ff.mm_per_px, ff.scale_method, ff.anchor_method)
    rest = field[:, :, ya:yb, xa:xb].double() - similarity_field(sub, yb - ya, xb - xa, field.device).double()
    if support is None:
        rest = gaussian_blur(rest, sigma, edge="reflect")[0]
    else:                           # normalised convolution over the support
        wgt = torch.zeros(1, 1, yb - ya, xb - xa, dtype=rest.dtype, device=rest.device)
        wgt[..., y0 - ya:y1 - ya, x0 - xa:x1 - xa] = (support > 0).to(rest)
        rest = masked_gaussian_blur(rest, wgt, sigma, edge="reflect", eps=1e-6)[0]
    gy, gx = torch.gradient(rest, dim=(1, 2)) if min(rest.shape[1:]) > 1 else (torch.zeros_like(rest),) * 2
    sl = (slice(y0 - ya, y0 - ya + y1 - y0), slice(x0 - xa, x0 - xa + x1 - x0))
    Ai = np.linalg.inv(ff.matrix())
    J = torch.stack((gx[0][sl] + float(Ai[0, 0]), gy[0][sl] + float(Ai[0, 1]),
                     gx[1][sl] + float(Ai[1, 0]), gy[1][sl] + float(Ai[1, 1])))
    # held to JACOBIAN_STEP: the float64 convolutions' last bits change with where their buffers
    # lie in memory (a BLAS product's blocking), and a stretch is meaningful to ~1e-4 at most;
    # unrounded, the same field now and then gave a relief an ulp apart, and a recomputed
    # texture differed from the cached one
    return torch.round(J / JACOBIAN_STEP) * JACOBIAN_STEP


def plate_relief(ff: FaceFrame, box: tuple[int, int, int, int], seed: int, support: torch.Tensor,
                 controls: ReliefControls = ReliefControls(), device: torch.device | str = "cpu",
                 field: torch.Tensor | None = None) -> PlateRelief:
    """The head's relief over ``box`` of an image with face frame ``ff``.

    support (1, 1, y1−y0, x1−x0): where the relief is needed (the mask over the box); it is
    evaluated there only (0 elsewhere). Deterministic in ``seed``; the same face millimetre gets
    the same relief at any resolution (only the footprint's pre-filter changes).
    field (1, 2, H, W) mm, optional: each pixel's face-plane position (``skin_track``: carried by
    the skin's motion through a sequence) instead of ``ff``'s ``A⁻¹ (p − origin)``; footprints
    and gradients then follow its local Jacobian, and ``grad_mm`` is still given in ``ff``'s axes
    (where the enhancer's light vector lives).
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    h, w = y1 - y0, x1 - x0
    if h <= 0 or w <= 0:
        raise ValueError(f"empty relief box {box}")
    if not 0.25 <= controls.pore_size <= 4.0:
        raise ValueError(f"pore_size {controls.pore_size} is outside 0.25…4")
    device = torch.device(device)
    A = ff.matrix()
    Ainv = torch.tensor(np.linalg.inv(A), dtype=torch.float64, device=device)
    flip = -1.0 if A[1, 1] < 0 else 1.0         # a render's position fit has y up: v is y down
    sel = (support[0, 0] > 0).nonzero()
    ys, xs = sel[:, 0].double() + y0, sel[:, 1].double() + x0
    if field is None:
        p = torch.stack((xs - ff.origin[0], ys - ff.origin[1]), 1)
        uv = (p @ Ainv.T).float()
        foot = torch.full((sel.shape[0],), ff.mm_per_px / float(controls.pore_size), device=device)
    else:
        J_box = field_jacobian(field.to(device), (x0, y0, x1, y1), ff, support.to(device))  # (4, h, w)
        J = J_box[:, sel[:, 0], sel[:, 1]]                                        # (4, N)
        uv = field[0, :, sel[:, 0] + y0, sel[:, 1] + x0].T.float().to(device)
        foot = ((J[0] * J[3] - J[1] * J[2]).abs().sqrt() / float(controls.pore_size)).float()
    uv[:, 1] *= flip
    anchored = ff.anchor_method.startswith("eye")
    regions = face_regions(uv, anchored)
    s = float(controls.pore_size)
    pos = torch.stack((uv[:, 0] / s, -uv[:, 1] / s, torch.zeros_like(uv[:, 0])), 1)
    skin = SkinIR(pores=float(controls.pores), age_years=float(controls.age_years),
                  fine_lines=float(controls.fine_lines))
    # fine lines (forehead, glabella, crow's feet) from an average face's anchors when asked for
    # and the frame is anchored at the eyes; not the nasolabial creases, which must lie on this
    # face's folds
    anchors = average_anchors(s, str(device)) if anchored and controls.fine_lines > 0 else None
    # the cell network, not the head's furrow families: those follow the rest head's axes, and on
    # a flat plate their long furrows read as crumpled paper; an isotropic network of polygonal
    # cells in patches of varying depth reads as skin's pebbled relief. Evaluated in slices that
    # stay in the cache (the relief is per point: the same numbers, faster)
    kw = dict(anchors=anchors, network="cells", creases=False)
    parts = [skin_relief(pos[j:j + RELIEF_CHUNK], RegionWeights(regions.weights[j:j + RELIEF_CHUNK]),
                         foot[j:j + RELIEF_CHUNK], skin, int(seed), **kw)
             for j in range(0, pos.shape[0], RELIEF_CHUNK)] or [skin_relief(pos, regions, foot, skin, int(seed), **kw)]
    rel_h = torch.cat([r.height_mm for r in parts])
    rel_g = torch.cat([r.grad for r in parts])
    rel_c = torch.cat([r.cavity for r in parts])
    gu, gv = rel_g[:, 0], -rel_g[:, 1]
    height = torch.zeros(1, 1, h, w, device=device)
    cavity = torch.zeros_like(height)
    g_mm = torch.zeros(1, 2, h, w, device=device)
    iy, ix = sel[:, 0], sel[:, 1]
    height[0, 0, iy, ix] = rel_h * s
    cavity[0, 0, iy, ix] = rel_c
    g_mm[0, 0, iy, ix] = gu
    g_mm[0, 1, iy, ix] = gv * flip
    if not math.isfinite(float(height.abs().max())):
        raise ValueError("relief is not finite")
    if field is None:
        # ∂h/∂p = A⁻ᵀ ∂h/∂u (u = A⁻¹ (p − origin), in the frame's own axes)
        Ai = np.linalg.inv(A)
        gx = float(Ai[0, 0]) * g_mm[:, 0:1] + float(Ai[1, 0]) * g_mm[:, 1:2]
        gy = float(Ai[0, 1]) * g_mm[:, 0:1] + float(Ai[1, 1]) * g_mm[:, 1:2]
        return PlateRelief((x0, y0, x1, y1), height, g_mm, torch.cat((gx, gy), 1), cavity)
    # ∂h/∂p = Jᵀ ∂h/∂u with the field's own J = ∂u/∂p; in ff's axes (p = origin + A·u'): Aᵀ ∂h/∂p
    Jb = J_box.float()[:, None, None]                                             # (4,1,1,h,w)
    g0, g1 = g_mm[:, 0:1], g_mm[:, 1:2]
    gx = Jb[0, 0] * g0 + Jb[2, 0] * g1
    gy = Jb[1, 0] * g0 + Jb[3, 0] * g1
    g_ff = torch.cat((float(A[0, 0]) * gx + float(A[1, 0]) * gy, float(A[0, 1]) * gx + float(A[1, 1]) * gy), 1)
    return PlateRelief((x0, y0, x1, y1), height, g_ff, torch.cat((gx, gy), 1), cavity)
