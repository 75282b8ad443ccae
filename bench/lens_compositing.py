"""Lens compositing figures beside their targets, and the lens pass's time on the default shot.

Figures come from the synthetic depth plates of ``shotspec.runtime.optics.lens_plates``:
coverage at a blurred silhouette (thin lens 0.5), the halo a sharp subject leaves on a blurred
background (0), the 10–90 % width of bokeh edges, and the orientation of pentagon bokeh in
front of and behind focus. The timing runs the default shot's own nodes up to ``shade`` (as
bench/head_nodes.py does) and times ``apply_lens`` on that frame: the full lens (a new depth
map) and the lens after a lighting edit (the depth plan cached), at the frame size the plan
gives the lens (512×640 for the 1024×1280 output) and at 1024×1280 (the frame upscaled 2×: the
CoCs double in pixels).

    OMP_NUM_THREADS=1 python bench/lens_compositing.py [--spec specs/closeup.shot] [--repeat 3]
        [--no-timing] [--image tiles.png]

``--image`` writes the four plates at 100 % side by side (display-encoded with a 2.2 gamma):
a sharp subject's edge over a background blurred at f/2, a foreground half-plane blurred by
10.25 px over a focused checkerboard, the edge of a 96 px bokeh disc, and a pentagon's bokeh
behind (left) and in front of (right) focus. docs/images/lens_compositing.png stacks the
tiles of the code before this change (top) over these (bottom).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]


def figures(table: Table) -> None:
    from shotspec.runtime.optics.lens_plates import (bokeh_edge_width, bokeh_orientation,
                                                     disc_diameter_error, silhouette_coverage,
                                                     subject_halo)

    errors = [disc_diameter_error(r) for r in (-7.7, 5.3, 10.2, 23.7, 47.3, 96.1)]
    table.add_row("blur diameter vs CoC, r = −7.7 … 96.1 px (worst of 6)",
                  f"{100 * max(errors, key=abs):+.2f} %", "within 0.4 %", "0 %")

    for r in (2.5, 6.25, 10.0, 16.5, 42.0):
        at_edge, worst = silhouette_coverage(r)
        table.add_row(f"silhouette coverage, foreground r = {r} px (worst along the edge)",
                      f"{at_edge:.3f} ({worst:.4f})", "0.50 ± 0.05", "0.500")
    for n in (1.4, 2.0, 4.0, 8.0):
        halo, bg_r = subject_halo(n)
        table.add_row(f"halo around a sharp subject, f/{n:g} (background r = {bg_r:.0f} px)",
                      f"{100 * halo:.3f} %", "< 1 %", "0 %")
    for r in (10, 48, 96):
        table.add_row(f"bokeh edge 10–90 %, r = {r} px", f"{bokeh_edge_width(r):.2f} px", "≤ 2 px",
                      "0.8–1.6 px (a 1 px edge sampled at whole pixels)")
    back, front, mismatch = bokeh_orientation(20.0, blades=5)
    table.add_row("pentagon: extent up − down, behind / in front of focus",
                  f"{back:+.0f} / {front:+.0f} px", "opposite signs", "+4 / −4 px")
    table.add_row("pentagon: |front − back turned 180°| / peak", f"{mismatch:.1e}", "< 1e-3", "0")


def tiles():
    """The four demonstration plates as one display-encoded ``(3, 160, 664)`` image in 0–1."""
    import math

    import torch
    import torch.nn.functional as F

    from shotspec.runtime.optics.lens_plates import FOCUS_M, depth_for_radius, run_lens

    fine = 1e-5
    yy, xx = torch.meshgrid(torch.arange(320), torch.arange(320), indexing="ij")
    subject = torch.sqrt((yy - 160) ** 2 + (xx - 160) ** 2.0) <= 60
    rgb = torch.where(subject, torch.tensor([1.0, 0.5, 0.2])[:, None, None],
                      torch.tensor([0.1, 0.2, 0.4])[:, None, None])[None]
    depth = torch.where(subject, FOCUS_M, math.inf).float()[None, None]
    out = [run_lens(rgb, depth, 5e-5, 2.0)[0, :, 60:220, 160:320]]
    fg = (torch.arange(160) < 80).expand(160, 160)
    checker = (((yy[:160, :160] // 8) + (xx[:160, :160] // 8)) % 2).float() * 0.6 + 0.2
    rgb = torch.where(fg, 1.0, checker).expand(1, 3, 160, 160).clone()
    rgb[0, 1:] *= torch.where(fg, 0.3, 1.0)
    depth = torch.where(fg, depth_for_radius(-10.25, 2.0, fine), FOCUS_M).float()[None, None]
    out.append(run_lens(rgb, depth, fine, 2.0)[0])
    for radius, blades, size in ((96, 0, 233), (36, 5, 97)):
        c = size // 2
        rgb = torch.zeros(1, 3, size, size)
        rgb[0, :, c, c] = 0.8 * math.pi * radius ** 2          # plateau 0.8
        discs = [run_lens(rgb, torch.full((1, 1, size, size), depth_for_radius(r, 2.0, fine)), fine,
                       2.0, blades)[0] for r in (radius, -radius)]
        if blades:
            pair = torch.cat([d[:, 8:88, 8:88] for d in discs], dim=2)
            out.append(F.pad(pair, (0, 0, 40, 40)))
        else:
            out.append(discs[0][:, c - 80:c + 80, c + radius - 80:c + radius + 80])
    img = torch.cat([F.pad(t.clamp(0, 1), (0, 6), value=1.0) for t in out], dim=2)
    return img ** (1 / 2.2)


def _shaded_frame(spec: str):
    from shotspec.cli.session import RenderSession
    from shotspec.runtime.head.build import build_scene
    from shotspec.runtime.head.groom import grow_groom
    from shotspec.runtime.head.render import render_geometry
    from shotspec.runtime.head.shade import shade
    from shotspec.runtime.ops import focus_distance

    params = {n.op: n.params for n in RenderSession(spec).compile().plan.nodes.values()}
    mp, gp, sp, lp = params["mesh"], params["geometry"], params["shade"], params["lens"]
    scene = build_scene(mp.character, mp.camera)
    groom = grow_groom(scene, mp.character)
    geo = render_geometry(scene, gp.camera, gp.width, gp.height, character=gp.character, groom=groom)
    frame = shade(geo, scene, sp.character, list(sp.lights), sp.camera, groom)
    return frame, lp.camera, focus_distance(lp.camera, frame)


def _upscaled(frame, factor: int):
    import torch.nn.functional as F

    nearest = {"depth", "normal", "position"}
    aovs = {k: F.interpolate(v, scale_factor=factor, mode="nearest" if k in nearest else "bilinear")
            for k, v in frame.aovs.items() if not k.startswith("_")}
    rgb = F.interpolate(frame.rgb, scale_factor=factor, mode="bilinear")
    return frame.replace(rgb=rgb, aovs=aovs)


def timing(table: Table, spec: str, repeat: int) -> None:
    from bench_env import timed
    from shotspec.runtime.cache import DERIVED
    from shotspec.runtime.optics import apply_lens

    frame, camera, focus = _shaded_frame(spec)
    for factor in (1, 2):
        f = frame if factor == 1 else _upscaled(frame, factor)
        full, relit = [], []
        apply_lens(f, camera, focus)                      # warm-up: kernels, FFT plans
        for _ in range(repeat):
            for cache in DERIVED.values():
                cache.clear()
            _, *t = timed(lambda: apply_lens(f, camera, focus))
            full.append(t)
            _, *t = timed(lambda: apply_lens(f.with_rgb(f.rgb * 1.01), camera, focus))
            relit.append(t)
        for name, ts in (("full lens", full), ("after a lighting edit", relit)):
            table.add_row(f"{f.width}×{f.height}, {name}",
                          f"{statistics.median(w for w, _ in ts):.2f}",
                          f"{statistics.median(c for _, c in ts):.2f}", str(len(ts)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(ROOT / "src" / "shotspec" / "specs" / "closeup.shot"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-timing", action="store_true", help="print the figures only")
    parser.add_argument("--image", help="write the demonstration plates to this PNG")
    args = parser.parse_args()

    if args.image:
        from PIL import Image

        img = tiles()
        Image.fromarray((img.permute(1, 2, 0) * 255 + 0.5).byte().numpy()).save(args.image)

    from bench_env import machine_line

    console = Console(width=150)
    table = Table(title="lens compositing on synthetic depth plates")
    for col in ("figure", "measured", "target", "thin lens"):
        table.add_column(col, justify="left" if col == "figure" else "right")
    figures(table)
    console.print(table)
    if not args.no_timing:
        load_before = os.getloadavg()
        t = Table(title=f"lens pass on {Path(args.spec).name} (first call in the process excluded)")
        for col in ("frame", "wall s (median)", "CPU s (median)", "runs"):
            t.add_column(col, justify="left" if col == "frame" else "right")
        timing(t, args.spec, args.repeat)
        console.print(t)
        console.print(f"load average (1 min) before {load_before[0]:.2f}, "
                      f"after {os.getloadavg()[0]:.2f}; "
                      f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
