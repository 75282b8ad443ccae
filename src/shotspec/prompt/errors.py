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

import difflib
from collections.abc import Iterable

__all__ = ["PromptError", "did_you_mean"]


class PromptError(Exception):
    """A prompt export failed; ``file``/``line``/``col`` point at the template (or spec) at fault."""

    def __init__(self, code: str, message: str, *, file: str | None = None,
                 line: int | None = None, col: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        text = f"{where}{self.code}: {self.message}"
        return f"{text}\n  help: {self.hint}" if self.hint else text

    def __repr__(self) -> str:
        return (f"PromptError({self.code!r}, {self.message!r}, file={self.file!r}, "
                f"line={self.line!r}, col={self.col!r}, hint={self.hint!r})")


def did_you_mean(name: str, choices: Iterable[str], what: str) -> str:
    """A hint naming the closest of ``choices`` (or listing them all when none is close)."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}? ({what}: {', '.join(options)})"
    return f"{what}: {', '.join(options)}" if options else f"there are no {what}"
