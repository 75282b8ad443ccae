"""The one file hasher: sha256 of a file's bytes, read in chunks so a large plate or photo never
sits in memory whole.

Every place that fingerprints a file uses it: the compiler's dependency hashes (plates, LUTs,
identity files in the IR), the identity file's photo hashes, and the watch loop's change test.
``sha256_file_memoised`` adds a cache keyed on (absolute path, size, mtime) for callers that
hash the same files on every rebuild.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["sha256_file", "sha256_file_memoised", "CHUNK_BYTES"]

CHUNK_BYTES = 1 << 20          # bytes read per step

_MEMO: dict[tuple[str, int, int], str] = {}


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of the bytes of ``path``; raises ``OSError`` when it cannot be read."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_file_memoised(path: str | Path) -> str:
    """``sha256_file``, remembered for an unchanged (absolute path, size, mtime) so a watch
    loop does not re-read every photo on each rebuild."""
    p = os.path.abspath(path)
    st = os.stat(p)
    key = (p, st.st_size, st.st_mtime_ns)
    hit = _MEMO.get(key)
    if hit is None:
        hit = _MEMO[key] = sha256_file(p)
    return hit
