"""Compile an editor buffer and turn the compiler's diagnostics into LSP diagnostics.

The buffer is compiled with ``shotspec.compiler.compile_source(text, path)`` — the function
``shot check`` reaches through ``compile_file`` — under the document's own path, so imports,
LUTs and plates resolve relative to it and the codes, spans, severities, help and notes are
exactly those ``shot check`` prints (lints included). Each becomes an LSP diagnostic with the
same code, the span as its range, and the message followed by ``help:`` and ``note:`` lines.

Related information: a diagnostic inside an imported file is shown on the ``import`` that
brings that file in, pointing at the real place; notes that name a place (``first defined at
file:line:col``) become related locations; a diagnostic inside a shot that other shots
``extends`` points at each ``extends`` that inherits it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from lsprotocol import types as lsp

from shotspec.compiler import CompileResult, compile_source
from shotspec.compiler.ir import ProgramIR, Span
from shotspec.diagnostics import Diagnostic
from shotspec.lsp.text import LineIndex, Token, tokens
from shotspec.lsp.uris import path_to_uri

__all__ = ["Analysis", "analyse", "to_lsp", "SOURCE"]

SOURCE = "shotspec"
_PLACE = re.compile(r"(\S+?):(\d+):(\d+)")


@dataclass
class Analysis:
    """One compile of one version of a buffer: its text, line index, tokens, the compiler's
    result and the LSP diagnostics published for it."""

    path: str
    version: int
    text: str
    index: LineIndex
    result: CompileResult
    diagnostics: list[lsp.Diagnostic] = field(default_factory=list)
    _tokens: list[Token] | None = None

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = tokens(self.text)
        return self._tokens

    @property
    def program(self) -> ProgramIR | None:
        return self.result.program


def analyse(text: str, path: str, version: int, encoding: str = "utf-16",
            result: CompileResult | None = None, toks: list[Token] | None = None) -> Analysis:
    """Compile ``text`` as the file ``path`` (unless ``result`` is given) and convert;
    ``toks`` are ``text``'s tokens when the caller has them."""
    if result is None:
        result = compile_source(text, path)
    index = LineIndex(text, encoding)
    analysis = Analysis(path, version, text, index, result, _tokens=toks)
    analysis.diagnostics = to_lsp(result.diagnostics, path, index, analysis.tokens,
                                  result.sources)
    return analysis


def _message(d: Diagnostic) -> str:
    lines = [d.message]
    if d.help:
        lines.append(f"help: {d.help}")
    lines.extend(f"note: {n}" for n in d.notes)
    return "\n".join(lines)


def _severity(d: Diagnostic) -> lsp.DiagnosticSeverity:
    return lsp.DiagnosticSeverity.Error if d.is_error else lsp.DiagnosticSeverity.Warning


def _location(span: Span, here: str, index: LineIndex) -> lsp.Location:
    """An LSP location of a span in this file (converted exactly) or another (read from disk)."""
    if os.path.abspath(span.file) == here:
        rng = index.span_range(span)
    else:
        rng = _other_file_range(span)
    return lsp.Location(uri=path_to_uri(span.file), range=rng)


def _other_file_range(span: Span) -> lsp.Range:
    try:
        with open(span.file, encoding="utf-8") as fh:
            other = LineIndex(fh.read())
        return other.span_range(span)
    except (OSError, UnicodeDecodeError):
        return lsp.Range(start=lsp.Position(line=max(span.line - 1, 0), character=max(span.col - 1, 0)),
                         end=lsp.Position(line=max(span.end_line - 1, 0),
                                          character=max(span.end_col - 1, 0)))


def _note_places(d: Diagnostic, here: str, index: LineIndex) -> list[lsp.DiagnosticRelatedInformation]:
    out = []
    for note in d.notes:
        for m in _PLACE.finditer(note):
            file, line, col = m.group(1), int(m.group(2)), int(m.group(3))
            if not os.path.exists(file):
                continue
            span = Span(file=file, line=line, col=col, end_line=line, end_col=col + 1)
            out.append(lsp.DiagnosticRelatedInformation(location=_location(span, here, index),
                                                        message=note))
    return out


