"""``shot preview`` latency, measured in a real headless Chromium on the page itself.

From the moment an edit leaves the editor (a save lands on disk, or the language server POSTs
the unsaved buffer) to the new image being decoded on the page (``window.previewShown``): the
low-resolution frame (target ≤ 0.5 s) and the full frame, for a finishing edit (grain strength)
and a lighting edit (the key's intensity). Then 50 buffer edits in 10 s: whether the page keeps
up (the last edit's full frame arrives, how many frames it showed) and this process's resident
memory (the server and renderer) and the page's JS heap before and after.

    python bench/preview_latency.py [--size 256x320] [--repeat 3]

Needs /usr/bin/chromium and the playwright package (as the preview tests do).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

SPEC = """\
character mara {{
  seed 1842
  eyes hazel
}}

shot closeup {{
  character mara
  camera {{ lens 85mm; aperture f/2.8; distance 0.75m; focus mara.eyes }}
  lighting {{
    key area {{ azimuth -35deg; elevation 25deg; distance 1.2m; size 0.6m; intensity {key}; key }}
    fill area {{ azimuth 40deg; elevation 10deg; distance 1.5m; size 1m; intensity 0.4 }}
  }}
  finish {{
    grain 250D {grain}
    tonemap aces
  }}
  output "out/closeup.png" {{ size {size} }}
}}
"""


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Bench:
    def __init__(self, spec: Path, size: str):
        from shotspec.cli.console import make_console
        from shotspec.preview.command import run_preview

        self.spec, self.size = spec, size
        self.version = 0
        self.ready, self.stop = threading.Event(), threading.Event()
        self.server = None

        def on_ready(server):
            self.server = server
            self.ready.set()

        quiet = make_console(quiet=True)
        threading.Thread(target=run_preview, args=(spec,), daemon=True, kwargs=dict(
            browser=False, device="cpu", quiet=True, console=quiet, err_console=quiet,
            stop_event=self.stop, on_ready=on_ready)).start()
        self.ready.wait(120)

    def text(self, grain=0.3, key=1.0) -> str:
        return SPEC.format(grain=f"{grain:.3f}", key=f"{key:.3f}", size=self.size)

    def post(self, text: str) -> None:
        self.version += 1
        body = json.dumps({"path": str(self.spec), "text": text, "version": self.version}).encode()
        req = urllib.request.Request(self.server.url + "api/buffer", data=body, method="POST",
                                     headers={"X-Shotspec-Token": self.server.token})
        urllib.request.urlopen(req, timeout=10).read()


def shown(page) -> dict:
    return page.evaluate("() => window.previewShown || {generation: 0}")


def wait_phase(page, generation: int, phase: str, timeout_s: float = 600) -> dict:
    page.wait_for_function(
        "([g, p]) => window.previewShown && window.previewShown.generation > g && "
        "(p === 'any' || window.previewShown.phase === p)", arg=[generation, phase],
        timeout=timeout_s * 1000, polling=5)
    return shown(page)


def one_edit(bench: Bench, page, text: str, how: str) -> tuple[float, float]:
    """Seconds from the edit to the low frame on screen, and to the full frame."""
    gen = shown(page)["generation"]
    t0 = time.perf_counter()
    if how == "save":
        bench.spec.write_text(text)
    else:
        bench.post(text)
    low = wait_phase(page, gen, "low")
    t_low = time.perf_counter() - t0
    wait_phase(page, low["generation"], "full")
    return t_low, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="256x320", help="the spec's output size (default 256x320)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from bench_env import machine_line

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_RUNTIME_DIR"] = tmp
        spec = Path(tmp) / "closeup.shot"
        spec.write_text(SPEC.format(grain="0.300", key="1.000", size=args.size))
        bench = Bench(spec, args.size)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 900, "height": 760})
            t0 = time.perf_counter()
            page.goto(bench.server.url)
            wait_phase(page, 0, "full")
            cold = time.perf_counter() - t0
            rows = []
            step = iter(range(1, 10_000))
            for label, how, edit in (
                    ("finishing (grain), save", "save", lambda i: bench.text(grain=0.3 + 0.01 * i)),
                    ("finishing (grain), keystroke", "buffer", lambda i: bench.text(grain=0.3 + 0.01 * i)),
                    ("lighting (key), save", "save", lambda i: bench.text(key=1.0 + 0.05 * i)),
                    ("lighting (key), keystroke", "buffer", lambda i: bench.text(key=1.0 + 0.05 * i))):
                times = [one_edit(bench, page, edit(next(step)), how) for _ in range(args.repeat)]
                rows.append((label, statistics.median(t[0] for t in times),
                             statistics.median(t[1] for t in times)))
            rss0 = rss_mib()
            heap0 = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0")
            gen0 = shown(page)["generation"]
            start = time.perf_counter()
            for i in range(50):                      # 50 keystrokes in 10 s, alternating edits
                target = start + 0.2 * i
                time.sleep(max(0.0, target - time.perf_counter()))
                bench.post(bench.text(grain=0.2 + 0.002 * i, key=1.0 + 0.01 * (i % 2)))
            sent = time.perf_counter() - start
            last = wait_phase(page, gen0, "full")
            while bench.server.state.snapshot["version"] != bench.version or last["phase"] != "full":
                last = wait_phase(page, last["generation"], "full")
            settled = time.perf_counter() - start
            frames = last["generation"] - gen0
            rss1 = rss_mib()
            heap1 = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : 0")
            browser.close()
        bench.stop.set()

    print(machine_line())
    print(f"spec: head render, output {args.size}, low-res frame ≤ 128 px; median of {args.repeat}")
    print(f"first full frame (cold, mesh + groom + geometry + shade): {cold:.2f} s\n")
    print(f"{'edit':<32} {'low-res on screen':>18} {'full frame':>11}")
    for label, low, full in rows:
        print(f"{label:<32} {low:>16.2f} s {full:>9.2f} s")
    print(f"\n50 edits in {sent:.1f} s: last edit's full frame on screen {settled:.1f} s after the "
          f"first; {frames} frames shown (newer edits superseded the rest)")
    print(f"server RSS {rss0:.0f} → {rss1:.0f} MiB; page JS heap {heap0 / 2**20:.1f} → "
          f"{heap1 / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
