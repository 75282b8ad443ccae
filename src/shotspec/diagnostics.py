"""The one diagnostic type of every layer, the one exception that carries it, and its printer.

A ``Diagnostic`` is a value: a stable code (docs/diagnostics.md), a severity, a message, a
place and a ``help`` line. The place is a source ``span`` (file, line, column), or, for things
with no line (an image, a folder), just a ``file``, or nothing (a command-line flag).

The compiler returns diagnostics in lists and never raises. Code that cannot return them (the
runtime deep inside a render, the prompt templates, the image readers) raises one exception
type, ``ShotspecError``, built from diagnostics; areas may keep a thin subclass as a
constructor (``ImageError(path, message)``), but whoever catches needs no per-class code: the
executor adds the plan node's span to diagnostics without a place, and the CLI prints
``error.diagnostics`` with ``render_diagnostics``.

This module imports nothing from shotspec at run time (``Span`` lives with the IR), so every
layer, torch-free or not, can import it.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Literal, Sequence

if TYPE_CHECKING:
    from shotspec.compiler.ir import Span

__all__ = ["Diagnostic", "DiagnosticSink", "ShotspecError", "did_you_mean", "line_span",
           "render_diagnostics", "diagnostics_to_json", "sort_diagnostics", "SET_FILE",
           "ALLOW_FILE", "COMMAND_LINE_FILES"]

# Pseudo files that command-line values are parsed as, one line per value, so a bad
# `--set camera.lenz=50mm` gets a caret under `lenz` like any spec line.
SET_FILE = "<--set>"
ALLOW_FILE = "<--allow>"
COMMAND_LINE_FILES = frozenset({SET_FILE, ALLOW_FILE})


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning. ``span`` is the source range at fault; ``file`` names a whole file
    with no line to point at (an image, a folder); both None: a command-line problem."""

    code: str
    severity: Literal["error", "warning"]
    message: str
    span: Span | None = None
    help: str | None = None
    notes: tuple[str, ...] = ()
    file: str | None = None

    @classmethod
    def of(cls, code: str, message: str, *, span: Span | None = None, file: str | None = None,
           help: str | None = None, notes: Sequence[str] = ()) -> Diagnostic:
        """A diagnostic whose severity follows its code (W… warning, E… error)."""
        severity = "warning" if code.startswith("W") else "error"
        return cls(code, severity, message, span, help or None, tuple(notes), file)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def where(self) -> str | None:
        """The file the diagnostic is about (the span's, else ``file``), or None."""
        return self.span.file if self.span is not None else self.file

    def to_dict(self) -> dict:
        return {
            "code": self.code, "severity": self.severity, "message": self.message,
            "span": None if self.span is None else self.span.model_dump(),
            "file": self.file if self.file is not None else self.where,
            "help": self.help, "notes": list(self.notes),
        }


