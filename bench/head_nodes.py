"""The scanned head's own nodes of the default shot — mesh, groom, geometry, shade — and a lighting-only
re-shade of the same geometry frame (what watch mode re-runs after a light's colour edit),
each timed in one process: wall-clock and process CPU seconds, with the load average before
and after (the machine is shared: CPU seconds are the steadier number).

    python bench/head_nodes.py [--spec specs/closeup.shot] [--repeat 2]

Run it with OMP_NUM_THREADS=1 for CPU seconds that do not include OpenMP's spin-waiting.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(ROOT / "src" / "shotspec" / "specs" / "closeup.shot"))
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from bench_env import machine_line, timed
    from shotspec.cli.session import RenderSession
    from shotspec.runtime.head.build import build_scene
    from shotspec.runtime.head.groom import grow_groom
    from shotspec.runtime.head.render import render_geometry
    from shotspec.runtime.head.shade import shade

    load_before = os.getloadavg()
    params = {n.op: n.params for n in RenderSession(args.spec).compile().plan.nodes.values()}
    mp, gp, sp = params["mesh"], params["geometry"], params["shade"]
    lights = list(sp.lights)
    relit = [lights[0].model_copy(update={"temperature_k": (lights[0].temperature_k or 6500) - 400})]
    relit += lights[1:]
    rows: dict[str, list[tuple[float, float]]] = {}
    for i in range(args.repeat):
        scene, *t = timed(lambda: build_scene(mp.character, mp.camera))
        rows.setdefault("mesh", []).append(t)
        groom, *t = timed(lambda: grow_groom(scene, mp.character))
        rows.setdefault("groom", []).append(t)
        geo, *t = timed(lambda: render_geometry(scene, gp.camera, gp.width, gp.height,
                                                character=gp.character, groom=groom))
        rows.setdefault("geometry", []).append(t)
        _, *t = timed(lambda: shade(geo, scene, sp.character, lights, sp.camera, groom))
        rows.setdefault("shade" if i else "shade (first in process)", []).append(t)
        _, *t = timed(lambda: shade(geo, scene, sp.character, relit, sp.camera, groom))
        rows.setdefault("shade after a light-colour edit", []).append(t)
    load_after = os.getloadavg()

    console = Console()
    table = Table(title=f"scanned head nodes, {gp.width}×{gp.height} (ss=2), {args.spec.split('/')[-1]}")
    for col in ("node", "wall s (median)", "CPU s (median)", "runs"):
        table.add_column(col, justify="left" if col == "node" else "right")
    for name, ts in rows.items():
        table.add_row(name, f"{statistics.median(w for w, _ in ts):.2f}",
                      f"{statistics.median(c for _, c in ts):.2f}", str(len(ts)))
    console.print(table)
    console.print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
                  f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
