"""The scalp grower: strands rooted on the hair-bearing scalp, as many as the density asks, in
the shape of their style, outside the head, seeded."""

from __future__ import annotations

import pytest
import torch

from shotspec.compiler.hair_pigment import hair_colour_albedo
from shotspec.compiler.ir import CameraIR, CharacterIR, HairIR
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.groom import grow_groom
from shotspec.runtime.head.groom_scalp import BUDGET, grow_scalp, scalp_roots
from shotspec.runtime.head.hair_shell import _EAR_IDS, hair_coverage, skin_faces
from shotspec.runtime.head.scene import MATERIALS
from shotspec.runtime.head.wardrobe import vertex_normals

_SCENES: dict = {}


def grown(style: str, density: float = 0.3, seed: int = 3, **hair):
    character = CharacterIR(name="m", seed=seed, hair=HairIR(style=style, density=density, **hair))
    key = (seed,)
    if key not in _SCENES:
        _SCENES[key] = build_scene(CharacterIR(name="m", seed=seed), CameraIR())
    return _SCENES[key], grow_scalp(_SCENES[key], character)


def nearest(points: torch.Tensor, verts: torch.Tensor) -> torch.Tensor:
    """Index of the nearest of ``verts`` to each point (chunked)."""
    out = []
    for a in range(0, len(points), 4096):
        out.append(torch.cdist(points[a:a + 4096], verts).argmin(1))
    return torch.cat(out)


def skin(head, scene):
    ids = torch.unique(skin_faces(head))
    return ids, scene.vertices[ids]


def test_strand_count_follows_density_within_the_budget(head):
    counts = {d: grown("short", d)[1].count for d in (0.2, 0.4, 0.6)}
    # terminal hairs grow linearly with density (the vellus along the hairline stay constant)
    assert (counts[0.6] - counts[0.2]) / (counts[0.4] - counts[0.2]) == pytest.approx(2.0, abs=0.1)
    assert counts[0.6] > 2.2 * counts[0.2]
    full = grown("long", 1.0)[1]
    assert full.count <= BUDGET["long"][0] * 1.08 and full.points.shape[1] == BUDGET["long"][1]
    assert grown("short", 0.0)[1] is None and grown("none", 0.9)[1] is None


def test_roots_stay_on_the_scalp_and_cover_it(head):
    scene, group = grown("short", 0.9)
    character = CharacterIR(name="m", seed=3)
    roots = scalp_roots(scene, character, 1e6, torch.Generator().manual_seed(1))
    # terminal hairs inside the hairline (thinning over its last 6 mm), the vellus fringe at
    # most 1.5 mm beyond it
    assert float(roots["inset"][~roots["baby"]].min()) > 0.0
    assert float(roots["inset"][roots["baby"]].min()) > -0.0015
    edge = ~roots["baby"] & (roots["inset"] < 0.003)
    deep = ~roots["baby"] & (roots["inset"] > 0.006)
    assert 0 < int(edge.sum()) < 0.5 * int(deep.sum()) * 3.0 / 10.0
    # no root on the face: nothing in front of the temples below the forehead's top
    front = _face_front(head, scene, group.points[:, 0])
    assert not bool(front.any())
    # ≥ 95 % of the scalp's area cells (its vertices well inside the hairline) have a root
    # within 2.5 mm
    ids, _ = skin(head, scene)
    _, inset = hair_coverage(head, seed=3)
    inner = ids[inset[ids] > 0.006]
    d = torch.cat([torch.cdist(scene.vertices[inner[a:a + 2048]], group.points[:, 0]).min(1).values
                   for a in range(0, len(inner), 2048)])
    assert float((d < 0.0025).float().mean()) >= 0.95


def _face_front(head, scene, pts: torch.Tensor) -> torch.Tensor:
    """Points over the face: ahead of the temples, below the forehead's top (52 mm above the
    brows, less the hairline's wander)."""
    brow_y = float(scene.landmarks[17:27, 1].mean())
    ear_z = float(scene.vertices[[i for pair in _EAR_IDS for i in pair], 2].max())
    return (pts[:, 2] > ear_z + 0.03) & (pts[:, 0].abs() < 0.045) & (pts[:, 1] < brow_y + 0.045)


