"""Diagnostics as values: a stable code, severity, message, source span, help and notes.

Nothing in the compiler raises on bad input; every phase appends ``Diagnostic``s to a list.
``render_diagnostics`` prints them rustc-style (location, the source line, a caret underline,
``help:``); ``diagnostics_to_json`` gives the machine form for ``--format json``.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from shotspec.compiler.ir import Span

__all__ = ["Diagnostic", "Span", "CODES", "render_diagnostics", "diagnostics_to_json",
           "did_you_mean", "DiagnosticSink", "SET_FILE"]

SET_FILE = "<--set>"

# Every code the compiler emits, with its one-line title (docs/diagnostics.md explains each).
CODES: dict[str, str] = {
    "E001": "unexpected character",
    "E002": "unexpected token",
    "E003": "unexpected end of file",
    "E004": "unterminated string",
    "E005": "unterminated block comment",
    "E006": "unknown top-level keyword",
    "E007": "blocks nested too deeply",
    "E101": "unknown key",
    "E102": "unknown preset",
    "E103": "preset used in the wrong kind of block",
    "E104": "unknown character",
    "E105": "unknown parent shot",
    "E106": "cycle in extends or presets",
    "E107": "import cycle",
    "E108": "duplicate definition",
    "E109": "unknown --set path",
    "E110": "malformed --set",
    "E111": "more than one key light",
    "E112": "`allow` names an unknown code",
    "E113": "two shots write the same output file",
    "E201": "wrong kind of value or unit",
    "E202": "unknown choice",
    "E203": "value out of range",
    "E204": "focal length out of range",
    "E205": "f-number out of range",
    "E206": "focus or subject closer than the focal length",
    "E207": "impossible sensor size",
    "E208": "output resolution out of range",
    "E209": "output too large for memory",
    "E210": "wrong number of values",
    "E211": "focus target names another character",
    "E212": "format cannot store this bit depth",
    "E301": "file not found",
    "E302": "imported file not found",
    "E303": "file unreadable",
    "E304": "expected a folder",
    "E510": "malformed LUT",
    "W101": "wide lens at close-up distance",
    "W102": "grain before an upscale",
    "W103": "smoothing or a fidelity upscale after skin enhancement",
    "W104": "key colour temperature drifts between shots of one character",
    "W105": "key direction drifts between shots of one character",
    "W106": "too few reference photos",
    "E401": "identity file not found",
    "E402": "identity file malformed",
    "E403": "a reference photo changed since the identity was built",
    "E404": "a reference photo of the identity is missing",
    "E405": "no usable reference photo",
    "E406": "reference photo folder missing or empty",
    "W401": "identity built from too few photos",
    "W402": "skin tone drifts from the identity",
    "W403": "key colour temperature drifts between shots of one identity",
    "W404": "key side flips between shots of one identity",
}


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning. ``span`` is None only for problems with no source location."""

    code: str
    severity: Literal["error", "warning"]
    message: str
    span: Span | None
    help: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict:
        return {
            "code": self.code, "severity": self.severity, "message": self.message,
            "span": None if self.span is None else self.span.model_dump(),
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
        severity = "warning" if code.startswith("W") else "error"
        diag = Diagnostic(code, severity, message, span, help, tuple(notes))
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


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A ``help`` line suggesting the closest choice, or listing the choices when few."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if options and len(options) <= 12:
        return "expected one of: " + ", ".join(f"`{o}`" for o in options)
    return None


def _sort_key(d: Diagnostic):
    s = d.span
    if s is None:
        return ("~", 0, 0)
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
    """Rustc-style text: header, ``--> file:line:col``, the source line, carets, help, notes."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    blocks = []
    for d in diags:
        head_color = "1;31" if d.is_error else "1;33"
        message = _clip(d.message, MAX_MESSAGE_CHARS)
        lines = [paint(f"{d.severity}[{d.code}]", head_color) + paint(f": {message}", "1")]
        s = d.span
        if s is not None:
            text = sources.get(s.file)
            src_lines = text.split("\n") if text is not None else []
            gutter = len(str(max(s.line, 1)))
            pad = " " * gutter
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
        if d.help:
            lines.append(f"{' ' * (len(str(s.line)) if s else 0)} = {paint('help', '1')}: {_clip(d.help, MAX_MESSAGE_CHARS)}")
        for note in d.notes:
            lines.append(f"{' ' * (len(str(s.line)) if s else 0)} = {paint('note', '1')}: {_clip(note, MAX_MESSAGE_CHARS)}")
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
    """A JSON array of diagnostics (stable keys; spans 1-based, ``end_*`` exclusive)."""
    return json.dumps([d.to_dict() for d in diags], indent=2)
