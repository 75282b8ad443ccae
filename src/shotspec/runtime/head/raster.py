"""Deterministic z-buffer rasterization of triangle meshes in torch (CPU and CUDA).

The camera is the render's ``PinholeCamera``: pixel centres at +0.5, image y down, the camera
looks down −z of its frame; depth is the distance along the optical axis. Triangles crossing the
near plane are clipped (into one or two sub-triangles that keep the parent's id and barycentric
frame); triangles wholly behind it vanish. Scan conversion (``scan.py``) is exact and watertight
(snapped corners, integer edge functions, top-left rule) and deterministic (int64 depth keys
resolved with ``scatter_reduce(amin)``); its memory is bounded by ``chunk`` samples at a time.
Supersampling renders ``ss``×``ss`` samples per pixel; ``Raster.coverage()`` and
``attributes.resolve`` bring them back to pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.scan import SUBPIXEL, scan_triangles

__all__ = ["Raster", "rasterize", "rasterize_orthographic", "camera_space", "SUBPIXEL",
           "NEAR_M", "CHUNK_SAMPLES"]

NEAR_M = 1e-3                  # default near plane (metres along the optical axis)
CHUNK_SAMPLES = 4_000_000      # covered samples expanded at once (≈ 150 MB of temporaries)


@dataclass(frozen=True)
class Raster:
    """What each sample of a (height·ss, width·ss) grid sees.

    ``face_id`` (Hs, Ws) int64: triangle index into ``faces``, −1 where empty.
    ``bary`` (3, Hs, Ws) float32: perspective-correct barycentrics of the sample on that
    triangle (weights of its corners 0, 1, 2; zeros where empty).
    ``depth_m`` (Hs, Ws) float32: distance along the optical axis (metres; +inf where empty).
    ``faces`` (F, 3) int64: the mesh's triangles, kept for ``interpolate``.
    ``ss``: samples per pixel along each axis; ``width``/``height``: the 1× image size.
    """

    face_id: torch.Tensor
    bary: torch.Tensor
    depth_m: torch.Tensor
    faces: torch.Tensor
    ss: int
    width: int
    height: int

    @property
    def mask(self) -> torch.Tensor:
        """(Hs, Ws) bool: samples that hit a triangle."""
        return self.face_id >= 0

    def coverage(self) -> torch.Tensor:
        """(H, W) float32: fraction of each pixel's ss×ss samples that hit the mesh."""
        m = self.mask.to(torch.float32)[None, None]
        return torch.nn.functional.avg_pool2d(m, self.ss)[0, 0]


def camera_space(verts_world: torch.Tensor, cam: PinholeCamera) -> torch.Tensor:
    """(V, 3) world points → (V, 3) camera space (x right, y up, z towards the camera)."""
    rot = cam.rotation(verts_world.device, verts_world.dtype)
    origin = torch.tensor(cam.origin, device=verts_world.device, dtype=verts_world.dtype)
    return (verts_world - origin) @ rot


def rasterize(verts_world: torch.Tensor, faces: torch.Tensor, cam: PinholeCamera,
              width: int, height: int, *, ss: int = 1, cull_backfaces: bool = False,
              near_m: float = NEAR_M, chunk: int = CHUNK_SAMPLES,
              barycentrics: bool = True) -> Raster:
    """Rasterize a mesh seen through ``cam`` at ``width``×``height`` pixels, ``ss``² samples each.

    ``verts_world`` (V, 3) metres, ``faces`` (F, 3) int64 counter-clockwise when seen from the
    front. ``cull_backfaces`` drops triangles seen from behind. The camera's film width spans
    ``width`` (focal length in pixels = focal_length_m · width / film_width_m).
    ``barycentrics=False``: a depth map only (``bary`` is all zeros; face ids and depth are
    unchanged), which skips the per-sample barycentric solve.
    """
    _check_mesh(verts_world, faces)
    if not 1 <= int(ss) <= 8:
        raise ValueError(f"ss must be 1…8 samples per axis, got {ss}")
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    ws, hs = width * ss, height * ss
    f_px = cam.focal_length_m * ws / cam.film_width_m
    pc = camera_space(verts_world.to(torch.float32), cam)
    depth = -pc[:, 2]                                             # (V,) along the axis
    corner_depth = depth[faces]                                   # (F, 3)
    inside = corner_depth >= near_m
    n_in = inside.sum(1)
    whole = torch.nonzero(n_in == 3).squeeze(1)
    parents, corner_pos, corner_bary = [whole], [pc[faces[whole]]], [None]
    cut = torch.nonzero((n_in > 0) & (n_in < 3)).squeeze(1)
    if cut.numel():
        par, cb = _clip_near(corner_depth[cut], inside[cut], near_m)
        parents.append(cut[par])
        corner_pos.append(cb @ pc[faces[cut[par]]])
        corner_bary.append(cb)
    parent = torch.cat(parents)
    pos = torch.cat(corner_pos)                                   # (P, 3, 3) camera space
    d = (-pos[..., 2]).clamp(min=near_m)
    xy = torch.stack((ws / 2 + f_px * pos[..., 0] / d, hs / 2 - f_px * pos[..., 1] / d), -1)
    prim, bary, depth_s = scan_triangles(xy, d, d, ws, hs, cull_backfaces, chunk, barycentrics)
    if bary is None:
        bary = torch.zeros(3, hs * ws, device=pc.device)
    elif cut.numel():
        eye = torch.eye(3, device=pc.device).expand(whole.numel(), 3, 3)
        cb_all = torch.cat([eye, corner_bary[1]])
        hit = prim >= 0
        bary[:, hit] = torch.einsum("kn,nkj->jn", bary[:, hit], cb_all[prim[hit]])
    face_id = torch.where(prim >= 0, parent[prim.clamp(min=0)], prim) if parent.numel() else prim
    return Raster(face_id.view(hs, ws), bary.view(3, hs, ws), depth_s.view(hs, ws), faces,
                  int(ss), int(width), int(height))


