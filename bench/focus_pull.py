"""A focus pull on the default shot (eyes → ears, ``ease in_out``) against a single-frame render.

The sequence's frames share every node the pull does not change: the head is built, groomed,
rasterised and shaded once; the lens and every node after it run per frame. The table gives the
single-frame render, the whole sequence, its seconds per frame, and the per-frame nodes' mean
times, each in a warm process with an empty cache.

    python bench/focus_pull.py [--frames 48] [--size 1024x1280] [--device cpu]

On a shared CPU a 48-frame pull at 1024×1280 takes long: ``--frames`` renders fewer frames of
the same 48-frame pull (the first N, evenly spread over it) and the table says so.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "src" / "shotspec" / "specs" / "closeup.shot"
PULL_FRAMES = 48


def spec_text(size: str, frames: int | None) -> str:
    """The default spec at ``size``; with ``frames``: a 48-frame focus pull."""
    text = SPEC.read_text().replace("size 1024x1280", f"size {size}")
    text = text.replace('import "presets/lighting.shot"',
                        f'import "{SPEC.parent / "presets" / "lighting.shot"}"')
    if frames is not None:
        text = text.replace("    focus mara.eyes\n",
                            f"    focus mara.eyes @ 0f -> mara.ears @ {PULL_FRAMES}f ease in_out\n")
        text = text.replace("  character mara\n", f"  character mara\n  duration {PULL_FRAMES}f\n", 1)
    return text


def render(folder: Path, name: str, text: str, device: str, frames: int | None):
    from shotspec.cli.session import RenderSession
    from shotspec.compiler.plan import shot_frames, subplan
    from shotspec.runtime.cache import DERIVED

    for cache in DERIVED.values():          # each render starts with nothing remembered
        cache.clear()

    spec = folder / f"{name}.shot"
    spec.write_text(text)
    session = RenderSession(spec, output=str(folder / f"{name}.png"), device=device)
    build = session.compile()
    assert build.ok, build.diagnostics
    if frames is not None and frames < PULL_FRAMES:
        keys = shot_frames(build.plan, "closeup")
        step = PULL_FRAMES // frames
        build.plan = subplan(build.plan, keys[::step][:frames])
    build = session.render(build)
    assert build.ok, build.diagnostics
    return build.plan, build.report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=PULL_FRAMES)
    parser.add_argument("--size", default="1024x1280")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    frames = max(1, min(args.frames, PULL_FRAMES))

    from bench.bench_env import machine_line

    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        render(folder, "warmup", spec_text("128x160", None), args.device, None)   # imports, warm-up
        _, still = render(folder, "still", spec_text(args.size, None), args.device, None)
        plan, seq = render(folder, "pull", spec_text(args.size, PULL_FRAMES), args.device, frames)

    per_op: dict[str, list[float]] = defaultdict(list)
    for t in seq.timings:
        if not t.cached:
            per_op[t.node.op].append(t.seconds)
    n = len(seq.written)
    title = (f"focus pull eyes → ears, {args.size}, {n} of {PULL_FRAMES} frames"
             + ("" if n == PULL_FRAMES else " (every 48/N-th frame: fewer frames on a shared CPU)")
             + f", device {args.device}")
    table = Table(title=title)
    table.add_column("what")
    table.add_column("seconds", justify="right")
    table.add_column("note")
    table.add_row("single-frame render", f"{still.seconds:.2f}", "the still shot, every node")
    table.add_row(f"sequence, {n} frames", f"{seq.seconds:.2f}",
                  f"{len(plan.nodes)} plan nodes for {n} frames")
    table.add_row("sequence, per frame", f"{seq.seconds / n:.2f}",
                  f"{seq.seconds / n / still.seconds:.0%} of a single frame")
    for op, secs in per_op.items():
        note = "once for every frame" if len(secs) == 1 and n > 1 else f"{len(secs)} runs"
        table.add_row(f"  {op}", f"{sum(secs) / len(secs):.2f}", note)
    console.print(table)
    console.print(machine_line())


if __name__ == "__main__":
    main()
