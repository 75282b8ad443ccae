"""A torso in a garment that hides the scanned head's neck cut in every framing.

The kit's skin is one manifold except for an open cut at the bottom of the neck (a saddle-shaped
loop from the sternal notch, y ≈ −0.23 m, over the trapezius to the nape). ``torso_mesh`` finds
that loop from the topology, fits a garment to the *posed* neck around it and closes the
garment into one watertight surface: a collar band that follows the neck skin from the cut up
to its top edge (offset along the skin's normals by the garment's ease), rolled over and
tucked inside the neck, shoulders and a chest that fall from the cut to a closed bottom. The
cut loop then lies inside a closed surface that every camera sees from outside, so any line of
sight to it crosses the garment first — whatever the yaw, pitch, distance or lens.
A shirt collar adds an open fold-over leaf with two points over the stand.

Also here, shared with the hair shell: the ``Mesh`` record, vertex normals, a vectorised
Möller–Trumbore ray–triangle test and the generalised winding number (inside/outside).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import torch

from shotspec.head_facts import PART_IDS, TORSO_BOTTOM_M
from shotspec.runtime.head.model import HeadData
from shotspec.runtime.rows import unique_rows

__all__ = ["Mesh", "torso_mesh", "garment_parts", "neck_cut_loop", "collar_edge",
           "vertex_normals", "ray_triangle_t", "winding_number", "COLLAR_STYLES",
           "TORSO_BOTTOM_M"]

COLLAR_STYLES = ("crew", "shirt")
# the torso ends (closed) this far below the eyes: mid-chest, out of any head-and-shoulders frame
_EASE_M = 0.004            # garment clearance over the neck skin, along the skin normal
_CLOTH_M = 0.0025          # fabric thickness at the collar's rolled edge
_TUCK_M = 0.006            # how deep the collar's inner lip tucks inside the neck skin
_BAND_ROWS = 8
# collar top above the cut (m) at the front and at the back of the neck, per style
_COLLAR_HEIGHT = {"crew": (0.018, 0.026), "shirt": (0.030, 0.040)}
_COLLAR_MIN_M = 0.012
# torso rows: (height at the front, extra height at the sides, half-width in units of the
# cut loop's half-width, front and back extent from the neck centre (m), superellipse power)
_TORSO_ROWS = ((-0.245, 0.025, 1.45, 0.095, 0.100, 2.2),
               (-0.290, 0.012, 1.72, 0.122, 0.106, 2.8),
               (-0.350, 0.000, 1.80, 0.135, 0.108, 3.0),
               (-0.450, 0.000, 1.70, 0.140, 0.104, 3.0),
               (-0.600, 0.000, 1.55, 0.130, 0.098, 2.8),
               (TORSO_BOTTOM_M, 0.000, 1.50, 0.120, 0.094, 2.8))


@dataclass(frozen=True)
class Mesh:
    """A triangle mesh for the rasterizer. ``uv`` (N, 2) is in metres along the surface (a cloth
    weave or strand pattern keeps its physical size); ``tangents`` (N, 3) and ``alpha`` (N,)
    are optional per-vertex attributes (hair strand direction, coverage)."""

    vertices: torch.Tensor                 # (N, 3) m
    faces: torch.Tensor                    # (M, 3) int64, counter-clockwise seen from outside
    uv: torch.Tensor                       # (N, 2) m
    material: str
    normals: torch.Tensor | None = None    # (N, 3) unit
    tangents: torch.Tensor | None = None   # (N, 3) unit
    alpha: torch.Tensor | None = None      # (N,) coverage in [0, 1]


def vertex_normals(vertices: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """Area-weighted unit vertex normals (N, 3) of a counter-clockwise mesh.

    Summed per vertex by a stable sort and a float64 running sum (no atomic adds), so the
    result is bit-identical run to run on any device."""
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    fn = torch.linalg.cross(b - a, c - a).double()
    corner = faces.T.reshape(-1)
    order = torch.argsort(corner, stable=True)
    run = torch.cat([torch.zeros_like(fn[:1]), fn.repeat(3, 1)[order].cumsum(0)])
    ids = torch.arange(len(vertices), device=faces.device)
    lo = torch.searchsorted(corner[order], ids)
    hi = torch.searchsorted(corner[order], ids, right=True)
    n = (run[hi] - run[lo]).to(vertices.dtype)
    return n / n.norm(dim=1, keepdim=True).clamp(min=1e-12)


def ray_triangle_t(origins: torch.Tensor, dirs: torch.Tensor, tris: torch.Tensor,
                   chunk: int = 1 << 22) -> torch.Tensor:
    """Möller–Trumbore: ray parameter t (R, T) of each ray ``origins + t dirs`` (R, 3) against
    each triangle ``tris`` (T, 3, 3); ``inf`` where the ray misses (either side counts)."""
    e1, e2 = tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    out = []
    step = max(1, chunk // max(1, len(tris)))
    for lo in range(0, len(origins), step):
        o, d = origins[lo:lo + step, None], dirs[lo:lo + step, None]
        p = torch.linalg.cross(d.expand(-1, len(tris), -1), e2[None].expand(len(o), -1, -1))
        det = (e1[None] * p).sum(-1)
        ok = det.abs() > 1e-14
        inv = 1.0 / torch.where(ok, det, torch.ones_like(det))
        s = o - tris[None, :, 0]
        u = (s * p).sum(-1) * inv
        q = torch.linalg.cross(s, e1[None].expand(len(o), -1, -1))
        w = (d * q).sum(-1) * inv
        t = (e2[None] * q).sum(-1) * inv
        hit = ok & (u >= 0) & (w >= 0) & (u + w <= 1) & (t > 0)
        out.append(torch.where(hit, t, torch.full_like(t, math.inf)))
    return torch.cat(out)


def winding_number(points: torch.Tensor, vertices: torch.Tensor,
                   faces: torch.Tensor) -> torch.Tensor:
    """Generalised winding number (P,) of points (P, 3) for a closed mesh: 1 inside, 0 outside
    (Jacobson et al. 2013: the solid angles of the triangles, summed, over 4π)."""
    tri = [vertices[faces[:, i]].double()[None] for i in range(3)]
    out = []
    step = max(1, (1 << 21) // max(1, len(faces)))
    for lo in range(0, len(points), step):
        p = points[lo:lo + step].double()[:, None]
        a, b, c = (t - p for t in tri)
        la, lb, lc = a.norm(dim=-1), b.norm(dim=-1), c.norm(dim=-1)
        num = (a * torch.linalg.cross(b, c)).sum(-1)
        den = la * lb * lc + (a * b).sum(-1) * lc + (b * c).sum(-1) * la + (c * a).sum(-1) * lb
        out.append((2.0 * torch.atan2(num, den)).sum(1) / (4.0 * math.pi))
    return torch.cat(out)


def neck_cut_loop(head: HeadData) -> torch.Tensor:
    """Vertex ids (L,) of the skin's boundary loop at the bottom of the neck, in loop order.

    The skin (face + head_neck parts) has boundary edges (used by one triangle) around the
    eyes, the mouth and the neck cut; the loop with the lowest mean height is the cut.
    """
    skin = (head.face_part == PART_IDS["face"]) | (head.face_part == PART_IDS["head_neck"])
    f = head.faces[skin]
    e = torch.sort(torch.cat([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), dim=1).values
    edges, count = unique_rows(e, return_counts=True)
    nbrs: dict[int, list[int]] = {}
    for a, b in edges[count == 1].tolist():
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    loops, seen = [], set()
    for start in sorted(nbrs):
        if start in seen:
            continue
        loop, prev, cur = [start], -1, start
        seen.add(start)
        while True:
            nxt = [n for n in nbrs[cur] if n != prev and n not in seen]
            if not nxt:
                break
            prev, cur = cur, nxt[0]
            loop.append(cur)
            seen.add(cur)
        loops.append(loop)
    y = head.neutral[:, 1]
    lowest = min(loops, key=lambda lp: float(y[lp].mean()))
    return torch.tensor(lowest, dtype=torch.int64, device=head.faces.device)


def _neck_hits(origin: torch.Tensor, dirs: torch.Tensor, tris: torch.Tensor,
               fallback: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Nearest skin hit (N, 3) of rays from inside the neck and the skin's outward normal there;
    rays that miss keep ``fallback`` (N, 3) with a horizontal outward normal."""
    t = ray_triangle_t(origin, dirs, tris)
    tmin, k = t.min(1)
    hit = torch.isfinite(tmin)
    fn = torch.linalg.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])[k]
    fn = fn / fn.norm(dim=1, keepdim=True).clamp(min=1e-12)
    fn = torch.where(((fn * dirs).sum(1) < 0)[:, None], -fn, fn)
    p = torch.where(hit[:, None], origin + tmin[:, None] * dirs, fallback)
    n = torch.where(hit[:, None], fn, dirs)
    return p, n


