"""``shot watch``: render, then re-render on every save of the spec, its imports and its assets.

Pitfalls handled (see docs/watch.md):
  * editors that save by rename, delete + re-create, or write in place: parent directories are
    watched, and created / modified / closed / moved-to events on a watched path all count;
  * bursts of events: debounced (quiet for 50 ms, at most 500 ms after the first event);
  * no-op saves: file contents are hashed (a file whose size, inode and mtime are unchanged
    is not read again); an unchanged set of inputs does not re-render;
  * never two renders at once: rendering happens on this thread; changes that arrive mid-render
    are folded into one follow-up render;
  * errors: diagnostics are printed, the last good image stays (and is reported stale), and the
    loop keeps going — also when compiling or rendering raises anything at all (reported as an
    E999 internal error, one short line, no traceback);
  * half-written files: a changed input that is empty (a truncate-then-write save, shell ``>``)
    is given ``EMPTY_SETTLE_S`` for the rest of the write to land; a build that fails while its
    inputs changed underneath it is not reported but redone;
  * progress: each re-render prints which nodes ran (or were cached) as they finish;
  * exactly the files the last compile read (including missing ones) are watched, re-computed
    after every compile; ``--poll`` for file systems without events.
"""

from __future__ import annotations

import math
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from shotspec.cli.console import print_diagnostics
from shotspec.cli.session import BuildResult, RenderSession, file_digest

__all__ = ["watch", "Watcher", "WatchStatus", "DEBOUNCE_QUIET_S", "DEBOUNCE_MAX_S",
           "EMPTY_SETTLE_S", "MIN_POLL_INTERVAL_S", "MAX_POLL_INTERVAL_S", "INTERNAL_ERROR",
           "internal_error_diagnostic"]

RACY_MTIME_NS = 2_000_000_000   # files modified within the last 2 s are always re-hashed
DEBOUNCE_QUIET_S = 0.05   # an editor's save lands within a few ms; every ms here is waited on each edit
DEBOUNCE_MAX_S = 0.5
EMPTY_SETTLE_S = 1.0            # how long an input that a save left empty may stay so
MIN_POLL_INTERVAL_S = 0.1       # --interval is clamped to this range (0 would spin a core)
MAX_POLL_INTERVAL_S = 3600.0
INTERNAL_ERROR = "E999"
_IGNORED_EVENTS = {"opened", "closed_no_write"}


@dataclass
class WatchStatus:
    """What one iteration of the loop did; passed to ``on_status`` (tests and tools use it)."""

    kind: str                   # "rendered" | "error" | "unchanged" | "superseded" (read mid-save)
    seconds: float = 0.0
    ran: list[str] = field(default_factory=list)        # labels of the nodes computed
    cached: list[str] = field(default_factory=list)     # labels of the nodes served by the cache
    written: dict[str, str] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)      # diagnostic codes on error
    stale: bool = False                         # an older image is still on disk


class _Collector(FileSystemEventHandler):
    """Collects events on the watched paths; wakes the loop."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.wanted: set[str] = set()
        self.last_event = 0.0

    def on_any_event(self, event) -> None:
        if event.event_type in _IGNORED_EVENTS or event.is_directory and event.event_type == "modified":
            return
        paths = {os.path.normpath(os.fsdecode(event.src_path))}
        dest = getattr(event, "dest_path", "")
        if dest:
            paths.add(os.path.normpath(os.fsdecode(dest)))
        with self.lock:
            hit = bool(paths & self.wanted) or any(
                w.startswith(p + os.sep) for p in paths for w in self.wanted)   # a folder moved/created
        if hit:
            self.last_event = time.monotonic()
            self.wake.set()


def internal_error_diagnostic(exc: BaseException):
    """An exception nobody turned into a diagnostic, as one: its type, message (clipped) and
    the innermost source line that raised it, never the traceback — which goes to a crash
    report, as for every command's internal error (``cli.crash_report``)."""
    from shotspec.cli.crash_report import REPORT_HOW, write_crash_report
    from shotspec.compiler import Diagnostic

    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:197] + "…"
    frames = traceback.extract_tb(exc.__traceback__)
    notes: list[str] = []
    if frames:
        last = frames[-1]
        path = Path(last.filename)
        short = "/".join(path.parts[path.parts.index("shotspec"):]) if "shotspec" in path.parts else path.name
        notes.append(f"raised in {short}:{last.lineno} ({last.name})")
    report = write_crash_report(exc, ["watch"])
    if report is not None:
        notes.append(f"crash report (with the traceback): {report}")
    return Diagnostic(code=INTERNAL_ERROR, severity="error",
                      message=f"internal error: {type(exc).__name__}" + (f": {text}" if text else ""),
                      span=None, notes=tuple(notes),
                      help=f"{REPORT_HOW}; watching goes on")


def clamp_interval(seconds: float) -> float:
    """``--interval`` within [MIN_POLL_INTERVAL_S, MAX_POLL_INTERVAL_S] (NaN → the minimum)."""
    if math.isnan(seconds):
        return MIN_POLL_INTERVAL_S
    return min(max(seconds, MIN_POLL_INTERVAL_S), MAX_POLL_INTERVAL_S)


