"""Eyelashes grown from the lid margins of the posed head (``grow_lashes``, kind ``lash``).

The kit's eyelash strips (parts ``eyelashes_left``/``_right``) are three cards per lid, each a
grid of rows in the strips' UV tile, whose root row is sewn to the lid margin; they follow every
blink and squint. Their root rows are the margin here: each lash is rooted at a fixed blend of
two neighbouring root vertices (on an edge of a strip triangle), so it rides the lid, and the
three cards give 2–3 irregular rows. A lash leaves the lid along its card (the kit's direction,
which turns with the lid) and bends away from the eyeball as it grows (``curl``): its direction
turns, about the margin, towards the outward normal of the eyeball's sphere, so the distance from
the eye only grows and no lash can pierce it (a last check pushes any point that would out of
the sphere). Per eye at ``density 1``: 150 upper and 80 lower lashes, spaced more densely and
grown longer towards the outer third (the classic lash line: short and sparse at the inner
corner, longest at two thirds, a little shorter at the outer corner), lower ones 0.6× as long and
curling less; gathered into clumps of about three near the tips; 80–120 µm at the root tapering
to about 15 µm at the tip. References: Thibaut et al. 2010 (human eyelash morphology, Br J
Dermatol 162); Na et al. 2006 (lash counts and lengths, Br J Dermatol 155).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from shotspec.color import LUMA_REC709
from shotspec.compiler.ir import CharacterIR
from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.eye_parts import eye_geometry
from shotspec.runtime.head.groom_skin import face_hair_colour, head_of, seeded, strand_colours
from shotspec.runtime.head.model import HeadData
from shotspec.runtime.head.regions import smoothstep
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.strands import Groom, StrandGroup

__all__ = ["grow_lashes", "lid_margins", "LidMargin", "LASH_POINTS", "UPPER_LASHES",
           "LOWER_LASHES", "LOWER_LENGTH", "ROOT_WIDTH_M", "LASH_DARKEN", "LashLine",
           "lash_line_of"]

LASH_POINTS = 8
UPPER_LASHES, LOWER_LASHES = 150, 80          # per eye at density 1
LOWER_LENGTH = 0.6                            # lower lashes' length relative to the upper
ROOT_WIDTH_M = (80e-6, 120e-6)
_CLUMP = 3                                    # lashes per clump
LASH_DARKEN = 0.35                            # unset colour: the hair's, darker (lashes are)
LASH_CHROMA = 0.5                             # … and half as saturated
_CLEARANCE_M = 0.3e-3                         # kept outside the eyeball's sphere by at least this
_ROW_STEP_M, _ROW_JITTER_M = 0.2e-3, 0.08e-3  # the rows' spacing across the margin, its scatter
_UPPER_LIFT_RAD, _LOWER_LIFT_RAD = math.radians(25.0), math.radians(10.0)


@dataclass(frozen=True)
class LashLine:
    """What the skin's lash line (``eye_lids``) takes from the grown lashes: their mean
    ``colour`` (3,) linear albedo and their ``density`` 0…1 (the lash count over that of
    ``density 1``)."""

    colour: torch.Tensor
    density: float


def lash_line_of(groom: Groom) -> LashLine | None:
    """The lash line of a groom's ``lash`` group, or None when it grew no lashes."""
    lashes = [g for g in groom if g.kind == "lash"]
    if not lashes:
        return None
    count = sum(len(g.points) for g in lashes)
    colour = torch.cat([g.colour for g in lashes]).double().mean(0).float()
    return LashLine(colour, min(1.0, count / (2.0 * (UPPER_LASHES + LOWER_LASHES))))


class LidMargin:
    """One lid's margin on one eye: the root rows of its strip cards, each an ordered list of
    vertex ids from the inner corner to the outer, and the vertex one row up each card."""

    def __init__(self, side: str, upper: bool, rows: list[torch.Tensor], nexts: list[torch.Tensor]):
        self.side, self.upper, self.rows, self.nexts = side, upper, rows, nexts