def test_buzz_stays_above_the_hairline(head):
    scene, group = grown("buzz", 0.5)
    assert not bool(_face_front(head, scene, group.points.reshape(-1, 3)).any())
    # trimmed at the hairline: no strand hangs lower than its root's height in the region
    # allows (the sideburns and neckline are tapered), so the lowest point of the cut is the
    # region's lowest skin
    ids, verts = skin(head, scene)
    _, inset = hair_coverage(head, seed=3)
    lowest = float(scene.vertices[ids[inset[ids] > -0.005], 1].min())
    assert float(group.points[..., 1].min()) > lowest - 0.001
    lengths = (group.points[:, 1:] - group.points[:, :-1]).norm(dim=-1).sum(1)
    assert float(lengths.max()) < 0.0065 and float(lengths.median()) > 0.0025


def _inside_head(head, scene, pts: torch.Tensor) -> torch.Tensor:
    """Signed distance (m) of points along the nearest skin vertex's normal (< 0: inside), and
    the distance to that vertex."""
    ids, verts = skin(head, scene)
    normals = vertex_normals(scene.vertices[: head.neutral.shape[0]], skin_faces(head))[ids]
    j = nearest(pts, verts)
    return ((pts - verts[j]) * normals[j]).sum(1), (pts - verts[j]).norm(dim=1)


def test_long_hair_falls_past_the_ears_and_stays_outside_the_head(head):
    scene, group = grown("long", 0.2)
    lobe_y = float(scene.vertices[[_EAR_IDS[0][1], _EAR_IDS[1][1]], 1].max())
    tips = group.points[:, -1]
    assert float((tips[:, 1] < lobe_y - 0.05).float().mean()) > 0.5     # onto the shoulders
    sample = group.points[::7, 1:].reshape(-1, 3)
    signed, dist = _inside_head(head, scene, sample)
    # on the head and neck above the shoulders (the skin goes on under the garment, where
    # hair lies on the cloth), where the nearest vertex's normal tells inside from out
    close = (dist < 0.015) & (sample[:, 1] > lobe_y - 0.06)
    assert int(close.sum()) > 1000
    assert float(signed[close].min()) > 0.0, float(signed[close].min())
    # and never over the face
    assert not bool(_face_front(head, scene, group.points.reshape(-1, 3)).any())


def test_tied_back_hair_has_no_tip_in_front_of_the_ears(head):
    scene, group = grown("tied_back", 0.3)
    ear_z = float(scene.vertices[[i for pair in _EAR_IDS for i in pair], 2].max())
    tips = group.points[:, -1]
    long = (group.points[:, 1:] - group.points[:, :-1]).norm(dim=-1).sum(1) > 0.05
    assert float(tips[long, 2].max()) < ear_z
    # the ponytail hangs behind the neck: most tips well below the tie, gathered
    assert float(tips[long, 0].std()) < 0.03


def test_same_seed_same_tensors_other_seed_other_strands(head):
    _, a = grown("short", 0.1, seed=3)
    _, b = grown("short", 0.1, seed=3)
    assert torch.equal(a.points, b.points) and torch.equal(a.colour, b.colour) \
        and torch.equal(a.width_m, b.width_m)
    _, c = grown("short", 0.1, seed=4)
    assert c.count != a.count or not torch.equal(c.points, a.points)


def test_widths_taper_and_colour_follows_the_spec(head):
    _, g = grown("short", 0.2, colour="auburn", albedo_linear=hair_colour_albedo("auburn"))
    w = g.width_m
    assert bool((w[:, -1] < w[:, 0]).all())
    terminal = w[:, 0] > 4.5e-5
    assert 55e-6 < float(w[terminal, 0].min()) and float(w[terminal, 0].max()) < 2 * 90e-6
    med = g.colour[terminal].median(0).values
    assert torch.allclose(med, torch.tensor(hair_colour_albedo("auburn")), rtol=0.1)
    _, grey = grown("short", 0.2, grey=1.0, colour="black",
                    albedo_linear=hair_colour_albedo("black"))
    assert float(grey.colour[:, 0].min()) > 0.3                           # all unpigmented


def test_the_groom_gathers_the_scalp_and_the_bald_head_has_no_shell(head):
    character = CharacterIR(name="m", seed=3, hair=HairIR(density=0.05))
    scene = build_scene(character, CameraIR())
    groom = grow_groom(scene, character)
    assert [g.kind for g in groom][:1] == ["scalp"]
    bald = CharacterIR(name="m", seed=3, hair=HairIR(style="none"))
    assert not bool((build_scene(bald, CameraIR()).material == MATERIALS["hair"]).any())
    assert all(g.kind != "scalp" for g in grow_groom(scene, bald))
