"""Synthetic meshes and cameras for the mesh renderer's tests (no head data needed)."""

from __future__ import annotations

import math

import torch

from shotspec.runtime.head.camera import PinholeCamera


def uv_sphere(radius: float = 0.1, centre=(0.0, 0.0, 0.0), rings: int = 64, segments: int = 128):
    """(V, 3) float32 vertices and (F, 3) int64 counter-clockwise (outward) faces of a sphere."""
    theta = torch.linspace(0, math.pi, rings + 1, dtype=torch.float64)[1:-1]
    phi = torch.arange(segments, dtype=torch.float64) * (2 * math.pi / segments)
    t, p = torch.meshgrid(theta, phi, indexing="ij")
    body = torch.stack((torch.sin(t) * torch.cos(p), torch.cos(t), -torch.sin(t) * torch.sin(p)),
                       -1).reshape(-1, 3)
    verts = torch.cat((torch.tensor([[0.0, 1.0, 0.0]], dtype=torch.float64), body,
                       torch.tensor([[0.0, -1.0, 0.0]], dtype=torch.float64)))
    verts = (verts * radius + torch.tensor(centre, dtype=torch.float64)).float()
    faces = []
    ring = lambda r, s: 1 + r * segments + s % segments  # noqa: E731
    for s in range(segments):
        faces.append((0, ring(0, s), ring(0, s + 1)))
        faces.append((len(verts) - 1, ring(rings - 2, s + 1), ring(rings - 2, s)))
    for r in range(rings - 2):
        for s in range(segments):
            a, b, c, d = ring(r, s), ring(r, s + 1), ring(r + 1, s), ring(r + 1, s + 1)
            faces += [(a, c, b), (b, c, d)]
    faces = torch.tensor(faces, dtype=torch.int64)
    return verts, _outward(verts, faces)


def _outward(verts, faces):
    """Flip triangles whose normal points towards the mesh centroid (closed convex meshes)."""
    v0, v1, v2 = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    n = torch.linalg.cross(v1 - v0, v2 - v0)
    out = ((v0 + v1 + v2) / 3 - verts.mean(0)) * n
    flip = out.sum(1) < 0
    faces = faces.clone()
    faces[flip] = faces[flip][:, [0, 2, 1]]
    return faces


def grid_plane(size: float = 1.0, n: int = 1, z: float = 0.0):
    """A square (size × size m) in the plane z, normal +z, split into n×n quads (2 triangles
    each). Returns verts (V, 3), faces (F, 3), uv (V, 2) with u along +x and v along +y."""
    s = torch.linspace(-size / 2, size / 2, n + 1)
    y, x = torch.meshgrid(s, s, indexing="ij")
    verts = torch.stack((x, y, torch.full_like(x, z)), -1).reshape(-1, 3)
    uv = torch.stack(((x + size / 2) / size, (y + size / 2) / size), -1).reshape(-1, 2)
    faces = []
    for r in range(n):
        for c in range(n):
            a, b = r * (n + 1) + c, r * (n + 1) + c + 1
            d, e = a + n + 1, b + n + 1
            faces += [(a, b, e), (a, e, d)]
    return verts, torch.tensor(faces, dtype=torch.int64), uv


def camera(distance: float = 1.0, width: int = 128, height: int = 128, focal_mm: float = 50.0,
           film_mm: float = 36.0) -> PinholeCamera:
    """A camera on +z looking at the origin (right +x, up +y)."""
    return PinholeCamera((0.0, 0.0, distance), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0),
                         (0.0, 0.0, 1.0), focal_mm / 1000, film_mm / 1000,
                         film_mm / 1000 * height / width, width, height)


