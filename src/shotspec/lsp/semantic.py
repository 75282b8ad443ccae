"""Semantic tokens from the grammar's lexer: the classes an editor colours a .shot file by.

The token stream is ``text.tokens`` (the Lark terminals of ``shotspec/grammar/shot.lark``, with
comments), classified by terminal and by place:

============================  ==================  =======================================
terminal / place              token type          example
============================  ==================  =======================================
``import character shot``…    ``keyword``         ``shot closeup extends base``
a statement's key             ``property``        ``lens``, ``temperature``
``use``, ``on``, ``off``      ``keyword``         ``use loop``
a defined or referenced name  ``class`` (char.),  ``character mara``, ``use loop``,
                              ``function`` (shot) ``extends closeup``
                              ``macro`` (preset)
other names                   ``enumMember``      ``full_frame``, ``agx``, ``warm``
numbers with or without unit  ``number``          ``85mm``, ``f/2``, ``1:4``, ``250D``
``#rrggbb``                   ``number``          ``#c68863``
strings                       ``string``          ``"renders/closeup.png"``
``mara.eyes``                 ``variable``        ``focus mara.eyes``
comments                      ``comment``         ``// key light``
============================  ==================  =======================================
"""

from __future__ import annotations

from lsprotocol import types as lsp

from shotspec.lsp.text import KEYWORD_TYPES, LineIndex, Token, tokens

__all__ = ["LEGEND", "TOKEN_TYPES", "classify", "encode"]

TOKEN_TYPES = ["keyword", "property", "enumMember", "number", "string", "variable", "comment",
               "class", "function", "macro"]
LEGEND = lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=["declaration"])
_NUMBERS = frozenset({"NUMBER", "QUANTITY", "SIZE", "RATIO", "FNUMBER", "TAG", "COLOR"})
_KEYWORDS = frozenset(KEYWORD_TYPES.values())
_WORDS = frozenset({"use", "on", "off"})
_NAMED = {"CHARACTER": "class", "SHOT": "function", "EXTENDS": "function", "PRESET": "macro"}


def classify(toks: list[Token]) -> list[tuple[Token, str, bool]]:
    """``(token, token type, is a declaration)`` for every token that gets a colour."""
    out = []
    prev: Token | None = None          # the previous token that is not a comment
    depth = 0
    for tok in toks:
        kind = tok.type
        if kind in ("COMMENT", "BLOCK_COMMENT"):
            out.append((tok, "comment", False))
            continue
        if kind == "WS":
            continue
        starts = prev is None or prev.type in ("_SEP", "LBRACE", "RBRACE")
        if kind in _KEYWORDS and (depth == 0 or starts or kind == "EXTENDS"):
            out.append((tok, "keyword", False))
        elif kind == "NAME" and prev is not None and prev.type in _NAMED and depth == 0:
            out.append((tok, _NAMED[prev.type], prev.type != "EXTENDS"))
        elif kind in ("NAME", "CHARACTER", "SHOT", "PRESET", "IMPORT", "ALLOW", "EXTENDS") and starts:
            out.append((tok, "keyword" if tok.text == "use" else "property", False))
        elif kind == "NAME" and prev is not None and prev.text == "use":
            out.append((tok, "macro", False))
        elif kind == "NAME" and prev is not None and prev.type == "CHARACTER":
            out.append((tok, "class", False))
        elif kind == "NAME":
            out.append((tok, "keyword" if tok.text in _WORDS else "enumMember", False))
        elif kind in _NUMBERS:
            out.append((tok, "number", False))
        elif kind == "STRING":
            out.append((tok, "string", False))
        elif kind == "DOTTED":
            out.append((tok, "variable", False))
        elif kind == "LBRACE":
            depth += 1
        elif kind == "RBRACE":
            depth = max(depth - 1, 0)
        if not (kind == "_SEP" and tok.text == "\n" and prev is not None and prev.type == "COMMA"):
            prev = tok
    return out


def encode(text: str, index: LineIndex) -> list[int]:
    """The LSP relative encoding (Δline, Δstart, length, type, modifiers) of ``text``'s tokens;
    a token over several lines (a block comment) is sent one line at a time."""
    data: list[int] = []
    last_line, last_col = 0, 0
    for tok, kind, declaration in classify(tokens(text, trivia=True)):
        type_index = TOKEN_TYPES.index(kind)
        pieces = [(tok.start, tok.end)]
        if "\n" in tok.text:
            pieces, at = [], tok.start
            for part in tok.text.split("\n"):
                pieces.append((at, at + len(part)))
                at += len(part) + 1
        for start, end in pieces:
            if end <= start:
                continue
            a, b = index.position(start), index.position(end)
            line, col = a.line, a.character
            data += [line - last_line, col - last_col if line == last_line else col,
                     b.character - a.character, type_index, 1 if declaration else 0]
            last_line, last_col = line, col
    return data
