"""Forward unsaved buffers to a running ``shot preview`` of the same file.

On every change the language server calls ``BufferForwarder.send(path, text, version)``. If
``shotspec.preview.registry.find_preview(path)`` names a live preview server, the buffer is
POSTed to its ``buffer_url`` as JSON ``{"path", "text", "version"}`` with the header
``X-Shotspec-Token``, from one background thread: the editor's thread never waits on the
network. Only the newest buffer of each file is sent — an older version still waiting when a
newer one arrives is dropped — and a failed POST (no server, refused, timed out, an error
status) is silent: the preview then simply follows saves. Torch-free.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections import OrderedDict

from shotspec.preview.registry import find_preview

__all__ = ["BufferForwarder", "POST_TIMEOUT_S"]

log = logging.getLogger(__name__)
POST_TIMEOUT_S = 2.0
# The preview listens on 127.0.0.1 only: never route its requests through a configured proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class BufferForwarder:
    """Latest-wins, fire-and-forget POSTs of buffers to live preview servers."""

    def __init__(self) -> None:
        self._pending: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._cond = threading.Condition()
        self._closed = False
        self._busy = False
        self.sent: list[tuple[str, int, int]] = []     # (path, version, HTTP status) per POST
        self._thread = threading.Thread(target=self._run, name="shotspec-preview-forward",
                                        daemon=True)
        self._thread.start()

    def send(self, path: str, text: str, version: int) -> None:
        """Queue ``text`` (``version``) of ``path`` for its preview, replacing an older one."""
        with self._cond:
            if self._closed:
                return
            self._pending.pop(path, None)
            self._pending[path] = (text, version)
            self._cond.notify()

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or being sent; True when idle."""
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
                path, (text, version) = self._pending.popitem(last=False)
                self._busy = True
            try:
                self._post(path, text, version)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _post(self, path: str, text: str, version: int) -> None:
        try:
            address = find_preview(path)
        except OSError:
            return
        if address is None:
            return
        body = json.dumps({"path": address.spec, "text": text, "version": version}).encode("utf-8")
        request = urllib.request.Request(
            address.buffer_url, data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Shotspec-Token": address.token})
        try:
            with _OPENER.open(request, timeout=POST_TIMEOUT_S) as response:
                status = response.status
        except urllib.error.HTTPError as err:
            status = err.code
        except (OSError, ValueError) as err:    # refused, timed out, gone: silent by design
            log.debug("preview POST to %s failed: %s", address.buffer_url, err)
            return
        self.sent.append((path, version, status))
