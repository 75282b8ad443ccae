"""Positions and tokens: UTF-16 columns for non-ASCII text, and a lexer that never stops."""

from __future__ import annotations

from lsprotocol import types as lsp

from shotspec.compiler.ir import Span
from shotspec.lsp.text import LineIndex, tokens


def test_columns_count_utf16_units_and_round_trip():
    text = 'shot a { /* 😀 é */ lenz 85mm }\nnext'
    index = LineIndex(text)
    at = text.index("lenz")                      # 20 code points, 21 UTF-16 units in
    assert index.position(at) == lsp.Position(line=0, character=at + 1)
    assert index.offset(lsp.Position(line=0, character=at + 1)) == at
    span = Span(file="x", line=1, col=at + 1, end_line=1, end_col=at + 5)   # the compiler's
    assert index.span_range(span) == lsp.Range(start=lsp.Position(line=0, character=at + 1),
                                               end=lsp.Position(line=0, character=at + 5))
    utf8 = LineIndex(text, "utf-8")
    assert utf8.position(at).character == len(text[:at].encode("utf-8"))
    assert index.position(len(text)) == lsp.Position(line=1, character=4)


def test_the_lexer_keeps_going_after_what_the_parser_rejects():
    toks = tokens('shot a { lens 85mm ° "open\n  grade "x.cube" }\n/* never closed', trivia=True)
    kinds = [(t.type, t.text) for t in toks if t.type != "WS"]
    assert ("SHOT", "shot") in kinds and ("QUANTITY", "85mm") in kinds
    assert ("ERROR", "°") in kinds
    assert ("STRING", '"open') in kinds                      # to the end of its line
    assert ("STRING", '"x.cube"') in kinds and ("RBRACE", "}") in kinds
    assert kinds[-1] == ("BLOCK_COMMENT", "/* never closed")
