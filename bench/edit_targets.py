"""Issue 16's three speed targets in one table, for both thread settings: the default shot
rendered by ``shot render`` in a fresh process (target ≤ 10 s), a lighting-only edit in watch
mode (≤ 3 s) and a finishing-only edit in watch mode (≤ 0.5 s), at 1024×1280 on this machine.

    python bench/edit_targets.py [--fresh 3] [--repeat 3] [--threads 1 2]

Each setting runs in its own processes with ``OMP_NUM_THREADS`` set (1: one torch thread; 2:
torch's default on two cores, OpenMP's wait policy left to shotspec, ``runtime/threads.py``).
Wall seconds are what a user waits; CPU seconds (user + system, all threads) are the steadier
number on a shared machine. The load average is printed before and after each setting.

A user's install has the modules' bytecode (pip compiles it when it installs a wheel; an
editable install writes it on the first run), so the bench compiles it first: with
``PYTHONDONTWRITEBYTECODE`` set and no bytecode, every run would also compile shotspec's 160
modules from source (about 0.3 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "src" / "shotspec" / "specs" / "closeup.shot"
TARGETS = {"fresh": 10.0, "lighting": 3.0, "finishing": 0.5}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def compile_bytecode() -> None:
    """Write shotspec's bytecode as an install would, even where ``PYTHONDONTWRITEBYTECODE`` is set."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "shotspec"), quiet=1)


def fresh_renders(threads: int, count: int) -> list[tuple[float, float]]:
    """(wall, CPU) of ``shot render`` of the default shot in a new process, ``count`` times."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(count):
            t, c = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-m", "shotspec", "-q", "render", str(SPEC), "-o",
                            str(Path(tmp) / "closeup.png")], env=_env(threads), check=True)
            runs.append((time.perf_counter() - t, _children_cpu() - c))
    return runs


def watch_edits(threads: int, repeat: int) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "watch_edit.py"), "--json",
                          "--repeat", str(repeat)], env=_env(threads), check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cell(runs, target: float) -> str:
    walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
    mark = "met" if max(walls) <= target else ("median met" if statistics.median(walls) <= target else "not met")
    return (f"{statistics.median(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) s, "
            f"CPU {statistics.median(cpus):.2f} s — {mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fresh", type=int, default=3, help="fresh-process renders per setting")
    parser.add_argument("--repeat", type=int, default=3, help="edits of each kind per setting")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    compile_bytecode()
    rows = []
    for threads in args.threads:
        before = os.getloadavg()[0]
        fresh = fresh_renders(threads, args.fresh)
        edits = watch_edits(threads, args.repeat)
        rows.append((threads, fresh, edits, before, os.getloadavg()[0]))

    table = Table(title="default shot 1024×1280: wall median (min–max), CPU median")
    for col in ("OMP_NUM_THREADS", "fresh `shot render` (≤ 10 s)", "lighting-only edit, watch (≤ 3 s)",
                "finishing-only edit, watch (≤ 0.5 s)", "load average"):
        table.add_column(col)
    for threads, fresh, edits, before, after in rows:
        table.add_row(str(threads), _cell(fresh, TARGETS["fresh"]), _cell(edits["lighting"], TARGETS["lighting"]),
                      _cell(edits["finishing"], TARGETS["finishing"]), f"{before:.2f} → {after:.2f}")
    console = Console(width=200)
    console.print(table)
    for threads, _, edits, _, _ in rows:
        console.print(f"{threads} thread(s): lighting edit re-ran {', '.join(edits['ran']['lighting'])}; "
                      f"finishing edit re-ran {', '.join(edits['ran']['finishing'])}")
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_env import machine_line

    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    main()
