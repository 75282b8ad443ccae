"""Edits: formatting with ``shot fmt``, quick fixes for diagnostics, semantic tokens.

Formatting replaces the buffer with ``compiler.formatter.format_source``'s output — the text
``shot fmt`` would write — or changes nothing when the buffer does not parse. Quick fixes:

* a diagnostic whose help says ``did you mean `X`?`` (unknown keys, presets, characters,
  shots, choices, expression shapes, imported file names): replace the word with ``X``;
* E201, a unit spelled out (``0.75 meters``): write it as its help says (``0.75m``);
* W101, a wide lens at close-up distance: use an 85 mm lens;
* W103, a fidelity upscale after skin enhancement: make it a ``detail`` upscale;
* every warning: silence it on its line with a ``// shot: allow CODE`` comment.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from shotspec.compiler.formatter import format_source
from shotspec.lsp import semantic
from shotspec.lsp.text import LineIndex

__all__ = ["format_edits", "quick_fixes", "register", "CLOSE_UP_LENS"]

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

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, semantic.LEGEND)
    def semantic_tokens(ls, params: lsp.SemanticTokensParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        return lsp.SemanticTokens(data=semantic.encode(buf.text, buf.index(server.encoding)))
