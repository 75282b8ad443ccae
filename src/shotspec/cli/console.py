"""Terminal output: one rich console per run, honouring NO_COLOR, ``--quiet`` and pipes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

__all__ = ["make_console", "print_diagnostics", "load_sources", "diagnostic_from_render_error"]


def make_console(*, quiet: bool = False, stderr: bool = False) -> Console:
    no_color = os.environ.get("NO_COLOR", "") != ""
    # NO_COLOR: no colour and no other styling either (bold, dim); the live progress display
    # still redraws in place on a terminal.
    return Console(stderr=stderr, quiet=quiet, no_color=no_color, highlight=False, soft_wrap=True,
                   **({"color_system": None} if no_color else {}))


def color_enabled(console: Console) -> bool:
    return console.is_terminal and not console.no_color


def load_sources(diags, sources: dict[str, str]) -> dict[str, str]:
    """Add the text of files that diagnostics point into (LUTs, templates) but the compiler
    did not read, so the caret display works for them too."""
    merged = dict(sources)
    for d in diags:
        span = getattr(d, "span", None)
        if span is not None and span.file not in merged and Path(span.file).is_file():
            try:
                merged[span.file] = Path(span.file).read_text(encoding="utf-8", errors="replace")
            except OSError:
                pass
    return merged


def diagnostic_from_render_error(err):
    from shotspec.compiler import Diagnostic

    return Diagnostic(code=err.code, severity="error", message=err.message, span=err.span, help=err.hint)


def print_diagnostics(diags, sources: dict[str, str], *, fmt: str = "text", console: Console,
                      err_console: Console) -> None:
    """Errors and warnings to stderr (text) or stdout (json)."""
    from shotspec.compiler import diagnostics_to_json, render_diagnostics

    diags = list(diags)
    if fmt == "json":
        sys.stdout.write(diagnostics_to_json(diags) + "\n")
        return
    if not diags:
        return
    text = render_diagnostics(diags, load_sources(diags, sources), color=color_enabled(err_console))
    # Already styled (or plain): write it verbatim, never let rich re-interpret brackets.
    err_console.file.write(text if text.endswith("\n") else text + "\n")
    err_console.file.flush()