def _grid_faces(rows: int, cols: int, start: int, device) -> torch.Tensor:
    """Two triangles per quad between consecutive rows of ``cols`` vertices (row-major from
    ``start``), columns not wrapped (a closed ring repeats its first column at its end)."""
    r = torch.arange(rows - 1, device=device)[:, None]
    c = torch.arange(cols - 1, device=device)[None]
    a = start + r * cols + c
    b, a2 = a + 1, a + cols
    b2 = a2 + 1
    return torch.cat([torch.stack([a, a2, b], -1), torch.stack([b, a2, b2], -1)]).reshape(-1, 3)


def _fan(centre: int, ring_start: int, cols: int, device, top: bool) -> torch.Tensor:
    """Triangles from a centre vertex to a ring of ``cols`` vertices (first == last)."""
    a = ring_start + torch.arange(cols - 1, device=device)
    c = torch.full_like(a, centre)
    return torch.stack([c, a, a + 1] if top else [c, a + 1, a], -1)


def _arc_uv(grid: torch.Tensor) -> torch.Tensor:
    """(R, C, 2) metres: arc length along each ring (u) and down each column (v)."""
    du = (grid[:, 1:] - grid[:, :-1]).norm(dim=-1)
    dv = (grid[1:] - grid[:-1]).norm(dim=-1)
    u = torch.cat([torch.zeros_like(du[:, :1]), du.cumsum(1)], 1)
    v = torch.cat([torch.zeros_like(dv[:1]), dv.cumsum(0)], 0)
    return torch.stack([u, v], -1)


