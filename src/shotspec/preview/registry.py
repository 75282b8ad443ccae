"""Where a running ``shot preview`` can be reached, so the language server can send it buffers.

A preview server announces itself with one small JSON file per previewed spec in a private
folder of the user's (``$XDG_RUNTIME_DIR/shotspec-preview`` or ``~/.cache/shotspec/preview``,
mode 0700): ``{"port": int, "token": str, "pid": int, "spec": "/abs/path.shot"}``. The file's
name is the sha256 of the spec's resolved path, so no spec text or path reaches the name. The
language server looks it up with :func:`find_preview` (or lists them all, :func:`live_previews`) and POSTs unsaved buffers to
``http://127.0.0.1:{port}/api/buffer`` with the header ``X-Shotspec-Token: {token}`` and the
body ``{"path": "/abs/path.shot", "text": "...", "version": int}``. A stale file (its process
gone) is ignored and removed. Torch-free.

The same server answers ``GET http://127.0.0.1:{port}/api/jump`` (no token) with the last
click-to-jump location the page reported, ``{"what", "name", "shot", "at", "span": {"file",
"line", "col", "end_line", "end_col"}}`` (``{}`` before the first click), and streams every
change, that location included, as server-sent events on ``/api/events`` (``shot preview``'s
``server`` module documents the routes).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from shotspec.atomic_files import atomic_write

__all__ = ["PreviewAddress", "announce", "find_preview", "live_previews", "registry_dir", "withdraw"]


@dataclass(frozen=True)
class PreviewAddress:
    """A running preview server: its loopback port, its request token and its process id."""

    port: int
    token: str
    pid: int
    spec: str

    @property
    def buffer_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/buffer"


def registry_dir() -> Path:
    """The private folder that holds the announcements (created with mode 0700)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "shotspec-preview" if base else Path.home() / ".cache" / "shotspec" / "preview"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _entry(spec: str | os.PathLike) -> Path:
    key = hashlib.sha256(str(Path(spec).resolve()).encode("utf-8")).hexdigest()[:32]
    return registry_dir() / f"{key}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def announce(spec: str | os.PathLike, port: int, token: str) -> Path:
    """Record that this process previews ``spec`` on ``port``; returns the announcement file."""
    entry = _entry(spec)
    record = {"port": int(port), "token": token, "pid": os.getpid(),
              "spec": str(Path(spec).resolve())}
    atomic_write(entry, json.dumps(record))
    os.chmod(entry, 0o600)
    return entry


def withdraw(spec: str | os.PathLike) -> None:
    """Remove this process's announcement for ``spec`` (another process's is left alone)."""
    entry = _entry(spec)
    try:
        record = json.loads(entry.read_text("utf-8"))
    except (OSError, ValueError):
        return
    if record.get("pid") == os.getpid():
        entry.unlink(missing_ok=True)


def find_preview(spec: str | os.PathLike) -> PreviewAddress | None:
    """The live preview server of ``spec``, or None (no announcement, unreadable or stale)."""
    return _read(_entry(spec))


def live_previews() -> list[PreviewAddress]:
    """Every live preview server of this user (a cursor in an imported file concerns them all)."""
    found = (_read(entry) for entry in sorted(registry_dir().glob("*.json")))
    return [address for address in found if address is not None]


def _read(entry: Path) -> PreviewAddress | None:
    try:
        record = json.loads(entry.read_text("utf-8"))
        address = PreviewAddress(port=int(record["port"]), token=str(record["token"]),
                                 pid=int(record["pid"]), spec=str(record["spec"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(address.pid):
        entry.unlink(missing_ok=True)
        return None
    return address
