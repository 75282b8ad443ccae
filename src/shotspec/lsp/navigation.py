"""Names and places: go-to-definition, references and the document outline.

The definitions a buffer can see are its own top-level ``character``, ``shot`` and ``preset``
items and those of every file it imports, transitively (read from the open buffer when the
editor has the file open, else from disk). ``target_at`` says what the word under the cursor
names: an imported file (``import "…"``), a preset (``use NAME``), a character
(``character NAME``, ``focus NAME.eyes``), a parent shot (``extends NAME``) or a file a value
names (a LUT, a plate, an identity). References are every place that names the same
definition in the buffer and the files it imports; a rename changes them all (specs that do
not import into this buffer — another spec using the same preset library — are not searched).
Strings that name files the spec reads (imports, LUTs, plates) are document links.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from lsprotocol import types as lsp

from shotspec.compiler.ir import PASS_MODELS
from shotspec.compiler.schema import fields_of
from shotspec.lsp.scope import (Context, Item, cursor_context, field_for, imports_of,
                                top_items)
from shotspec.lsp.text import KEYWORD_TYPES, LineIndex, Token, path_to_uri, tokens, uri_to_path

__all__ = ["Definition", "Target", "Workspace", "target_at", "definition", "document_symbols",
           "document_links", "rename_edit", "register"]

_KINDS = {"character": "character", "shot": "shot", "preset": "preset"}


@dataclass(frozen=True)
class Definition:
    """A named top-level item: its kind, name, file, the range of its name, its detail (a
    preset's kind, a shot's parent) and the comment lines just above it."""

    kind: str
    name: str
    path: str
    range: lsp.Range
    detail: str
    comment: str


@dataclass(frozen=True)
class Target:
    """What the cursor's word names: a definition (``kind``, ``name``) or a file (``path``)."""

    kind: str
    name: str
    token: Token


class Workspace:
    """The files a buffer sees: itself and its imports. ``texts`` maps open buffers' paths to
    their unsaved text; other files are read from disk."""

    def __init__(self, path: str, text: str, encoding: str, texts: dict[str, str] | None = None,
                 lexed: tuple[list[Token], LineIndex] | None = None):
        self.root = os.path.abspath(path)
        self.encoding = encoding
        self.texts = dict(texts or {})
        self.texts[self.root] = text
        self.files: dict[str, tuple[str, list[Token], LineIndex]] = {}
        if lexed is not None:                       # the buffer's own, already lexed
            self.files[self.root] = (text, *lexed)
            for target in imports_of(lexed[0], self.root):
                self._load(target[0])
        self._load(self.root)

    @classmethod
    def of_buffer(cls, server, buf) -> "Workspace":
        """The workspace of an open buffer of ``server``: its cached tokens, the unsaved text
        of every open buffer."""
        return cls(buf.path, buf.text, server.encoding,
                   {b.path: b.text for b in server.buffers.values()},
                   (buf.tokens(), buf.index(server.encoding)))

    def _load(self, path: str) -> None:
        if path in self.files:
            return
        text = self.texts.get(path)
        if text is None:
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                return
        toks = tokens(text)
        self.files[path] = (text, toks, LineIndex(text, self.encoding))
        for target in imports_of(toks, path):
            self._load(target[0])

    def definitions(self) -> list[Definition]:
        out = []
        for path, (text, toks, index) in self.files.items():
            for item in top_items(toks):
                if item.keyword in _KINDS and item.name is not None and item.name.type == "NAME":
                    out.append(Definition(item.keyword, item.name.text, path,
                                          index.range(item.name.start, item.name.end),
                                          _detail(item), _comment_above(text, item.start)))
        return out

    def light_names(self) -> dict[str, str]:
        """Light name -> the lighting preset that first defines it (``key`` -> ``loop``): the
        lights a ``lighting`` block can change after ``use``."""
        out: dict[str, str] = {}
        for _path, (_text, toks, _index) in self.files.items():
            for item in top_items(toks):
                if item.keyword != "preset" or len(item.header) < 3 or item.header[2].text != "lighting":
                    continue
                depth, starts = 0, False
                for tok in toks:
                    if tok.start < item.start or tok.start >= item.end:
                        continue
                    if tok.type == "LBRACE":
                        depth, starts = depth + 1, True
                    elif tok.type == "RBRACE":
                        depth, starts = depth - 1, True
                    elif tok.type == "_SEP":
                        starts = True
                    else:
                        if starts and depth == 1 and tok.type == "NAME" and tok.text != "use":
                            out.setdefault(tok.text, item.name.text if item.name else "")
                        starts = False
        return out

    def find(self, kind: str, name: str) -> list[Definition]:
        return [d for d in self.definitions() if d.kind == kind and d.name == name]

    def references(self, kind: str, name: str) -> list[lsp.Location]:
        out = []
        for path, (_text, toks, index) in self.files.items():
            for tok in _name_tokens(toks, kind, name):
                out.append(lsp.Location(uri=path_to_uri(path), range=index.range(tok.start, tok.end)))
        return out