def _superellipse_r(theta: torch.Tensor, half_width: float, front: float, back: float,
                    power: float) -> torch.Tensor:
    """Polar radius of a superellipse around the neck centre: x extent ``half_width``, +z
    extent ``front``, −z extent ``back``."""
    depth = torch.where(torch.cos(theta) >= 0, torch.full_like(theta, front),
                        torch.full_like(theta, back))
    s = (torch.sin(theta).abs() / half_width) ** power + (torch.cos(theta).abs() / depth) ** power
    return s ** (-1.0 / power)


def torso_mesh(head_vertices: torch.Tensor, head: HeadData, *, seed: int,
               style: str | None = None) -> Mesh:
    """The garment-clad torso fitted to posed head vertices (V, 3) m, as one mesh for the
    rasterizer (the closed body first, then a shirt collar's leaf); see ``garment_parts``."""
    parts = garment_parts(head_vertices, head, seed=seed, style=style)
    if len(parts) == 1:
        return parts[0]
    offsets = [0]
    for m in parts[:-1]:
        offsets.append(offsets[-1] + len(m.vertices))
    return Mesh(torch.cat([m.vertices for m in parts]),
                torch.cat([m.faces + o for m, o in zip(parts, offsets)]),
                torch.cat([m.uv for m in parts]), parts[0].material,
                normals=torch.cat([m.normals for m in parts]))


