"""Throughput of the Ray executor against the local one, on this machine.

Renders one spec of N small shots that share the head's geometry and shading and differ in the
lens (aperture: like the frames of a focus pull, each with its own lens node) — first with the
local executor in this process (twice: cold, then warm with a fresh in-memory cache), then with the Ray executor on a local cluster of one worker
node (all CPUs) and of two worker nodes (half the CPUs each), each twice: cold (fresh worker
processes import torch) and warm (the same workers, another head seed: nothing to reuse). Prints a table and
the machine with its load average before and after.

    python bench/ray_throughput.py [--shots 8] [--size 192x240]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import shotspec.runtime  # noqa: E402,F401 - OpenMP's wait policy is set before torch loads, as in `shot`

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import machine_line  # noqa: E402

APERTURES = ("f/1.4", "f/1.8", "f/2", "f/2.8", "f/4", "f/5.6", "f/8", "f/11", "f/16", "f/22")


def spec_text(shots: int, width: int, height: int, seed: int = 7) -> str:
    """``shots`` shots of one head and rig, each at its own aperture and file."""
    lines = ["character mara {", f"  seed {seed}", "  skin { tone monk 5 }", "}", "",
             "shot s0 {", "  character mara", "  camera {", "    lens 85mm",
             f"    aperture {APERTURES[0]}", "    distance 0.8m", "    focus mara.eyes", "  }",
             "  lighting {", "    key area {", "      from 30deg left, 20deg up", "      intensity 1",
             "    }", "  }", "  finish { grain 250D 0.3 }",
             f'  output "s0.png" {{ size {width}x{height} }}', "}"]
    for i in range(1, shots):
        lines += [f"shot s{i} extends s0 {{",
                  f"  camera {{ aperture {APERTURES[i % len(APERTURES)]} }}",
                  f"  finish {{ grain 250D {0.3 + 0.01 * i:.2f} }}",
                  f'  output "s{i}.png" {{ size {width}x{height} }}', "}"]
    return "\n".join(lines) + "\n"


def render(spec: Path, out: Path, executor=None) -> tuple[float, int]:
    """Wall seconds of one render of ``spec`` into ``out``, and the nodes it computed."""
    from shotspec.cli.session import RenderSession

    session = RenderSession(spec, output=str(out / "x.png"), device="cpu")
    if executor is not None:
        session.executor = executor
    build = session.compile()
    t0 = time.perf_counter()
    build = session.render(build)
    seconds = time.perf_counter() - t0
    if not build.ok:
        raise SystemExit(f"render failed: {build.diagnostics}")
    return seconds, len(build.report.ran)


def ray_runs(specs: dict[str, Path], work: Path, nodes: int, cpus: int) -> list[tuple[str, float, int]]:
    import ray
    from ray.cluster_utils import Cluster

    from shotspec.runtime.distributed.ray_executor import RayExecutor

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0,
                                                            "object_store_memory": 200 << 20})
    for _ in range(nodes):
        cluster.add_node(num_cpus=max(1, cpus // nodes), object_store_memory=200 << 20)
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR)
    rows = []
    try:
        for run, spec in specs.items():
            cache = Path(tempfile.mkdtemp(dir=work))
            out = work / f"ray{nodes}-{run}"
            seconds, ran = render(spec, out, RayExecutor(device="cpu", cache_dir=str(cache),
                                                         resume=False))
            rows.append((f"Ray, {nodes} node{'s' * (nodes > 1)} × {max(1, cpus // nodes)} CPU, {run}",
                         seconds, ran))
    finally:
        ray.shutdown()
        cluster.shutdown()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--size", default="192x240")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    cpus = os.cpu_count() or 1
    console = Console()
    console.print(machine_line())
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="shotspec-ray-bench-"))
    try:
        def specs(base_seed: int) -> dict[str, Path]:
            """A cold and a warm spec: other seeds, so no run reuses another's nodes."""
            out = {}
            for run, seed in (("cold", base_seed), ("warm", base_seed + 1)):
                out[run] = work / f"{run}{seed}.shot"
                out[run].write_text(spec_text(args.shots, width, height, seed))
            return out

        rows = [(f"local executor (this process), {run}", *render(spec, work / f"local-{run}"))
                for run, spec in specs(7).items()]
        rows += ray_runs(specs(17), work, 1, cpus)
        rows += ray_runs(specs(27), work, 2, cpus)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table(title=f"{args.shots} shots at {width}×{height} (shared geometry and shading)")
    for col in ("executor", "wall s", "shots / min", "nodes computed"):
        table.add_column(col, justify="left" if col == "executor" else "right")
    for name, seconds, ran in rows:
        table.add_row(name, f"{seconds:.1f}", f"{60 * args.shots / seconds:.1f}", str(ran))
    console.print(table)
    console.print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} "
                  f"on {cpus} cores")


if __name__ == "__main__":
    main()
