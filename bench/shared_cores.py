"""The default render on an idle machine and on one whose cores are busy with other work, under
several OpenMP thread and wait settings.

torch's OpenMP worker threads spin while they wait for work; when other processes hold the cores,
a spinning thread burns the time slice its sibling needed and a render slows down several-fold.
This script measures each setting both ways, each render in a fresh process (what `shot render`
pays), and checks that every setting writes the same pixels:

    python bench/shared_cores.py [--repeat 3] [--load 2] [--size 1024x1280]

``--load N`` starts N busy processes (one per core by default) for the loaded runs.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# name, environment added to a clean one (the variables shotspec reads are removed first)
# (libgomp spins 300,000 times before it sleeps when nothing is set: the first row is torch's
# behaviour without shotspec's setting.)
CONFIGS: list[tuple[str, dict[str, str]]] = [
    ("libgomp default: GOMP_SPINCOUNT=300000", {"GOMP_SPINCOUNT": "300000"}),
    ("OMP_WAIT_POLICY=PASSIVE", {"OMP_WAIT_POLICY": "PASSIVE"}),
    ("GOMP_SPINCOUNT=1000", {"GOMP_SPINCOUNT": "1000"}),
    ("GOMP_SPINCOUNT=10000", {"GOMP_SPINCOUNT": "10000"}),
    ("GOMP_SPINCOUNT=30000", {"GOMP_SPINCOUNT": "30000"}),
    ("OMP_NUM_THREADS=1", {"OMP_NUM_THREADS": "1"}),
    ("shotspec's choice (nothing set; decided by the load at start)", {}),
]
_OURS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")


def _busy() -> None:
    x = 0
    while True:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF


def _render(env: dict[str, str], out: Path, size: str) -> float:
    cmd = [sys.executable, "-m", "shotspec", "render", "-q", "-o", str(out),
           "--set", f"output.size={size}"]
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _pixels(path: Path) -> str:
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        return hashlib.sha256(np.asarray(im).tobytes()).hexdigest()[:12]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--load", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--size", default="1024x1280")
    ap.add_argument("--only", action="append", help="run only settings whose name contains this")
    args = ap.parse_args()

    base = {k: v for k, v in os.environ.items() if k not in _OURS}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in CONFIGS:
            if args.only and not any(o in name for o in args.only):
                continue
            env = {**base, **extra}
            idle, loaded, hashes = [], [], set()
            for i in range(args.repeat):
                out = Path(tmp) / f"idle{i}.png"
                idle.append(_render(env, out, args.size))
                hashes.add(_pixels(out))
            workers = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load)]
            for w in workers:
                w.start()
            try:
                for i in range(args.repeat):
                    out = Path(tmp) / f"load{i}.png"
                    loaded.append(_render(env, out, args.size))
                    hashes.add(_pixels(out))
            finally:
                for w in workers:
                    w.terminate()
                for w in workers:
                    w.join()
            rows.append((name, statistics.median(idle), statistics.median(loaded), hashes))
            print(f"{name}: idle {idle}, loaded {loaded}", file=sys.stderr, flush=True)

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"default shot at {args.size}, fresh process each, median of {args.repeat}; "
                        f"load = {args.load} busy processes")
    for col in ("setting", "idle (s)", "under load (s)", "load / idle", "pixels"):
        table.add_column(col, justify="left" if col in ("setting", "pixels") else "right")
    for name, idle_s, load_s, hashes in rows:
        table.add_row(name, f"{idle_s:.2f}", f"{load_s:.2f}", f"{load_s / idle_s:.2f}×",
                      ", ".join(sorted(hashes)))
    console = Console(width=140)
    console.print(table)
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_env import machine_line

    console.print(f"machine: {machine_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
