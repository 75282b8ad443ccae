"""Source text for the language server: positions, ranges and a tolerant token stream.

``LineIndex`` converts between character offsets into a text, the compiler's 1-based
line/column ``Span`` (columns count code points, lines end at ``\\n``) and LSP positions, whose
character counts UTF-16 code units unless the client negotiated ``utf-8`` or ``utf-32``.

``tokens(text)`` lexes with the grammar's own terminal definitions (``shotspec.grammar``'s Lark
lexer, in the order Lark tries them) but never stops: a character no terminal matches becomes
an ``ERROR`` token, an unterminated string runs to the end of its line and an unterminated
block comment to the end of the text. Hover, completion and semantic tokens read it, so they
work on the half-typed buffer the parser rejects. ``path_to_uri``/``uri_to_path``: file URIs.
"""

from __future__ import annotations

import bisect
import os
import re
from functools import lru_cache
from typing import NamedTuple

from lsprotocol import types as lsp
from pygls import uris

from shotspec.compiler.ir import Span

__all__ = ["LineIndex", "Token", "tokens", "KEYWORD_TYPES", "TRIVIA", "path_to_uri", "uri_to_path"]

KEYWORD_TYPES = {"import": "IMPORT", "character": "CHARACTER", "shot": "SHOT",
                 "preset": "PRESET", "extends": "EXTENDS", "allow": "ALLOW"}
TRIVIA = frozenset({"WS", "COMMENT", "BLOCK_COMMENT"})


class Token(NamedTuple):
    """One lexeme: a grammar terminal's name (or ``ERROR``), its text and its offsets
    ``[start, end)`` in the source."""

    type: str
    text: str
    start: int
    end: int


class LineIndex:
    """Offsets ↔ lines and columns of one text, for one position encoding."""

    def __init__(self, text: str, encoding: str = "utf-16"):
        self.text = text
        self.encoding = encoding
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_text(self, line0: int) -> str:
        """Line ``line0`` (0-based) without its newline."""
        if not 0 <= line0 < len(self.starts):
            return ""
        end = self.starts[line0 + 1] - 1 if line0 + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[line0]:end]

    def line_col(self, offset: int) -> tuple[int, int]:
        """0-based line and code-point column of ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        line0 = bisect.bisect_right(self.starts, offset) - 1
        return line0, offset - self.starts[line0]

    def _units(self, chars: str) -> int:
        if chars.isascii() or self.encoding == "utf-32":
            return len(chars)
        if self.encoding == "utf-8":
            return len(chars.encode("utf-8"))
        return len(chars.encode("utf-16-le")) // 2

    def position(self, offset: int) -> lsp.Position:
        line0, col = self.line_col(offset)
        start = self.starts[line0]
        return lsp.Position(line=line0, character=self._units(self.text[start:start + col]))

    def offset(self, position: lsp.Position) -> int:
        """The character offset of an LSP position (clamped to its line)."""
        if position.line >= len(self.starts):
            return len(self.text)
        line = self.line_text(position.line)
        units, col = 0, 0
        if line.isascii() or self.encoding == "utf-32":
            col = min(position.character, len(line))
        else:
            while col < len(line) and units < position.character:
                units += self._units(line[col])
                col += 1
        return self.starts[position.line] + col

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(start), end=self.position(end))

    def span_offsets(self, span: Span) -> tuple[int, int]:
        """``[start, end)`` offsets of a compiler span in this text."""
        def at(line: int, col: int) -> int:
            line0 = min(max(line - 1, 0), len(self.starts) - 1)
            return min(self.starts[line0] + max(col - 1, 0),
                       self.starts[line0] + len(self.line_text(line0)) + 1, len(self.text))
        start = at(span.line, span.col)
        return start, max(start, at(span.end_line, span.end_col))

    def span_range(self, span: Span) -> lsp.Range:
        return self.range(*self.span_offsets(span))


@lru_cache(maxsize=1)
def _lexer() -> re.Pattern:
    """One alternation of the grammar's terminals, in the order Lark's basic lexer tries them
    (priority, then width, then pattern length); keywords are NAMEs renamed afterwards. Then
    the fallbacks that keep it going: an unterminated string (to the end of its line), an
    unterminated block comment (to the end of the text), any other character (``ERROR``)."""
    from shotspec.grammar import parser

    terminals = [t for t in parser().lexer_conf.terminals if t.pattern.type == "re"]
    terminals.sort(key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
    alternation = "|".join(f"(?P<{t.name.lstrip('_') or 'SEP'}>{t.pattern.to_regexp()})"
                           for t in terminals)
    return re.compile(alternation + r'|(?P<LBRACE>\{)|(?P<RBRACE>\})|(?P<COMMA>,)'
                      r'|(?P<OPEN_STRING>"[^"\n]*)|(?P<OPEN_COMMENT>/\*[\s\S]*)|(?P<ERROR>[\s\S])')


_RENAMED = {"SEP": "_SEP", "OPEN_STRING": "STRING", "OPEN_COMMENT": "BLOCK_COMMENT"}


def tokens(text: str, *, trivia: bool = False) -> list[Token]:
    """Every token of ``text`` (whitespace, comments only with ``trivia``), never raising."""
    out: list[Token] = []
    append = out.append
    for m in _lexer().finditer(text):
        kind = m.lastgroup
        value = m.group()
        if kind == "NAME":
            kind = KEYWORD_TYPES.get(value, kind)
        else:
            kind = _RENAMED.get(kind, kind)
        if trivia or kind not in TRIVIA:
            append(Token(kind, value, m.start(), m.end()))
    return out


def path_to_uri(path: str) -> str:
    return uris.from_fs_path(os.path.abspath(path)) or ""


def uri_to_path(uri: str) -> str:
    """The absolute path of a ``file:`` URI; an unsaved buffer (``untitled:``) gets a path in
    the working folder, so its relative imports resolve there."""
    path = uris.to_fs_path(uri)
    if not path or not uri.startswith("file:"):
        return os.path.abspath(os.path.basename(uri.split(":", 1)[-1]) or "untitled.shot")
    return os.path.abspath(path)