class Watcher:
    def __init__(self, session: RenderSession, *, console: Console, err_console: Console,
                 poll: bool = False, interval: float = 0.5, quiet: bool = False,
                 on_status: Callable[[WatchStatus], None] | None = None, progress=None):
        self.session = session
        self.console = console
        self.err_console = err_console
        self.quiet = quiet
        self.on_status = on_status or (lambda status: None)
        self.progress = progress
        self.collector = _Collector()
        self.interval = clamp_interval(interval)
        self.observer = PollingObserver(timeout=self.interval) if poll else Observer()
        self._scheduled: dict[str, object] = {}
        self._digests: dict[str, str | None] = {}
        self._stat_cache: dict[str, tuple[tuple[int, int, int], str | None]] = {}
        self._last_good: dict[str, str] = {}
        self._last_good_time: str | None = None
        self.stop_event = threading.Event()

    # ------------------------------------------------------------------ watching

    def _watch_paths(self, files: set[str]) -> None:
        """Watch the parent folder of every file (the nearest existing ancestor, recursively,
        when the folder does not exist yet)."""
        with self.collector.lock:
            self.collector.wanted = set(files)
        wanted_dirs: dict[str, bool] = {}
        for f in files:
            parent = Path(f).parent
            recursive = False
            while not parent.is_dir() and parent != parent.parent:
                parent, recursive = parent.parent, True
            key = str(parent)
            wanted_dirs[key] = wanted_dirs.get(key, False) or recursive
        for d in list(self._scheduled):
            if d not in wanted_dirs:
                self.observer.unschedule(self._scheduled.pop(d))
        for d, recursive in wanted_dirs.items():
            if d not in self._scheduled:
                self._scheduled[d] = self.observer.schedule(self.collector, d, recursive=recursive)

    def _digest(self, path: str) -> str | None:
        """sha256 of ``path``, re-read only when its size, inode or mtime changed, or when its
        mtime is too recent to trust (a second save within the file system's timestamp
        granularity keeps the mtime; such files are hashed every time, as git does)."""
        try:
            st = os.stat(path)
        except OSError:
            self._stat_cache.pop(path, None)
            return None
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._stat_cache.get(path)
        if cached is not None and cached[0] == key and time.time_ns() - st.st_mtime_ns > RACY_MTIME_NS:
            return cached[1]
        digest = file_digest(path)
        self._stat_cache[path] = (key, digest)
        return digest

    def _inputs(self, dependencies) -> set[str]:
        return {os.path.normpath(str(Path(p).resolve())) for p in (self.session.spec, *dependencies)}

    # ------------------------------------------------------------------ one build

    def build_once(self, changed: list[str] = ()) -> WatchStatus:
        files = self._inputs(self._digests or ())
        digests = {f: self._digest(f) for f in files}
        t0 = time.perf_counter()
        build = self._compile_and_render(changed, previous=tuple(self._digests or ()))
        seconds = time.perf_counter() - t0
        files = self._inputs(build.dependencies)
        digests.update({f: self._digest(f) for f in files if f not in digests})
        self._digests = {f: digests[f] for f in files}
        self._watch_paths(files)
        if self.inputs_changed():
            # Saved while this build ran, before its files were watched: no event will come.
            self.collector.last_event = time.monotonic()
            self.collector.wake.set()
            if not build.ok:
                # Read mid-save: the follow-up build sees the finished file; report that one.
                return WatchStatus("superseded", seconds)
        return self._report(build, seconds)

    def _compile_and_render(self, changed: list[str], previous: tuple[str, ...]) -> BuildResult:
        """One compile → render cycle; whatever it raises becomes an E999 diagnostic."""
        try:
            build = self.session.compile()
            if build.ok:
                if not self.quiet:
                    stamp = datetime.now().strftime("%H:%M:%S")
                    names = ", ".join(escape(Path(f).name) for f in changed)
                    why = f" ({names} changed)" if changed else ""
                    self.console.print(f"[dim]{stamp}[/] rendering{why}: {len(build.plan.nodes)} "
                                       "plan node(s)", markup=True, highlight=False)
                if self.progress is not None:
                    with self.progress:
                        return self.session.render(build)
                return self.session.render(build)
            return build
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any bug
            return BuildResult(None, [internal_error_diagnostic(exc)], {}, previous)

    def _report(self, build, seconds: float) -> WatchStatus:
        stamp = datetime.now().strftime("%H:%M:%S")
        if build.ok and build.report is not None:
            report = build.report
            status = WatchStatus("rendered", seconds, [n.label for n in report.ran],
                                 [n.label for n in report.cached], dict(report.written))
            if build.diagnostics:
                print_diagnostics(build.diagnostics, build.sources, console=self.console,
                                  err_console=self.err_console)
            self._last_good, self._last_good_time = dict(report.written), stamp
            if not self.quiet:
                ran = ", ".join(status.ran) or "nothing"
                self.console.print(f"[dim]{stamp}[/] [green]rendered[/] {', '.join(report.written.values())} "
                                   f"in {seconds:.2f} s — ran {len(status.ran)} node(s): {ran}; "
                                   f"{len(status.cached)} cached")
            return status
        diags = list(build.diagnostics)
        print_diagnostics(diags, build.sources, console=self.console, err_console=self.err_console)
        status = WatchStatus("error", seconds, codes=[d.code for d in diags if d.severity == "error"],
                             written=dict(self._last_good), stale=bool(self._last_good))
        if self._last_good:
            self.err_console.print(f"[dim]{stamp}[/] [yellow]stale:[/] keeping the last good image "
                                   f"{', '.join(self._last_good.values())} (rendered {self._last_good_time}); "
                                   "watching for the next save")
        else:
            self.err_console.print(f"[dim]{stamp}[/] [red]no image yet[/]; fix the errors above and save")
        return status

    def inputs_changed(self) -> bool:
        return bool(self.changed_inputs())

    def changed_inputs(self) -> list[str]:
        return [f for f, d in self._digests.items() if self._digest(f) != d]

    def _settle_empty(self, changed: list[str]) -> list[str]:
        """A save that truncates, then writes (shell ``>``, most scripts) can be caught in
        between: while a changed input is empty, wait (up to ``EMPTY_SETTLE_S``) for the
        write to land. An input that stays empty is built (and reported) as it is."""
        deadline = time.monotonic() + EMPTY_SETTLE_S
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            if not any(_is_empty(f) for f in changed):
                break
            if self.collector.wake.wait(timeout=max(0.0, deadline - time.monotonic())):
                self._debounce()
                self.collector.wake.clear()
            changed = self.changed_inputs() or changed
        return self.changed_inputs()

    # ------------------------------------------------------------------ loop

    def _debounce(self) -> None:
        first = time.monotonic()
        while not self.stop_event.is_set():
            now = time.monotonic()
            quiet_until = self.collector.last_event + DEBOUNCE_QUIET_S
            if now >= quiet_until or now >= first + DEBOUNCE_MAX_S:
                return
            time.sleep(min(quiet_until, first + DEBOUNCE_MAX_S) - now)

    def _iteration(self, changed: list[str] = ()) -> WatchStatus:
        """``build_once`` that survives anything, including failures outside the build
        (watching a folder that vanished mid-call, a console that cannot print)."""
        try:
            return self.build_once(changed)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any bug
            diag = internal_error_diagnostic(exc)
            try:
                print_diagnostics([diag], {}, console=self.console, err_console=self.err_console)
            except Exception:  # noqa: BLE001 - nothing left to report with
                pass
            self.collector.last_event = time.monotonic()
            self.collector.wake.set()          # try again on the next turn of the loop
            return WatchStatus("error", codes=[diag.code], written=dict(self._last_good),
                               stale=bool(self._last_good))

    def run(self, max_builds: int | None = None) -> int:
        self.observer.start()
        try:
            builds = 0
            self.on_status(self._iteration())
            builds += 1
            if not self.quiet:
                self.console.print(f"[dim]watching {len(self._digests)} file(s); Ctrl-C to stop[/]")
            while not self.stop_event.is_set() and (max_builds is None or builds < max_builds):
                if not self.collector.wake.wait(timeout=0.1):
                    continue
                self._debounce()
                self.collector.wake.clear()
                changed = self.changed_inputs()
                if not changed:
                    self.on_status(WatchStatus("unchanged"))
                    continue
                changed = self._settle_empty(changed)
                if not changed:
                    self.on_status(WatchStatus("unchanged"))
                    continue
                self.on_status(self._iteration(changed))
                builds += 1
        finally:
            self.observer.stop()
            self.observer.join(timeout=5)
        return 0


