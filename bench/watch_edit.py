"""Edit-to-image time in watch mode: from the moment a save lands on disk to the image being
written, through the real watcher (file events, debounce, compile, plan, cached execution).

    python bench/watch_edit.py [--repeat 3] [--poll]
"""

from __future__ import annotations

import argparse
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--poll", action="store_true")
    args = parser.parse_args()

    from shotspec.cli.console import make_console
    from shotspec.cli.watch import watch

    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "specs"
        shutil.copytree(ROOT / "src" / "shotspec" / "specs", work)
        spec = work / "closeup.shot"
        original = spec.read_text()
        statuses: queue.Queue = queue.Queue()
        stop = threading.Event()
        quiet = make_console(quiet=True)
        thread = threading.Thread(target=watch, args=(str(spec),), daemon=True, kwargs=dict(
            output=str(Path(tmp) / "out.png"), device="cpu", poll=args.poll, console=quiet,
            err_console=quiet, quiet=True, on_status=statuses.put, stop_event=stop))
        thread.start()
        first = statuses.get(timeout=600)
        assert first.kind == "rendered", first

        def timed_edit(new_text: str):
            t0 = time.perf_counter()
            spec.write_text(new_text)
            while True:
                status = statuses.get(timeout=600)
                if status.kind != "unchanged":
                    return time.perf_counter() - t0, status

        rows = []
        grain = [timed_edit(original.replace("0.35", f"0.{40 + i}", 1)) for i in range(args.repeat)]
        rows.append(("finishing-only (grain strength)", grain))
        light = []
        for i in range(args.repeat):   # a new fill temperature each time: never served by the cache
            text = original.replace("use loop", f"use loop\n    fill area {{ temperature {5000 + 150 * i}K }}")
            light.append(timed_edit(text))
        rows.append(("lighting (fill temperature)", light))
        stop.set()
        thread.join(timeout=10)

    table = Table(title="watch mode: save → image written")
    for col in ("edit", "median s", "min s", "nodes re-run"):
        table.add_column(col, justify="left" if col in ("edit", "nodes re-run") else "right")
    for name, results in rows:
        secs = [r[0] for r in results]
        table.add_row(name, f"{statistics.median(secs):.2f}", f"{min(secs):.2f}", ", ".join(results[-1][1].ran))
    console.print(table)
    console.print(f"first (cold) render: {first.seconds:.2f} s")
    from bench_env import machine_line

    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
