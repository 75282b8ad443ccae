"""file:// URIs ↔ paths (the server only works on files on this machine)."""

from __future__ import annotations

import os

from pygls import uris

__all__ = ["path_to_uri", "uri_to_path"]


def path_to_uri(path: str) -> str:
    return uris.from_fs_path(os.path.abspath(path)) or ""


def uri_to_path(uri: str) -> str:
    """The absolute path of a ``file:`` URI; an unsaved buffer (``untitled:``) gets a path in
    the working folder, so its relative imports resolve there."""
    path = uris.to_fs_path(uri)
    if not path or not uri.startswith("file:"):
        return os.path.abspath(os.path.basename(uri.split(":", 1)[-1]) or "untitled.shot")
    return os.path.abspath(path)
