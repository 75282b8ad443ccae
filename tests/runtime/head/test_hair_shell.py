"""The hair shell: outside the scalp everywhere, covering the top and back, not the forehead."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.hair_shell import (HAIR_STYLES, SHELL_FROM_COVER, hair_coverage,
                                             hair_shell, shell_albedo)
from shotspec.runtime.head.model import identity_coefficients, pose_head
from shotspec.runtime.head.wardrobe import ray_triangle_t, vertex_normals, winding_number


def _posed(head, seed, turn=0.0, tilt=0.0):
    c = identity_coefficients(head, seed)
    return pose_head(head, c, turn_rad=math.radians(turn), tilt_rad=math.radians(tilt))


def _skin(head):
    keep = (head.face_part == PART_IDS["face"]) | (head.face_part == PART_IDS["head_neck"])
    return head.faces[keep]


def _outer_faces(shell):
    """The outer sheet's triangles (those on its first half of the vertices)."""
    half = len(shell.vertices) // 2
    f = shell.faces
    return f[(f < half).all(1)]


@pytest.mark.parametrize("seed,style,turn,tilt", [(1, "short", 0.0, 0.0), (2, "buzz", 30.0, 10.0),
                                                  (3, "long", -40.0, -20.0)])
def test_no_skin_pokes_through_the_shell(head, seed, style, turn, tilt):
    v = _posed(head, seed, turn, tilt)
    shell = hair_shell(v, head, style=style, seed=seed)
    cover, inset = hair_coverage(head, seed=seed)
    n = vertex_normals(v, _skin(head))
    # from every point of the fully covered scalp (its triangles' centroids and the midpoints
    # of their edges), along the skin's normal there, the outer sheet lies 0.2–1.5 mm out
    f = _skin(head)
    scalp = f[(cover[f] >= SHELL_FROM_COVER).all(1)]
    assert len(scalp) > 1500
    # (edge points nudged 2 % towards the centroid: a ray exactly along a shared edge of the
    # outer sheet is a tie the float test may drop)
    bary = [torch.full((3,), 1.0 / 3.0)] + [torch.tensor([0.49, 0.49, 0.02]).roll(i)
                                            for i in range(3)]
    pts = torch.cat([(w[None, :, None] * v[scalp]).sum(1) for w in bary])
    nrm = torch.cat([(w[None, :, None] * n[scalp]).sum(1) for w in bary])
    t = ray_triangle_t(pts, nrm / nrm.norm(dim=1, keepdim=True),
                       shell.vertices[_outer_faces(shell)]).min(1).values
    assert bool(torch.isfinite(t).all()), int((~torch.isfinite(t)).sum())
    assert float(t.min()) > 1.9e-4 and float(t.max()) < 0.0015
    # no skin vertex lies inside the shell's volume (between its sheets): the scalp and all
    # skin within 3 cm of its edge (ears, temples, forehead, nape)
    near = inset > -0.03
    assert int(near.sum()) > 2500
    inside = winding_number(v[near], shell.vertices, shell.faces)
    assert float(inside.abs().max()) < 0.5
    # the shell is closed: every edge is shared by exactly two triangles
    f = shell.faces
    e = torch.sort(torch.cat([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), dim=1).values
    _, count = torch.unique(e, dim=0, return_counts=True)
    assert bool((count == 2).all())


def test_covers_the_top_and_back_and_leaves_the_forehead_bare(head):
    v = head.neutral
    cover, _ = hair_coverage(head, seed=5)
    skin = torch.unique(_skin(head))
    p = v[skin]
    top = skin[p[:, 1].argmax()]
    back = skin[(p[:, 2] + 10.0 * (p[:, 1] < 0.0)).argmin()]
    assert float(cover[top]) == 1.0 and float(cover[back]) == 1.0
    # every skin vertex above the ears' tops and behind the front of the ears is covered
    crown = skin[(p[:, 1] > 0.03) & (p[:, 2] < -0.06)]
    assert float(cover[crown].min()) > 0.99 and len(crown) > 300
    # the forehead from the brows to 4 cm above them, between the temples, is bare
    brow_y = float(v[head.landmarks68[17:27], 1].mean())
    forehead = skin[(p[:, 1] > brow_y + 0.005) & (p[:, 1] < brow_y + 0.040)
                    & (p[:, 0].abs() < 0.035) & (p[:, 2] > 0.0)]
    assert len(forehead) > 100 and float(cover[forehead].max()) == 0.0
    # and the face and ears
    assert float(cover[head.landmarks68].max()) == 0.0
    for ear in (7571, 7850, 6844, 7123):
        assert float(cover[ear]) == 0.0


def test_the_hairline_is_irregular_and_seeded(head):
    v = head.neutral.double()
    lines = []
    for seed in (1, 2):
        cover, height = hair_coverage(head, seed=seed)
        # the front hairline: per 2 mm column across the forehead, the lowest covered vertex
        skin = torch.unique(_skin(head))
        p = v[skin]
        front = (p[:, 2] > -0.02) & (p[:, 0].abs() < 0.04) & (cover[skin] > 0.5)
        cols = torch.round(p[front, 0] / 0.002)
        ys = torch.stack([p[front, 1][cols == c].min() for c in torch.unique(cols)])
        x = torch.unique(cols) * 0.002
        # departure from the best parabola (the hairline's overall arc), mm
        a = torch.stack([torch.ones_like(x), x, x * x], 1)
        fit = a @ torch.linalg.lstsq(a, ys[:, None]).solution
        lines.append(ys)
        assert 0.7 < float((ys - fit[:, 0]).std()) * 1e3 < 5.0
    assert not torch.equal(lines[0], lines[1])
    a, b = hair_coverage(head, seed=3), hair_coverage(head, seed=3)
    assert torch.equal(a[0], b[0])


def test_coverage_fades_at_the_hairline(head):
    cover, height = hair_coverage(head, seed=1)
    on = height > -1.0
    soft = on & (cover > 0.0) & (cover < 1.0)
    assert int(soft.sum()) > 40
    # full coverage 6 mm inside the edge, none outside it
    assert float(cover[on & (height >= 0.006)].min()) == 1.0
    assert float(cover[on & (height <= 0.0)].max()) == 0.0


def test_strands_are_combed_back_on_top_and_down_behind(head):
    for turn in (0.0, 40.0):
        v = _posed(head, 1, turn)
        shell = hair_shell(v, head, seed=1)
        half = len(shell.vertices) // 2
        t, n = shell.tangents[:half], shell.normals[:half]
        assert float((t.norm(dim=1) - 1).abs().max()) < 1e-4
        assert float((t * n).sum(1).abs().max()) < 1e-3
        # in the head's own frame (undo the turn about y)
        c, s = math.cos(math.radians(turn)), math.sin(math.radians(turn))
        local = torch.stack([c * t[:, 0] - s * t[:, 2], t[:, 1], s * t[:, 0] + c * t[:, 2]], 1)
        top = n[:, 1] > 0.9
        assert float(local[top, 2].mean()) < -0.8          # back over the top
        behind = (n[:, 1].abs() < 0.3) & (shell.uv[:half, 0].abs() > 0.25)
        assert int(behind.sum()) > 20 and float(local[behind, 1].mean()) < -0.6


@pytest.mark.parametrize("style", list(HAIR_STYLES))
def test_the_shell_is_a_thin_scalp_under_the_strands(head, style):
    """With strands, the shell only tints the scalp: 0.2–1 mm deep, no cap silhouette."""
    v = head.neutral
    shell = hair_shell(v, head, style=style, seed=1)
    half = len(shell.vertices) // 2
    depth_mm = (shell.vertices[:half] - shell.vertices[half:]).norm(dim=1).max() * 1e3
    assert abs(float(depth_mm) - (max(HAIR_STYLES[style][0], 2e-4) - 1.5e-4) * 1e3) < 0.02
    assert float(depth_mm) < 1.0
    assert shell.material == f"hair_{style}"
    with pytest.raises(ValueError, match="hair style"):
        hair_shell(v, head, style="mohawk", seed=1)


def test_shell_colour_is_the_under_layer_or_shaved_skin():
    hair, skin = torch.tensor([0.1, 0.05, 0.02]), torch.tensor([0.5, 0.35, 0.3])
    assert torch.allclose(shell_albedo("long", hair, skin), 0.5 * hair)
    buzz = shell_albedo("buzz", hair, skin)
    assert bool((buzz > 0.5 * hair).all()) and bool((buzz < skin).all())
