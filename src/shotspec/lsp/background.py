"""The language server's background work: buffer compiles and buffers sent to a preview.

Both follow one rule, kept by ``LatestWins``: a job waits on one worker thread under a key (a
document, a file), a newer job for the same key replaces one still waiting (a burst of
keystrokes compiles once, for the last one), a running job finishes, and ``is_current`` tells
it whether its version is still the newest so that a stale result is never published.

``BufferForwarder`` forwards unsaved buffers to a running ``shot preview`` of the same file: if
``shotspec.preview.registry.find_preview(path)`` names a live preview server, the buffer is
POSTed to its ``buffer_url`` as JSON ``{"path", "text", "version"}`` with the header
``X-Shotspec-Token``. The editor's thread never waits on the network; a failed POST (no server,
refused, timed out, an error status) is silent: the preview then simply follows saves.

``JumpFollower`` closes the loop the other way: a click on the preview's picture (the face, a
catchlight, the focus point) is kept by the preview as its click-to-jump location
(``GET /api/jump``: ``{"what", "name", "shot", "span", "at"}``); the follower asks the
previews of the open files for it every ``JUMP_POLL_S`` and hands each new one (a new ``at``)
to the server, which moves the editor there (``window/showDocument``). ``CursorForwarder``
tells the previews where the cursor rests (the editor asks for ``documentHighlight`` as the
cursor moves), so a preview tints what the light under it lights. Torch-free.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections import OrderedDict
from typing import Callable

from shotspec.preview.registry import PreviewAddress, find_preview, live_previews

__all__ = ["LatestWins", "BufferForwarder", "CursorForwarder", "JumpFollower", "post_json",
           "POST_TIMEOUT_S", "JUMP_POLL_S"]

log = logging.getLogger(__name__)
POST_TIMEOUT_S = 2.0
# How often the previews of open files are asked for a new click-to-jump location.
JUMP_POLL_S = 0.5
# The preview listens on 127.0.0.1 only: never route its requests through a configured proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LatestWins:
    """A latest-wins job queue keyed by document, run by one daemon thread."""

    def __init__(self, name: str):
        self._pending: OrderedDict[str, tuple[int, Callable[[], None]]] = OrderedDict()
        self._latest: dict[str, int] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._busy = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, key: str, version: int, job: Callable[[], None]) -> None:
        """Queue ``job`` for ``key`` at ``version``, replacing an older one still waiting."""
        with self._cond:
            if self._closed:
                return
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
            except Exception:  # noqa: BLE001 - a bug in one job must not kill the worker
                log.exception("background job failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


class BufferForwarder:
    """Latest-wins, fire-and-forget POSTs of buffers to live preview servers."""

    def __init__(self) -> None:
        self._jobs = LatestWins("shotspec-preview-forward")
        self.sent: list[tuple[str, int, int]] = []     # (path, version, HTTP status) per POST

    def send(self, path: str, text: str, version: int) -> None:
        """Queue ``text`` (``version``) of ``path`` for its preview, replacing an older one."""
        self._jobs.submit(path, version, lambda: self._post(path, text, version))

    def idle(self, timeout: float = 10.0) -> bool:
        return self._jobs.idle(timeout)

    def close(self) -> None:
        self._jobs.close()

    def _post(self, path: str, text: str, version: int) -> None:
        try:
            address = find_preview(path)
        except OSError:
            return
        if address is None:
            return
        status = post_json(address, "/api/buffer", {"path": address.spec, "text": text, "version": version})
        if status is not None:
            self.sent.append((path, version, status))


def post_json(address: PreviewAddress, route: str, body: dict) -> int | None:
    """POST ``body`` to a preview server's ``route`` with its token; the HTTP status, or None
    when the server could not be reached (refused, timed out, gone: silent by design)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{address.port}{route}", data=json.dumps(body).encode("utf-8"),
        method="POST", headers={"Content-Type": "application/json", "X-Shotspec-Token": address.token})
    try:
        with _OPENER.open(request, timeout=POST_TIMEOUT_S) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except (OSError, ValueError) as err:
        log.debug("preview POST to %s failed: %s", request.full_url, err)
        return None


class CursorForwarder:
    """Tells every live preview where the editor's cursor rests (``POST /api/cursor``), so the
    preview can tint what the light there lights; latest wins, and a cursor that stays on the
    same line of the same file is sent once."""

    def __init__(self) -> None:
        self._jobs = LatestWins("shotspec-preview-cursor")
        self._last: tuple[str, int] | None = None
        self._version = 0
        self.sent: list[tuple[str, int, int, int]] = []     # (path, line, col, status) per POST

    def send(self, path: str, line: int, col: int) -> None:
        """The cursor is at ``path:line:col`` (1-based)."""
        if self._last == (path, line):
            return
        self._last = (path, line)
        self._version += 1
        self._jobs.submit("cursor", self._version, lambda: self._post(path, line, col))

    def idle(self, timeout: float = 10.0) -> bool:
        return self._jobs.idle(timeout)

    def close(self) -> None:
        self._jobs.close()

    def _post(self, path: str, line: int, col: int) -> None:
        try:
            previews = live_previews()
        except OSError:
            return
        for address in previews:
            status = post_json(address, "/api/cursor", {"path": path, "line": line, "col": col})
            if status is not None:
                self.sent.append((path, line, col, status))


class JumpFollower:
    """Polls the live previews of ``paths()`` for new click-to-jump locations and calls
    ``on_jump(location)`` for each (on its own thread). The location a preview holds when it is
    first seen is an old click, not a new one: it is remembered, not followed."""

    def __init__(self, paths: Callable[[], list[str]], on_jump: Callable[[dict], None],
                 interval_s: float = JUMP_POLL_S):
        self._paths = paths
        self._on_jump = on_jump
        self._interval_s = interval_s
        self._seen: dict[str, tuple] = {}        # path -> (preview's pid and port, its `at`)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shotspec-preview-jumps",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            for path in self._paths():
                try:
                    self.poll(path)
                except Exception:  # noqa: BLE001 - a bad answer must not stop the follower
                    log.debug("asking the preview of %s for a jump failed", path, exc_info=True)

    def poll(self, path: str) -> None:
        """Ask ``path``'s preview (if one runs) for its click-to-jump location."""
        address = find_preview(path)
        if address is None:
            self._seen.pop(path, None)
            return
        url = f"http://127.0.0.1:{address.port}/api/jump"
        try:
            with _OPENER.open(url, timeout=POST_TIMEOUT_S) as response:
                jump = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(jump, dict):
            return
        mark = ((address.pid, address.port), jump.get("at"))
        before = self._seen.get(path)
        self._seen[path] = mark
        if (before is not None and before != mark and mark[1] is not None
                and isinstance(jump.get("span"), dict)):
            self._on_jump(jump)