def rasterize_orthographic(xy_px: torch.Tensor, depth_m: torch.Tensor, faces: torch.Tensor,
                           width: int, height: int, *, cull_backfaces: bool = False,
                           chunk: int = CHUNK_SAMPLES, barycentrics: bool = True) -> Raster:
    """Rasterize already-projected vertices: ``xy_px`` (V, 2) pixel positions (y down),
    ``depth_m`` (V,) ≥ 0, interpolated linearly (an orthographic view, e.g. a directional
    light's shadow map). One sample per pixel; ``barycentrics`` as for ``rasterize``."""
    _check_mesh(xy_px, faces, dims=2)
    if depth_m.shape != xy_px.shape[:1] or (depth_m.numel() and float(depth_m.min()) < 0):
        raise ValueError(f"depth_m must be (V,) = ({xy_px.shape[0]},) and ≥ 0")
    tri_xy, tri_depth = xy_px.to(torch.float32)[faces], depth_m.to(torch.float32)[faces]
    ones = torch.ones_like(tri_depth)
    prim, bary, depth_s = scan_triangles(tri_xy, ones, tri_depth, width, height,
                                         cull_backfaces, chunk, barycentrics)
    if bary is None:
        bary = torch.zeros(3, height * width, device=xy_px.device)
    return Raster(prim.view(height, width), bary.view(3, height, width),
                  depth_s.view(height, width), faces, 1, int(width), int(height))


def _check_mesh(verts: torch.Tensor, faces: torch.Tensor, dims: int = 3) -> None:
    if verts.ndim != 2 or verts.shape[1] != dims:
        raise ValueError(f"vertices must be (V, {dims}), got {tuple(verts.shape)}")
    if faces.ndim != 2 or faces.shape[1] != 3 or faces.dtype != torch.int64:
        raise ValueError(f"faces must be (F, 3) int64, got {tuple(faces.shape)} {faces.dtype}")
    if faces.numel() and (int(faces.min()) < 0 or int(faces.max()) >= verts.shape[0]):
        raise ValueError(f"faces index vertices outside 0…{verts.shape[0] - 1}")


def _clip_near(corner_depth: torch.Tensor, inside: torch.Tensor, near_m: float):
    """Clip triangles that cross the near plane. ``corner_depth`` (N, 3), ``inside`` (N, 3)
    with 1 or 2 corners in front. Returns (parent (M,) row into the N, corner_bary (M, 3, 3)):
    each sub-triangle corner as barycentric weights of its parent's corners, winding kept."""
    dev, n = corner_depth.device, corner_depth.shape[0]
    one_in = inside.sum(1) == 1
    # rotate each triangle so that corner a is the odd one out (inside if one_in, else outside)
    odd = torch.where(one_in, inside.to(torch.int8).argmax(1), (~inside).to(torch.int8).argmax(1))
    order = (odd[:, None] + torch.arange(3, device=dev)) % 3                  # (N, 3): a, b, c
    d = corner_depth.gather(1, order)
    eye = torch.eye(3, device=dev)[order]                                      # (N, 3, 3)
    a, b, c = eye[:, 0], eye[:, 1], eye[:, 2]
    t_ab = ((d[:, 0] - near_m) / (d[:, 0] - d[:, 1]))[:, None]
    t_ac = ((d[:, 0] - near_m) / (d[:, 0] - d[:, 2]))[:, None]
    p_ab, p_ac = a + t_ab * (b - a), a + t_ac * (c - a)
    rows = torch.arange(n, device=dev)
    single = torch.stack((a, p_ab, p_ac), 1)[one_in]                          # a in front
    quad1 = torch.stack((p_ab, b, c), 1)[~one_in]                             # a behind
    quad2 = torch.stack((p_ab, c, p_ac), 1)[~one_in]
    parent = torch.cat((rows[one_in], rows[~one_in], rows[~one_in]))
    return parent, torch.cat((single, quad1, quad2))
