"""Edits: formatting with ``shot fmt``, quick fixes for diagnostics, semantic tokens.

Formatting replaces the buffer with ``compiler.formatter.format_source``'s output — the text
``shot fmt`` would write — or changes nothing when the buffer does not parse. Quick fixes:

* a diagnostic whose help says ``did you mean `X`?`` (unknown keys, presets, characters,
  shots, choices, expression shapes, imported file names): replace the word with ``X``;
* E201, a unit spelled out (``0.75 meters``): write it as its help says (``0.75m``);
* W101, a wide lens at close-up distance: use an 85 mm lens;
* W103, a fidelity upscale after skin enhancement: make it a ``detail`` upscale;
* every warning: silence it on its line with a ``// shot: allow CODE`` comment.

Semantic tokens come from the grammar's lexer (``text.tokens``: the Lark terminals of
``shotspec/grammar/shot.lark``, with comments), classified by terminal and by place:

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

import re

from lsprotocol import types as lsp

from shotspec.compiler.formatter import format_source
from shotspec.lsp.text import KEYWORD_TYPES, LineIndex, Token, tokens

__all__ = ["format_edits", "quick_fixes", "register", "CLOSE_UP_LENS", "LEGEND", "TOKEN_TYPES",
           "classify", "encode"]

# The focal length W101's fix proposes: the classic portrait lens.
CLOSE_UP_LENS = "85mm"
_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_WRITE = re.compile(r"^write `([^`]+)`")
_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$|^[0-9A-Za-z_]+$")


def format_edits(text: str, path: str, index: LineIndex) -> list[lsp.TextEdit]:
    """One edit that turns the buffer into its ``shot fmt`` form; none when it is already
    formatted or does not parse."""
    formatted, _diags = format_source(text, path)
    if formatted is None or formatted == text:
        return []
    return [lsp.TextEdit(range=index.range(0, len(text)), new_text=formatted)]


def _fix(title: str, uri: str, diag: lsp.Diagnostic, edits: list[lsp.TextEdit],
         preferred: bool = True) -> lsp.CodeAction:
    return lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag],
                          is_preferred=preferred,
                          edit=lsp.WorkspaceEdit(changes={uri: edits}))


def _help(diag: lsp.Diagnostic) -> str:
    data = diag.data if isinstance(diag.data, dict) else {}
    if data.get("help"):
        return str(data["help"])
    for line in diag.message.splitlines():
        if line.startswith("help: "):
            return line[6:]
    return ""


def _did_you_mean(uri: str, diag: lsp.Diagnostic, text: str, index: LineIndex) -> list[lsp.CodeAction]:
    m = _DID_YOU_MEAN.search(_help(diag))
    if m is None:
        return []
    start, end = index.offset(diag.range.start), index.offset(diag.range.end)
    written, choice = text[start:end], m.group(1)
    if written.startswith('"') and written.endswith('"') and len(written) >= 2:
        # an import that names a missing file: keep its folder, change the file's name
        inner = written[1:-1]
        folder = inner.rpartition("/")[0]
        new = f'"{folder}/{choice}"' if folder else f'"{choice}"'
    elif _WORD.match(written):
        new = choice
    else:
        return []
    return [_fix(f"Change `{written}` to `{new.strip(chr(34))}`", uri, diag,
                 [lsp.TextEdit(range=diag.range, new_text=new)])]


def _last_token_range(text: str, index: LineIndex, rng: lsp.Range, pattern: str) -> lsp.Range | None:
    start, end = index.offset(rng.start), index.offset(rng.end)
    found = None
    for m in re.finditer(pattern, text[start:end]):
        found = m
    if found is None:
        return None
    return index.range(start + found.start(), start + found.end())


def quick_fixes(uri: str, text: str, index: LineIndex,
                diags: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """The quick fixes for the buffer's diagnostics ``diags`` (those of a code-action request)."""
    out: list[lsp.CodeAction] = []
    for diag in diags:
        code = str(diag.code or "")
        out.extend(_did_you_mean(uri, diag, text, index))
        if code == "E201" and (m := _WRITE.match(_help(diag))) and "`" not in m.group(1):
            out.append(_fix(f"Write `{m.group(1)}`", uri, diag,
                            [lsp.TextEdit(range=diag.range, new_text=m.group(1))]))
        elif code == "W101":
            rng = _last_token_range(text, index, diag.range, r"[0-9.]+\s*mm\b|[0-9.]+\s*c?m\b")
            if rng is not None:
                out.append(_fix(f"Use an {CLOSE_UP_LENS} lens (a close-up focal length)", uri, diag,
                                [lsp.TextEdit(range=rng, new_text=CLOSE_UP_LENS)]))
        elif code == "W103" and "fidelity" in diag.message:
            rng = _last_token_range(text, index, diag.range, r"\bfidelity\b")
            if rng is not None:
                out.append(_fix("Use a `detail` upscale", uri, diag,
                                [lsp.TextEdit(range=rng, new_text="detail")]))
        if code.startswith("W"):
            line = diag.range.start.line
            end = index.position(index.starts[line] + len(index.line_text(line)))
            out.append(_fix(f"Allow {code} on this line", uri, diag,
                            [lsp.TextEdit(range=lsp.Range(start=end, end=end),
                                          new_text=f"  // shot: allow {code}")], preferred=False))
    return out


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


def register(server) -> None:
    """Formatting, code actions and semantic tokens on ``server``."""

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls, params: lsp.DocumentFormattingParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        return format_edits(buf.text, buf.path, buf.index(server.encoding))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_actions(ls, params: lsp.CodeActionParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        return quick_fixes(buf.uri, buf.text, buf.index(server.encoding),
                           list(params.context.diagnostics))

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def semantic_tokens(ls, params: lsp.SemanticTokensParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        return lsp.SemanticTokens(data=encode(buf.text, buf.index(server.encoding)))
