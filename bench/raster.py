"""Cost of the mesh rasterizer: a 1024×1280 frame filled by a ~52k-triangle mesh.

Prints a table (median of ``--repeat`` runs after one warm-up): rasterize at ss=1/2, with and
without back-face culling, interpolating a 3-channel attribute and resolving, then at 1× a
1024² directional shadow map, its PCSS lookup for every covered pixel, and screen-space AO.
The mesh is the packaged scanned head (``--mesh head``) or a UV sphere of the same triangle
count (the default) framed like a close-up. Run:
``PYTHONPATH=src python bench/raster.py [--mesh sphere|head] [--device cpu|cuda]``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import shotspec.runtime  # noqa: F401  (sets the OpenMP wait policy before torch loads)
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import machine_line  # noqa: E402

from shotspec.runtime.head.camera import PinholeCamera  # noqa: E402
from shotspec.runtime.head.attributes import interpolate, resolve, vertex_normals  # noqa: E402
from shotspec.runtime.head.occlusion import ambient_occlusion, camera_positions  # noqa: E402
from shotspec.runtime.head.raster import rasterize  # noqa: E402
from shotspec.runtime.head.shadows import ShadowMap  # noqa: E402

WIDTH, HEIGHT = 1024, 1280


def sphere_mesh(rings: int = 160, segments: int = 164, radius: float = 0.1):
    """A UV sphere of 2·segments·(rings−1) triangles (52,152 by default), outward CCW faces."""
    theta = torch.linspace(0, math.pi, rings + 1, dtype=torch.float64)[1:-1]
    phi = torch.arange(segments, dtype=torch.float64) * (2 * math.pi / segments)
    t, p = torch.meshgrid(theta, phi, indexing="ij")
    body = torch.stack((torch.sin(t) * torch.cos(p), torch.cos(t), torch.sin(t) * torch.sin(p)),
                       -1).reshape(-1, 3)
    poles = torch.tensor([[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]], dtype=torch.float64)
    verts = (torch.cat((poles[:1], body, poles[1:])) * radius).float()
    n_v = verts.shape[0]
    r = torch.arange(rings - 2)[:, None]
    s = torch.arange(segments)[None, :]
    a, b = 1 + r * segments + s, 1 + r * segments + (s + 1) % segments
    c, d = a + segments, b + segments
    quads = torch.cat((torch.stack((a, b, c), -1), torch.stack((b, d, c), -1))).reshape(-1, 3)
    s = torch.arange(segments)
    top = torch.stack((torch.zeros_like(s), (s + 1) % segments + 1, s + 1), -1)
    last = 1 + (rings - 2) * segments
    bottom = torch.stack((torch.full_like(s, n_v - 1), last + s, last + (s + 1) % segments), -1)
    return verts, torch.cat((top, quads, bottom)).to(torch.int64)


def close_up_camera(distance_m: float) -> PinholeCamera:
    film_w = 0.036
    return PinholeCamera((0.0, 0.0, distance_m), (1.0, 0.0, 0.0), (0.0, 1.0, 0.0),
                         (0.0, 0.0, 1.0), 0.085, film_w, film_w * HEIGHT / WIDTH, WIDTH, HEIGHT)


def load_mesh(kind: str):
    if kind == "head":
        from shotspec.runtime.head.model import load_head
        head = load_head()
        verts = head.neutral - head.neutral.mean(0)
        return verts, head.faces, 0.45
    verts, faces = sphere_mesh()
    return verts, faces, 0.40


def timed(fn, repeat: int) -> str:
    """Median wall-clock and process CPU seconds of ``repeat`` calls after a warm-up, as two
    table cells (CPU time is the steadier figure on a shared machine)."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return f"{statistics.median(wall):>10.3f}{statistics.median(cpu):>9.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mesh", choices=("sphere", "head"), default="sphere")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    verts, faces, distance = load_mesh(args.mesh)
    verts, faces = verts.to(args.device), faces.to(args.device)
    cam = close_up_camera(distance)
    normals = vertex_normals(verts, faces)
    print(machine_line())
    print(f"load average {os.getloadavg()[0]:.2f} (1 min); mesh {args.mesh}: "
          f"{verts.shape[0]} vertices, {faces.shape[0]} triangles; {WIDTH}x{HEIGHT} px")
    print(f"{'pass':<34}{'ss':>4}{'cull':>6}{'wall s':>10}{'cpu s':>9}{'covered %':>11}")
    for ss in (1, 2):
        for cull in (False, True):
            raster = rasterize(verts, faces, cam, WIDTH, HEIGHT, ss=ss, cull_backfaces=cull)
            cover = 100.0 * float(raster.mask.float().mean())
            sec = timed(lambda: rasterize(verts, faces, cam, WIDTH, HEIGHT, ss=ss,
                                          cull_backfaces=cull), args.repeat)
            print(f"{'rasterize':<34}{ss:>4}{str(cull):>6}{sec}{cover:>11.1f}")
        sec = timed(lambda: resolve(interpolate(raster, normals), ss), args.repeat)
        print(f"{'interpolate normals + resolve':<34}{ss:>4}{'':>6}{sec}")
    raster = rasterize(verts, faces, cam, WIDTH, HEIGHT)
    n_px = interpolate(raster, normals)
    light = (0.5, 0.6, 1.0)
    sec = timed(lambda: ShadowMap.for_directional(verts, faces, light,
                                                  angular_diameter_rad=0.1), args.repeat)
    print(f"{'shadow map 1024² (directional)':<34}{1:>4}{'':>6}{sec}")
    smap = ShadowMap.for_directional(verts, faces, light, angular_diameter_rad=0.1)
    hit = raster.mask.reshape(-1)
    rot = cam.rotation(args.device)
    origin = torch.tensor(cam.origin, device=args.device)
    pts = camera_positions(raster.depth_m.clamp(max=1e3), cam).reshape(3, -1).T[hit] @ rot.T
    pts = pts + origin
    nrm = n_px.reshape(3, -1).T[hit]
    sec = timed(lambda: smap.shadow(pts, nrm), args.repeat)
    print(f"{f'PCSS lookup, {int(hit.sum())} px':<34}{1:>4}{'':>6}{sec}")
    sec = timed(lambda: ambient_occlusion(raster.depth_m, n_px, cam), args.repeat)
    print(f"{'ambient occlusion (8×4 taps)':<34}{1:>4}{'':>6}{sec}")


if __name__ == "__main__":
    main()