@dataclass
class DiagnosticSink:
    """Collects diagnostics while a compile runs (de-duplicated, order kept)."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set = field(default_factory=set, repr=False)     # a set over items[:_n_seen]
    _n_seen: int = field(default=0, repr=False)

    def add(self, code: str, message: str, span: Span | None, *, help: str | None = None,
            notes: Sequence[str] = ()) -> Diagnostic:
        diag = Diagnostic.of(code, message, span=span, help=help, notes=notes)
        self.append(diag)
        return diag

    def append(self, diag: Diagnostic) -> bool:
        """Keep ``diag`` unless an equal one is already here (a set lookup, so a file with
        thousands of warnings stays linear); True when it was added."""
        if self._n_seen > len(self.items):          # items were replaced: index them again
            self._seen, self._n_seen = set(), 0
        self._seen.update(self.items[self._n_seen:])  # items appended directly
        if diag in self._seen:
            self._n_seen = len(self.items)
            return False
        self.items.append(diag)
        self._seen.add(diag)
        self._n_seen = len(self.items)
        return True

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)


class ShotspecError(Exception):
    """The one exception of every layer: what went wrong, as diagnostics.

    ``code``, ``message``, ``hint`` and ``span`` read the first diagnostic, for callers and
    tests that expect one. ``str()`` gives a compact ``place: CODE: message`` per diagnostic.
    """

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        diags = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        if not diags:
            raise ValueError("a ShotspecError needs at least one diagnostic")
        self.diagnostics: list[Diagnostic] = diags
        super().__init__(diags[0].message)

    @property
    def code(self) -> str:
        return self.diagnostics[0].code

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def hint(self) -> str | None:
        return self.diagnostics[0].help

    @property
    def span(self) -> Span | None:
        return self.diagnostics[0].span

    def located(self, span: Span | None) -> ShotspecError:
        """Give ``span`` to the diagnostics that have none (the executor passes the span of the
        plan node that failed); returns self, so ``raise err.located(...)`` keeps its type."""
        if span is not None:
            self.diagnostics = [d if d.span is not None else replace(d, span=span)
                                for d in self.diagnostics]
        return self

    def __str__(self) -> str:
        lines = []
        for d in self.diagnostics:
            s = d.span
            where = f"{s.file}:{s.line}:{s.col}: " if s is not None else (f"{d.file}: " if d.file else "")
            lines.append(f"{where}{d.code}: {d.message}" + (f"\n  help: {d.help}" if d.help else ""))
        return "\n".join(lines)

    def __reduce__(self):
        # subclasses have their own __init__ signatures: rebuild from the state, not the args
        return (_rebuild_error, (type(self), dict(self.__dict__)))


def _rebuild_error(cls: type, state: dict) -> ShotspecError:
    err = cls.__new__(cls)
    Exception.__init__(err, state["diagnostics"][0].message)
    err.__dict__.update(state)
    return err


def line_span(file: str, line: int | None, col: int | None = None) -> Span | None:
    """A one-character span at ``file:line:col`` (col 1 when unknown); None when there is no
    line (0 or None), so the diagnostic names the whole file instead."""
    if not line or line < 1:
        return None
    from shotspec.compiler.ir import Span  # noqa: PLC0415 - keeps this module import-free

    col = max(1, col or 1)
    return Span(file=str(file), line=line, col=col, end_line=line, end_col=col + 1)


# Characters a user mistypes for one another (a letter O for a zero).
_LOOKALIKES = str.maketrans("OoIl", "0011")


def did_you_mean(word: str, choices: Iterable[str], what: str | None = None, *,
                 list_max: int = 12) -> str | None:
    """A ``help`` line: the closest choice (``did you mean `x`?``), else the choices themselves
    when there are at most ``list_max`` (``what: `a`, `b``` or ``expected one of: …``); None
    when there is nothing useful to say. The one did-you-mean of every layer. Among equally
    close choices the one with the most characters in the same places wins, look-alikes (O/0,
    l/I/1) counted as equal: `W1O1` → `W101`, not `W111`."""
    options = sorted(set(choices))
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    close = []
    for o in options:       # difflib.get_close_matches, keeping every score
        matcher.set_seq1(o)
        if (matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6
                and matcher.ratio() >= 0.6):
            close.append((matcher.ratio(), o))
    if close:
        top = max(r for r, _ in close)
        folded = word.translate(_LOOKALIKES)
        best = max((o for r, o in close if r == top),
                   key=lambda o: (sum(a == b for a, b in zip(folded, o.translate(_LOOKALIKES))),
                                  o))
        return f"did you mean `{best}`?"
    if options and len(options) <= list_max:
        return f"{what or 'expected one of'}: " + ", ".join(f"`{o}`" for o in options)
    return None


def _sort_key(d: Diagnostic):
    s = d.span
    if s is None:
        return (d.file or "~", 0, 0)
    return (s.file, s.line, s.col)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(diags, key=_sort_key)


# The printer echoes at most this much of a source line (a window around the caret) and of a
# message, so a 1 MB one-line spec prints a screenful, not megabytes.
MAX_SOURCE_CHARS = 100
MAX_MESSAGE_CHARS = 300


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 21] + " … " + text[-18:]


def _source_window(src: str, start: int, width: int) -> tuple[str, int, int]:
    """A long line shown as ``…`` + about ``MAX_SOURCE_CHARS`` columns around the caret +
    ``…``; returns the shown text and the caret's column and width in it."""
    if len(src) <= MAX_SOURCE_CHARS:
        return src, start, width
    width = min(width, MAX_SOURCE_CHARS // 2)
    left = max(0, min(start - 1 - MAX_SOURCE_CHARS // 3, len(src) - MAX_SOURCE_CHARS))
    right = left + MAX_SOURCE_CHARS
    shown = src[left:right]
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(src) else ""
    return prefix + shown + suffix, start - left + len(prefix), width


def render_diagnostics(diags: Sequence[Diagnostic], sources: dict[str, str], *,
                       color: bool = False) -> str:
    """Rustc-style text: header, ``--> file:line:col`` (or ``--> file`` for a whole file), the
    source line with carets when ``sources`` has it, then help and notes; a count at the end."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    blocks = []
    for d in diags:
        head_color = "1;31" if d.is_error else "1;33"
        message = _clip(d.message, MAX_MESSAGE_CHARS)
        lines = [paint(f"{d.severity}[{d.code}]", head_color) + paint(f": {message}", "1")]
        s = d.span
        gutter = len(str(max(s.line, 1))) if s is not None else (1 if d.file else 0)
        pad = " " * gutter
        if s is not None:
            text = sources.get(s.file)
            src_lines = text.split("\n") if text is not None else []
            lines.append(f"{pad}{paint('-->', '1;34')} {s.file}:{s.line}:{s.col}")
            if 1 <= s.line <= len(src_lines):
                src = src_lines[s.line - 1].rstrip("\r").expandtabs(4)
                start = max(s.col, 1)
                end = s.end_col if s.end_line == s.line and s.end_col > start else len(src) + 1
                width = max(1, min(end, len(src) + 1) - start) if start <= len(src) else 1
                src, start, width = _source_window(src, start, width)
                lines.append(f"{pad} {paint('|', '1;34')}")
                lines.append(f"{paint(str(s.line).rjust(gutter), '1;34')} {paint('|', '1;34')} {src}")
                carets = " " * (start - 1) + "^" * width
                lines.append(f"{pad} {paint('|', '1;34')} {paint(carets, head_color)}")
        elif d.file:
            lines.append(f"{pad}{paint('-->', '1;34')} {d.file}")
        if d.help:
            lines.append(f"{pad} = {paint('help', '1')}: {_clip(d.help, MAX_MESSAGE_CHARS)}")
        for note in d.notes:
            lines.append(f"{pad} = {paint('note', '1')}: {_clip(note, MAX_MESSAGE_CHARS)}")
        blocks.append("\n".join(lines))
    n_err = sum(d.is_error for d in diags)
    n_warn = len(diags) - n_err
    if diags:
        summary = []
        if n_err:
            summary.append(f"{n_err} error{'s' if n_err != 1 else ''}")
        if n_warn:
            summary.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
        blocks.append(", ".join(summary))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def diagnostics_to_json(diags: Sequence[Diagnostic]) -> str:
    """A JSON array of diagnostics (stable keys; spans 1-based, ``end_*`` exclusive; ``file``
    is the file a diagnostic is about (an image the spec uses, say), else the span's file)."""
    return json.dumps([d.to_dict() for d in diags], indent=2)
