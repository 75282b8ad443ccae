"""The cost of drawing strands on the default shot: rasterization (the geometry node's share)
and lighting + compositing (the shade node's share) for synthetic grooms of growing size.

The grooms are synthetic (this script does not depend on the growers): scalp strands rooted on
the top of the posed head's scalp, combed back and falling under gravity, ``--points`` points
each; 700 brow hairs of 5 points on the brow region; 2 × 90 lashes of 6 points over the eyes.

    OMP_NUM_THREADS=1 python bench/strands.py [--spec specs/closeup.shot] [--counts 15000 60000]
        [--size 1024x1280]

Columns: the rasterization (the geometry node's share: fragments, coverage, weights); lighting
the strand points from every light of the spec's rig the first time (hair grids built, the head's
shadow maps looked up — built beforehand, since the skin needs them anyway) and again after a
light-colour edit (grids kept); the per-pixel blend (``resolve``). Run with OMP_NUM_THREADS=1
for CPU seconds that do not include OpenMP's spin-waiting; on a shared machine CPU seconds are
the steadier number.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]


def synthetic_groom(scene, scalp: int, points: int, seed: int = 1):
    """Scalp, brow and lash groups on ``scene`` (see the module's docstring)."""
    from shotspec.runtime.head.strands import StrandGroup

    g = torch.Generator().manual_seed(seed)
    v, n = scene.vertices, scene.normals
    top = float(v[:, 1].max())
    groups = []
    cand = ((v[:, 1] > top - 0.10) & (n[:, 1] > 0.15)).nonzero()[:, 0]
    pick = cand[torch.randint(cand.numel(), (scalp,), generator=g)]
    s = torch.linspace(0, 1, points)[None, :, None]
    root, nr = v[pick], n[pick]
    back = F.normalize(nr * 0.4 + torch.tensor([0.0, 0.3, -1.0]) + 0.25 * torch.randn(scalp, 3, generator=g), dim=1)
    length = 0.08 + 0.06 * torch.rand(scalp, 1, 1, generator=g)
    pts = root[:, None] + nr[:, None] * 0.006 * s.sqrt() + back[:, None] * length * 0.5 * s \
        + torch.tensor([0.0, -1.0, 0.0]) * length * 0.6 * s ** 2
    width = torch.full((scalp, points), 7e-5) * (1 - 0.7 * s[..., 0])
    groups.append(StrandGroup("scalp", pts, width, torch.tensor([0.22, 0.11, 0.05]).expand(scalp, 3).clone()))
    if "brows" in scene.attr_names:
        cand = (scene.attr("brows") > 0.5).nonzero()[:, 0]
        pick = cand[torch.randint(cand.numel(), (700,), generator=g)]
        s5 = torch.linspace(0, 1, 5)[None, :, None]
        side = torch.sign(v[pick, 0:1])
        d = F.normalize(torch.cat((side * 1.0, torch.full_like(side, 0.35), torch.zeros_like(side)), 1), dim=1)
        pts = v[pick][:, None] + (d[:, None] * 0.008 + n[pick][:, None] * 0.0015) * s5
        groups.append(StrandGroup("brow", pts, torch.full((700, 5), 9e-5), torch.tensor([0.12, 0.07, 0.04]).expand(700, 3).clone()))
    lashes = []
    for c, a in zip(scene.eye_centres, scene.eye_axes):
        x = torch.linspace(-0.012, 0.012, 90)
        root = c + a * 0.0115 + torch.stack((x, 0.0045 - 30 * x * x, torch.zeros_like(x)), 1)
        s6 = torch.linspace(0, 1, 6)[None, :, None]
        up = torch.tensor([0.0, 1.0, 0.0])
        lashes.append(root[:, None] + (a * 0.008 * s6 + up * 0.006 * s6 ** 2))
    pts = torch.cat(lashes)
    groups.append(StrandGroup("lash", pts, torch.full(pts.shape[:2], 1e-4), torch.full((pts.shape[0], 3), 0.03)))
    return tuple(groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(ROOT / "src" / "shotspec" / "specs" / "closeup.shot"))
    parser.add_argument("--counts", type=int, nargs="+", default=[15000, 30000, 60000])
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--size", default="", help="WxH (default: the spec's render size)")
    args = parser.parse_args()

    from bench_env import machine_line, timed
    from shotspec.cli.session import RenderSession
    from shotspec.runtime.head.build import build_scene
    from shotspec.runtime.head.camera import PinholeCamera
    from shotspec.runtime.head.lights import rig
    from shotspec.runtime.head.render import render_geometry
    from shotspec.runtime.head.shade import shadow_map
    from shotspec.runtime.head.strand_raster import rasterize_strands
    from shotspec.runtime.head.strand_shade import StrandLight

    load_before = os.getloadavg()
    params = {n.op: n.params for n in RenderSession(args.spec).compile().plan.nodes.values()}
    mp, gp, sp = params["mesh"], params["geometry"], params["shade"]
    scene = build_scene(mp.character, mp.camera)
    width, height = (int(x) for x in args.size.split("x")) if args.size else (gp.width, gp.height)
    cam = PinholeCamera.from_ir(gp.camera, width, height)
    depth = render_geometry(scene, gp.camera, width, height, character=gp.character).aovs["depth"][0, 0]
    lights = rig(list(sp.lights), sp.camera)
    # the head's shadow maps are the skin's too (shade builds them anyway): not strand cost
    maps = {light: shadow_map(scene, light) for light in lights if light.kind != "environment"}
    table = Table(title=f"strands on the default shot, {width}×{height}")
    for col in ("strands", "points", "fragments", "fragment MB", "raster s", "raster CPU s",
                "light s", "light CPU s", "re-light CPU s", "composite CPU s"):
        table.add_column(col, justify="right")
    for count in args.counts:
        groom = synthetic_groom(scene, count, args.points)
        frags, r_wall, r_cpu = timed(lambda: rasterize_strands(groom, cam, depth))
        kept: dict = {}
        strands = StrandLight(groom, lambda key, fn: kept[key] if key in kept else kept.setdefault(key, fn()))
        radiance, l_wall, l_cpu = timed(lambda: strands.radiance(frags, cam, lights, maps.__getitem__))
        _, _, rl_cpu = timed(lambda: strands.radiance(frags, cam, lights, maps.__getitem__))
        _, _, c_cpu = timed(lambda: frags.resolve(radiance[:, :3]))
        table.add_row(f"{sum(g.count for g in groom):,}",
                      f"{sum(g.points.shape[0] * g.points.shape[1] for g in groom):,}",
                      f"{frags.count:,}", f"{frags.count * 24 / 1e6:.0f}", f"{r_wall:.2f}",
                      f"{r_cpu:.2f}", f"{l_wall:.2f}", f"{l_cpu:.2f}", f"{rl_cpu:.2f}", f"{c_cpu:.2f}")
    console = Console()
    console.print(table)
    console.print(f"load average (1 min) before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
                  f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
