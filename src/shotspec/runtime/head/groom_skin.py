"""Rooting hairs on the skin of the posed head: the ground every facial-hair grower stands on.

A hair is rooted at a point of one of the head's triangles (triangle id + barycentric
coordinates), so it moves with the skin under expression and pose. Roots are drawn on the face
part, weighted by a per-vertex density (a skin region, a brow band…), from a seeded generator on
the CPU (the same seed gives the same roots on every device). Directions are chosen in the rest
face's frame (x to the subject's left, y up, millimetres), where a groom's flow is easy to
say ("out and down"), and carried to the posed skin through each root triangle's own
deformation. ``lay_on_skin`` keeps a hair's points a chosen height above the posed surface, so
a brow hair or peach fuzz lies along the curving skin instead of leaving it in a straight line.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.color import srgb_decode
from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.model import HeadData, load_head
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.skin_albedo import hair_albedo

__all__ = ["SkinRoots", "head_of", "seeded", "sample_roots", "rest_to_posed", "lay_on_skin",
           "strand_colours", "face_hair_colour", "GROWER_SALT"]

# a separate random stream per grower (xor-ed with the character's seed)
GROWER_SALT = {"brow": 0xB120, "lash": 0x1A54, "stubble": 0x57BB, "fuzz": 0xF022}


@dataclass(frozen=True)
class SkinRoots:
    """``N`` roots on the head's triangles (ids into ``head.faces``) with barycentrics (N, 3)."""

    tri: torch.Tensor        # (N,) int64
    bary: torch.Tensor       # (N, 3)
    rest_mm: torch.Tensor    # (N, 3) on the rest (unexpressive, unposed) person, mm
    posed_m: torch.Tensor    # (N, 3) on the posed head, metres
    normal: torch.Tensor     # (N, 3) unit normal of the posed skin


def head_of(scene: Scene) -> tuple[HeadData, int]:
    """The packaged head on the scene's device and its vertex count (the scene's first ``V``
    vertices are the head's, in the model's order)."""
    head = load_head(str(scene.vertices.device))
    return head, int(head.neutral.shape[0])


def seeded(seed: int, kind: str) -> torch.Generator:
    """A CPU generator for grower ``kind`` of the character ``seed``."""
    return torch.Generator().manual_seed((int(seed) ^ GROWER_SALT[kind]) & (2**63 - 1))


def _at(values: torch.Tensor, faces: torch.Tensor, bary: torch.Tensor) -> torch.Tensor:
    """Per-vertex ``values`` (V, C) at barycentric points of ``faces`` (N, 3) → (N, C)."""
    return (values[faces] * bary[..., None]).sum(1)


def sample_roots(scene: Scene, weight: torch.Tensor, count: int, gen: torch.Generator,
                 candidates: int | None = None) -> SkinRoots:
    """``count`` roots on the face part, distributed as ``weight`` (V,) per unit area (weights
    interpolated over each triangle; any scale). ``candidates`` area-uniform points are drawn
    first (default 8 × count) and ``count`` of them chosen without replacement by weight, so
    the count is exact and a denser request only adds roots where the weight is. Only
    triangles whose three corners all have weight take roots."""
    head, nv = head_of(scene)
    dev = scene.vertices.device
    fid = (head.face_part == PART_IDS["face"]).nonzero()[:, 0]
    fid = fid[weight[head.faces[fid]].amin(1) > 0]     # every corner inside: no root strays out
    if count <= 0 or len(fid) == 0:
        return _empty(dev)
    faces = head.faces[fid]
    rest = scene.rest[:nv]
    e1, e2 = rest[faces[:, 1]] - rest[faces[:, 0]], rest[faces[:, 2]] - rest[faces[:, 0]]
    area = torch.linalg.cross(e1, e2).norm(dim=1).cpu().double()
    m = max(candidates or 8 * count, count)
    pick = torch.multinomial(area / area.sum(), m, replacement=True, generator=gen)
    r = torch.rand(m, 2, generator=gen, dtype=torch.float64)
    s = r[:, 0].sqrt()
    bary = torch.stack((1.0 - s, s * (1.0 - r[:, 1]), s * r[:, 1]), 1)
    cand = fid.cpu()[pick]
    w = _at(weight.cpu().double()[:, None], head.faces.cpu()[cand], bary)[:, 0].clamp_min(0.0)
    if float(w.sum()) <= 0.0:
        return _empty(dev)
    chosen = torch.multinomial(w, min(count, int((w > 0).sum())), replacement=False, generator=gen)
    chosen = chosen.sort().values
    tri = cand[chosen].to(dev)
    tri_faces = head.faces[tri]
    bary = bary[chosen].to(dev, scene.vertices.dtype)
    normal = _at(scene.normals[:nv], tri_faces, bary)
    return SkinRoots(tri=tri, bary=bary, rest_mm=_at(rest, tri_faces, bary) * 1000.0,
                     posed_m=_at(scene.vertices[:nv], tri_faces, bary),
                     normal=normal / normal.norm(dim=1, keepdim=True).clamp_min(1e-12))