def _detail(item: Item) -> str:
    if item.keyword == "preset" and len(item.header) > 2:
        return f"{item.header[2].text} preset"
    if item.keyword == "shot" and item.parent is not None:
        return f"extends {item.parent.text}"
    return item.keyword


def _comment_above(text: str, start: int) -> str:
    """The ``//`` comment lines directly above offset ``start`` (no blank line between)."""
    lines = text[:start].split("\n")[:-1]
    out: list[str] = []
    while lines and lines[-1].strip().startswith("//"):
        out.insert(0, lines.pop().strip()[2:].strip())
    return " ".join(out)


def _name_tokens(toks: list[Token], kind: str, name: str) -> list[Token]:
    """Every token in ``toks`` that names the ``kind`` definition ``name``."""
    out = []
    for i, tok in enumerate(toks):
        prev = toks[i - 1] if i else None
        if tok.type == "DOTTED" and kind == "character" and tok.text.split(".")[0] == name:
            out.append(Token("NAME", name, tok.start, tok.start + len(name)))
            continue
        if tok.type != "NAME" or tok.text != name or prev is None:
            continue
        if kind == "preset" and (prev.text == "use" or prev.type == "PRESET"):
            out.append(tok)
        elif kind == "character" and prev.type == "CHARACTER":
            out.append(tok)
        elif kind == "shot" and prev.type in ("SHOT", "EXTENDS"):
            out.append(tok)
    return out


def target_at(ctx: Context) -> Target | None:
    """What the token under the cursor names, if anything."""
    tok = ctx.token
    if tok is None or not ctx.statement:
        return None
    first = ctx.statement[0]
    if ctx.kind == "top":
        if first.type == "IMPORT" and tok.type == "STRING":
            return Target("file", tok.text.strip('"'), tok)
        if tok.type != "NAME" or tok is first:
            return None
        at = ctx.statement.index(tok)
        prev = ctx.statement[at - 1]
        if prev.type == "EXTENDS" or (at == 1 and first.type == "SHOT"):
            return Target("shot", tok.text, tok)
        if at == 1 and first.type in ("CHARACTER", "PRESET"):
            return Target(first.text, tok.text, tok)
        return None
    if tok is first:
        return None
    if first.text == "use" and tok.type == "NAME":
        return Target("preset", tok.text, tok)
    if first.text == "character" and tok.type == "NAME" and ctx.kind in ("shot", "character"):
        return Target("character", tok.text, tok)
    if first.text == "focus" and tok.type == "DOTTED":
        name = tok.text.split(".")[0]
        return Target("character", name, Token("NAME", name, tok.start, tok.start + len(name)))
    if tok.type == "STRING":
        if _names_a_file(ctx.kind, first.text):
            return Target("file", tok.text.strip('"'), tok)
    return None


def _names_a_file(kind: str | None, key: str) -> bool:
    """Whether a string value of statement ``key`` in a block of ``kind`` is a file's path."""
    if key in ("plate", "source", "output"):
        return True
    if kind == "finish" and key in PASS_MODELS:
        return any(k.read == "path" for _, k in fields_of(PASS_MODELS[key]))
    info = field_for(kind, key)
    return info is not None and info.key.read == "path"


def resolve_file(base: str, written: str) -> str:
    return os.path.normpath(os.path.join(os.path.dirname(base), os.path.expanduser(written)))


def definition(ws: Workspace, path: str, target: Target) -> list[lsp.Location]:
    if target.kind == "file":
        file = resolve_file(path, target.name)
        if not os.path.exists(file):
            return []
        start = lsp.Position(line=0, character=0)
        return [lsp.Location(uri=path_to_uri(file), range=lsp.Range(start=start, end=start))]
    return [lsp.Location(uri=path_to_uri(d.path), range=d.range) for d in ws.find(target.kind, target.name)]


def document_symbols(toks: list[Token], index: LineIndex) -> list[lsp.DocumentSymbol]:
    """The outline: top-level items, and inside them every ``{ … }`` block by its header."""
    kinds = {"import": lsp.SymbolKind.File, "character": lsp.SymbolKind.Class,
             "shot": lsp.SymbolKind.Function, "preset": lsp.SymbolKind.Constant}
    root: list[lsp.DocumentSymbol] = []
    stack: list[tuple[lsp.DocumentSymbol, int]] = []
    header: list[Token] = []
    for tok in toks:
        if tok.type == "_SEP":
            if not stack and header and header[0].type in ("IMPORT", "ALLOW"):
                root.append(_symbol(header, header[-1].end, index, kinds))
            header = []
        elif tok.type == "LBRACE":
            sym = _symbol(header or [tok], tok.end, index, kinds)
            (stack[-1][0].children if stack else root).append(sym)
            stack.append((sym, header[0].start if header else tok.start))
            header = []
        elif tok.type == "RBRACE":
            if stack:
                sym, start = stack.pop()
                sym.range = index.range(start, tok.end)
            header = []
        else:
            header.append(tok)
    if not stack and header and header[0].type in ("IMPORT", "ALLOW"):
        root.append(_symbol(header, header[-1].end, index, kinds))
    return root


