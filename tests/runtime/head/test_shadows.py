"""Shadow maps with PCSS: hard edges for a point-like light, penumbrae that widen with the
light's size as the geometry predicts, no self-shadowing on lit surfaces."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch

from shotspec.runtime.head.shadows import ShadowMap, vogel_disk

sys.path.insert(0, str(Path(__file__).parent))
from head_meshes import grid_plane  # noqa: E402

HEIGHT_M = 0.05                       # occluder above the receiving plane


def _scene(device="cpu"):
    """A 0.2 m floor at z = 0 and a 0.1 m square 5 cm above it whose edge runs along x = 0."""
    plane_v, plane_f, _ = grid_plane(0.2, 1)
    square = torch.tensor([[-0.1, -0.05, HEIGHT_M], [0.0, -0.05, HEIGHT_M],
                           [0.0, 0.05, HEIGHT_M], [-0.1, 0.05, HEIGHT_M]])
    verts = torch.cat((plane_v, square)).to(device)
    faces = torch.cat((plane_f, torch.tensor([[0, 1, 2], [0, 2, 3]]) + 4)).to(device)
    return verts, faces


def _profile(shadow_map, device="cpu"):
    xs = torch.linspace(-0.015, 0.015, 601, device=device)
    pts = torch.stack((xs, torch.zeros_like(xs), torch.zeros_like(xs)), 1)
    normals = torch.tensor([[0.0, 0.0, 1.0]], device=device).expand_as(pts)
    return xs, shadow_map.shadow(pts, normals)


def _width_10_90(xs, vis) -> float:
    return float(xs[(vis >= 0.9).nonzero()[0]] - xs[(vis >= 0.1).nonzero()[0]])


def _disc_edge_width(radius: float) -> float:
    """10–90 % width of the light let past a straight edge by a uniform disc of this radius:
    the chord where the disc's far segment holds 10 % of it (t ≈ 0.687 radii), twice."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        t = (lo + hi) / 2
        frac = (math.acos(t) - t * math.sqrt(1 - t * t)) / math.pi
        lo, hi = (t, hi) if frac > 0.1 else (lo, t)
    return 2 * lo * radius


def test_directional_penumbra_grows_with_the_sun_size_as_predicted(device):
    verts, faces = _scene(device)
    widths = []
    for deg in (3.0, 6.0, 12.0):
        sm = ShadowMap.for_directional(verts, faces, (0.0, 0.0, 1.0),
                                       angular_diameter_rad=math.radians(deg))
        xs, vis = _profile(sm, device)
        assert float(vis[0]) == 0.0 and float(vis[-1]) == 1.0      # umbra and open floor
        width = _width_10_90(xs, vis)
        predicted = _disc_edge_width(HEIGHT_M * math.tan(math.radians(deg) / 2))
        assert width == pytest.approx(predicted, rel=0.3)
        widths.append(width)
    assert widths[0] < widths[1] < widths[2]


def test_point_light_penumbra_grows_with_its_diameter():
    verts, faces = _scene()
    widths = []
    for diameter in (0.0, 0.02, 0.05):
        sm = ShadowMap.for_position(verts, faces, (0.0, 0.0, 0.5), diameter_m=diameter)
        xs, vis = _profile(sm)
        widths.append(_width_10_90(xs, vis))
        # disc of the light seen through the edge: radius ½·D·(d_r − d_b)/d_b on the floor
        if diameter:
            predicted = _disc_edge_width(diameter / 2 * HEIGHT_M / (0.5 - HEIGHT_M))
            assert widths[-1] == pytest.approx(predicted, rel=0.3)
    assert widths[0] < 0.001                          # a point light: a hard edge (< 1 mm)
    assert widths[0] < widths[1] < widths[2]


def test_lit_surfaces_do_not_shadow_themselves():
    verts, faces = _scene()
    sm = ShadowMap.for_directional(verts, faces, (0.3, 0.2, 1.0),
                                   angular_diameter_rad=math.radians(5), resolution=512)
    g = torch.linspace(-0.095, 0.095, 40)
    yy, xx = torch.meshgrid(g, g, indexing="ij")
    top = torch.stack((xx.reshape(-1) * 0.5 - 0.05, yy.reshape(-1) * 0.5,
                       torch.full((g.numel() ** 2,), HEIGHT_M)), 1)
    up = torch.tensor([[0.0, 0.0, 1.0]]).expand_as(top)
    assert torch.all(sm.shadow(top, up) == 1.0)     # the occluder's own lit top
    floor = torch.stack((xx.reshape(-1), yy.reshape(-1), torch.zeros(g.numel() ** 2)), 1)
    vis = sm.shadow(floor, up)
    assert float((vis == 1).float().mean()) > 0.6 and float((vis == 0).float().mean()) > 0.1
    again = sm.shadow(floor, up)
    assert torch.equal(vis, again)


def test_bad_lights_are_refused():
    verts, faces = _scene()
    with pytest.raises(ValueError, match="inside the mesh's bounds"):
        ShadowMap.for_position(verts, faces, (0.0, 0.0, 0.01))
    with pytest.raises(ValueError, match="angular diameter"):
        ShadowMap.for_directional(verts, faces, (0, 0, 1), angular_diameter_rad=-1)


def test_vogel_disk_fills_the_unit_disc_evenly():
    pts = vogel_disk(64)
    r = pts.norm(dim=1)
    assert float(r.max()) < 1.0
    assert float(pts.mean(0).norm()) < 0.05
    assert float((r < math.sqrt(0.5)).float().mean()) == pytest.approx(0.5, abs=0.03)
