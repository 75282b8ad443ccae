"""Atomic file writes: a temporary file in the target's folder, then ``os.replace``.

A reader (an image viewer, the watch loop, an editor) sees either the old file or the complete
new one, never a half-written file, and a failed write leaves the old file untouched. The new
file gets the old file's permissions, or the usual ``0o666 & ~umask`` for a new file (temporary
files are created private).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

__all__ = ["atomic_write"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: bytes | str | None = None, *,
                 writer: Callable[[str], None] | None = None, encoding: str = "utf-8") -> None:
    """Write ``data`` (or let ``writer(tmp_path)`` write) to ``path`` atomically.

    Parent folders are created. Exactly one of ``data`` and ``writer`` is given.
    """
    if (data is None) == (writer is None):
        raise ValueError("give exactly one of data and writer")
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(parent, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=parent)
    try:
        if writer is None:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.encode(encoding) if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            os.close(fd)
            writer(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
