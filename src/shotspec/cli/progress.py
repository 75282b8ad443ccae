"""Live per-node progress with timings, driven by the executor's events."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from shotspec.runtime.executor import NodeEvent, RunReport

__all__ = ["NodeProgress", "timing_table"]


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
        label = escape(f"{event.node.label} [{', '.join(event.node.shots)}]")   # not markup
        worker = getattr(event, "worker", "")       # a Ray worker's host, node and device
        where = escape(f"  on {worker}") if worker else ""
        if event.kind == "start":
            self._progress.update(self._task, description=f"running {label}{where}")
        elif event.kind == "done":
            self._progress.advance(self._task)
            self._progress.console.print(f"  [green]✓[/] {label:<46} {event.seconds:7.2f} s{where}")
        elif event.kind == "cached":
            self._progress.advance(self._task)
            self._progress.console.print(f"  [dim]· {label:<46}  cached[/]")


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