def _is_empty(path: str) -> bool:
    try:
        return os.stat(path).st_size == 0
    except OSError:
        return False


def watch(spec, *, output=None, shots=(), overrides=(), allow=(), device="auto", poll=False,
          interval=0.5, console: Console, err_console: Console, quiet=False,
          on_status=None, stop_event: threading.Event | None = None) -> int:
    from shotspec.cli.progress import NodeProgress
    from shotspec.compiler import Diagnostic
    from shotspec.runtime.device import DeviceError

    progress = NodeProgress(console, quiet=quiet)
    try:
        session = RenderSession(spec, overrides=overrides, allow=allow, shots=shots or None,
                                output=output, device=device, on_event=progress)
    except DeviceError as exc:
        print_diagnostics([Diagnostic("E604", "error", exc.message, None, exc.hint)], {},
                          console=console, err_console=err_console)
        return 1
    if poll and clamp_interval(interval) != interval and not quiet:
        err_console.print(f"--interval {interval:g} is outside {MIN_POLL_INTERVAL_S:g}–"
                          f"{MAX_POLL_INTERVAL_S:g} s; polling every {clamp_interval(interval):g} s",
                          markup=False, highlight=False)
    watcher = Watcher(session, console=console, err_console=err_console, poll=poll,
                      interval=interval, quiet=quiet, on_status=on_status, progress=progress)
    if stop_event is not None:
        watcher.stop_event = stop_event
    try:
        return watcher.run()
    except KeyboardInterrupt:
        return 0
