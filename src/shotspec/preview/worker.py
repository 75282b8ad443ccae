"""The preview's render loop: one thread, one render at a time, the newest edit wins.

Edits arrive two ways: a save of the spec or of a file it reads (watched with watchdog by watch
mode's event collector, ``cli.watch``, with its debounce), and an unsaved buffer the language
server forwards (:meth:`PreviewWorker.submit_buffer`). Each sets the one pending job — a newer
edit replaces a queued one, so edits never pile up. A job compiles, renders the low-resolution
frame, publishes it, and renders the full frame unless a newer job is already waiting (then the
full frame is skipped: the newer edit's low frame comes first). A broken spec publishes its
diagnostics and keeps the last good images; anything a render raises becomes an E999
diagnostic, as in watch mode, and the loop goes on.

A sequence is also rendered for playback (``playback``): when nothing waits, the loop renders
the next frame that is not ready at the low resolution, from the play head on; a job's own low
frame goes into the same cache. While the page plays, an edit renders only its low frame (the
full frame is for a paused picture: pausing asks for it).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from shotspec.cli.session import file_digest
from shotspec.cli.watch import DEBOUNCE_MAX_S, DEBOUNCE_QUIET_S, _Collector, internal_error_diagnostic
from shotspec.preview.frames import PreviewRenderer, ShotView, needs_low_phase
from shotspec.preview.light_highlight import lights_at, overlay_png, share_of
from shotspec.preview.playback import PictureStore, SequenceFill, png_bytes

__all__ = ["PreviewWorker", "RenderUpdate", "Job", "Highlight"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Highlight:
    """What one shot's light under the cursor lights: an RGBA PNG tint at the first frame's size."""

    shot: str
    light: str
    png: bytes


@dataclass(frozen=True)
class Job:
    """One edit to render: the buffer's text (None: the saved files) and its version."""

    text: str | None
    version: int | None
    reason: str             # "start" | "save" | "buffer"
    queued_at: float        # time.monotonic() when the edit arrived


@dataclass
class RenderUpdate:
    """What a finished phase (or a failed compile) tells the page."""

    phase: str                            # "low" | "full" | "error"
    views: list[ShotView] | None          # None on error (the page keeps its last good images)
    diagnostics: list                     # compiler Diagnostics (errors and warnings)
    sources: dict[str, str]
    job: Job
    seconds: float                        # this phase's compile + render time
    latency_s: float                      # from the edit's arrival to this update
    characters: tuple = ()                # the program's characters (click-to-jump finds their blocks)