def _symbol(header: list[Token], end: int, index: LineIndex, kinds) -> lsp.DocumentSymbol:
    first = header[0]
    if first.type in ("CHARACTER", "SHOT", "PRESET", "IMPORT") and len(header) > 1:
        name, detail = header[1].text, " ".join(t.text for t in [first, *header[2:]])
        kind = kinds[first.text]
    else:
        name, detail = first.text, " ".join(t.text for t in header[1:])
        kind = kinds.get(first.text, lsp.SymbolKind.Object)
    whole = index.range(first.start, end)
    return lsp.DocumentSymbol(name=name, kind=kind, range=whole, detail=detail or None,
                              selection_range=index.range(header[min(1, len(header) - 1)].start,
                                                          header[min(1, len(header) - 1)].end),
                              children=[])


# Statements whose string names a file the spec reads (an `output` is written, not linked).
_READ_KEYS = frozenset({"import", "grade", "lut", "plate", "source", "depth", "mask", "image",
                        "texture", "identity", "mesh", "references"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def document_links(toks: list[Token], index: LineIndex, path: str) -> list[lsp.DocumentLink]:
    """A link on every string that names an existing file the spec reads (imports, LUTs,
    plates, identities …), relative to the spec's folder."""
    out = []
    key = None
    for tok in toks:
        if tok.type in ("_SEP", "LBRACE", "RBRACE"):
            key = None
            continue
        if key is None:
            key = tok.text
        elif tok.type == "STRING" and key in _READ_KEYS and len(tok.text) >= 2:
            target = resolve_file(path, tok.text[1:-1])
            if os.path.exists(target):
                out.append(lsp.DocumentLink(range=index.range(tok.start + 1, tok.end - 1),
                                            target=path_to_uri(target), tooltip=target))
    return out


def rename_edit(ws: Workspace, target: Target, new_name: str) -> lsp.WorkspaceEdit:
    """Every place that names ``target`` (in the buffer and the files it imports) renamed."""
    if not _NAME.match(new_name) or new_name in KEYWORD_TYPES:
        raise ValueError(f"`{new_name}` is not a name (letters, digits and `_`, not a keyword)")
    changes: dict[str, list[lsp.TextEdit]] = {}
    for loc in ws.references(target.kind, target.name):
        changes.setdefault(loc.uri, []).append(lsp.TextEdit(range=loc.range, new_text=new_name))
    return lsp.WorkspaceEdit(changes=changes)


def register(server) -> None:
    """Definition, references, document highlights, rename, document symbols and links on
    ``server``."""

    def located(params):
        found = cursor_context(server, params)
        if found is None:
            return None, None, None
        buf, _, ctx = found
        ws = Workspace.of_buffer(server, buf)
        return buf, ws, target_at(ctx)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def highlight(ls, params: lsp.DocumentHighlightParams):
        """The other uses of the name under the cursor in this document; and the cursor's
        place goes to the previews (a light's block there gets its light tinted)."""
        buf, ws, target = located(params)
        if buf is None:
            return None
        line0, col0 = buf.index(ls.encoding).line_col(buf.index(ls.encoding).offset(params.position))
        ls.cursors.send(buf.path, line0 + 1, col0 + 1)
        if target is None or target.kind == "file":
            return None
        here = path_to_uri(buf.path)
        return [lsp.DocumentHighlight(range=ref.range, kind=lsp.DocumentHighlightKind.Text)
                for ref in ws.references(target.kind, target.name) if ref.uri == here]

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def goto_definition(ls, params: lsp.DefinitionParams):
        buf, ws, target = located(params)
        return definition(ws, buf.path, target) if target is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls, params: lsp.ReferenceParams):
        buf, ws, target = located(params)
        if target is None or target.kind == "file":
            return None
        refs = ws.references(target.kind, target.name)
        if not params.context.include_declaration:
            decls = {(d.path, d.range.start.line, d.range.start.character)
                     for d in ws.find(target.kind, target.name)}
            refs = [r for r in refs if (uri_to_path(r.uri), r.range.start.line,
                                        r.range.start.character) not in decls]
        return refs

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls, params: lsp.PrepareRenameParams):
        buf, _ws, target = located(params)
        if target is None or target.kind == "file":
            return None
        return buf.index(server.encoding).range(target.token.start, target.token.end)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    def rename(ls, params: lsp.RenameParams):
        _buf, ws, target = located(params)
        if target is None or target.kind == "file":
            return None
        return rename_edit(ws, target, params.new_name)

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_LINK)
    def links(ls, params: lsp.DocumentLinkParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        links = document_links(buf.tokens(), buf.index(server.encoding), buf.path)
        caps = server.client_capabilities.text_document
        if caps is None or caps.document_link is None or not caps.document_link.tooltip_support:
            for link in links:
                link.tooltip = None
        return links

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls, params: lsp.DocumentSymbolParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        return document_symbols(buf.tokens(), buf.index(server.encoding))
