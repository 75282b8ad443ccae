"""Micro-geometry: pores, fine lines, imperfections (skin), strands (hair), weave (cloth).

Defined as a height field in 3D object space (millimetre lattice), evaluated only at the hit
points and applied as a bump: the normal is tilted by the surface gradient of the height (the
analytic 3D gradient of every term, projected onto the tangent plane). It never enters
the sphere trace, and because it lives in object space it stays on the skin when the camera or
the lights move.

Pores are one jittered dimple per lattice cell (``noise.cell_feature``), 0.2–0.35 mm across:
0.5 mm cells on the forehead and cheeks (~400 openings per cm²) and 0.3 mm cells on the nose
(~1100/cm²), plus sparse enlarged pores on a 0.9 mm lattice on cheeks and nose.
Each feature is faded out as its cell falls from 2 to 0.75 pixels (anti-aliasing by LOD: a
point-sampled lattice finer than that aliases into specks) and replaced by its mean darkening,
so a wide shot shows even skin and a macro shot individual pores.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.character.noise import cell_feature, detail_fade, value_noise, value_noise_grad
from shotspec.runtime.character.regions import FaceRegions
from shotspec.runtime.head.relief import bump_from_gradient

__all__ = ["skin_bump", "hair_bump", "cloth_bump", "bump_from_gradient"]

def _rotation(a: float, b: float, device) -> torch.Tensor:
    ca, sa, cb, sb = math.cos(a), math.sin(a), math.cos(b), math.sin(b)
    rz = torch.tensor([[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]], device=device)
    rx = torch.tensor([[1.0, 0.0, 0.0], [0.0, cb, -sb], [0.0, sb, cb]], device=device)
    return rz @ rx


def _pores(q_mm: torch.Tensor, cell_mm: float, depth_mm: float, seed: int, rot: torch.Tensor,
           presence: float = 0.85) -> tuple[torch.Tensor, torch.Tensor]:
    """Height (mm, ≤ 0) of one pore lattice at ``q_mm`` (N, 3) and its gradient (N, 3)."""
    off, r1, r2 = cell_feature((q_mm @ rot.T) / cell_mm, seed, margin=0.34)
    radius2 = (0.34 * (0.6 + 0.4 * r2)) ** 2
    t = (1.0 - (off * off).sum(1) / radius2).clamp_min(0.0)
    amp = depth_mm * (0.6 + 0.4 * r2) * (r1 < presence).to(q_mm.dtype)
    h = -amp * t * t
    g_off = (4.0 * amp * t / radius2)[:, None] * off
    return h, (g_off @ rot) / cell_mm


def _lines(phase: torch.Tensor, width: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft periodic grooves: profile (N,) and its derivative w.r.t. the phase (N,)."""
    f = phase - torch.floor(phase) - 0.5
    e = torch.exp(-(f / width) ** 2)
    return e, e * (-2.0 * f / (width * width))


