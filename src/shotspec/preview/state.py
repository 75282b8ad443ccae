"""What the preview page shows, as one versioned snapshot that the server hands to every page.

:class:`PreviewState` receives the render loop's updates (``worker.RenderUpdate``) and keeps:
the shots' images of the last good render (the two newest generations, so a page that is still
loading the previous one gets it), the playback frames of its sequences (``sequences``: per
shot, fps, timecodes and the URL of each frame ready), the current diagnostics (the last good images stay on screen,
marked stale, while the spec is broken), and the last click-to-jump location an editor can pick
up. Every change bumps ``seq`` and wakes the server-sent-event streams. JSON only carries
numbers, names and text the page inserts with ``textContent``: spec text is never markup.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from shotspec.preview.frames import ShotView, StageImage
from shotspec.preview.locate import focus_points

__all__ = ["PreviewState", "diagnostic_json"]

_KEEP_GENERATIONS = 2


def diagnostic_json(d) -> dict:
    """A compiler diagnostic for the page: code, severity, message, ``file:line:col``, help."""
    span = d.span
    return {"code": d.code, "severity": d.severity, "message": d.message,
            "file": span.file if span is not None else (d.file or ""),
            "line": span.line if span is not None else None,
            "col": span.col if span is not None else None,
            "help": d.help or "", "notes": list(d.notes)}


class PreviewState:
    def __init__(self, spec: Path):
        self.spec = spec
        self.changed = threading.Condition()
        self.seq = 0
        self.generation = 0
        self._generations: dict[int, list[ShotView]] = {}
        self._characters: dict[int, tuple] = {}
        self.snapshot: dict = {"seq": 0, "spec": spec.name, "generation": 0, "phase": "starting",
                               "shots": [], "diagnostics": [], "stale": False, "rendering": True,
                               "latency_s": None, "seconds": None, "version": None,
                               "jump": None, "highlight": {}, "sequences": {}}
        self.jump: dict | None = None
        self._highlights: tuple[int, list] = (0, [])     # (number, [worker.Highlight, …])

    # ------------------------------------------------------------------ updates in

    def publish(self, update) -> None:
        """Take one ``RenderUpdate`` from the render loop."""
        with self.changed:
            snap = dict(self.snapshot)
            snap["diagnostics"] = [diagnostic_json(d) for d in update.diagnostics]
            snap["latency_s"], snap["seconds"] = round(update.latency_s, 4), round(update.seconds, 4)
            snap["version"] = update.job.version
            if update.views is None:
                snap["stale"] = bool(snap["shots"])
                snap["phase"] = "error"
            else:
                self.generation += 1
                gen = self.generation
                self._generations[gen] = update.views
                self._characters[gen] = update.characters
                for old in [g for g in self._generations if g <= gen - _KEEP_GENERATIONS]:
                    self._generations.pop(old, None)
                    self._characters.pop(old, None)
                snap.update(generation=gen, phase=update.phase, stale=False,
                            shots=[self._shot_json(gen, i, v) for i, v in enumerate(update.views)])
            snap["rendering"] = update.phase == "low"
            self._bump(snap)

    def record_jump(self, where: dict) -> dict:
        """Remember a click-to-jump location for editors (``GET /api/jump``, the event stream)."""
        with self.changed:
            self.jump = {**where, "at": time.time()}
            snap = dict(self.snapshot)
            snap["jump"] = self.jump
            self._bump(snap)
            return self.jump

    def set_highlight(self, found: list) -> None:
        """Show what the light under the editor's cursor lights (``worker.Highlight`` per shot;
        an empty list clears it)."""
        with self.changed:
            number = self._highlights[0] + 1
            self._highlights = (number, list(found))
            snap = dict(self.snapshot)
            snap["highlight"] = {h.shot: {"light": h.light, "url": f"/highlight/{number}/{i}.png"}
                                 for i, h in enumerate(found)}
            self._bump(snap)

    def set_sequences(self, info: dict) -> None:
        """The playback frames of the sequences (``playback.SequenceFill.snapshot``)."""
        with self.changed:
            snap = dict(self.snapshot)
            snap["sequences"] = info
            self._bump(snap)

    def highlight_png(self, number: int, index: int) -> bytes | None:
        with self.changed:
            current, found = self._highlights
        if number != current or not 0 <= index < len(found):
            return None
        return found[index].png

    def _bump(self, snap: dict) -> None:
        self.seq += 1
        snap["seq"] = self.seq
        self.snapshot = snap
        self.changed.notify_all()

    @staticmethod
    def _shot_json(gen: int, index: int, view: ShotView) -> dict:
        stages = [{"name": s.name, "label": s.label, "span": s.span,
                   "url": f"/render/{gen}/{index}/{k}.png"} for k, s in enumerate(view.stages)]
        focus = [[round(u, 4), round(v, 4)] for u, v in focus_points(view.hit)] if view.hit else []
        return {"name": view.name, "width": view.width, "height": view.height,
                "stages": stages, "focus": focus, "frames": view.frames, "frame": view.frame}

    # ------------------------------------------------------------------ reads

    def image(self, gen: int, shot: int, stage: int) -> StageImage | None:
        with self.changed:
            views = self._generations.get(gen)
        if views is None or not 0 <= shot < len(views) or not 0 <= stage < len(views[shot].stages):
            return None
        return views[shot].stages[stage]

    def shot_view(self, name: str) -> tuple[ShotView | None, tuple]:
        """The newest good view of shot ``name`` and the program's characters."""
        with self.changed:
            views = self._generations.get(self.generation) or []
            characters = self._characters.get(self.generation, ())
        return next((v for v in views if v.name == name), None), characters

    def wait(self, seq: int, timeout: float) -> dict:
        """The snapshot once its ``seq`` differs from ``seq`` (or after ``timeout`` seconds)."""
        with self.changed:
            self.changed.wait_for(lambda: self.seq != seq, timeout=timeout)
            return self.snapshot
