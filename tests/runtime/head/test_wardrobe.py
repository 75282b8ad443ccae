"""The garment torso hides the scanned head's neck cut from every camera the framing allows."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.runtime.head.model import identity_coefficients, pose_head
from shotspec.runtime.head.wardrobe import (COLLAR_STYLES, collar_edge, garment_parts,
                                            neck_cut_loop, ray_triangle_t, torso_mesh,
                                            winding_number)

# (seed, turn deg, tilt deg, collar style)
POSES = [(1, 0.0, 0.0, "crew"), (2, 40.0, 0.0, "shirt"), (3, -40.0, 20.0, "crew"),
         (4, 25.0, -20.0, "shirt"), (5, -30.0, -20.0, "crew"), (6, 40.0, 20.0, "shirt")]


def _posed(head, seed, turn, tilt):
    c = identity_coefficients(head, seed)
    return pose_head(head, c, turn_rad=math.radians(turn), tilt_rad=math.radians(tilt))


def _cameras():
    """Orbit positions the framing allows: yaw ±90°, pitch ±30°, 0.3–3 m from the eye point."""
    out = []
    for yaw in (-90.0, -45.0, 0.0, 45.0, 90.0):
        for pitch in (-30.0, 0.0, 30.0):
            for d in (0.3, 0.8, 3.0):
                y, p = math.radians(yaw), math.radians(pitch)
                out.append((d * math.sin(y) * math.cos(p), d * math.sin(p),
                            0.012 + d * math.cos(y) * math.cos(p)))
    return torch.tensor(out)


def test_the_neck_cut_is_the_lowest_boundary_loop_of_the_skin(head):
    loop = neck_cut_loop(head)
    assert len(loop) == 54 and len(set(loop.tolist())) == 54
    y = head.neutral[loop, 1]
    assert -0.2295 < float(y.min()) < -0.228 and float(y.max()) < -0.16
    # consecutive ids (and last → first) are edges of the mesh: it is a closed loop
    f = head.faces
    pairs = torch.cat([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    edges = {tuple(sorted(e)) for e in pairs.tolist()}
    ring = loop.tolist() + loop[:1].tolist()
    assert all(tuple(sorted(ring[i:i + 2])) in edges for i in range(54))


@pytest.mark.parametrize("seed,turn,tilt,style", POSES)
def test_every_line_of_sight_to_the_neck_cut_crosses_the_garment(head, seed, turn, tilt, style):
    v = _posed(head, seed, turn, tilt)
    body = garment_parts(v, head, seed=seed, style=style)[0]
    cut = v[neck_cut_loop(head)]
    # the sufficient condition: the cut loop lies inside the closed garment with margin …
    margin = 0.003
    probes = torch.cat([cut] + [cut + margin * d for d in torch.cat([torch.eye(3), -torch.eye(3)])])
    assert float((winding_number(probes, body.vertices, body.faces) - 1.0).abs().max()) < 1e-6
    # … and every camera is outside it
    cams = _cameras()
    assert float(winding_number(cams, body.vertices, body.faces).abs().max()) < 1e-6
    # the direct check: each camera → cut-vertex segment hits a garment triangle before the end
    o = cams[:, None].expand(-1, len(cut), -1).reshape(-1, 3)
    d = (cut[None] - cams[:, None]).reshape(-1, 3)
    t = ray_triangle_t(o, d, body.vertices[body.faces]).min(1).values
    assert bool((t < 1.0 - 1e-4).all()), f"{int((t >= 1.0 - 1e-4).sum())} segments see the cut"


@pytest.mark.parametrize("seed,turn,tilt,style", POSES[:3])
def test_the_collar_hugs_the_posed_neck_and_nothing_pokes_through(head, seed, turn, tilt, style):
    v = _posed(head, seed, turn, tilt)
    body = garment_parts(v, head, seed=seed, style=style)[0]
    edge = collar_edge(body)
    centre = v[neck_cut_loop(head)].mean(0)
    neck = v[head.part_vertices("head_neck")]

    def angle(p):
        return torch.atan2(p[:, 0] - centre[0], p[:, 2] - centre[2])

    # every neck vertex more than 8 mm below the collar's edge (at its angle round the neck)
    # is under the garment
    diff = (angle(neck)[:, None] - angle(edge)[None]).remainder(2 * math.pi)
    nearest = torch.minimum(diff, 2 * math.pi - diff).argmin(1)
    under = neck[neck[:, 1] < edge[nearest, 1] - 0.008]
    assert len(under) > 40
    assert float(winding_number(under, body.vertices, body.faces).min()) > 0.999
    # the collar's top edge stays close to the skin all round (ease 4 mm; a loose band would
    # stand off, a wrong fit would sink into the neck)
    gap_mm = torch.cdist(edge, v[head.part_vertices("head_neck")]).min(1).values * 1e3
    assert float(gap_mm.max()) < 16.0 and float(gap_mm.min()) > 2.0
    # the jaw line and the chin (landmarks 0–16) stay outside the garment in every pose
    jaw = v[head.landmarks68[:17]]
    assert float(winding_number(jaw, body.vertices, body.faces).max()) < 0.5


def test_collar_height_over_the_cut_per_style(head):
    v = _posed(head, 1, 0.0, 0.0)
    cut = v[neck_cut_loop(head)]
    front = cut[cut[:, 2].argmax()]
    for style, (lo_mm, hi_mm) in (("crew", (15.0, 25.0)), ("shirt", (26.0, 40.0))):
        body = garment_parts(v, head, seed=1, style=style)[0]
        edge = collar_edge(body)
        near = edge[(edge[:, 0] - front[0]).abs() < 0.01]
        rise_mm = (float(near[near[:, 2].argmax(), 1]) - float(front[1])) * 1e3
        assert lo_mm < rise_mm < hi_mm, (style, rise_mm)


def test_seeded_styles_and_determinism(head):
    v = _posed(head, 9, 0.0, 0.0)
    styles = {garment_parts(v, head, seed=s)[0].material for s in range(8)}
    assert styles == {f"garment_{s}" for s in COLLAR_STYLES}
    a, b = garment_parts(v, head, seed=3), garment_parts(v, head, seed=3)
    assert all(torch.equal(x.vertices, y.vertices) and torch.equal(x.faces, y.faces)
               for x, y in zip(a, b))
    shirt = garment_parts(v, head, seed=3, style="shirt")
    assert len(shirt) == 2 and shirt[1].material == "garment_shirt"
    body = shirt[0]
    assert body.faces.dtype == torch.int64 and body.uv.shape == (len(body.vertices), 2)
    assert float(body.normals.norm(dim=1).sub(1).abs().max()) < 1e-5
    with pytest.raises(ValueError, match="collar style"):
        garment_parts(v, head, seed=3, style="hoodie")


def test_garment_is_watertight_and_wound_outward(head):
    v = _posed(head, 2, 0.0, 0.0)
    body = garment_parts(v, head, seed=2, style="crew")[0]
    f = body.faces
    a, b, c = (body.vertices[f[:, i]].double() for i in range(3))
    volume_l = float((a * torch.linalg.cross(b, c)).sum() / 6.0) * 1e3
    assert 40.0 < volume_l < 110.0          # a torso from the neck to mid-chest, litres
    # a point well inside the chest is inside; one beside the shoulder is out
    pts = torch.tensor([[0.0, -0.40, -0.05], [0.40, -0.30, -0.05]])
    w = winding_number(pts, body.vertices, body.faces)
    assert abs(float(w[0]) - 1.0) < 1e-6 and abs(float(w[1])) < 1e-6


def test_torso_mesh_is_the_parts_in_one_mesh(head):
    v = _posed(head, 4, 0.0, 0.0)
    body, leaf = garment_parts(v, head, seed=4, style="shirt")
    one = torso_mesh(v, head, seed=4, style="shirt")
    assert len(one.vertices) == len(body.vertices) + len(leaf.vertices)
    assert torch.equal(one.faces[len(body.faces):], leaf.faces + len(body.vertices))
    assert one.uv.shape == (len(one.vertices), 2) and one.normals.shape == one.vertices.shape
    crew = garment_parts(v, head, seed=4, style="crew")
    assert torch.equal(torso_mesh(v, head, seed=4, style="crew").faces, crew[0].faces)
