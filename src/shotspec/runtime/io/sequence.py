"""Numbered image sequences on disk: which frames a render already wrote (resume).

A frame counts as written when its file exists, reads, and its embedded provenance
(``shotspec:plan``) is the content key of the frame's output node: the same spec, values and
shotspec version. A frame written by another spec, a half-written file (the writer is atomic,
so only a foreign one) or an unreadable one is rendered again.
"""

from __future__ import annotations

import os

from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.provenance import read_provenance

__all__ = ["written_with_key"]


def written_with_key(path: str, key: str) -> bool:
    """Whether ``path`` holds a frame rendered from the output-node content key ``key``."""
    if not os.path.isfile(path):
        return False
    try:
        return read_provenance(path).get("shotspec:plan") == key
    except (ImageError, OSError, ValueError):
        return False
