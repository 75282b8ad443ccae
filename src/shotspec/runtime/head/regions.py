"""Soft anatomical skin regions of the scanned head, per vertex of its rest mesh (weights 0–1).

Every region is a smooth function of the rest-pose position relative to the kit's 68 landmarks
(and a few rules on the mesh: the ears, the jaw line), with transitions at least two edges wide
(the face's median edge is 2.5 mm), so the renderer can interpolate the (V, R) table per pixel
without stair-steps. Computed once per identity on the rest mesh (no expression, no pose), the
weights stay on the same skin when the face moves. Only the skin parts (face, head and neck)
carry weights; every other part is 0 everywhere.

The hairline is a curve around the head a user can move (``Hairline``): heights in mm at named
places — the forehead's centre, the temples, the sideburns, over the ear, the nape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from shotspec.runtime.head.face_anchors import FaceAnchors, face_anchors
from shotspec.runtime.head.model import HeadData

__all__ = ["REGIONS", "Hairline", "RegionWeights", "skin_regions", "regions_at", "smoothstep"]

REGIONS = ("forehead", "t_zone", "nose", "cheeks", "chin", "upper_lip", "lips", "eyelids",
           "under_eye", "temples", "ears", "neck", "scalp", "brows", "beard", "skin")


def smoothstep(e0: float, e1: float, x: torch.Tensor) -> torch.Tensor:
    """0 at ``e0``, 1 at ``e1`` (either order), cubic in between."""
    t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass(frozen=True)
class Hairline:
    """Where the hair-bearing scalp begins, as heights above the brows / ears (mm).

    ``forehead_mm``: the hairline's centre above the top of the brows (landmarks 19/24), measured
    in height; ``temple_recess_mm``: how much higher it runs at the temple corners (an M-shaped
    hairline; 0 for a rounded one); ``sideburn_mm``: how far the sideburn reaches below the top
    of the ear; ``nape_mm``: the nape hairline's height above the ear lobes' bottom (negative:
    below); ``softness_mm``: width of the transition (fine hairs thinning out).
    """

    forehead_mm: float = 52.0
    temple_recess_mm: float = 6.0
    sideburn_mm: float = 24.0
    nape_mm: float = -14.0
    softness_mm: float = 6.0

    def __post_init__(self):
        if not 20.0 <= self.forehead_mm <= 110.0:
            raise ValueError(f"hairline forehead_mm {self.forehead_mm} is outside 20…110 mm")
        if not 2.5 <= self.softness_mm <= 30.0:
            raise ValueError(f"hairline softness_mm {self.softness_mm} is outside 2.5…30 mm "
                             "(finer than the mesh's 2.5 mm edges would alias)")


@dataclass(frozen=True)
class RegionWeights:
    """Region weights (N, R) in ``REGIONS`` order — per vertex, or per pixel after the renderer
    interpolated them; ``self["nose"]`` is the (N,) column."""

    weights: torch.Tensor

    def __post_init__(self):
        if self.weights.dim() != 2 or self.weights.shape[1] != len(REGIONS):
            raise ValueError(f"region weights must be (N, {len(REGIONS)}), got {tuple(self.weights.shape)}")

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.weights[:, REGIONS.index(name)]


def _polygon_sdf(px: torch.Tensor, py: torch.Tensor, poly: torch.Tensor, reach: float = 6.0) -> torch.Tensor:
    """Signed distance (N,) in the x-y plane to a closed polygon ``poly`` (M, 2), negative
    inside; points further than ``reach`` mm outside its bounding box get ``reach``."""
    lo, hi = poly.amin(0) - reach, poly.amax(0) + reach
    near = ((px > lo[0]) & (px < hi[0]) & (py > lo[1]) & (py < hi[1])).nonzero()[:, 0]
    out = torch.full_like(px, reach)
    if near.numel():
        out[near] = _polygon_sdf_all(px[near], py[near], poly)
    return out


def _polygon_sdf_all(px: torch.Tensor, py: torch.Tensor, poly: torch.Tensor) -> torch.Tensor:
    a = poly
    b = torch.roll(poly, -1, dims=0)
    e = b - a                                                      # (M, 2)
    wx = px[:, None] - a[None, :, 0]
    wy = py[:, None] - a[None, :, 1]
    t = ((wx * e[:, 0] + wy * e[:, 1]) / (e * e).sum(1)).clamp(0.0, 1.0)
    dx, dy = wx - t * e[:, 0], wy - t * e[:, 1]
    dist = torch.sqrt((dx * dx + dy * dy).min(dim=1).values)
    # even-odd crossing test
    cond = (a[None, :, 1] > py[:, None]) != (b[None, :, 1] > py[:, None])
    xcross = a[None, :, 0] + (py[:, None] - a[None, :, 1]) * e[:, 0] / torch.where(e[:, 1] == 0, 1e-9, e[:, 1])
    inside = ((cond & (px[:, None] < xcross)).sum(1) % 2) == 1
    return torch.where(inside, -dist, dist)


def _polyline_distance(p: torch.Tensor, line: torch.Tensor, reach: float = 8.0) -> torch.Tensor:
    """3-D distance (N,) from points (N, 3) to an open polyline (M, 3); points further than
    ``reach`` mm outside its bounding box get ``reach``."""
    lo, hi = line.amin(0) - reach, line.amax(0) + reach
    near = ((p > lo) & (p < hi)).all(dim=1).nonzero()[:, 0]
    out = torch.full_like(p[:, 0], reach)
    if near.numel():
        out[near] = _polyline_distance_all(p[near], line)
    return out


def _polyline_distance_all(p: torch.Tensor, line: torch.Tensor) -> torch.Tensor:
    a, b = line[:-1], line[1:]
    e = b - a
    w = p[:, None, :] - a[None]
    t = ((w * e[None]).sum(-1) / (e * e).sum(-1)).clamp(0.0, 1.0)
    d = w - t[..., None] * e[None]
    return d.norm(dim=-1).min(dim=1).values


def _interp(x: torch.Tensor, xs: list[float], ys: list[float]) -> torch.Tensor:
    """Piecewise-cubic (smoothstep between knots) interpolation of ``ys`` over increasing ``xs``."""
    out = torch.full_like(x, ys[0])
    for i in range(len(xs) - 1):
        out = out + (ys[i + 1] - ys[i]) * smoothstep(xs[i], xs[i + 1], x)
    return out


def _mirror(p: torch.Tensor) -> torch.Tensor:
    return torch.stack((p[:, 0].abs(), p[:, 1], p[:, 2]), dim=1)


def _scalp(p: torch.Tensor, a: FaceAnchors, hair: Hairline) -> torch.Tensor:
    """Hair-bearing scalp: above the hairline height y_h(azimuth) around a vertical axis."""
    ax, y = p[:, 0].abs(), p[:, 1]
    phi = torch.rad2deg(torch.atan2(ax, p[:, 2] - a.head_centre[2]))            # 0 front … 180 back
    brow_top = float(a.brows[:, :, 1].max())
    ear_top, lobe = float(a.ear_top[1]), float(a.ear_lobe[1])
    front = brow_top + hair.forehead_mm
    knots = [0.0, 22.0, 40.0, 58.0, 72.0, 84.0, 112.0, 135.0, 180.0]
    heights = [front, front, front + hair.temple_recess_mm, front - 18.0,
               ear_top - hair.sideburn_mm, ear_top + 10.0, ear_top + 6.0,
               0.5 * (ear_top + lobe), lobe + hair.nape_mm]
    y_h = _interp(phi, knots, heights)
    # distance across the curve, not just in height: where it drops steeply (the sideburns)
    # a height-only edge would be a few tenths of a mm wide sideways and stair-step on the mesh
    arc_mm_per_deg = torch.hypot(ax, p[:, 2] - a.head_centre[2]).clamp_min(10.0) * (math.pi / 180.0)
    slope = (_interp(phi + 0.5, knots, heights) - _interp(phi - 0.5, knots, heights)) / arc_mm_per_deg
    d = (y - y_h) / torch.sqrt(1.0 + slope * slope)
    return smoothstep(-0.5 * hair.softness_mm, 0.5 * hair.softness_mm, d)


def _eyes(p: torch.Tensor, a: FaceAnchors) -> tuple[torch.Tensor, torch.Tensor]:
    """Eyelid skin (upper lid margin → crease, lower lid margin) and the under-eye hollow."""
    m = _mirror(p)
    c = a.eye_centre[1]                                # the +x (left) eye; the mesh is symmetric enough
    half = 0.5 * float((a.eye_outer[1, 0] - a.eye_inner[1, 0]).abs())
    u = (m[:, 0] - c[0]) / half                        # −1 inner … +1 outer corner
    dy = m[:, 1] - c[1]
    top = float(a.eye_top[1, 1] - c[1]) * (1.0 - 0.8 * u * u).clamp_min(0.0)
    bottom = float(a.eye_bottom[1, 1] - c[1]) * (1.0 - 0.8 * u * u).clamp_min(0.0)
    across = smoothstep(1.45, 1.1, u.abs())
    front = smoothstep(c[2] - 22.0, c[2] - 12.0, m[:, 2])
    upper = smoothstep(top - 2.0, top + 0.5, dy) * smoothstep(top + 11.0, top + 7.0, dy)
    lower = smoothstep(bottom + 1.0, bottom - 0.5, dy) * smoothstep(bottom - 5.5, bottom - 3.0, dy)
    lids = (upper + lower).clamp_max(1.0) * across * front
    under = (smoothstep(bottom - 2.5, bottom - 5.0, dy) * smoothstep(bottom - 17.0, bottom - 12.0, dy)
             * smoothstep(1.5, 1.0, (u + 0.1).abs()) * front)
    return lids, under


def skin_regions(head: HeadData, rest_m: torch.Tensor | None = None,
                 hairline: Hairline | None = None) -> RegionWeights:
    """Region weights (V, R) of every vertex of the rest mesh ``rest_m`` ((V, 3) metres; default
    the model's neutral mesh — the weights then fit every identity, as all share its topology)."""
    rest = head.neutral if rest_m is None else rest_m
    if rest.shape != head.neutral.shape:
        raise ValueError(f"rest mesh must be {tuple(head.neutral.shape)}, got {tuple(rest.shape)}")
    on_face = torch.zeros(rest.shape[0], device=rest.device)
    on_head = torch.zeros_like(on_face)
    on_face[head.part_vertices("face")] = 1.0
    on_head[head.part_vertices("head_neck")] = 1.0
    return regions_at(rest * 1000.0, face_anchors(head, rest), on_face, on_head, hairline)


def regions_at(pos_mm: torch.Tensor, anchors: FaceAnchors, on_face: torch.Tensor, on_head: torch.Tensor,
               hairline: Hairline | None = None) -> RegionWeights:
    """Region weights (N, R) at rest positions ``pos_mm`` (N, 3) on the face part (``on_face``
    (N,) 1) or the head-and-neck part (``on_head`` (N,) 1; a vertex on their seam has both).

    Per vertex it is ``skin_regions``; per pixel (the pixel's rest position and its triangle's
    part) it is the same field without interpolation — worth it on the head-and-neck part, whose
    edges (median 7.8 mm) are longer than the hairline's and the neck's transitions."""
    if pos_mm.dim() != 2 or pos_mm.shape[1] != 3 or on_face.shape != pos_mm.shape[:1] or on_head.shape != on_face.shape:
        raise ValueError(f"pos_mm must be (N, 3) and on_face, on_head (N,), got {tuple(pos_mm.shape)}, "
                         f"{tuple(on_face.shape)}, {tuple(on_head.shape)}")
    hair = hairline or Hairline()
    p = pos_mm.float()
    a = anchors
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    ax = x.abs()
    face_only = on_face * (1.0 - 0.5 * on_head)           # the seam's shared vertices: half
    skin = torch.maximum(on_face, on_head)

    lips_z = float(a.lip_outer[:, 2].min())
    lips = smoothstep(2.5, 0.0, _polygon_sdf(x, y, a.lip_outer[:, :2])) * smoothstep(lips_z - 14.0, lips_z - 8.0, z)
    nose = smoothstep(2.5, -1.0, _polygon_sdf(x, y, a.nose_outline)) * smoothstep(-2.0, 6.0, z - float(a.eye_outer[:, 2].max()))
    upper_lip = (smoothstep(3.0, -1.5, _polygon_sdf(x, y, a.upper_lip_outline))
                 * smoothstep(lips_z - 12.0, lips_z - 4.0, z) * (1.0 - lips) * (1.0 - nose))
    scalp = _scalp(p, a, hair)
    d_ear = (((p - a.ear_centre[(x > 0).long()]) / torch.tensor([1e3, 36.0, 24.0], device=p.device)) ** 2).sum(1).sqrt()
    # the ears belong to the face part; the skull round them to the head's
    ears = smoothstep(1.0, 0.75, d_ear) * face_only
    scalp = scalp * (1.0 - ears)
    brows = smoothstep(5.5, 2.5, _polyline_distance(_mirror(p), a.brow_band)) * (1.0 - scalp)
    lids, under = _eyes(p, a)
    lids = lids * (1.0 - brows)

    brow_top = float(a.brows[:, :, 1].max())
    fore_x = float(a.brows[1, -1, 0])
    forehead = (smoothstep(brow_top - 4.0, brow_top + 6.0, y) * smoothstep(fore_x + 4.0, fore_x - 10.0, ax)
                * smoothstep(-40.0, -20.0, z) * (1.0 - scalp) * (1.0 - brows))
    glabella = (smoothstep(14.0, 6.0, ax) * smoothstep(float(a.nasion[1]) - 4.0, float(a.nasion[1]) + 4.0, y)
                * smoothstep(brow_top + 8.0, brow_top, y))
    t_zone = torch.maximum(torch.maximum(forehead * smoothstep(40.0, 22.0, ax), nose), glabella)
    temples = (smoothstep(fore_x - 12.0, fore_x, ax) * smoothstep(float(a.ear_top[2]) + 10.0, float(a.ear_top[2]) + 28.0, z)
               * smoothstep(float(a.eye_outer[1, 1]) - 4.0, float(a.eye_outer[1, 1]) + 8.0, y)
               * (1.0 - scalp) * (1.0 - brows) * (1.0 - lids))

    ec = a.eye_outer[1]
    cheek_c = torch.stack((ec[0] - 6.0, ec[1] - 24.0))
    r_cheek = (((torch.stack((ax, y), 1) - cheek_c) / torch.tensor([24.0, 21.0], device=p.device)) ** 2).sum(1).sqrt()
    cheeks = (smoothstep(1.0, 0.5, r_cheek) * smoothstep(float(a.ear_top[2]) + 12.0, float(a.ear_top[2]) + 30.0, z)
              * (1.0 - nose) * (1.0 - upper_lip) * (1.0 - lips) * (1.0 - under))
    chin_c = 0.5 * (a.lip_bottom + a.menton)
    r_chin = (((torch.stack((x, y), 1) - chin_c[:2]) / torch.tensor([22.0, 16.0], device=p.device)) ** 2).sum(1).sqrt()
    chin = smoothstep(1.0, 0.55, r_chin) * smoothstep(float(chin_c[2]) - 25.0, float(chin_c[2]) - 12.0, z) * (1.0 - lips)

    # the jaw line (landmarks 0…8 by |x|), then the nape behind the ears
    jaw = a.jaw_line
    y_jaw = _interp(ax, jaw[:, 0].tolist(), jaw[:, 1].tolist())
    behind = smoothstep(float(a.jaw_top[2]) - 5.0, float(a.jaw_top[2]) - 30.0, z)
    y_neck = y_jaw + behind * (float(a.ear_lobe[1]) - 12.0 - y_jaw)
    neck = smoothstep(y_neck + 2.0, y_neck - 8.0, y) * (1.0 - scalp)
    cheek_line = _interp(ax, [float(a.mouth_corner[1, 0]) + 4.0, float(a.jaw_top[0]) + 2.0],
                         [float(a.alar[1, 1]) - 2.0, float(a.ear_top[1]) - hair.sideburn_mm])
    beard = (smoothstep(cheek_line + 3.0, cheek_line - 5.0, y) * smoothstep(y_jaw - 45.0, y_jaw - 25.0, y)
             * smoothstep(float(a.ear_top[2]) + 8.0, float(a.ear_top[2]) + 20.0, z)
             * (1.0 - lips) * (1.0 - nose) * (1.0 - ears))
    cols = {"forehead": forehead, "t_zone": t_zone, "nose": nose, "cheeks": cheeks, "chin": chin,
            "upper_lip": upper_lip, "lips": lips, "eyelids": lids, "under_eye": under,
            "temples": temples, "ears": ears, "neck": neck, "scalp": scalp, "brows": brows,
            "beard": beard, "skin": torch.ones_like(skin)}
    w = torch.stack([cols[n] for n in REGIONS], dim=1).clamp(0.0, 1.0) * skin[:, None]
    return RegionWeights(w)