def _uv_of(head: HeadData, fid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Vertex ids of the triangles ``fid`` and their UV (u, v) (the largest where a vertex has
    several)."""
    vid = head.faces[fid].reshape(-1)
    uv = head.uv[head.face_uv[fid].reshape(-1)]
    ids, inv = torch.unique(vid, return_inverse=True)
    out = torch.zeros(len(ids), 2, dtype=uv.dtype, device=uv.device)
    out = out.scatter_reduce(0, inv[:, None].expand(-1, 2), uv, "amax", include_self=False)
    return ids, out[:, 0], out[:, 1]


def _cards(faces: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Which card (connected piece of ``faces`` (F, 3)) each vertex of ``ids`` (sorted) is on,
    as the smallest position in ``ids`` on its card."""
    tri = torch.searchsorted(ids, faces)
    card = torch.arange(len(ids), device=ids.device)
    while True:
        low = card[tri].min(1).values
        new = card.scatter_reduce(0, tri.reshape(-1), low.repeat_interleave(3), "amin")
        if torch.equal(new, card):
            return card
        card = new


def lid_margins(head: HeadData, rest: torch.Tensor) -> list[LidMargin]:
    """The four lid margins (right upper, right lower, left upper, left lower) from the strip
    cards of the rest mesh ``rest`` (V, 3) m. The cards are told apart by their UV bands (each
    card owns one stretch of the tile's v); a card's root row is the v row nearer the eye
    socket's skin, its upper or lower lid by where it sits against the eye's centre."""
    out = []
    for side in ("right", "left"):
        fid = (head.face_part == PART_IDS[f"eyelashes_{side}"]).nonzero()[:, 0]
        ids, u, v = _uv_of(head, fid)
        skin = rest[head.part_vertices(f"eye_socket_{side}")]
        centre = eye_geometry(head, rest, side).globe_centre_m
        band = _cards(head.faces[fid], ids)
        cards = {True: ([], []), False: ([], [])}
        for b in torch.unique(band):
            m = band == b
            rows = torch.unique(v[m])
            near = [torch.cdist(rest[ids[m & (v == r)]], skin).min(1).values.mean()
                    for r in rows[[0, -1]]]
            root_v, next_v = (rows[0], rows[1]) if near[0] < near[1] else (rows[-1], rows[-2])
            root, nxt = ids[m & (v == root_v)], ids[m & (v == next_v)]
            ru, nu = u[m & (v == root_v)], u[m & (v == next_v)]
            root = root[ru.argsort()]
            nxt = nxt[(ru.sort().values[:, None] - nu[None]).abs().argmin(1)]
            if (rest[root[0], 0] - centre[0]).abs() > (rest[root[-1], 0] - centre[0]).abs():
                root, nxt = root.flip(0), nxt.flip(0)      # the inner corner (nearer the nose) first
            upper = bool(rest[root, 1].mean() > centre[1])
            cards[upper][0].append(root)
            cards[upper][1].append(nxt)
        for upper in (True, False):
            out.append(LidMargin(side, upper, *cards[upper]))
    return out


def _inverse_cdf(pdf, n: int, jitter: torch.Tensor) -> torch.Tensor:
    """``n`` stratified samples in [0, 1] of the density ``pdf(u)`` (jitter (n,) in [0, 1))."""
    grid = torch.linspace(0.0, 1.0, 257, dtype=torch.float64)
    cdf = torch.cat((torch.zeros(1, dtype=torch.float64), torch.cumsum(pdf(grid[1:]), 0)))
    cdf = cdf / cdf[-1]
    q = (torch.arange(n, dtype=torch.float64) + jitter) / n
    i = torch.searchsorted(cdf, q).clamp(1, 256)
    f = (q - cdf[i - 1]) / (cdf[i] - cdf[i - 1]).clamp_min(1e-12)
    return grid[i - 1] + f * (grid[i] - grid[i - 1])


def _turn(d: torch.Tensor, towards: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Unit directions ``d`` (N, 3) turned by ``angle`` (N,) rad towards the unit ``towards``
    (N, 3, perpendicular to d)."""
    return d * torch.cos(angle)[:, None] + towards * torch.sin(angle)[:, None]


def _margin_roots(posed: torch.Tensor, lid: LidMargin, u: torch.Tensor,
                  card: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Roots (n, 3) at arc-length fractions ``u`` (n,) along the root rows of the cards
    ``card`` (n,) of ``lid`` on ``posed`` vertices (each a blend of two neighbouring root
    vertices), and the cards' direction there (n, 3): towards their next row, not normalised."""
    n = len(u)
    root = torch.empty(n, 3, dtype=posed.dtype)
    out = torch.empty(n, 3, dtype=posed.dtype)
    for c, (row, nxt) in enumerate(zip(lid.rows, lid.nexts)):
        m = card == c
        p, q = posed[row.cpu()], posed[nxt.cpu()]
        seg = (p[1:] - p[:-1]).norm(dim=1)
        arc = torch.cat((torch.zeros(1, dtype=posed.dtype), seg.cumsum(0))) / seg.sum()
        i = (torch.searchsorted(arc, u[m]) - 1).clamp(0, len(row) - 2)
        f = ((u[m] - arc[i]) / (arc[i + 1] - arc[i]).clamp_min(1e-12))[:, None]
        root[m] = (1 - f) * p[i] + f * p[i + 1]
        out[m] = (1 - f) * (q[i] - p[i]) + f * (q[i + 1] - p[i + 1])
    return root, out


def _lid(scene: Scene, lid: LidMargin, n: int, length_m: float, curl: float,
         gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Points (n, S, 3) and widths (n, S) of ``n`` lashes on one lid of the posed scene."""
    _, nv = head_of(scene)
    posed = scene.vertices[:nv].double().cpu()
    centre = scene.eye_centres[0 if lid.side == "left" else 1].double().cpu()
    # along the margin: denser towards the outer corner, stratified, kept off the very corners
    u = 0.04 + 0.92 * _inverse_cdf(lambda x: 0.45 + x, n,
                                   torch.rand(n, generator=gen, dtype=torch.float64))
    card = torch.randint(len(lid.rows), (n,), generator=gen)
    root, out = _margin_roots(posed, lid, u, card)
    radial = root - centre
    radial = radial / radial.norm(dim=1, keepdim=True)
    d0 = out / out.norm(dim=1, keepdim=True)
    # never start into the eye: the card's direction with any inward part removed
    d0 = d0 - (d0 * radial).sum(1, keepdim=True).clamp(max=0.0) * radial
    d0 = d0 / d0.norm(dim=1, keepdim=True)
    away = radial - (radial * d0).sum(1, keepdim=True) * d0
    away = away / away.norm(dim=1, keepdim=True).clamp_min(1e-12)
    side = torch.linalg.cross(d0, away)
    splay = math.radians(7.0) * torch.randn(n, generator=gen, dtype=torch.float64)
    d0 = _turn(d0, side, splay)
    # the cards share one root row: rows _ROW_STEP apart across the margin, a little irregular
    depth = (card.double() - 0.5 * (len(lid.rows) - 1)) * _ROW_STEP_M
    depth = depth + (_ROW_JITTER_M * torch.randn(n, generator=gen, dtype=torch.float64)).clamp(
        -_ROW_JITTER_M, _ROW_JITTER_M)
    root = root + depth[:, None] * away
    # lengths: short at the inner corner, longest at two thirds, a little shorter at the outer
    profile = (0.65 + 0.35 * smoothstep(0.05, 0.65, u)) * (1.0 - 0.12 * smoothstep(0.85, 1.0, u))
    jitter = (1.0 + 0.1 * torch.randn(n, generator=gen, dtype=torch.float64)).clamp(0.8, 1.2)
    length = length_m * (1.0 if lid.upper else LOWER_LENGTH) * profile * jitter
    # the turn away from the eye: a lift where the lash leaves the lid, then the curl
    lift, bend = (_UPPER_LIFT_RAD, 0.5 + 1.6 * curl) if lid.upper else (
        _LOWER_LIFT_RAD, 0.6 * (0.5 + 1.6 * curl))
    bend = bend * (1.0 + 0.15 * torch.randn(n, generator=gen, dtype=torch.float64))
    s = torch.linspace(0.0, 1.0, LASH_POINTS, dtype=torch.float64)
    pts = [root]
    for k in range(1, LASH_POINTS):
        mid = 0.5 * (s[k - 1] + s[k])
        step = _turn(d0, away, lift + bend * mid ** 1.2) * (length / (LASH_POINTS - 1))[:, None]
        pts.append(pts[-1] + step)
    points = torch.stack(pts, 1)
    # clumps of about three neighbours along the lid: tips drawn together
    order = u.argsort()
    clump = torch.empty(n, dtype=torch.int64)
    clump[order] = torch.arange(n) // _CLUMP
    centre_pts = torch.zeros(int(clump.max()) + 1, LASH_POINTS, 3, dtype=torch.float64)
    centre_pts = centre_pts.index_add(0, clump, points) / torch.bincount(clump)[:, None, None]
    pull = 0.3 * (s ** 2)[None, :, None]
    points = points + pull * (centre_pts[clump] - points)
    points = _outside(points, centre, _eyeball_radius_m(scene, lid.side) + _CLEARANCE_M)
    w0 = ROOT_WIDTH_M[0] + (ROOT_WIDTH_M[1] - ROOT_WIDTH_M[0]) * torch.rand(
        n, 1, generator=gen, dtype=torch.float64)
    width = w0 * (1.0 if lid.upper else 0.75) * (1.0 - 0.85 * s[None] ** 1.3)
    return points, width


def _eyeball_radius_m(scene: Scene, side: str) -> float:
    """The eyeball sphere's radius (m) of eye ``side`` on the posed scene."""
    head, nv = head_of(scene)
    return float(eye_geometry(head, scene.vertices[:nv], side).globe_radius_m)


def _outside(points: torch.Tensor, centre: torch.Tensor, radius: float) -> torch.Tensor:
    """Points (N, S, 3) pushed radially out to ``radius`` from ``centre`` where inside it."""
    d = points - centre
    r = d.norm(dim=-1, keepdim=True)
    return torch.where(r < radius, centre + d * (radius / r.clamp_min(1e-12)), points)


def grow_lashes(scene: Scene, character: CharacterIR) -> StrandGroup | None:
    """Both eyes' upper and lower lashes on the posed ``scene`` (None at ``density 0``)."""
    spec = character.lashes
    n_upper, n_lower = round(UPPER_LASHES * spec.density), round(LOWER_LASHES * spec.density)
    if n_upper + n_lower == 0:
        return None
    head, nv = head_of(scene)
    gen = seeded(character.seed, "lash")
    groups = [_lid(scene, lid, n_upper if lid.upper else n_lower, spec.length_m, spec.curl, gen)
              for lid in lid_margins(head, scene.rest[:nv]) if (n_upper if lid.upper else n_lower)]
    points = torch.cat([g[0] for g in groups]).float()
    width = torch.cat([g[1] for g in groups]).float()
    colour = face_hair_colour(spec.colour_srgb, character.seed, LASH_DARKEN)
    if spec.colour_srgb is None:
        # lashes carry more eumelanin than the scalp's hair: darker and less red
        luma = float(colour @ torch.tensor(LUMA_REC709, dtype=colour.dtype))
        colour = luma + LASH_CHROMA * (colour - luma)
    dev = scene.vertices.device
    return StrandGroup("lash", points.to(dev), width.to(dev),
                       strand_colours(colour, len(points), 0.08, gen, dev))