def garment_parts(head_vertices: torch.Tensor, head: HeadData, *, seed: int,
                  style: str | None = None) -> tuple[Mesh, ...]:
    """The garment fitted to posed head vertices (V, 3) m: ``(body,)`` or, for a shirt
    collar, ``(body, collar_leaf)``.

    ``body`` is watertight: the cut loop lies inside it with at least the ease (4 mm) of
    clearance; the collar's top edge stands ``_COLLAR_HEIGHT`` above the cut at the front and
    at the nape (crew 18 / 26 mm, shirt stand 30 / 40 mm), sloping between them and never
    under 12 mm above the cut. ``seed`` draws the build (shoulder width, chest depth ±5 %),
    the collar height (±10 %) and, when ``style`` is None, the collar style.
    """
    rng = random.Random(0x7A5D0 ^ (int(seed) & 0xFFFFFFFFFFFF))
    style = style or rng.choice(COLLAR_STYLES)
    if style not in COLLAR_STYLES:
        raise ValueError(f"unknown collar style {style!r}; expected one of {COLLAR_STYLES}")
    build, depth, tall = rng.uniform(0.95, 1.05), rng.uniform(0.95, 1.05), rng.uniform(0.9, 1.1)
    dev, v = head_vertices.device, head_vertices.float()
    loop = neck_cut_loop(head).to(dev)
    ring = v[loop]
    x0, z0 = ring[:, 0].mean(), ring[:, 2].mean()
    # columns: every loop vertex and every loop edge's midpoint, in angle order round the neck
    cut = torch.stack([ring, 0.5 * (ring + ring.roll(-1, 0))], 1).reshape(-1, 3)
    theta = torch.atan2(cut[:, 0] - x0, cut[:, 2] - z0)
    order = torch.argsort(theta)
    cut, theta = cut[order], theta[order]
    tangent = cut.roll(-1, 0) - cut.roll(1, 0)
    side = torch.stack([tangent[:, 2], torch.zeros_like(theta), -tangent[:, 0]], 1)
    side = side / side.norm(dim=1, keepdim=True)
    out = torch.stack([torch.sin(theta), torch.zeros_like(theta), torch.cos(theta)], 1)
    side = torch.where(((side * out).sum(1) < 0)[:, None], -side, side)   # the loop's outward
    cut, theta, out, side = (torch.cat([t, t[:1]]) for t in (cut, theta, out, side))
    theta[-1] += 2.0 * math.pi
    r_cut = torch.hypot(cut[:, 0] - x0, cut[:, 2] - z0)
    y_cut = cut[:, 1]
    up = torch.tensor([0.0, 1.0, 0.0], device=dev)
    axis = torch.stack([x0, torch.zeros_like(x0), z0])

    skin = (head.face_part == PART_IDS["face"]) | (head.face_part == PART_IDS["head_neck"])
    tris = v[head.faces[skin]]
    tris = tris[tris[:, :, 1].min(1).values < float(y_cut.max()) + 0.08]
    h_front, h_back = (tall * h for h in _COLLAR_HEIGHT[style])
    # the collar's edge runs on a slope from the front of the neck up to the nape (a
    # neckline, not the cut's saddle over the trapezius), never less than _COLLAR_MIN_M over
    # the cut
    y_front = y_cut[torch.cos(theta).argmax()] + h_front
    y_back = y_cut[torch.cos(theta).argmin()] + h_back
    slope = y_front + (y_back - y_front) * (1.0 - torch.cos(theta)) / 2.0
    top_h = torch.clamp(slope - y_cut, min=_COLLAR_MIN_M)

    def skin_at(h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        origin = axis + (y_cut + h)[:, None] * up
        return _neck_hits(origin, out, tris, origin + r_cut[:, None] * out)

    band, normals = [], []
    for i in range(_BAND_ROWS):
        p, nrm = skin_at(top_h + (0.006 - top_h) * i / (_BAND_ROWS - 1))
        band.append(p + _EASE_M * nrm)
        normals.append(nrm)
    top, n_top = band[0] - _EASE_M * normals[0], normals[0]
    roll = top + (_EASE_M - 0.5 * _CLOTH_M) * n_top + (0.5 * _CLOTH_M + 5e-4) * up
    inner = top + (_EASE_M - _CLOTH_M) * n_top
    # the inner lip: just under the top edge, tucked horizontally inside the neck (along the
    # skin's normal it would slide under the trapezius' near-level shelf instead)
    lip = top - _TUCK_M * out - 0.002 * up
    # round the cut itself: just above it and just below, clear of it along the loop's normal
    over = cut + (_EASE_M + 0.003) * side + 0.003 * up
    skirt = cut + (_EASE_M + 0.006) * side - 0.008 * up
    rows = [lip, inner, roll] + band + [over, skirt]

    half_w = float((ring[:, 0] - x0).abs().max())
    for y_front, lift, aw, front, back, power in _TORSO_ROWS:
        r = _superellipse_r(theta, aw * half_w * build, front * depth, back * depth, power)
        y = torch.full_like(theta, y_front) + lift * torch.sin(theta) ** 2
        r = torch.maximum(r, r_cut + _EASE_M + 0.012)
        y = torch.minimum(y, y_cut - 0.018)
        rows.append(axis + y[:, None] * up + r[:, None] * out)
    grid = torch.stack(rows)                                   # (R, C + 1, 3)
    rr, cc = grid.shape[:2]
    top_centre = torch.stack([x0, lip[:, 1].mean(), z0])[None]
    bottom_centre = torch.stack([x0, grid[-1, :, 1].mean(), z0])[None]
    verts = torch.cat([grid.reshape(-1, 3), top_centre, bottom_centre])
    faces = torch.cat([_grid_faces(rr, cc, 0, dev),
                       _fan(rr * cc, 0, cc, dev, top=True),
                       _fan(rr * cc + 1, (rr - 1) * cc, cc, dev, top=False)])
    faces = _outward(verts, faces)
    nrm = vertex_normals(verts, faces)
    seam = torch.arange(rr, device=dev) * cc
    both = nrm[seam] + nrm[seam + cc - 1]
    nrm[seam] = nrm[seam + cc - 1] = both / both.norm(dim=1, keepdim=True)
    uv = torch.cat([_arc_uv(grid).reshape(-1, 2), torch.zeros(2, 2, device=dev)])
    body = Mesh(verts, faces, uv, f"garment_{style}", normals=nrm)
    if style == "crew":
        return (body,)
    return body, _collar_leaf(grid, nrm[: rr * cc].reshape(rr, cc, 3), theta)


def collar_edge(body: Mesh) -> torch.Tensor:
    """(C, 3) the rolled top edge of a garment made by ``torso_mesh`` (its third ring)."""
    cols = int((body.faces[:, 0] == len(body.vertices) - 2).sum()) + 1
    return body.vertices[2 * cols:3 * cols]


def _outward(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """``faces`` wound so the closed surface's signed volume is positive (normals outward)."""
    a, b, c = (verts[faces[:, i]].double() for i in range(3))
    volume = (a * torch.linalg.cross(b, c)).sum() / 6.0
    return faces if volume > 0 else faces[:, [0, 2, 1]]


def _collar_leaf(grid: torch.Tensor, normals: torch.Tensor, theta: torch.Tensor) -> Mesh:
    """The fold-over leaf of a shirt collar: from the stand's rolled edge down over the
    garment, 2–5 mm off it, 38 mm deep at the back and 55 mm at the two points, open 14° either
    side of the front; two-sided (a second, reversed sheet 0.8 mm beneath)."""
    keep = torch.nonzero(torch.cos(theta[:-1]) < math.cos(math.radians(14.0)))[:, 0]
    keep = torch.cat([keep[theta[keep] >= 0], keep[theta[keep] < 0]])   # one run round the back
    col = grid[2:, keep]                                     # from the rolled edge down
    nrm = normals[2:, keep]
    seg = (col[1:] - col[:-1]).norm(dim=-1)
    arc = torch.cat([torch.zeros_like(seg[:1]), seg.cumsum(0)])
    front = torch.cos(theta[keep]).clamp(min=0.0)
    length = 0.038 + 0.017 * front ** 4
    rows = []
    for k in range(6):
        s = length * k / 5.0
        j = torch.searchsorted(arc.T.contiguous(), s[:, None]).clamp(1, len(arc) - 1)[:, 0]
        i = torch.arange(len(keep), device=grid.device)
        w = ((s - arc[j - 1, i]) / (arc[j, i] - arc[j - 1, i]).clamp(min=1e-9))[:, None]
        p = col[j - 1, i] + w * (col[j, i] - col[j - 1, i])
        q = nrm[j - 1, i] + w * (nrm[j, i] - nrm[j - 1, i])
        rows.append(p + (0.002 + 0.003 * k / 5.0) * q / q.norm(dim=1, keepdim=True))
    sheet = torch.stack(rows)
    r, c = sheet.shape[:2]
    f = _grid_faces(r, c, 0, grid.device)
    flat = sheet.reshape(-1, 3)
    n_out = vertex_normals(flat, f)
    if float((n_out * nrm[0].repeat(r, 1)).sum()) < 0:
        f = f[:, [0, 2, 1]]
        n_out = -n_out
    verts = torch.cat([flat, flat - 8e-4 * n_out])
    faces = torch.cat([f, f[:, [0, 2, 1]] + len(flat)])
    uv = _arc_uv(sheet).reshape(-1, 2).repeat(2, 1)
    return Mesh(verts, faces, uv, "garment_shirt", normals=torch.cat([n_out, -n_out]))
