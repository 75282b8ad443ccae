"""Playing a sequence in the preview: its frames rendered in the background at the low
resolution into a cache keyed by content, for the page to play at the shot's frame rate.

:class:`PictureStore` keeps the PNG of each rendered playback frame under its picture id
(``frames.picture_id``: the content key of the frame's last plan node, with the size and colour
space it is shown at), least recently used first out, bounded in bytes. Equal ids are equal
pictures, so after an edit a frame whose id did not change is ready again at the cost of its
plan (a few milliseconds), and one whose id changed renders with only the plan nodes the edit
touched (the executor's node cache: a focus pull keeps its geometry and shading).

:class:`SequenceFill` walks the current program's frames, starting at the play head and
wrapping, one step at a time for the render loop (``worker.PreviewWorker``): a step finds a
frame's ids, renders the frame when any is missing and reports it ready. The render loop runs
a step only while no edit, frame change or highlight waits, so renders never overlap and an
edit always comes first; a new program restarts the walk (every frame unready until checked).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from shotspec.compiler.ir import ProgramIR
from shotspec.compiler.timeline import timecode

__all__ = ["PictureStore", "SequenceFill", "FillStep", "STORE_MAX_BYTES", "png_bytes"]

STORE_MAX_BYTES = 256 << 20        # playback PNGs kept (a 128-px frame is ~20–40 KB)


def png_bytes(pixels) -> bytes:
    """A display-encoded uint8 ``(H, W, 3)`` picture as PNG bytes (fast compression)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


class PictureStore:
    """Playback pictures by id, LRU, at most ``max_bytes`` of PNG; thread-safe."""

    def __init__(self, max_bytes: int = STORE_MAX_BYTES):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __contains__(self, pid: str) -> bool:
        with self._lock:
            return pid in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get(self, pid: str) -> bytes | None:
        with self._lock:
            png = self._items.get(pid)
            if png is not None:
                self._items.move_to_end(pid)
            return png

    def put(self, pid: str, png: bytes) -> None:
        with self._lock:
            if pid in self._items:
                self._bytes -= len(self._items.pop(pid))
            self._items[pid] = png
            self._bytes += len(png)
            while self._bytes > self.max_bytes and len(self._items) > 1:
                self._bytes -= len(self._items.popitem(last=False)[1])


@dataclass
class FillStep:
    """What one step did: the frame it checked and whether it had to render it."""

    frame: int
    rendered: bool
    seconds: float = 0.0


@dataclass
class SequenceFill:
    """The walk over one program's frames (``program`` as compiled; ``low_res`` as the preview
    renders it). ``ready[shot][i]`` is the picture id of frame ``i`` once checked, else None."""

    program: ProgramIR
    low_res: bool
    start: int = 0
    ready: dict[str, list[str | None]] = field(default_factory=dict)
    _next: int = 0
    _checked: int = 0

    def __post_init__(self) -> None:
        self.ready = {s.name: [None] * len(s.frames) for s in self.program.shots if s.frames}
        self.length = max((len(v) for v in self.ready.values()), default=0)
        self._timecodes = {s.name: [timecode((s.output.first_frame or 0) + i, s.fps)
                                    for i in range(len(s.frames))]
                           for s in self.program.shots if s.frames}
        self._next = min(max(0, self.start), max(0, self.length - 1))

    @property
    def done(self) -> bool:
        return self._checked >= self.length

    def restart_at(self, frame: int) -> None:
        """Check the unchecked frames from ``frame`` on (the play head moved)."""
        if self.length:
            self._next = min(max(0, int(frame)), self.length - 1)

    def step(self, renderer, store: PictureStore, on_views=None) -> FillStep | None:
        """Check (and if needed render) the next unchecked frame; None when all are ready."""
        import time

        if self.done:
            return None
        i = self._next
        while all(i >= len(v) or v[i] is not None for v in self.ready.values()):
            i = (i + 1) % self.length
        t0 = time.perf_counter()
        ids = renderer.picture_ids(self.program, i, low_res=self.low_res)
        rendered = False
        if any(pid not in store for pid in ids.values()):
            views, _ = renderer.render(self.program, low_res=self.low_res, frame=i, hit=False)
            for view in views:
                if view.name in ids and view.stages:
                    store.put(view.key, png_bytes(view.stages[-1].pixels))
            rendered = True
        for name, pid in ids.items():
            self.ready[name][i] = pid
        self._checked = sum(1 for j in range(self.length)
                            if all(j >= len(v) or v[j] is not None for v in self.ready.values()))
        self._next = (i + 1) % self.length
        return FillStep(i, rendered, time.perf_counter() - t0)

    def snapshot(self) -> dict:
        """``{shot: {"fps", "timecodes", "urls", "ready", "total"}}`` for the page: ``urls[i]``
        is frame ``i``'s playback picture (``/seq/ID.png``), None until it is ready."""
        out = {}
        for shot in self.program.shots:
            ids = self.ready.get(shot.name)
            if ids is None:
                continue
            first = shot.output.first_frame or 0
            out[shot.name] = {
                "fps": shot.fps, "first_frame": first,
                "timecodes": self._timecodes[shot.name],
                "urls": [f"/seq/{pid}.png" if pid else None for pid in ids],
                "ready": sum(1 for pid in ids if pid), "total": len(ids)}
        return out
