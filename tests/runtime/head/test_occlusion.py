"""Screen-space ambient occlusion: darker in a crease than on the open plane, radius in metres."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from shotspec.runtime.head.attributes import face_normals, interpolate, vertex_normals
from shotspec.runtime.head.occlusion import ambient_occlusion
from shotspec.runtime.head.raster import rasterize

sys.path.insert(0, str(Path(__file__).parent))
from head_meshes import camera, uv_sphere  # noqa: E402

# a 90° valley along y: two planes meeting at x = 0, z = 0 and rising towards the camera
VALLEY = torch.tensor([[-0.1, -0.1, 0.1], [-0.1, 0.1, 0.1], [0.0, -0.1, 0.0], [0.0, 0.1, 0.0],
                       [0.1, -0.1, 0.1], [0.1, 0.1, 0.1]])
VALLEY_FACES = torch.tensor([[0, 2, 3], [0, 3, 1], [2, 4, 5], [2, 5, 3]])


def _valley_ao(size: int, radius_m: float = 0.02, device: str = "cpu"):
    cam = camera(0.6, size, size, focal_mm=35)
    verts, faces = VALLEY.to(device), VALLEY_FACES.to(device)
    raster = rasterize(verts, faces, cam, size, size)
    per_face = torch.arange(4, device=device)[:, None].expand(4, 3).contiguous()
    normals = interpolate(raster, face_normals(verts, faces), per_face)
    return ambient_occlusion(raster.depth_m, normals, cam, radius_m=radius_m), cam


def test_crease_is_darker_than_the_open_plane(device):
    ao, cam = _valley_ao(128, device=device)
    row = ao[64]
    assert float(row[63:65].max()) < 0.85              # the pixels along the crease
    assert float(row[61:67].max()) < 0.999             # and their neighbours, less so
    assert float(row[40:50].min()) == 1.0               # > radius away on the open wall
    assert float(row[64:80].diff().min()) >= -1e-6      # brightens monotonically away from it


def test_occlusion_reach_is_in_metres_not_pixels():
    small, _ = _valley_ao(96)
    big, _ = _valley_ao(192)
    pooled = torch.nn.functional.avg_pool2d(big[None, None], 2)[0, 0]
    dark_small = float((1 - small[48]).sum()) / 96          # darkened width as image fraction
    dark_big = float((1 - pooled[48]).sum()) / 96
    assert dark_small == pytest.approx(dark_big, rel=0.35)
    wider, _ = _valley_ao(192, radius_m=0.04)
    assert float((1 - wider[96]).sum()) > 1.5 * float((1 - big[96]).sum())


def test_a_convex_sphere_is_unoccluded_and_the_background_is_open():
    verts, faces = uv_sphere(0.1, rings=48, segments=96)
    cam = camera(0.6, 96, 96)
    raster = rasterize(verts, faces, cam, 96, 96)
    normals = interpolate(raster, vertex_normals(verts, faces))
    ao = ambient_occlusion(raster.depth_m, normals, cam, radius_m=0.02)
    assert float(ao[raster.mask].min()) > 0.97
    assert torch.all(ao[~raster.mask] == 1.0)
    with pytest.raises(ValueError, match="normals"):
        ambient_occlusion(raster.depth_m, normals[:2], cam)