def _ridged(q: torch.Tensor, scale: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(1 − |2n − 1|)⁴ of stretched value noise: thin crossing furrows; value and gradient."""
    n, g = value_noise_grad(q * scale, seed)
    u = 2.0 * n - 1.0
    r = 1.0 - u.abs()
    return r ** 4, (4.0 * r ** 3 * -2.0 * torch.sign(u))[:, None] * g * scale


def _segment_distance(px: torch.Tensor, py: torch.Tensor, a, b) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Distance (N,) in the x-y plane from points to the segment ``a``–``b`` (mm), the
    parameter along it (0–1) and the unit direction from the closest point (N, 2)."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0)
    ox, oy = px - (ax + t * dx), py - (ay + t * dy)
    dist = torch.sqrt(ox * ox + oy * oy).clamp_min(1e-6)
    return dist, t, torch.stack((ox / dist, oy / dist), dim=1)


def _nasolabial(pts: torch.Tensor, model, age: float) -> torch.Tensor:
    """Height gradient (N, 3) of the nasolabial folds, per mm: a groove ~0.5 mm deep and
    ~2 mm wide (deeper with age) from beside the nose's wing down and out past the mouth
    corner, with the cheek's fullness rolling over it on the outer side. It is what keeps the
    mouth from sitting on a flat mask; defined in object space like every other line."""
    q = pts * 1000.0
    ax, y = q[:, 0].abs(), q[:, 1]
    _, ty, _ = model.nose_tip
    _, ly, _ = model.lips_center
    wing = (1000.0 * model.alar_half_width + 1.2, 1000.0 * ty - 3.0)
    corner = (1000.0 * model.upper_lip_half_width, 1000.0 * ly)
    mid = (0.5 * (wing[0] + corner[0]) + 4.5, 0.5 * (wing[1] + corner[1]))
    end = (corner[0] + 6.0, corner[1] - 7.0)
    d1, t1, u1 = _segment_distance(ax, y, wing, mid)
    d2, t2, u2 = _segment_distance(ax, y, mid, end)
    first = d1 <= d2
    dist = torch.where(first, d1, d2)
    along = torch.where(first, 0.5 * t1, 0.5 + 0.5 * t2)            # 0 at the wing … 1 at the end
    u = torch.where(first[:, None], u1, u2)
    # outer side: away from the nose and mouth (the unit offset points away from the fold)
    outer = (u[:, 0] > 0).float()
    taper = torch.sin(torch.pi * along.clamp(0.02, 0.98)) ** 0.7 * (along < 0.999).float()
    depth = 0.50 * (0.5 + 0.6 * age) * taper
    depth = depth * ((pts[:, 2] * 1000.0 + 10.0) / 10.0).clamp(0.0, 1.0)   # front of the face only
    sig, roll_c, roll_w = 1.1, 2.6, 2.2
    groove = torch.exp(-(dist / sig) ** 2)
    roll = outer * torch.exp(-((dist - roll_c) / roll_w) ** 2)
    # h = −depth·groove + 0.35·depth·roll; its derivative along the offset direction
    dh = depth * (groove * 2.0 * dist / (sig * sig)
                  - 0.35 * roll * 2.0 * (dist - roll_c) / (roll_w * roll_w))
    sx = torch.sign(pts[:, 0])
    return torch.stack((dh * u[:, 0] * sx, dh * u[:, 1], torch.zeros_like(dh)), dim=1)


def skin_bump(pts: torch.Tensor, n: torch.Tensor, skin: SkinIR, regions: FaceRegions,
              footprint_mm: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Skin micro-geometry at hit points: bumped normals (N, 3) and a cavity term (N,) 0–1
    (how deep the point sits in a pore or line, for albedo and specular occlusion)."""
    dev = pts.device
    age = min(max((skin.age_years - 18.0) / 40.0, 0.1), 1.6)
    nose, forehead, lips = regions.nose, regions.forehead, regions.lips
    rot_a, rot_b, rot_c = _rotation(0.61, 0.37, dev), _rotation(1.33, 0.91, dev), _rotation(2.1, 1.4, dev)
    lod_fine = detail_fade(0.50, footprint_mm)
    a_fine = skin.pores * lod_fine * (1.0 - 0.7 * nose) * (1.0 - lips)
    a_nose = skin.pores * detail_fade(0.30, footprint_mm) * nose
    a_big = skin.pores * detail_fade(0.90, footprint_mm) * (0.35 + 0.65 * torch.maximum(nose, regions.cheeks)) \
        * (1.0 - lips)
    a_relief = detail_fade(0.9, footprint_mm) * (0.4 + 0.3 * age) * min(1.0, 1.5 * skin.pores)
    a_fore = 0.05 * skin.fine_lines * age * forehead * detail_fade(2.0, footprint_mm)
    cw, cang = regions.crows_feet()
    a_crow = 0.045 * skin.fine_lines * age * cw * detail_fade(1.5, footprint_mm)
    a_lip = 0.03 * lips * detail_fade(0.5, footprint_mm)     # grooves ~0.15 mm wide: macro shots only
    a_imp = 0.05 * skin.imperfections * detail_fade(2.5, footprint_mm)
    q = pts * 1000.0
    h = torch.zeros(q.shape[0], device=dev)
    g = torch.zeros_like(q)
    for amp, cell, depth, sd, rot, pres in ((a_fine, 0.50, 0.09, 11, rot_a, 0.85),
                                            (a_nose, 0.30, 0.07, 23, rot_b, 0.9),
                                            (a_big, 0.90, 0.12, 37, rot_c, 0.4)):
        sel = (amp > 1e-3).nonzero()[:, 0]
        if sel.numel():
            ph, pg = _pores(q[sel], cell, depth, seed + sd, rot, pres)
            h[sel] += amp[sel] * ph
            g[sel] += amp[sel, None] * pg
    # crosshatched skin relief: ridged noise stretched along two directions
    for scale, sd in (((1.6, 0.45, 1.6), 41), ((0.5, 1.5, 1.5), 43)):
        rv, rg = _ridged(q, torch.tensor(scale, device=dev), seed + sd)
        h -= a_relief * 0.010 * rv
        g -= (a_relief * 0.010)[:, None] * rg
    # forehead lines (horizontal, wavy), crow's feet (fanning from the outer eye corner), lip lines
    warp = value_noise(q / 14.0, seed + 51) * 0.6
    lv, ld = _lines(q[:, 1] / 8.5 + warp, 0.07)
    h -= a_fore * lv
    g[:, 1] -= a_fore * ld / 8.5
    lv, ld = _lines(cang * 3.2 + warp * 0.7, 0.09)
    cx = (pts[:, 0].abs() - (regions.model.eye_x + 0.016)) * 1000.0
    cy = (pts[:, 1] - 0.001) * 1000.0
    r2 = (cx * cx + cy * cy).clamp_min(1e-3)
    sx = torch.sign(pts[:, 0])
    h -= a_crow * lv
    g[:, 0] -= a_crow * ld * 3.2 * (-cy / r2) * sx
    g[:, 1] -= a_crow * ld * 3.2 * (cx / r2)
    # lip lines: vertical, unevenly spaced (a strong warp) and of varying depth, not a barcode
    lip_warp = value_noise(q / 3.0, seed + 53) * 1.6
    depth = 0.4 + 0.6 * value_noise(q / 1.7, seed + 54)
    lv, ld = _lines(q[:, 0] / 1.1 + warp + lip_warp, 0.12)
    h -= a_lip * depth * lv
    g[:, 0] -= a_lip * depth * ld / 1.1
    # imperfections: a few small raised bumps
    b, bg = value_noise_grad(q / 2.2, seed + 61)
    bb = ((b - 0.80) / 0.2).clamp(0.0, 1.0)
    h += a_imp * bb * bb
    g += (a_imp * 2.0 * bb / 0.2 / 2.2)[:, None] * bg
    # the nasolabial folds: broad grooves that shape the light, not cavities (no darkening)
    g += _nasolabial(pts, regions.model, age) * detail_fade(3.0, footprint_mm)[:, None]
    cavity = (-h / 0.05).clamp(0.0, 1.0)
    # pores faded out by the LOD still darken the skin on average (about a tenth of a fully
    # resolved pore field's mean cavity, as a cell is mostly flat skin between openings)
    unresolved = skin.pores * (1.0 - lips) * (1.0 - lod_fine)
    cavity = torch.maximum(cavity, 0.08 * unresolved)
    return bump_from_gradient(n, g), cavity


def hair_bump(pts: torch.Tensor, n: torch.Tensor, footprint_mm: torch.Tensor, seed: int
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Short cropped hair: fine streaks laid along the comb direction (back over the top,
    back and down at the sides, as ``shading.hair_tangents``); bumped normals and a
    strand-shadow term (N,) 0–1."""
    amp = 0.08 * detail_fade(0.25, footprint_mm) + 0.05
    q = pts * 1000.0
    side = (pts[:, 0].abs() / 0.075).clamp(0.0, 1.0)
    phi = torch.atan2(0.15 + 0.75 * side, torch.ones_like(side))   # strand tilt below horizontal
    cp, sp = torch.cos(phi), torch.sin(phi)
    # strand frame in the y-z plane: "across" (perpendicular) and "along" the strand
    a = q[:, 1] * cp - q[:, 2] * sp
    b = q[:, 1] * sp + q[:, 2] * cp
    r = torch.stack((q[:, 0], a, b), dim=1)
    scale = torch.tensor([9.0, 9.0, 0.45], device=pts.device)
    v1, g1 = value_noise_grad(r * scale, seed + 301)
    v2, g2 = value_noise_grad(r * scale * 2.3, seed + 302)
    h = amp * (v1 + 0.5 * v2)
    gr = amp[:, None] * (g1 * scale + 0.5 * g2 * scale * 2.3)
    # back to object space: r = (x, a, b) is a rotation of (x, y, z) about x
    g = torch.stack((gr[:, 0], gr[:, 1] * cp + gr[:, 2] * sp, -gr[:, 1] * sp + gr[:, 2] * cp), dim=1)
    return bump_from_gradient(n, g), (1.0 - h / (amp * 1.5)).clamp(0.0, 1.0)


def cloth_bump(pts: torch.Tensor, n: torch.Tensor, footprint_mm: torch.Tensor, seed: int
               ) -> torch.Tensor:
    """Knit fabric: a fine weave plus soft folds."""
    # the weave (1.3 mm period) is gone by 2 pixels a period (detail_fade's 0.75-cell end:
    # 0.49 mm) and whole from ~5 pixels a period: a regular pattern near Nyquist reads as moire
    amp = 0.05 * detail_fade(0.49, footprint_mm)
    q = pts * 1000.0
    k = 2 * math.pi / 1.3
    sx, cx = torch.sin(q[:, 0] * k), torch.cos(q[:, 0] * k)
    sy, cy = torch.sin(q[:, 1] * k), torch.cos(q[:, 1] * k)
    _, fg = value_noise_grad(q / 35.0, seed + 401)
    g = torch.stack((amp * k * cx * sy, amp * k * sx * cy, torch.zeros_like(sx)), dim=1) + fg * (3.0 / 35.0)
    return bump_from_gradient(n, g)
