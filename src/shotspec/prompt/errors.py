"""Prompt-export diagnostics (the E7xx range): a value with a code, a place and a hint.

Codes (each documented with an example and a fix in docs/prompt.md):

====  ==========================================================================
E701  unknown target
E702  unknown shot, or a program without shots
E703  template syntax error (also an unknown filter or test)
E704  undefined variable or attribute in a template
E705  template failed while rendering (a filter given the wrong type, a missing include, ...)
E706  workflow template did not produce a valid ComfyUI API graph
E707  template directory missing, or a target folder without ``prompt.j2``
E708  prompt template produced no text
E709  invalid workflow option (steps, cfg, sampler_name, scheduler, filename_prefix)
W701  (warning) ComfyUI checkpoint name left as the placeholder
W702  (warning) size far above the model's native resolution
====  ==========================================================================
"""

from __future__ import annotations

from shotspec.diagnostics import Diagnostic, ShotspecError, line_span

__all__ = ["PromptError"]


class PromptError(ShotspecError):
    """A prompt export failed: one E7xx diagnostic; ``file``/``line``/``col`` point at the
    template (or spec) at fault (a whole file when there is no line)."""

    def __init__(self, code: str, message: str, *, file: str | None = None,
                 line: int | None = None, col: int | None = None, hint: str | None = None):
        self.file, self.line, self.col = file, line, col
        span = line_span(file, line, col) if file else None
        super().__init__(Diagnostic.of(code, message, span=span, file=None if span else file,
                                       help=hint))
