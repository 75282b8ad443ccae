"""Edit-to-image time in watch mode: from the moment a save lands on disk to the image being
written, through the real watcher (file events, debounce, compile, plan, cached execution).
Wall seconds, and this process's CPU seconds over the same span (user + system, all threads:
the steadier number on a shared machine).

    python bench/watch_edit.py [--repeat 3] [--poll] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(repeat: int, poll: bool = False) -> dict:
    """Cold render, then ``repeat`` finishing-only (grain strength) and ``repeat`` lighting-only
    (fill temperature) edits: {"cold": (wall, cpu), "finishing": [...], "lighting": [...],
    "ran": {edit: node labels}}."""
    from shotspec.cli.console import make_console
    from shotspec.cli.watch import watch

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "specs"
        shutil.copytree(ROOT / "src" / "shotspec" / "specs", work)
        spec = work / "closeup.shot"
        original = spec.read_text()
        statuses: queue.Queue = queue.Queue()
        stop = threading.Event()
        quiet = make_console(quiet=True)
        t0, c0 = time.perf_counter(), _cpu()
        thread = threading.Thread(target=watch, args=(str(spec),), daemon=True, kwargs=dict(
            output=str(Path(tmp) / "out.png"), device="cpu", poll=poll, console=quiet,
            err_console=quiet, quiet=True, on_status=statuses.put, stop_event=stop))
        thread.start()
        first = statuses.get(timeout=600)
        assert first.kind == "rendered", first
        cold = (time.perf_counter() - t0, _cpu() - c0)

        def timed_edit(new_text: str):
            t, c = time.perf_counter(), _cpu()
            spec.write_text(new_text)
            while True:
                status = statuses.get(timeout=600)
                if status.kind != "unchanged":
                    assert status.kind == "rendered", status
                    return (time.perf_counter() - t, _cpu() - c), status

        grain = [timed_edit(original.replace("0.35", f"0.{40 + i}", 1)) for i in range(repeat)]
        light = []
        for i in range(repeat):   # a new fill temperature each time: never served by the cache
            text = original.replace("use loop", f"use loop\n    fill area {{ temperature {5000 + 150 * i}K }}")
            light.append(timed_edit(text))
        stop.set()
        thread.join(timeout=10)
    return {"cold": cold, "finishing": [r[0] for r in grain], "lighting": [r[0] for r in light],
            "ran": {"finishing": grain[-1][1].ran, "lighting": light[-1][1].ran}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--poll", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    result = measure(args.repeat, args.poll)
    result["load"] = (load_before, os.getloadavg()[0])
    if args.json:
        print(json.dumps(result))
        return

    from rich.console import Console
    from rich.table import Table

    table = Table(title="watch mode: save → image written")
    for col in ("edit", "median wall s", "min wall s", "median CPU s", "nodes re-run"):
        table.add_column(col, justify="left" if col in ("edit", "nodes re-run") else "right")
    for name, label in (("finishing", "finishing-only (grain strength)"),
                        ("lighting", "lighting (fill temperature)")):
        runs = result[name]
        table.add_row(label, f"{statistics.median(r[0] for r in runs):.2f}", f"{min(r[0] for r in runs):.2f}",
                      f"{statistics.median(r[1] for r in runs):.2f}", ", ".join(result["ran"][name]))
    console = Console()
    console.print(table)
    console.print(f"first (cold) render: {result['cold'][0]:.2f} s wall, {result['cold'][1]:.2f} s CPU")
    from bench_env import machine_line

    console.print(f"load average (1 min) {result['load'][0]:.2f} → {result['load'][1]:.2f}; machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
