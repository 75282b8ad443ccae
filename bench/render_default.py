"""Full render of the default shot per node, then re-renders after a finishing-only edit and
after a lighting-only edit (the fill's colour temperature), sharing the cache as watch mode does.

    python bench/render_default.py [--spec specs/closeup.shot] [--device cpu]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=str(ROOT / "src" / "shotspec" / "specs" / "closeup.shot"))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    from shotspec.cli.session import RenderSession

    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        first = RenderSession(args.spec, output=str(Path(tmp) / "closeup.png"), device=args.device).render()
        assert first.ok, first.diagnostics or first.error     # cold: includes imports and warm-up
        session = RenderSession(args.spec, output=str(Path(tmp) / "closeup.png"), device=args.device)
        cold = session.render()                               # a full render in a warm process
        assert cold.ok, cold.diagnostics or cold.error
        edited = RenderSession(args.spec, output=str(Path(tmp) / "closeup.png"), device=args.device,
                               overrides=["finish.grain.strength=0.5"])
        edited.executor = session.executor          # same cache, as in watch mode
        warm = edited.render()
        assert warm.ok, warm.diagnostics or warm.error
        relit_session = RenderSession(args.spec, output=str(Path(tmp) / "closeup.png"),
                                      device=args.device, overrides=["lighting.fill.temperature=5150K"])
        relit_session.executor = session.executor
        relit = relit_session.render()
        assert relit.ok, relit.diagnostics or relit.error

    out = next(iter(cold.report.frames.values()))
    table = Table(title=f"default shot, {out.width}×{out.height}, device {session.executor.device}")
    for col in ("node", "first render in a new process (s)", "full render (s)", "after a grain edit (s)",
                "after a fill-colour edit (s)"):
        table.add_column(col, justify="right" if col != "node" else "left")
    warm_by_key = {t.node.label: t for t in warm.report.timings}
    relit_by_key = {t.node.label: t for t in relit.report.timings}
    first_by_key = {t.node.label: t for t in first.report.timings}

    def rerun(by_key: dict, label: str) -> str:
        t = by_key.get(label)
        return "cached" if t is None or t.cached else f"{t.seconds:.2f}"

    for t in cold.report.timings:
        table.add_row(t.node.label, f"{first_by_key[t.node.label].seconds:.2f}", f"{t.seconds:.2f}",
                      rerun(warm_by_key, t.node.label), rerun(relit_by_key, t.node.label))
    table.add_row("[b]total[/]", f"{first.report.seconds:.2f}", f"{cold.report.seconds:.2f}",
                  f"{warm.report.seconds:.2f}", f"{relit.report.seconds:.2f}")
    console.print(table)
    console.print(f"re-render after a finishing-only edit: {warm.report.seconds / cold.report.seconds:.1%} of the full render")
    import os

    from bench_env import machine_line

    console.print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f}")

    console.print(f"machine: {machine_line()}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