class PreviewWorker:
    """Owns the renderer, the file watcher and the render thread."""

    def __init__(self, renderer: PreviewRenderer, publish: Callable[[RenderUpdate], None], *,
                 poll: bool = False, highlight: Callable[[list[Highlight]], None] | None = None,
                 sequences: Callable[[dict], None] | None = None):
        self.renderer = renderer
        self.publish = publish
        self.highlight = highlight or (lambda found: None)
        self.sequences = sequences or (lambda info: None)   # playback frames ready (``playback``)
        self.store = PictureStore()
        self.fill: SequenceFill | None = None               # the playback frames of the newest program
        self._playing = False
        self._cursor: tuple[str, int, int] | None = None   # the editor's cursor (file, line, col)
        self._cursor_new = False
        self._program = None                                # the last program rendered in full
        self._shown: tuple = (None, ())                     # (program id, lights) highlighted
        self._text: str | None = None                       # the newest job's buffer (None: the files)
        self._frame = renderer.frame                        # the sequences' frame to show
        self.collector = _Collector()
        self.observer = PollingObserver(timeout=0.5) if poll else Observer()
        self._scheduled: dict[str, object] = {}
        self._lock = threading.Lock()
        self._pending: Job | None = None
        self._wake = threading.Event()
        self.stop_event = threading.Event()
        self._digests: dict[str, str | None] = {}
        self._last_rendered: tuple | None = None   # (text, digests) of the last good render
        self._fill_identity: tuple | None = None   # (text, digests, overrides) the fill renders
        self._fill_published = 0.0
        self.busy = False
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ edits in

    def submit(self, job: Job) -> None:
        """Queue ``job``, replacing any job still waiting."""
        with self._lock:
            self._pending = job
        self._wake.set()

    def submit_buffer(self, text: str, version: int | None) -> None:
        self.submit(Job(text, version, "buffer", time.monotonic()))

    def set_frame(self, frame: int) -> None:
        """Show frame ``frame`` of the sequences: the newest edit (an unsaved buffer too) renders
        again at that frame."""
        with self._lock:
            self._frame = int(frame)
        self.submit(Job(self._text, None, "frame", time.monotonic()))

    def set_playing(self, playing: bool, frame: int) -> None:
        """The page plays (from frame ``frame``: the background renders from there on) or
        paused on frame ``frame`` (which then renders in full)."""
        with self._lock:
            self._playing = bool(playing)
            if playing:
                self._frame = int(frame)        # an edit while playing renders the play head first
            if self.fill is not None:
                self.fill.restart_at(frame)
        if playing:
            self._wake.set()
        else:
            self.set_frame(frame)

    def page_opened(self) -> None:
        """A page connected: it starts paused, so a play state another page left behind (closed
        while playing) ends, and the frame shown renders in full."""
        with self._lock:
            was, self._playing = self._playing, False
            frame = self._frame
        if was:
            self.set_frame(frame)

    @property
    def playing(self) -> bool:
        with self._lock:
            return self._playing

    def submit_cursor(self, file: str | None, line: int = 0, col: int = 0) -> None:
        """The editor's cursor moved to ``file:line:col`` (1-based; ``file`` None: away from
        every light): its light's highlight follows, after any render that waits."""
        with self._lock:
            self._cursor = None if file is None else (file, int(line), int(col))
            self._cursor_new = True
        self._wake.set()

    def _take(self) -> Job | None:
        with self._lock:
            job, self._pending = self._pending, None
            return job

    def has_pending(self) -> bool:
        with self._lock:
            return self._pending is not None

    # ------------------------------------------------------------------ watching files

    def _watch(self, files: set[str]) -> None:
        with self.collector.lock:
            self.collector.wanted = set(files)
        folders = {str(Path(f).parent) for f in files if Path(f).parent.is_dir()}
        for d in list(self._scheduled):
            if d not in folders:
                self.observer.unschedule(self._scheduled.pop(d))
        for d in folders - set(self._scheduled):
            self._scheduled[d] = self.observer.schedule(self.collector, d, recursive=False)

    def _inputs(self, dependencies) -> dict[str, str | None]:
        """The spec and ``dependencies``, resolved, with the sha256 of each (None: missing)."""
        files = {os.path.normpath(str(Path(p).resolve())) for p in (self.renderer.spec, *dependencies)}
        return {f: file_digest(f) for f in sorted(files)}

    def _watch_loop(self) -> None:
        while not self.stop_event.is_set():
            if not self.collector.wake.wait(timeout=0.1):
                continue
            first = time.monotonic()
            while time.monotonic() < min(self.collector.last_event + DEBOUNCE_QUIET_S,
                                         first + DEBOUNCE_MAX_S):
                time.sleep(0.01)
            self.collector.wake.clear()
            changed = [f for f, d in self._digests.items() if file_digest(f) != d]
            if changed:
                self.submit(Job(None, None, "save", first))

    # ------------------------------------------------------------------ rendering

    def run_job(self, job: Job) -> None:
        """Compile and render one job, publishing each phase."""
        t0 = time.perf_counter()
        self._text = job.text
        with self._lock:
            self.renderer.frame = self._frame
        # Hash the known inputs before compiling: a save that lands mid-compile then differs
        # from these digests, and the watcher queues a render for it (as watch mode does).
        before = self._inputs(self._digests)
        try:
            build = self.renderer.compile(job.text)
        except Exception as exc:  # noqa: BLE001 - the preview must outlive any bug
            build = None
            diags, sources, deps = [internal_error_diagnostic(exc)], {}, ()
        else:
            diags, sources, deps = build.diagnostics, build.sources, build.dependencies
        files = self._inputs(deps)
        digests = {f: before[f] if f in before else d for f, d in files.items()}
        self._digests = digests
        self._watch(set(digests))
        if build is None or not build.ok:
            self._publish("error", None, diags, sources, job, t0)
            return
        identity = (job.text, tuple(sorted(d for d in digests.items() if d[0] != str(self.renderer.spec))),
                    tuple(self.renderer.overrides), self.renderer.frame)
        if job.text is None:
            identity = (sources.get(str(self.renderer.spec)),) + identity[1:]
        if identity == self._last_rendered:
            return                      # the same text and inputs as on screen (a save of a sent buffer)
        phases = [True, False] if needs_low_phase(build.program) else [False]
        if self.playing:
            phases = phases[:1]         # playing: the page shows the playback frames
        for low in phases:
            if not low and self.has_pending():
                return                  # a newer edit waits: its low frame comes before this full one
            try:
                views, _ = self.renderer.render(build.program, low_res=low)
            except Exception as exc:  # noqa: BLE001 - ShotspecError or a bug: shown, never fatal
                from shotspec.diagnostics import ShotspecError

                errors = exc.diagnostics if isinstance(exc, ShotspecError) else [internal_error_diagnostic(exc)]
                self._publish("error", None, [*diags, *errors], sources, job, t0)
                return
            self._publish("low" if low else "full", views, diags, sources, job, t0,
                          build.program.characters)
            if low == phases[0]:
                self._keep_for_playback(build.program, views, identity)
            t0 = time.perf_counter()
        self._last_rendered = identity if not phases[-1] else None   # None: no full frame yet
        self._program = build.program
        with self._lock:
            self._cursor_new = self._cursor is not None     # the lights' images changed

    def _keep_for_playback(self, program, views: list[ShotView], identity) -> None:
        """A job's first frame into the playback cache; a new program restarts the fill."""
        for view in views:
            if view.frames and view.stages:
                self.store.put(view.key, png_bytes(view.stages[-1].pixels))
        if not any(s.frames for s in program.shots):
            if self.fill is not None:
                self.fill = None
                self.sequences({})
            return
        if self.fill is None or self._fill_identity != identity[:3]:
            with self._lock:
                self.fill = SequenceFill(program, needs_low_phase(program), start=self._frame)
            self._fill_identity = identity[:3]
            self.sequences(self.fill.snapshot())

    def fill_step(self) -> bool:
        """Check or render one playback frame (False when every frame is ready or a step
        failed: a runtime error shows when the frame is asked for)."""
        fill = self.fill
        if fill is None or fill.done:
            return False
        try:
            step = fill.step(self.renderer, self.store)
        except Exception:  # noqa: BLE001 - a playback frame is a hint: the edit's own render reports errors
            log.debug("a playback frame failed", exc_info=True)
            self.fill = None
            return False
        if step is None:
            return False
        if step.rendered or fill.done or time.monotonic() - self._fill_published > 0.25:
            self._fill_published = time.monotonic()
            self.sequences(fill.snapshot())
        return True

    def run_highlight(self) -> None:
        """Publish what the light under the editor's cursor lights, in every shot that has it
        (an empty list: no light there, or nothing rendered yet)."""
        with self._lock:
            cursor, self._cursor_new = self._cursor, False
        found: list[Highlight] = []
        lits = lights_at(self._program, *cursor) if cursor is not None and self._program is not None else []
        shown = (id(self._program), tuple(lits))
        if shown == self._shown:
            return                      # the same lights of the same render are on screen
        self._shown = shown
        if lits:
            for lit in lits:
                try:
                    frames = self.renderer.light_alone(self._program, lit.shot, lit.index)
                except Exception:  # noqa: BLE001 - a highlight is a hint: never fatal
                    log.debug("the highlight of %s failed", lit, exc_info=True)
                    continue
                if frames is not None:
                    found.append(Highlight(lit.shot, lit.light, overlay_png(share_of(*frames))))
        self.highlight(found)

    def _publish(self, phase, views, diags, sources, job: Job, t0: float, characters=()) -> None:
        if phase == "error":
            self._last_rendered = None      # the page shows the error: the next good text renders
        self.publish(RenderUpdate(phase, views, list(diags), dict(sources), job,
                                  time.perf_counter() - t0, time.monotonic() - job.queued_at,
                                  tuple(characters)))

    def _render_loop(self) -> None:
        while not self.stop_event.is_set():
            behind = self.fill is not None and not self.fill.done
            if not self._wake.wait(timeout=0.0 if behind else 0.1):
                if behind:
                    self.busy = True
                    try:
                        self.fill_step()
                    finally:
                        self.busy = False
                continue
            self._wake.clear()
            job = self._take()
            with self._lock:
                cursor_new = self._cursor_new
            if job is None and not cursor_new:
                continue
            self.busy = True
            try:
                if job is not None:
                    self.run_job(job)
                if not self.has_pending() and self._cursor_new:
                    self.run_highlight()
            finally:
                self.busy = False
                if self.has_pending():
                    self._wake.set()

    def start(self) -> None:
        """Start watching and rendering (the first job renders the saved spec)."""
        self.observer.start()
        self.submit(Job(None, None, "start", time.monotonic()))
        for target in (self._render_loop, self._watch_loop):
            thread = threading.Thread(target=target, daemon=True, name=f"preview-{target.__name__}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        self._wake.set()
        self.observer.stop()
        for thread in self._threads:
            thread.join(timeout=30)
        self.observer.join(timeout=5)
