"""Mesh normals and the supersampling resolve."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from shotspec.runtime.head.attributes import face_normals, resolve, vertex_normals

sys.path.insert(0, str(Path(__file__).parent))
from head_meshes import grid_plane, uv_sphere  # noqa: E402


def test_sphere_normals_point_outwards(device):
    verts, faces = uv_sphere(0.1, rings=24, segments=48)
    verts, faces = verts.to(device) + 0.3, faces.to(device)
    radial = F.normalize(verts - 0.3, dim=1)
    smooth = vertex_normals(verts, faces)
    assert float((smooth * radial).sum(1).min()) > 0.9995          # within ~1.8°
    flat = face_normals(verts, faces)
    centres = verts[faces].mean(1) - 0.3
    assert torch.all((flat * centres).sum(1) > 0)
    assert torch.equal(smooth, vertex_normals(verts, faces))       # deterministic


def test_vertex_normals_are_area_weighted():
    # a vertex shared by a big face in z = 0 and a sliver tilted 90° up: the big face wins
    verts = torch.tensor([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0.01], [-0.01, 0, 0]])
    faces = torch.tensor([[0, 1, 2], [0, 3, 4]])
    n = vertex_normals(verts, faces)[0]
    small = face_normals(verts, faces)[1]
    assert float(n[2]) > 0.99 and abs(float(small[2])) < 1e-6
    _, plane_f, _ = grid_plane(1.0, 2)
    assert vertex_normals(torch.zeros(9, 3), plane_f).abs().sum() == 0   # degenerate → 0


def test_resolve_box_and_tent():
    x = torch.arange(16.0).view(1, 4, 4)
    box = resolve(x, 2)
    assert torch.equal(box, torch.tensor([[[2.5, 4.5], [10.5, 12.5]]]))
    const = torch.full((3, 12, 18), 0.7)
    for ss in (2, 3):
        assert torch.allclose(resolve(const, ss, "tent"), torch.full((3, 12 // ss, 18 // ss), 0.7))
    edge = torch.zeros(1, 8, 8)
    edge[..., 4:] = 1.0                      # a hard edge between output pixels 1 and 2
    tent = resolve(edge, 2, "tent")[0, 0]
    assert tent.tolist() == pytest.approx([0.0, 0.125, 0.875, 1.0])
    assert resolve(x, 1) is x
    with pytest.raises(ValueError, match="unknown resolve filter"):
        resolve(x, 2, "gauss")
    with pytest.raises(ValueError, match="expected"):
        resolve(torch.zeros(1, 5, 4), 2)
