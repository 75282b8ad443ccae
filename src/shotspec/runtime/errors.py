"""Errors the runtime reports to users: values with a code, message and hint, never tracebacks."""

from __future__ import annotations

from shotspec.compiler.ir import Span
from shotspec.diagnostics import Diagnostic, ShotspecError

__all__ = ["RenderError"]


class RenderError(ShotspecError):
    """A failed render step: one ``ShotspecError`` diagnostic with an E5xx code (see
    docs/diagnostics.md). ``span`` points at the spec construct (or the asset file and line)
    responsible; the executor fills in the failing node's span when it is None."""

    def __init__(self, code: str, message: str, *, hint: str | None = None,
                 span: Span | None = None):
        super().__init__(Diagnostic.of(code, message, span=span, help=hint))
