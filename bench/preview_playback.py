"""``shot preview`` playback: the background fill of a sequence's low-resolution frames, and the
rate the page plays them at.

A 48-frame focus pull on the rendered head (24 fps, grain, tone map): the first fill of every
frame at the preview's low resolution (longer side 128 px), then the fill again after a grain
edit (each frame's grain node only), after moving the pull's last key (lens and passes of the
frames it changed), and after undoing it (every frame already in the picture store: planning
only). Then, with Chromium, a 24-frame plate sequence at 24 fps played on the real page for
3 s once its frames are ready: the frames shown per second.

    python bench/preview_playback.py [--frames 48] [--no-browser]

The page part needs /usr/bin/chromium and the playwright package (as the preview tests do).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

SPEC = """\
character mara {{ seed 1842 }}

shot pull {{
  character mara
  duration {frames}f
  camera {{ lens 85mm; aperture f/2; distance 0.8m; focus mara.eyes @ 0f -> mara.ears @ {last}f ease in_out }}
  finish {{ grain 250D {grain}; tonemap agx }}
  output "out/pull.png" {{ size 1024x1280 }}
}}
"""

PLATE = """\
shot ramp {
  source plate "plate/portrait.png"
  duration 24f
  fps 24
  finish { exposure -2 stops @ 0f -> +2 stops @ 23f }
  output "out/ramp.png" { size 320x400 }
}
"""


def fill(worker) -> tuple[float, int, int]:
    """Seconds to make every frame ready, frames rendered, frames checked."""
    t0, rendered, checked = time.perf_counter(), 0, 0
    while (step := worker.fill.step(worker.renderer, worker.store)) is not None:
        rendered += step.rendered
        checked += 1
    return time.perf_counter() - t0, rendered, checked


def bench_fill(frames: int) -> list[tuple[str, float, int, int]]:
    from shotspec.preview.frames import PreviewRenderer
    from shotspec.preview.worker import Job, PreviewWorker

    folder = Path(tempfile.mkdtemp(prefix="playback_"))
    spec = folder / "pull.shot"
    text = SPEC.format(frames=frames, last=frames - 1, grain=0.3)
    spec.write_text(text)
    worker = PreviewWorker(PreviewRenderer(spec, device="cpu"), lambda u: None)
    worker._playing = True                       # playing: an edit renders its low frame only
    rows = []
    edits = [("first fill", text),
             ("grain edit", SPEC.format(frames=frames, last=frames - 1, grain=0.35)),
             ("pull's last key moved", SPEC.format(frames=frames, last=frames // 2, grain=0.35)),
             ("undo (all cached)", SPEC.format(frames=frames, last=frames - 1, grain=0.35))]
    for version, (label, source) in enumerate(edits):
        t0 = time.perf_counter()
        worker.run_job(Job(source, version, "buffer", time.monotonic()))
        job_s = time.perf_counter() - t0
        seconds, rendered, checked = fill(worker)
        rows.append((label, job_s, seconds, rendered, checked))
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def bench_page() -> float | None:
    """Frames per second the page shows while playing a ready 24 fps plate sequence."""
    if not Path("/usr/bin/chromium").exists():
        return None
    from playwright.sync_api import sync_playwright

    from shotspec.cli.console import make_console
    from shotspec.preview.command import run_preview

    folder = Path(tempfile.mkdtemp(prefix="playback_page_"))
    shutil.copytree(ROOT / "src" / "shotspec" / "specs" / "examples" / "plate", folder / "plate")
    (folder / "ramp.shot").write_text(PLATE)
    ready, stop, box = threading.Event(), threading.Event(), {}

    def on_ready(server) -> None:
        box["server"] = server
        ready.set()

    threading.Thread(target=run_preview, args=(folder / "ramp.shot",), daemon=True,
                     kwargs=dict(browser=False, device="cpu", quiet=True, console=make_console(),
                                 err_console=make_console(stderr=True), stop_event=stop,
                                 on_ready=on_ready)).start()
    ready.wait(60)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(box["server"].url)
            page.wait_for_function("() => +document.body.dataset.ready === 24", timeout=120_000)
            page.keyboard.press(" ")
            page.wait_for_timeout(500)
            first = page.evaluate("window.previewPlayed || 0")
            page.wait_for_timeout(3000)
            shown = page.evaluate("window.previewPlayed || 0") - first
            browser.close()
        return shown / 3.0
    finally:
        stop.set()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    rows = bench_fill(args.frames)
    print(f"| {args.frames}-frame focus pull, low resolution | edit → its frame | fill | "
          "frames rendered / checked | per rendered frame |")
    print("|---|---|---|---|---|")
    for label, job_s, seconds, rendered, checked in rows:
        per = f"{seconds / rendered:.3f} s" if rendered else "—"
        print(f"| {label} | {job_s:.2f} s | {seconds:.2f} s | {rendered} / {checked} | {per} |")
    if not args.no_browser:
        fps = bench_page()
        print("\npage playback of a ready 24 fps sequence:",
              "no chromium" if fps is None else f"{fps:.1f} frames shown per second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
