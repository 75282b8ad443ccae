"""Errors the runtime reports to users: values with a code, message and hint, never tracebacks."""

from __future__ import annotations

from shotspec.compiler.ir import Span

__all__ = ["RenderError"]


class RenderError(Exception):
    """A failed render step. ``code`` is an E5xx diagnostic code (see docs/diagnostics.md);
    ``span`` points at the spec construct (or the asset file and line) responsible."""

    def __init__(self, code: str, message: str, *, hint: str | None = None,
                 span: Span | None = None, node: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.span = span
        self.node = node
