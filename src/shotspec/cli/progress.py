"""Live per-node progress with timings, driven by the executor's events."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shotspec.compiler.plan.frames import shots_text
from shotspec.runtime.executor import NodeEvent, RunReport

__all__ = ["NodeProgress", "timing_table", "written_summary"]


class NodeProgress:
    """A rich progress bar over the plan's nodes; prints one line per finished node."""

    def __init__(self, console: Console, *, quiet: bool = False):
        self.console = console
        self.quiet = quiet
        self._progress: Progress | None = None
        self._task = None

    def __enter__(self) -> "NodeProgress":
        self._task = None                  # one bar per render (watch renders many times)
        if not self.quiet:
            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total} nodes"),
                                      TimeElapsedColumn(), console=self.console, transient=True)
            self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def __call__(self, event: NodeEvent) -> None:
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task("rendering", total=event.total)
            self._frame_seconds = 0.0
            self._frames_done = 0
            self._n_frames = 0
        node = event.node
        frame = _frame_of(node)
        label = escape(f"{node.label} [{shots_text(node.shots)}]")   # not markup
        worker = getattr(event, "worker", "")       # a Ray worker's host, node and device
        where = escape(f"  on {worker}") if worker else ""
        if event.kind == "start":
            self._progress.update(self._task, description=f"running {label}{where}")
            return
        self._progress.advance(self._task)
        if frame is None:
            if event.kind == "done":
                self._progress.console.print(f"  [green]✓[/] {label:<46} {event.seconds:7.2f} s{where}")
            else:
                self._progress.console.print(f"  [dim]· {label:<46}  cached[/]")
            return
        # a node of one frame of a sequence: one line per frame, when its file is written
        self._frame_seconds += event.seconds
        if node.op == "output":
            self._frames_done += 1
            shot, number = frame
            self._progress.console.print(
                f"  [green]✓[/] {escape(node.shots[0])}  "
                f"{escape(node.label.removeprefix('output '))}  {self._frame_seconds:7.2f} s{where}")
            self._frame_seconds = 0.0


def _frame_of(node) -> tuple[str, int] | None:
    """(shot, frame) when the node serves exactly one frame of a sequence."""
    from shotspec.compiler.plan import parse_output_key

    if len(node.shots) != 1:
        return None
    shot, frame = parse_output_key(node.shots[0])
    return None if frame is None else (shot, frame)


def timing_table(report: RunReport) -> Table:
    table = Table(title="per-node timing", show_edge=False)
    table.add_column("node")
    table.add_column("shots")
    table.add_column("key")
    table.add_column("seconds", justify="right")
    for t in report.timings:
        table.add_row(t.node.label, ",".join(t.node.shots), t.node.key[:12],
                      "cached" if t.cached else f"{t.seconds:.3f}")
    table.add_row("[b]total[/]", "", "", f"{report.seconds:.3f}")
    return table


def written_summary(report: RunReport, skipped: list[str]) -> list[str]:
    """What a render wrote: one line per still shot; one per sequence (first … last file,
    frame count, seconds per frame, frames found on disk and kept)."""
    from shotspec.compiler.plan import parse_output_key

    lines: list[str] = []
    seqs: dict[str, list[str]] = {}
    sizes = getattr(report, "sizes", None) or {}        # the Ray executor's (it keeps no frames)
    resumed = getattr(report, "resumed", {})            # outputs a Ray run found done on disk
    for key, path in report.written.items():
        shot, frame = parse_output_key(key)
        if frame is None and key in resumed:
            lines.append(f"[dim]kept[/] {escape(path)}: already rendered from this plan")
        elif frame is None:
            width, height = sizes.get(key) or (report.frames[key].width, report.frames[key].height)
            lines.append(f"[green]wrote[/] {escape(path)} ({width}×{height}) in "
                         f"{report.seconds:.2f} s")
        elif key not in resumed:
            seqs.setdefault(shot, []).append(path)
    kept: dict[str, int] = {}
    for key in [*skipped, *(k for k in resumed if parse_output_key(k)[1] is not None)]:
        kept[parse_output_key(key)[0]] = kept.get(parse_output_key(key)[0], 0) + 1
    for shot in dict.fromkeys([*seqs, *kept]):
        paths = sorted(seqs.get(shot, []))
        n = len(paths)
        text = f"[green]wrote[/] {n} frame{'' if n == 1 else 's'} of {escape(shot)}"
        if paths:
            text += f": {escape(paths[0])} … {escape(paths[-1])} ({report.seconds / n:.2f} s a frame)"
        if kept.get(shot):
            text += f"; {kept[shot]} already on disk with the same key, kept"
        lines.append(text)
    return lines
