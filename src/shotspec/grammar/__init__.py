"""shotspec.grammar: the Lark LALR grammar of the .shot language, shipped as package data.

``parser()`` returns the shared parser (built once per process; the LALR tables are cached on
disk by Lark so a fresh process loads them instead of rebuilding). ``GRAMMAR_PATH`` is the
grammar file, ``TERMINAL_NAMES`` the human names diagnostics use for terminals.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["GRAMMAR_PATH", "TERMINAL_NAMES", "parser", "build_parser", "KEYWORDS"]

GRAMMAR_PATH = Path(__file__).with_name("shot.lark")

# Top-level keywords (reserved words of the grammar).
KEYWORDS = ("import", "character", "shot", "preset", "extends", "allow")

# How an "expected ..." list names each terminal.
TERMINAL_NAMES = {
    "IMPORT": "`import`", "CHARACTER": "`character`", "SHOT": "`shot`", "PRESET": "`preset`",
    "EXTENDS": "`extends`", "ALLOW": "`allow`", "LBRACE": "`{`", "RBRACE": "`}`",
    "COMMA": "`,`", "_SEP": "a newline or `;`", "SIZE": "a size (1024x1280)",
    "RATIO": "a ratio (1:4)", "FNUMBER": "an f-number (f/2)",
    "QUANTITY": "a number with a unit (85mm)", "TAG": "a tag (250D)", "NUMBER": "a number",
    "COLOR": "a colour (#ffddaa)", "STRING": "a string", "DOTTED": "a dotted name (mara.eyes)",
    "NAME": "a name", "$END": "end of file",
}


_TRIVIA = frozenset({"WS", "COMMENT", "BLOCK_COMMENT"})


class SeparateAfterBlocks:
    """Post-lexer: a closing ``}`` ends its statement, so another statement may follow on the
    same line (``camera { lens 85mm } lighting { … }``). It inserts the statement separator
    the grammar expects wherever ``}`` is directly followed by more than ``}`` or a separator."""

    always_accept = ()

    def process(self, stream):
        from lark import Token

        pending = None
        for tok in stream:
            if tok.type in _TRIVIA:        # only seen by lex(dont_ignore=True), e.g. the formatter
                yield tok
                continue
            if pending is not None:
                if tok.type not in ("_SEP", "RBRACE", "COMMA"):
                    yield Token.new_borrow_pos("_SEP", ";", pending)
                pending = None
            yield tok
            if tok.type == "RBRACE":
                pending = tok


def build_parser(*, strict: bool = False, cache: bool = True):
    """A new Lark LALR parser with two start symbols: ``start`` (a file), ``args`` (a value)."""
    from lark import Lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        propagate_positions=True,
        start=["start", "args"],
        strict=strict,
        cache=cache and not strict,
        maybe_placeholders=False,
        postlex=SeparateAfterBlocks(),
    )


@lru_cache(maxsize=1)
def parser():
    """The process-wide parser (tables cached on disk between processes)."""
    return build_parser()
