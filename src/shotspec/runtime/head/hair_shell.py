"""The hair shell: the scalp *under* the strands, so a head of strands reads as dense hair.

With scalp hair drawn as strands (``groom_scalp``), the shell is no longer the hair's volume: it
is a thin sheet (0.2–1 mm) over the hair-bearing skin (above a hairline measured from the brow
landmarks, around the ears, down to the nape) carrying the colour a viewer sees *between* the
strands: for ``short``, ``long`` and ``tied_back`` the hair's own shadowed under-layer (its fibre
albedo at half), for ``buzz`` the grey-blue tint of shaved skin with the stubs in it (skin and
hair half and half). Without it the strands' gaps would show bare, bright scalp and the hair
would read thin at any density. It is too thin to have a silhouette of its own; ``none``
(bald) draws no shell. Each vertex carries the strand direction (combed back on top, down at
the sides and back; tangent to the shell, for the Kajiya–Kay sheen) and a coverage that fades
to 0 over the last 6 mm at the hairline. The hairline wanders (seeded sinusoids round the head
plus a per-vertex jitter), never a straight line; the scalp grower roots its strands in the
same region (``hair_coverage``).

Which skin vertices carry hair is decided on the neutral mesh (the region follows the vertex
ids through any identity, expression and pose); the geometry comes from the posed vertices.
"""

from __future__ import annotations

import math
import random

import torch

from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.model import HeadData
from shotspec.runtime.rows import unique_rows
from shotspec.runtime.head.wardrobe import Mesh, vertex_normals

__all__ = ["hair_shell", "hair_coverage", "shell_albedo", "skin_faces", "rest_to_posed", "SHELL_FROM_COVER",
           "comb_direction", "HAIR_STYLES", "HAIRLINE_SOFT_M"]

# style -> (the shell's full depth over the skin (m), how much of its colour is the hair's:
# the rest is the skin's)
HAIR_STYLES = {"buzz": (0.0002, 0.5), "short": (0.0008, 1.0), "long": (0.0010, 1.0),
               "tied_back": (0.0005, 1.0)}
_UNDER_LAYER = 0.5          # the under-layer's albedo: the fibres' own, in the others' shadow
HAIRLINE_SOFT_M = 0.006     # coverage ramps 0 → 1 over this inset from the region's edge
_RAMP_M = 0.020             # thickness ramps to full over this inset from the region's edge
_EDGE_M = 2e-4              # shell depth at the hairline
SHELL_FROM_COVER = 0.999    # the shell covers only full-coverage scalp: the strands make the hairline
_UNDER_M = 1.5e-4           # the inner sheet's clearance over the skin
_EAR_CLEAR_M = 0.017        # no hair within this distance of the ear's helix–lobe line
_EAR_LIFT_M = 0.008         # … extended this far above the helix
# hairline height round the head: (angle from the front, deg; height as (reference, offset m))
# reference "front" = brow + forehead height, "brow" = brow landmarks, "eye" = the eye point
_HAIRLINE = ((0.0, "front", 0.000), (30.0, "front", 0.002), (50.0, "front", -0.010),
             (65.0, "brow", 0.010), (78.0, "eye", -0.010), (90.0, "eye", -0.028),
             (120.0, "eye", -0.060), (150.0, "eye", -0.085), (180.0, "eye", -0.090))
_WAVES = ((7, 0.0025), (13, 0.0015), (23, 0.0010), (37, 0.0006))   # (cycles round, amplitude m)
_JITTER_M = 0.0008
_EAR_IDS = ((7571, 7850), (6844, 7123))   # helix top and lobe of each ear (head_facts picks)


