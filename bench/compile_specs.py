"""Compile time of the example specs: in-process (warm) and `shot check` in a fresh process.

    python bench/compile_specs.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from shotspec.compiler import compile_file
    from shotspec.compiler.plan import build_plan

    specs = [ROOT / "src" / "shotspec" / "specs" / "closeup.shot", *sorted((ROOT / "src" / "shotspec" / "specs" / "examples").glob("*.shot"))]
    table = Table(title="compile time per spec")
    for col in ("spec", "shots", "compile (warm, median)", "compile+plan (warm)", "`shot check` fresh process"):
        table.add_column(col, justify="right" if col != "spec" else "left", no_wrap=col == "spec")
    for spec in specs:
        compile_file(spec)  # warm the parser cache
        times, plan_times = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = compile_file(spec)
            t1 = time.perf_counter()
            if result.ok:
                build_plan(result.program)
            plan_times.append(time.perf_counter() - t0)
            times.append(t1 - t0)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "shotspec", "check", str(spec)], capture_output=True, check=False)
        fresh = time.perf_counter() - t0
        shots = len(result.program.shots) if result.ok else 0
        table.add_row(str(spec.relative_to(ROOT)), str(shots), f"{statistics.median(times) * 1000:.1f} ms",
                      f"{statistics.median(plan_times) * 1000:.1f} ms", f"{fresh * 1000:.0f} ms")
    console = Console()
    console.print(table)
    from bench_env import machine_line

    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
