"""Terminal output: one rich console per run, honouring NO_COLOR, ``--quiet`` and pipes; the
one printer of diagnostics for every command, and the exit code they mean.

Exit codes: 0 ok (warnings at most), 1 diagnostics (the input is wrong), 2 usage (the command
line is wrong), 3 internal error (a bug in shotspec; see ``cli.crash_report``). A diagnostic is
a usage error when it points into the command line (``<--set>``, ``<--allow>``), or has no
place at all and an E6xx code (or E701, an unknown ``--target``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

from shotspec.diagnostics import COMMAND_LINE_FILES, diagnostics_to_json, render_diagnostics

__all__ = ["make_console", "print_diagnostics", "load_sources", "is_usage_error", "exit_code",
           "EXIT_OK", "EXIT_DIAGNOSTICS", "EXIT_USAGE", "EXIT_INTERNAL"]

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
_USAGE_CODES_WITHOUT_PLACE = ("E6", "E701")


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


def is_usage_error(d) -> bool:
    """True for an error about the command line rather than the files it names."""
    if not d.is_error:
        return False
    if d.span is not None:
        return d.span.file in COMMAND_LINE_FILES
    return d.file is None and d.code.startswith(_USAGE_CODES_WITHOUT_PLACE)


def exit_code(diags) -> int:
    """0 without errors; 2 when any error is a usage error (fix the command first); else 1."""
    errors = [d for d in diags if d.is_error]
    if not errors:
        return EXIT_OK
    return EXIT_USAGE if any(is_usage_error(d) for d in errors) else EXIT_DIAGNOSTICS


def print_diagnostics(diags, sources: dict[str, str], *, fmt: str = "text", console: Console,
                      err_console: Console) -> None:
    """Errors and warnings to stderr (text) or stdout (json): the one printer of every command."""
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