def _imports(toks: list[Token], here: str) -> list[tuple[str, Token]]:
    """``(absolute imported path, its STRING token)`` for each top-level import."""
    out = []
    for a, b in zip(toks, toks[1:]):
        if a.type == "IMPORT" and b.type == "STRING" and len(b.text) >= 2 and b.text.endswith('"'):
            path = os.path.normpath(os.path.join(os.path.dirname(here), b.text[1:-1]))
            out.append((os.path.abspath(path), b))
    return out


def _import_closure(sources: dict[str, str]) -> dict[str, set[str]]:
    """For each file the compile read, the files its imports bring in (transitively)."""
    direct: dict[str, set[str]] = {}
    for file, text in sources.items():
        if file.startswith("<"):
            continue
        here = os.path.abspath(file)
        direct[here] = {p for p, _ in _imports(tokens(text), here)}
    closure: dict[str, set[str]] = {}

    def reach(file: str, seen: set[str]) -> set[str]:
        for nxt in direct.get(file, ()):
            if nxt not in seen:
                seen.add(nxt)
                reach(nxt, seen)
        return seen

    for file in direct:
        closure[file] = reach(file, set())
    return closure


def _extends_children(toks: list[Token]) -> dict[str, list[tuple[str, Token]]]:
    """parent shot name -> [(child shot name, the child's parent-name token)]."""
    out: dict[str, list[tuple[str, Token]]] = {}
    for i in range(len(toks) - 3):
        a, name, ext, parent = toks[i:i + 4]
        if a.type == "SHOT" and ext.type == "EXTENDS" and parent.type == "NAME":
            out.setdefault(parent.text, []).append((name.text, parent))
    return out


def _shot_at(toks: list[Token], offset: int) -> str | None:
    """The name of the top-level shot whose block holds ``offset``."""
    depth, current, name = 0, None, None
    for i, tok in enumerate(toks):
        if tok.start > offset:
            break
        if tok.type == "SHOT" and depth == 0 and i + 1 < len(toks):
            name = toks[i + 1].text
        elif tok.type == "LBRACE":
            if depth == 0:
                current = name
            depth += 1
        elif tok.type == "RBRACE":
            depth = max(depth - 1, 0)
            if depth == 0:
                current = None
    return current


def to_lsp(diags: list[Diagnostic], path: str, index: LineIndex, toks: list[Token],
           sources: dict[str, str]) -> list[lsp.Diagnostic]:
    """The LSP diagnostics of the buffer at ``path`` (absolute) for a compile's diagnostics;
    ``sources`` are the texts the compile read (to follow imports of imports)."""
    here = os.path.abspath(path)
    imports = _imports(toks, here)
    children = _extends_children(toks)
    closure: dict[str, set[str]] | None = None
    out = []
    for d in diags:
        related = _note_places(d, here, index)
        message = _message(d)
        span = d.span
        if span is not None and os.path.abspath(span.file) == here:
            start, end = index.span_offsets(span)
            rng = index.range(start, end)
            parent = _shot_at(toks, start)
            for child, tok in children.get(parent or "", ()):
                related.append(lsp.DiagnosticRelatedInformation(
                    location=lsp.Location(uri=path_to_uri(here), range=index.range(tok.start, tok.end)),
                    message=f"inherited by shot `{child}` (extends {parent})"))
        elif span is not None and not span.file.startswith("<"):
            if closure is None:
                closure = _import_closure(sources)
            target = os.path.abspath(span.file)
            via = next((tok for p, tok in imports if p == target), None)
            if via is None:
                via = next((tok for p, tok in imports if target in closure.get(p, ())), None)
            rng = index.range(via.start, via.end) if via is not None else index.range(0, 0)
            related.insert(0, lsp.DiagnosticRelatedInformation(
                location=_location(span, here, index), message=d.message))
            message = f"in imported `{os.path.relpath(span.file, os.path.dirname(here))}`: {message}"
        else:
            rng = index.range(0, 0)
            if d.file:
                message = f"{d.file}: {message}"
        out.append(lsp.Diagnostic(range=rng, message=message, severity=_severity(d), code=d.code,
                                  source=SOURCE, related_information=related or None,
                                  data={"help": d.help} if d.help else None))
    return out
