"""One background thread that compiles buffers, newest version first, never a stale one twice.

The language server's event loop must answer hover and completion while a compile runs, so
compiles happen here. ``submit(key, job)`` replaces whatever was waiting for the same document:
an older version that has not started is dropped (a keystroke burst compiles once for the
last keystroke); one already running finishes, and its result is published only when no newer
version has been submitted since (``is_current``). Jobs for different documents run in turn.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Callable

__all__ = ["CompileQueue"]

log = logging.getLogger(__name__)


class CompileQueue:
    """A latest-wins job queue keyed by document; ``job(version)`` runs on the worker thread."""

    def __init__(self, name: str = "shotspec-compile"):
        self._pending: OrderedDict[str, tuple[int, Callable[[], None]]] = OrderedDict()
        self._latest: dict[str, int] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._busy = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: str, version: int, job: Callable[[], None]) -> None:
        """Queue ``job`` for document ``key`` at ``version``, replacing an older waiting one."""
        with self._cond:
            self._latest[key] = version
            self._pending.pop(key, None)
            self._pending[key] = (version, job)
            self._cond.notify()

    def is_current(self, key: str, version: int) -> bool:
        """Whether ``version`` is still the newest submitted for ``key`` (publish only then)."""
        with self._cond:
            return self._latest.get(key) == version

    def forget(self, key: str) -> None:
        """The document was closed: drop its waiting job and its version."""
        with self._cond:
            self._pending.pop(key, None)
            self._latest.pop(key, None)

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running (tests and the benchmark); True when idle."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._pending.clear()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                if self._closed:
                    return
                _key, (_version, job) = self._pending.popitem(last=False)
                self._busy = True
            try:
                job()
            except Exception:  # noqa: BLE001 - a compiler bug must not kill the worker
                log.exception("compiling a buffer failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