def _empty(dev) -> SkinRoots:
    z3 = torch.zeros(0, 3, device=dev)
    return SkinRoots(torch.zeros(0, dtype=torch.int64, device=dev), z3, z3, z3, z3)


def rest_to_posed(scene: Scene, roots: SkinRoots, direction_rest: torch.Tensor) -> torch.Tensor:
    """Unit directions (N, 3) on the posed skin of rest-frame directions ``direction_rest``
    (N, 3): each is flattened onto its root triangle's rest plane, written in the triangle's
    two edges and rebuilt from the same edges of the posed triangle (so it turns and stretches
    with the skin)."""
    head, nv = head_of(scene)
    f = head.faces[roots.tri]
    rest, posed = scene.rest[:nv], scene.vertices[:nv]
    a1, a2 = rest[f[:, 1]] - rest[f[:, 0]], rest[f[:, 2]] - rest[f[:, 0]]
    b1, b2 = posed[f[:, 1]] - posed[f[:, 0]], posed[f[:, 2]] - posed[f[:, 0]]
    g11, g12, g22 = (a1 * a1).sum(1), (a1 * a2).sum(1), (a2 * a2).sum(1)
    r1, r2 = (direction_rest * a1).sum(1), (direction_rest * a2).sum(1)
    det = (g11 * g22 - g12 * g12).clamp_min(1e-30)
    alpha, beta = (g22 * r1 - g12 * r2) / det, (g11 * r2 - g12 * r1) / det
    d = alpha[:, None] * b1 + beta[:, None] * b2
    return d / d.norm(dim=1, keepdim=True).clamp_min(1e-12)


def lay_on_skin(scene: Scene, points: torch.Tensor, height_m: torch.Tensor,
                near: torch.Tensor) -> torch.Tensor:
    """``points`` (N, S, 3) moved along the skin's normal to ``height_m`` (N, S) above the
    posed surface, the surface near each point taken as the tangent plane of its nearest skin
    vertex among ``near`` (vertex ids). The root (point 0) is left where it is."""
    _, nv = head_of(scene)
    verts, normals = scene.vertices[:nv][near], scene.normals[:nv][near]
    n, s, _ = points.shape
    flat = points[:, 1:].reshape(-1, 3)
    nearest = torch.cdist(flat, verts).argmin(1)
    v, nrm = verts[nearest], normals[nearest]
    above = ((flat - v) * nrm).sum(1)
    moved = flat + (height_m[:, 1:].reshape(-1) - above)[:, None] * nrm
    return torch.cat((points[:, :1], moved.view(n, s - 1, 3)), 1)


def face_hair_colour(colour_srgb: tuple[float, float, float] | None, seed: int,
                     darken: float = 1.0) -> torch.Tensor:
    """(3,) linear albedo of a kind of facial hair: the spec's sRGB colour, or when unset the
    character's hair colour drawn from its seed (``skin_albedo.hair_albedo``: the colour the
    painted brows and the hair already have) times ``darken``."""
    if colour_srgb is not None:
        return torch.tensor([srgb_decode(float(x)) for x in colour_srgb], dtype=torch.float64)
    return hair_albedo(seed, "cpu").double() * darken


def strand_colours(linear: torch.Tensor, n: int, spread: float, gen: torch.Generator,
                   device) -> torch.Tensor:
    """(n, 3) linear albedos around the linear colour ``linear`` (3,), each strand's brightness
    varied by a factor within ±``spread`` (real hairs of one kind differ a little in pigment)."""
    k = 1.0 + spread * (2.0 * torch.rand(n, 1, generator=gen, dtype=torch.float64) - 1.0)
    return (linear.double().cpu()[None] * k).clamp(0.0, 1.0).float().to(device)
