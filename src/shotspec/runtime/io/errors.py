"""The error image input/output raises: a ``ShotspecError`` naming the file, what went wrong
and a hint (E520 for reading, E523 for writing)."""

from __future__ import annotations

from shotspec.diagnostics import Diagnostic, ShotspecError

__all__ = ["ImageError"]

READ, WRITE = "E520", "E523"


class ImageError(ShotspecError):
    """An image could not be read (``code`` E520) or written (E523).

    ``path`` is the file concerned, ``reason`` says what went wrong in one line, ``hint`` what
    to do about it. The diagnostic's message is ``cannot read PATH: REASON``; its place is the
    file, or the spec construct that used it once the executor has located it.
    """

    def __init__(self, path: str, reason: str, hint: str = "", *, code: str = READ):
        self.path = str(path)
        self.reason = reason
        verb = "write" if code == WRITE else "read"
        super().__init__(Diagnostic.of(code, f"cannot {verb} {self.path}: {reason}", file=self.path,
                                       help=hint or None))