def _smoothstep(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def skin_faces(head: HeadData) -> torch.Tensor:
    keep = (head.face_part == PART_IDS["face"]) | (head.face_part == PART_IDS["head_neck"])
    return head.faces[keep]


def _segment_distance(p: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    ab = b - a
    t = (((p - a) @ ab) / (ab @ ab)).clamp(0.0, 1.0)
    return (p - a - t[:, None] * ab).norm(dim=1)


def hair_coverage(head: HeadData, *, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-vertex hair coverage (V,) in [0, 1] and inset (V,) m, decided on the neutral mesh:
    the inset is how far a vertex lies inside the hair region's edge (its height above the
    hairline, or its distance beyond the ears' clearance where that is less; −1 off the
    skin); the coverage rises from 0 to 1 over the first 6 mm of inset. The forehead height
    (brow landmarks 17–26 to the hairline) is drawn from 52–62 mm by ``seed``, as are the
    hairline's wander and jitter."""
    rng = random.Random(0x4A1E ^ (int(seed) & 0xFFFFFFFFFFFF))
    v = head.neutral.double().cpu()            # decided once, on the CPU, for any device
    skin = torch.unique(skin_faces(head)).cpu()
    brow_y = float(v[head.landmarks68[17:27].cpu(), 1].mean())
    front_y = brow_y + rng.uniform(0.052, 0.062)
    ref = {"front": front_y, "brow": brow_y, "eye": 0.0}
    upper = v[skin][v[skin][:, 1] > brow_y]
    z_c = 0.5 * float(upper[:, 2].min() + upper[:, 2].max())
    p = v[skin]
    phi = torch.atan2(p[:, 0], p[:, 2] - z_c)
    deg = phi.abs() * (180.0 / math.pi)
    knots = torch.tensor([a for a, _, _ in _HAIRLINE], dtype=v.dtype)
    heights = torch.tensor([ref[r] + o for _, r, o in _HAIRLINE], dtype=v.dtype)
    j = torch.searchsorted(knots, deg.contiguous()).clamp(1, len(knots) - 1)
    w = (deg - knots[j - 1]) / (knots[j] - knots[j - 1])
    line = heights[j - 1] + _smoothstep(w) * (heights[j] - heights[j - 1])
    for cycles, amp in _WAVES:
        line = line + amp * torch.sin(cycles * phi + rng.uniform(0.0, 2.0 * math.pi))
    g = torch.Generator().manual_seed(rng.getrandbits(63))
    line = line + _JITTER_M * (2.0 * torch.rand(len(p), generator=g, dtype=v.dtype) - 1.0)
    inset = p[:, 1] - line
    for top_id, lobe_id in _EAR_IDS:
        top, lobe = v[top_id], v[lobe_id]
        lifted = top + _EAR_LIFT_M * (top - lobe) / (top - lobe).norm()
        inset = torch.minimum(inset, _segment_distance(p, lifted, lobe) - _EAR_CLEAR_M)
    full = torch.zeros(len(v), dtype=v.dtype)
    depth = torch.full((len(v),), -1.0, dtype=v.dtype)
    full[skin], depth[skin] = _smoothstep(inset / HAIRLINE_SOFT_M), inset
    return full.float(), depth.float()


def rest_to_posed(head: HeadData, posed: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """(3, 3) rotation taking the neutral head's frame to the posed head's (Kabsch on the
    cranium vertices ``ids``), so the comb direction turns with the head."""
    a = head.neutral[ids].double()
    b = posed[ids].double()
    h = (a - a.mean(0)).T @ (b - b.mean(0))
    u, _, vt = torch.linalg.svd(h.cpu())
    d = torch.sign(torch.det(vt.T @ u.T))
    fix = torch.diag(torch.tensor([1.0, 1.0, float(d)], dtype=torch.float64))
    return (vt.T @ fix @ u.T).to(posed.device)


def comb_direction(normals_rest: torch.Tensor, x_rest: torch.Tensor,
                   z_rest: torch.Tensor | None = None) -> torch.Tensor:
    """Strand direction in the rest frame (N, 3): back over the top, down the sides and back,
    swept a little away from the face at the temples (ahead of the head's middle when the
    rest depth ``z_rest`` is given; there is no seam down the back)."""
    up = normals_rest[:, 1].clamp(0.0, 1.0)[:, None]
    back = torch.tensor([0.0, 0.0, -1.0], dtype=normals_rest.dtype, device=normals_rest.device)
    down = torch.tensor([0.0, -1.0, 0.0], dtype=normals_rest.dtype, device=normals_rest.device)
    side = torch.zeros_like(normals_rest)
    side[:, 0] = torch.sign(x_rest) * 0.3
    if z_rest is not None:
        side = side * torch.sigmoid((z_rest - z_rest.mean()) / 0.01)[:, None]
    return up * back + (1.0 - up) * (down + 0.5 * back) + (1.0 - up) * side


def shell_albedo(style: str, hair_rgb: torch.Tensor, skin_rgb: torch.Tensor) -> torch.Tensor:
    """(3,) linear colour of the shell for a style, from the fibres' albedo ``hair_rgb`` (3,)
    and the skin's ``skin_rgb`` (3,): the hair's under-layer, or for a buzz cut the skin
    tinted by the stubs in it."""
    _, share = HAIR_STYLES[style]
    return _UNDER_LAYER * hair_rgb * share + skin_rgb * (1.0 - share) * 0.9


def hair_shell(head_vertices: torch.Tensor, head: HeadData, *, style: str = "short",
               seed: int) -> Mesh:
    """The scalp sheet under the strands, on posed head vertices (V, 3) m.

    ``style`` (``HAIR_STYLES``; not ``none``) sets its depth over the skin (buzz 0.2 mm … long
    1 mm). It covers the fully covered scalp only (``SHELL_FROM_COVER``): the strands make the
    hairline. The mesh's ``alpha`` is the coverage (1 nearly everywhere on it),
    ``tangents`` the strand direction, ``uv`` the rest-pose surface position (m) for
    strand-noise lookups. Material ``hair_<style>``.
    """
    if style not in HAIR_STYLES:
        raise ValueError(f"unknown hair style {style!r}; expected one of {tuple(HAIR_STYLES)}")
    depth = HAIR_STYLES[style][0]
    dev, v = head_vertices.device, head_vertices.float()
    cover, inset = (t.to(dev) for t in hair_coverage(head, seed=seed))
    region = skin_faces(head).to(dev)
    normals = vertex_normals(v, region)
    faces = region[(cover[region] >= SHELL_FROM_COVER).all(1)]
    ids, local = torch.unique(faces, return_inverse=True)
    ramp = _smoothstep(inset[ids] / _RAMP_M)
    thick = _EDGE_M + (max(depth, _EDGE_M) - _EDGE_M) * ramp
    n = normals[ids]
    outer = v[ids] + thick[:, None] * n
    inner = v[ids] + _UNDER_M * n
    m = len(ids)
    # the rim: boundary edges of the region (used by one of its triangles), kept in the
    # triangles' winding so the wall faces outward
    e = torch.cat([local[:, [0, 1]], local[:, [1, 2]], local[:, [2, 0]]])
    key = torch.sort(e, dim=1).values
    _, inv, count = unique_rows(key, return_inverse=True, return_counts=True)
    rim = e[count[inv] == 1]
    a, b = rim[:, 0], rim[:, 1]
    wall = torch.cat([torch.stack([a, b + m, b], 1), torch.stack([a, a + m, b + m], 1)])
    all_faces = torch.cat([local, local[:, [0, 2, 1]] + m, wall])
    verts = torch.cat([outer, inner])

    rest_ids = ids[head.neutral[ids.cpu(), 1].to(dev) > 0.03]
    rot = rest_to_posed(head, v, rest_ids).float()
    rest_normals = vertex_normals(head.neutral.to(dev), region)[ids]
    comb = comb_direction(rest_normals, head.neutral[ids.cpu(), 0].to(dev)) @ rot.T
    out_n = vertex_normals(outer, local)
    tangent = comb - (comb * out_n).sum(1, keepdim=True) * out_n
    tangent = tangent / tangent.norm(dim=1, keepdim=True).clamp(min=1e-9)
    rest = head.neutral[ids.cpu()].to(dev)
    z_c = float(rest[:, 2].mean())
    uv = torch.stack([torch.atan2(rest[:, 0], rest[:, 2] - z_c) * 0.09, rest[:, 1]], 1)
    alpha = cover[ids]
    return Mesh(verts, all_faces, uv.repeat(2, 1), f"hair_{style}",
                normals=torch.cat([out_n, -normals[ids]]), tangents=tangent.repeat(2, 1),
                alpha=alpha.repeat(2))
