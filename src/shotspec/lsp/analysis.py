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
from shotspec.lsp.scope import Item, imports_of, top_items
from shotspec.lsp.text import LineIndex, Token, path_to_uri, tokens

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


def _import_closure(sources: dict[str, str]) -> dict[str, set[str]]:
    """For each file the compile read, the files its imports bring in (transitively)."""
    direct: dict[str, set[str]] = {}
    for file, text in sources.items():
        if file.startswith("<"):
            continue
        here = os.path.abspath(file)
        direct[here] = {p for p, _ in imports_of(tokens(text), here)}
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


def _extends_children(items: list[Item]) -> dict[str, list[tuple[str, Token]]]:
    """parent shot name -> [(child shot name, the child's parent-name token)]."""
    out: dict[str, list[tuple[str, Token]]] = {}
    for it in items:
        if it.keyword == "shot" and it.parent is not None and it.name is not None:
            out.setdefault(it.parent.text, []).append((it.name.text, it.parent))
    return out


def _shot_at(items: list[Item], offset: int) -> str | None:
    """The name of the top-level shot that holds ``offset``."""
    for it in items:
        if it.start <= offset < it.end:
            return it.name.text if it.keyword == "shot" and it.name is not None else None
    return None


def to_lsp(diags: list[Diagnostic], path: str, index: LineIndex, toks: list[Token],
           sources: dict[str, str]) -> list[lsp.Diagnostic]:
    """The LSP diagnostics of the buffer at ``path`` (absolute) for a compile's diagnostics;
    ``sources`` are the texts the compile read (to follow imports of imports)."""
    here = os.path.abspath(path)
    imports = imports_of(toks, here)
    items = top_items(toks)
    children = _extends_children(items)
    closure: dict[str, set[str]] | None = None
    out = []
    for d in diags:
        related = _note_places(d, here, index)
        message = _message(d)
        span = d.span
        if span is not None and os.path.abspath(span.file) == here:
            start, end = index.span_offsets(span)
            rng = index.range(start, end)
            parent = _shot_at(items, start)
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
