"""Internal errors: an exception nobody foresaw is a bug in shotspec, never the user's fault.

The CLI catches it at the top (``cli.main``), writes the details (command line, versions,
traceback) to a report file, and prints three short lines instead of a traceback: what broke,
where the details are, and how to report it, the way ruff and Typst do. Exit code 3.

The report goes to ``$XDG_CACHE_HOME/shotspec/crash-reports/`` (``~/.cache`` when unset), else
the temporary folder; it is written atomically, so a report that exists is complete.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from shotspec import __version__
from shotspec.atomic_files import atomic_write

__all__ = ["report_internal_error", "report_folders", "write_crash_report", "REPORT_HOW"]

REPORT_HOW = ("this is a bug in shotspec, not in your files; please report it to the shotspec "
              "maintainers with the command you ran, the .shot file (if you can share it) and "
              "the crash report")


def report_folders() -> list[Path]:
    """Where a crash report may go, in order of preference."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [Path(cache) / "shotspec" / "crash-reports", Path(tempfile.gettempdir())]


def _report_text(exc: BaseException, argv: list[str]) -> str:
    return "".join([
        f"shotspec {__version__} crash report\n",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n",
        f"command: shot {' '.join(argv)}\n",
        f"python: {sys.version.split()[0]} ({platform.platform()})\n\n",
        *traceback.format_exception(type(exc), exc, exc.__traceback__),
    ])


def write_crash_report(exc: BaseException, argv: list[str]) -> Path | None:
    """Write the report of ``exc`` (raised while running ``shot ARGV``); its path, or None
    when no folder could take it."""
    return _write_report(_report_text(exc, argv))


def _write_report(text: str) -> Path | None:
    name = f"shotspec-crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in report_folders():
        try:
            atomic_write(folder / name, text)
        except OSError:
            continue
        return folder / name
    return None


def report_internal_error(exc: BaseException, argv: list[str], stream=None) -> None:
    """Write the crash report and tell the user, in a few lines on ``stream`` (stderr)."""
    stream = stream or sys.stderr
    text = _report_text(exc, argv)
    path = _write_report(text)
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    lines = [f"error: internal error: shotspec crashed ({summary})", f" = note: {REPORT_HOW}"]
    if path is not None:
        lines.append(f" = note: crash report (with the traceback): {path}")
    else:   # nowhere to write: the traceback itself is the report
        lines.append(" = note: no crash report could be written; the details follow\n\n" + text)
    stream.write("\n".join(lines) + "\n")
    stream.flush()
