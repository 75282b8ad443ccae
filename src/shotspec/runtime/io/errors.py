"""The one error image input/output raises: a value with the file, what went wrong and a hint."""

from __future__ import annotations

__all__ = ["ImageError"]


class ImageError(Exception):
    """An image could not be read or written.

    ``path`` is the file concerned, ``message`` says what went wrong in one line, ``hint`` what
    to do about it. The CLI renders these as E5xx diagnostics instead of a traceback.
    """

    def __init__(self, path: str, message: str, hint: str = ""):
        super().__init__(f"{path}: {message}" + (f" ({hint})" if hint else ""))
        self.path = str(path)
        self.message = message
        self.hint = hint
