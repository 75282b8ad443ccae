"""The mesh rasterizer: coverage, watertightness, perspective-correct attributes, depth,
near-plane clipping, anti-aliasing coverage and determinism, on synthetic meshes."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch

from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.attributes import interpolate
from shotspec.runtime.head.raster import rasterize

sys.path.insert(0, str(Path(__file__).parent))
from head_meshes import camera, grid_plane, uv_sphere  # noqa: E402


def _pixel_centres(w: int, h: int):
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
    return xs, ys


def _rotate_y(v: torch.Tensor, angle: float) -> torch.Tensor:
    c, s = math.cos(angle), math.sin(angle)
    rot = torch.tensor([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    return v @ rot.T


def test_sphere_silhouette_matches_the_projected_disc(device):
    verts, faces = uv_sphere(0.1, rings=96, segments=192)
    cam = camera(1.0, 256, 256)
    raster = rasterize(verts.to(device), faces.to(device), cam, 256, 256)
    radius_px = cam.focal_px * math.tan(math.asin(0.1 / 1.0))
    analytic = math.pi * radius_px ** 2
    assert abs(int(raster.mask.sum()) - analytic) / analytic < 0.01
    # the nearest point of the sphere is 0.9 m away along the axis
    assert float(raster.depth_m.min()) == pytest.approx(0.9, abs=2e-4)


def test_sphere_is_the_same_with_and_without_backface_culling():
    verts, faces = uv_sphere(0.1, rings=32, segments=64)
    cam = camera(0.6, 96, 96)
    full = rasterize(verts, faces, cam, 96, 96)
    culled = rasterize(verts, faces, cam, 96, 96, cull_backfaces=True)
    assert torch.equal(full.face_id, culled.face_id)
    flipped = rasterize(verts, faces[:, [0, 2, 1]], cam, 96, 96, cull_backfaces=True)
    # only the far hemisphere's inside is left: the centre sees the back wall 0.7 m away
    assert torch.equal(flipped.mask, full.mask)
    assert torch.all(flipped.depth_m >= full.depth_m)
    assert float(flipped.depth_m[48, 48]) == pytest.approx(0.7, abs=1e-3)
    # a back-facing card in front of the sphere is still drawn over it (not skipped as hidden)
    card_v, card_f, _ = grid_plane(0.1, 4, z=0.2)
    both_v = torch.cat((verts, card_v))
    both_f = torch.cat((faces, card_f[:, [0, 2, 1]] + verts.shape[0]))
    both = rasterize(both_v, both_f, cam, 96, 96)
    card = both.face_id >= faces.shape[0]
    assert int(card.sum()) > 300
    assert torch.allclose(both.depth_m[card], torch.tensor(0.4), rtol=1e-6)
    assert torch.equal(both.face_id[~card], full.face_id[~card])


def test_quad_split_in_two_covers_every_pixel_once():
    # corners at non-integer pixel positions, a diagonal through many pixel centres
    cam = camera(1.0, 64, 64)
    scale = 1.0 / cam.focal_px                     # metres per pixel on the z = 0 plane
    px = torch.tensor([[10.0, 12.0], [52.0, 12.0], [52.0, 54.0], [10.0, 54.0]])  # exact centres
    verts = torch.stack(((px[:, 0] - 32) * scale, (32 - px[:, 1]) * scale,
                         torch.zeros(4)), 1)
    halves = (torch.tensor([[0, 3, 2]]), torch.tensor([[0, 2, 1]]))      # CCW seen from +z
    masks = [rasterize(verts, f, cam, 64, 64).mask for f in halves]
    both = rasterize(verts, torch.cat(halves), cam, 64, 64)
    assert not (masks[0] & masks[1]).any()          # no double hits on the shared diagonal
    xs, ys = _pixel_centres(64, 64)
    # pixel centres on the left/top border edges are in, on the right/bottom ones out
    expected = (xs >= 10) & (xs < 52) & (ys >= 12) & (ys < 54)
    assert torch.equal(masks[0] | masks[1], expected)
    assert torch.equal(both.mask, expected)


def test_thin_triangle_fan_has_no_cracks_or_overlaps():
    cam = camera(1.0, 80, 80)
    n = 90                                           # 4° slivers around an off-grid centre
    angles = torch.arange(n + 1, dtype=torch.float64) * (2 * math.pi / n)
    rim = torch.stack((torch.cos(angles), torch.sin(angles), torch.zeros_like(angles)), 1) * 0.1
    centre = torch.tensor([[0.0031, -0.0017, 0.0]], dtype=torch.float64)
    verts = torch.cat((centre, rim[:-1])).float()
    faces = torch.tensor([[0, 1 + i, 1 + (i + 1) % n] for i in range(n)])
    hits = sum(rasterize(verts, faces[i:i + 1], cam, 80, 80).mask.to(torch.int32)
               for i in range(n))
    fan = rasterize(verts, faces, cam, 80, 80).mask
    assert int(hits.max()) == 1
    assert torch.equal(hits == 1, fan)
    # the fan's polygon has no holes: its covered pixels form the disc's pixels minus the rim
    assert int(fan.sum()) == pytest.approx(math.pi * (0.1 * cam.focal_px) ** 2, rel=0.02)


def test_tilted_plane_has_perspective_correct_uvs_and_exact_depth():
    verts, faces, uv = grid_plane(0.6, 1)
    angle = math.radians(60)
    verts = _rotate_y(verts, angle)
    cam = camera(0.5, 128, 128, focal_mm=24)
    raster = rasterize(verts, faces, cam, 128, 128)
    got_uv = interpolate(raster, uv)
    xs, ys = _pixel_centres(128, 128)
    m = raster.mask
    dirs, cos_axis = cam.rays_at(xs[m], ys[m])
    normal = torch.tensor([math.sin(angle), 0.0, math.cos(angle)])
    origin = torch.tensor(cam.origin)
    t = -(origin @ normal) / (dirs @ normal)         # ray–plane intersection (plane through 0)
    hit = origin + t[:, None] * dirs
    local = _rotate_y(hit, -angle)                   # back into the plane's own frame
    want = (local[:, :2] + 0.3) / 0.6
    assert m.sum() > 3000
    assert (got_uv[:, m].T - want).abs().max() < 2e-4
    # an affine (screen-space) blend would be off by far more at this angle
    assert (want[:, 0].max() - want[:, 0].min()) > 0.9
    assert torch.allclose(raster.depth_m[m], t * cos_axis, rtol=2e-6)


@pytest.mark.parametrize("near_m", [0.05, 1e-4])   # 1e-4: clipped corners ~700,000 px out
def test_plane_through_the_camera_is_clipped_at_the_near_plane(near_m):
    # a floor that runs from far in front of the camera to behind it
    verts = torch.tensor([[-2.0, -0.2, -5.0], [2.0, -0.2, -5.0], [2.0, -0.2, 5.0],
                          [-2.0, -0.2, 5.0]])
    faces = torch.tensor([[0, 3, 2], [0, 2, 1]])     # normal +y (seen from above)
    cam = camera(1.0, 64, 64, focal_mm=20)
    raster = rasterize(verts, faces, cam, 64, 64, near_m=near_m)
    xs, ys = _pixel_centres(64, 64)
    dirs, cos_axis = cam.rays_at(xs.reshape(-1), ys.reshape(-1))
    t = (-0.2 - 0.0) / dirs[:, 1]
    hit = torch.tensor(cam.origin) + t[:, None] * dirs
    inside = (t > 0) & (hit[:, 0].abs() < 2) & (hit[:, 2].abs() < 5) & (t * cos_axis > near_m)
    assert torch.equal(raster.mask.reshape(-1), inside)
    depth = raster.depth_m.reshape(-1)[inside]
    assert torch.allclose(depth, (t * cos_axis)[inside], rtol=2e-6)


def test_supersampled_edges_give_fractional_coverage():
    cam = camera(1.0, 32, 32)
    scale = 1.0 / cam.focal_px
    # a vertical edge at x = 10.5 px and a slanted top edge
    px = torch.tensor([[10.5, 30.0], [30.0, 30.0], [30.0, 2.0], [10.5, 9.0]])
    verts = torch.stack(((px[:, 0] - 16) * scale, (16 - px[:, 1]) * scale, torch.zeros(4)), 1)
    faces = torch.tensor([[0, 1, 2], [0, 2, 3]])
    cover = rasterize(verts, faces, cam, 32, 32, ss=2).coverage()
    assert torch.all(cover[12:28, 10] == 0.5)        # half the samples left of the edge
    assert torch.all(cover[12:28, 11:29] == 1.0)
    values = set(cover.unique().tolist())
    assert {0.25, 0.75} <= values                    # partial pixels along the slant
    area = 0.5 * abs(sum(float(px[i, 0] * px[(i + 1) % 4, 1] - px[(i + 1) % 4, 0] * px[i, 1])
                         for i in range(4)))
    assert float(cover.sum()) == pytest.approx(area, rel=0.02)
    hard = rasterize(verts, faces, cam, 32, 32).coverage()
    assert set(hard.unique().tolist()) <= {0.0, 1.0}


def test_rasterization_is_bit_identical_across_runs(device):
    verts, faces = uv_sphere(0.1, rings=48, segments=96)
    verts = verts.to(device) + torch.tensor([0.01, -0.02, 0.0], device=device)
    cam = camera(0.5, 96, 120)
    a = rasterize(verts, faces.to(device), cam, 96, 120, ss=2, chunk=5000)
    b = rasterize(verts, faces.to(device), cam, 96, 120, ss=2)
    for x, y in ((a.face_id, b.face_id), (a.bary, b.bary), (a.depth_m, b.depth_m)):
        assert torch.equal(x, y)
    if device != "cpu":
        cpu = rasterize(verts.cpu(), faces, cam, 96, 120, ss=2)
        assert (cpu.face_id != a.face_id.cpu()).float().mean() < 1e-3


def test_interpolate_per_corner_attributes_and_bad_input():
    verts, faces, uv = grid_plane(0.4, 2)
    cam = camera(1.0, 48, 48)
    raster = rasterize(verts, faces, cam, 48, 48)
    # per-corner indexing: every face's corners point at one row of a tiny table
    table = torch.tensor([[0.25], [0.75]])
    face_uv = torch.zeros_like(faces)
    face_uv[1::2] = 1
    got = interpolate(raster, table, face_uv)
    ids = raster.face_id
    assert torch.allclose(got[0][(ids >= 0) & (ids % 2 == 0)], torch.tensor(0.25))
    assert torch.allclose(got[0][(ids >= 0) & (ids % 2 == 1)], torch.tensor(0.75))
    assert torch.all(got[0][ids < 0] == 0)
    with pytest.raises(ValueError, match="attr has 2 rows"):
        interpolate(raster, table, faces)
    with pytest.raises(ValueError, match="ss must be 1"):
        rasterize(verts, faces, cam, 48, 48, ss=0)
    with pytest.raises(ValueError, match="faces index vertices"):
        rasterize(verts, faces + 100, cam, 48, 48)


def test_empty_and_unseen_meshes_give_empty_rasters():
    verts, faces = uv_sphere(0.1, rings=8, segments=16)
    cam = camera(1.0, 32, 32)
    for v, f in ((verts, faces[:0]), (verts + torch.tensor([0.0, 0.0, 3.0]), faces)):
        raster = rasterize(v, f, cam, 32, 32, ss=2)
        assert not raster.mask.any() and torch.all(raster.depth_m == float("inf"))
        assert raster.coverage().sum() == 0 and interpolate(raster, v).abs().sum() == 0
    # the camera inside the sphere sees its far wall in every pixel, 0.15 m away on the axis
    inside = rasterize(verts + torch.tensor([0.0, 0.0, 0.95]), faces, cam, 32, 32)
    assert inside.mask.all()
    assert float(inside.depth_m[16, 16]) == pytest.approx(0.15, abs=0.01)


def test_camera_width_other_than_the_cameras_keeps_the_field_of_view():
    verts, faces = uv_sphere(0.1, rings=32, segments=64)
    cam = PinholeCamera((0.0, 0.0, 1.0), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0),
                        0.05, 0.036, 0.036, 256, 256)
    small = rasterize(verts, faces, cam, 64, 64).mask.sum()
    big = rasterize(verts, faces, cam, 128, 128).mask.sum()
    assert float(big) / float(small) == pytest.approx(4.0, rel=0.03)


def test_scanned_head_nose_tip_is_the_nearest_pixel_where_it_projects():
    from shotspec.runtime.head.model import load_head

    head = load_head()
    face = head.faces[head.face_part == 0]            # the face part: skin in front
    cam = camera(0.45, 96, 120, focal_mm=50)
    raster = rasterize(head.neutral, face, cam, 96, 120, ss=2)
    again = rasterize(head.neutral, face, cam, 96, 120, ss=2)
    assert torch.equal(raster.face_id, again.face_id) and torch.equal(raster.bary, again.bary)
    used = torch.unique(face)
    tip = used[head.neutral[used, 2].argmax()]        # object z points at the viewer
    x, y, z = head.neutral[tip].tolist()
    f = cam.focal_px * 2
    want = (96 + f * x / (0.45 - z), 120 - f * y / (0.45 - z))   # sample grid (ss = 2)
    nearest = int(raster.depth_m.argmin())
    got = (nearest % 192 + 0.5, nearest // 192 + 0.5)
    assert math.dist(got, want) < 3.0                  # samples
    assert float(raster.depth_m.min()) == pytest.approx(0.45 - z, abs=5e-4)
    cover = raster.coverage()
    assert 0.15 < float(cover.mean()) < 0.6
    edge = (cover > 0) & (cover < 1)                   # the silhouette is anti-aliased
    assert int(edge.sum()) > 100


def test_a_depth_only_raster_has_the_same_ids_and_depths():
    # a sphere, and a floor cut by the near plane (its clipped sub-triangles keep their ids)
    verts, faces = uv_sphere(0.1, rings=16, segments=32)
    floor = torch.tensor([[-2.0, -0.2, -5.0], [2.0, -0.2, -5.0], [2.0, -0.2, 5.0], [-2.0, -0.2, 5.0]])
    v = torch.cat((verts, floor))
    f = torch.cat((faces, torch.tensor([[0, 3, 2], [0, 2, 1]]) + verts.shape[0]))
    cam = camera(0.6, 80, 64)
    full = rasterize(v, f, cam, 80, 64, ss=2, near_m=0.05)
    depth_only = rasterize(v, f, cam, 80, 64, ss=2, near_m=0.05, barycentrics=False)
    assert int((full.face_id >= faces.shape[0]).sum()) > 100
    assert torch.equal(full.face_id, depth_only.face_id)
    assert torch.equal(full.depth_m, depth_only.depth_m)
    assert not depth_only.bary.any()
