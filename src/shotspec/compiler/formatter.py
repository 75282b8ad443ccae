"""``shot fmt``: one canonical layout for .shot files, idempotent, comments kept.

Rules: two-space indent; one statement per line (``;`` becomes a newline); ``{`` ends its
line; ``}`` on its own line; single spaces between values, ``,`` glued to the value before it;
units glued to their number (``85mm``) except stops (``-1.5 stops``); at most one blank line,
none just inside braces, always one between top-level blocks; comments stay where they were.
A file that does not parse is left alone (``None`` plus its diagnostics).
"""

from __future__ import annotations

import re

from shotspec.compiler.diagnostics import Diagnostic, DiagnosticSink
from shotspec.compiler.parser import UNITS, parse_module
from shotspec.grammar import parser

__all__ = ["format_source", "INDENT"]

INDENT = "  "
_STOPS = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(stops?)$")


def _canonical(tok) -> str:
    text = str(tok)
    if tok.type == "QUANTITY":
        m = _STOPS.match(text)
        if m:
            return f"{m.group(1)} {m.group(2)}"
    return text


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.depth = 0
        self.cont = 0                 # extra indent for a statement continued after `,`
        self.pending_blank = False

    def flush(self) -> None:
        if not self.cur:
            return
        if self.pending_blank and self.lines and not self.lines[-1].endswith("{"):
            if self.lines[-1] != "":
                self.lines.append("")
        self.pending_blank = False
        self.lines.append(INDENT * (self.depth + self.cont) + " ".join(self.cur))
        self.cur = []

    def blank(self) -> None:
        self.pending_blank = True


def _format_tokens(text: str) -> str:
    w = _Writer()
    toks = [t for t in parser().lex(text, dont_ignore=True) if t.type != "WS"]
    prev_type = None
    newlines = 0
    after_top_block = False
    for i, tok in enumerate(toks):
        kind = tok.type
        if kind == "_SEP":
            if tok == "\n":
                newlines += 1
                if newlines >= 2 and not w.cur:
                    w.blank()
            if prev_type == "COMMA":
                continue           # a statement continued on the next line
            w.flush()
            w.cont = 0
            if tok != "\n":
                newlines = 0
            prev_type = kind
            continue
        starts_line = not w.cur
        trailing = kind == "COMMENT" and prev_type == "RBRACE" and toks[i - 1].end_line == tok.line
        if starts_line and after_top_block and w.depth == 0 and not trailing:
            w.blank()
        if not trailing:
            after_top_block = False
        if kind == "COMMENT":
            body = str(tok).rstrip()
            if (not w.cur and prev_type in ("RBRACE", "LBRACE") and i > 0 and toks[i - 1].end_line == tok.line
                    and w.lines):
                w.lines[-1] += "  " + body
                newlines = 0
                continue
            if w.cur:
                w.cur.append(" " + body)   # two spaces before a trailing comment
                if prev_type == "COMMA":
                    w.flush()
                    w.cont = 1
            else:
                w.cur.append(body)
                w.flush()
            prev_type = kind if prev_type != "COMMA" else "COMMA"
            newlines = 0
            continue
        newlines = 0
        if kind == "LBRACE":
            w.cur.append("{")
            w.flush()
            w.cont = 0
            w.depth += 1
        elif kind == "RBRACE":
            w.flush()
            w.depth = max(w.depth - 1, 0)
            w.pending_blank = False
            if w.lines and w.lines[-1].endswith("{") and not w.lines[-1].lstrip().startswith("//"):
                w.lines[-1] += "}"
            else:
                w.lines.append(INDENT * w.depth + "}")
            w.cont = 0
            after_top_block = w.depth == 0
        elif kind == "COMMA":
            if w.cur:
                w.cur[-1] += ","
            else:
                w.cur.append(",")
        elif (kind == "NAME" and str(tok) in UNITS and prev_type == "NUMBER" and w.cur
              and toks[i - 1].end_line == tok.line):
            unit = str(tok)
            w.cur[-1] += (" " + unit) if unit.startswith("stop") else unit
        else:
            w.cur.append(_canonical(tok))
        prev_type = kind
    w.flush()
    while w.lines and w.lines[-1] == "":
        w.lines.pop()
    return "\n".join(w.lines) + "\n" if w.lines else ""


def format_source(text: str, path: str) -> tuple[str | None, list[Diagnostic]]:
    """The canonical form of ``text``, or ``(None, syntax diagnostics)`` when it doesn't parse."""
    sink = DiagnosticSink()
    parse_module(text, str(path), sink)
    if sink.has_errors:
        return None, list(sink.items)
    return _format_tokens(text), []
