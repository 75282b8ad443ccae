"""Where the cursor is in a .shot file: the blocks around it, its statement, the field it sets.

``context_at(toks, offset)`` walks the tolerant token stream (``text.tokens``) up to the
cursor, keeping a stack of open blocks with the block kind each fills (the same kinds the
compiler's statement tables use: ``shot``, ``camera``, ``light``, ``pass:grain``, …) and the
dotted IR path prefix of its values (``camera.``, ``lights.key.``, ``character.skin.``), the
prefix ``ShotIR.origins`` is keyed by. It works on half-typed text, where the parser gives up.

``field_for(kind, key)`` finds the schema field (``spec(...)`` on the IR models) a statement
key sets in a block kind, through lifted sub-models (``pores`` directly in a character), so
hover and completion describe a key from the same declaration the compiler reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from shotspec.compiler.ir import PASS_MODELS
from shotspec.compiler.schema import Key, fields_of, submodel_of
from shotspec.compiler.statements import BLOCK_MODELS, PRESET_KINDS, sub_blocks
from shotspec.lsp.text import Token

__all__ = ["Frame", "Context", "FieldInfo", "Item", "context_at", "cursor_context", "field_for", "statements_of",
           "top_items", "imports_of", "TOP_KEYWORDS"]

TOP_KEYWORDS = ("import", "character", "shot", "preset", "allow")
_STRUCTURE = frozenset({"_SEP", "LBRACE", "RBRACE"})


@dataclass(frozen=True)
class Frame:
    """One open block: the kind of block it is (None: not a block the language knows), the IR
    path prefix of the values it sets, its header tokens and the offset of its ``{``."""

    kind: str | None
    prefix: str
    header: tuple[Token, ...]
    start: int


@dataclass
class Context:
    """The cursor's surroundings. ``statement`` holds the tokens of the statement the cursor is
    in, from its key up to the cursor (the key is ``statement[0]``); ``token`` is the token
    under (or just before) the cursor, None in white space; ``item`` is the header of the
    top-level item (``shot closeup``), empty at the top level."""

    frames: list[Frame] = field(default_factory=list)
    statement: list[Token] = field(default_factory=list)
    token: Token | None = None

    @property
    def kind(self) -> str | None:
        """The block kind the cursor is in; ``"top"`` outside every block."""
        return self.frames[-1].kind if self.frames else "top"

    @property
    def prefix(self) -> str:
        return self.frames[-1].prefix if self.frames else ""

    @property
    def item(self) -> tuple[Token, ...]:
        return self.frames[0].header if self.frames else ()

    @property
    def on_key(self) -> bool:
        """Whether the cursor is on (or typing) the statement's key."""
        return not self.statement or (self.token is not None and self.token is self.statement[0])

    @property
    def key(self) -> str | None:
        return self.statement[0].text if self.statement else None


def _opened(frames: list[Frame], header: list[Token], start: int) -> Frame:
    """The frame a ``{`` opens after ``header`` inside ``frames``."""
    parent = frames[-1] if frames else None
    words = [t.text for t in header]
    kind, prefix = None, ""
    if parent is None:
        if words[:1] == ["character"] and len(words) >= 2:
            kind, prefix = "character", "character."
        elif words[:1] == ["shot"]:
            kind, prefix = "shot", ""
        elif words[:1] == ["preset"] and len(words) >= 3 and words[2] in PRESET_KINDS:
            kind = words[2]
            prefix = {"shot": "", "lighting": "lights.", "finish": "finish."}.get(kind, f"{kind}.")
    elif parent.kind is not None and words:
        key = words[0]
        if parent.kind == "lighting":
            kind, prefix = "light", f"{parent.prefix}{key}."
        elif parent.kind == "finish" and key in PASS_MODELS:
            kind, prefix = f"pass:{key}", f"{parent.prefix}{key}."
        else:
            sub = sub_blocks(parent.kind).get(key)
            if sub is None and parent.kind in BLOCK_MODELS:
                info = field_for(parent.kind, key)
                if info is not None and info.key.block is not None:
                    sub = (info.key.block, info.path + ".")
            if sub is not None:
                kind, prefix = sub[0], parent.prefix + sub[1]
    return Frame(kind, prefix, tuple(header), start)


def context_at(toks: list[Token], offset: int) -> Context:
    """The context of the cursor at ``offset`` (tokens that end at the cursor count as under
    it, so a word being typed is the cursor's token)."""
    frames: list[Frame] = []
    statement: list[Token] = []
    continued = False              # the statement goes on after a `,` and a newline
    token = None
    for tok in toks:
        if tok.start > offset or (tok.start == offset and tok.type in _STRUCTURE):
            break
        if tok.type == "_SEP":
            if tok.text == "\n" and continued:
                continue
            statement = []
        elif tok.type == "LBRACE":
            frames.append(_opened(frames, statement, tok.start))
            statement = []
        elif tok.type == "RBRACE":
            if frames:
                frames.pop()
            statement = []
        else:
            statement.append(tok)
        continued = tok.type == "COMMA"
        if tok.start <= offset <= tok.end and tok.type not in _STRUCTURE:
            token = tok
    if token is not None and token not in statement:
        token = None
    return Context(frames, statement, token)


@dataclass(frozen=True)
class FieldInfo:
    """The schema field a statement key sets: the model declaring it, the field's name, its
    Key and its dotted path below the block (``skin.pores`` for a lifted key)."""

    model: type
    name: str
    key: Key
    path: str


def field_for(kind: str | None, key: str) -> FieldInfo | None:
    """The field statement ``key`` sets in a block of ``kind`` (None for lights' names,
    expression shapes and keys the block does not know)."""
    model = BLOCK_MODELS.get(kind or "")
    return _search(model, key, "") if model is not None else None


def _search(model: type, key: str, path: str) -> FieldInfo | None:
    lifted = []
    for name, k in fields_of(model):
        if key in k.statement_keys(name):
            return FieldInfo(model, name, k, path + name)
        if k.lift:
            lifted.append(name)
    for name in lifted:
        found = _search(submodel_of(model, name), key, f"{path}{name}.")
        if found is not None:
            return found
    return None


def statements_of(kind: str | None) -> dict[str, FieldInfo | None]:
    """The statement keys a block kind accepts, each with its field (None for a statement with
    no single field: ``orbit``, ``from``, ``size``, ``allow``, ``use``)."""
    model = BLOCK_MODELS.get(kind or "")
    out: dict[str, FieldInfo | None] = {}
    if model is not None:
        _collect(model, "", out)
        for extra in getattr(model, "EXTRA_STATEMENTS", {}):
            out.setdefault(extra, None)
    out["use"] = None
    return out


def _collect(model: type, path: str, out: dict[str, FieldInfo | None]) -> None:
    for name, k in fields_of(model):
        for key in k.statement_keys(name):
            out.setdefault(key, FieldInfo(model, name, k, path + name))
    for name, k in fields_of(model):
        if k.lift:
            _collect(submodel_of(model, name), f"{path}{name}.", out)


@dataclass(frozen=True)
class Item:
    """One top-level item: its keyword (``import``, ``character``, ``shot``, ``preset``,
    ``allow``; anything else as written), its name token, its ``extends`` parent token, its
    header (the tokens before ``{``) and its offsets ``[start, end)`` (``end`` after its
    closing ``}``, or the end of the text when it is never closed)."""

    keyword: str
    name: Token | None
    parent: Token | None
    header: tuple[Token, ...]
    start: int
    end: int
    closed: bool


def top_items(toks: list[Token]) -> list[Item]:
    """The top-level items of a token stream, in order."""
    items: list[Item] = []
    header: list[Token] = []
    depth = 0
    start = None

    def finish(end: int, closed: bool) -> None:
        nonlocal header, start
        if header:
            words = [t for t in header if t.type not in ("COMMA",)]
            keyword = words[0].text
            name = words[1] if len(words) > 1 and words[1].type in ("NAME", "STRING") else None
            parent = words[3] if (len(words) > 3 and words[2].type == "EXTENDS") else None
            items.append(Item(keyword, name, parent, tuple(header), start, end, closed))
        header, start = [], None

    for tok in toks:
        if depth == 0:
            if tok.type == "_SEP":
                if header:
                    finish(header[-1].end, True)
                continue
            if tok.type == "RBRACE":
                continue
            if start is None:
                start = tok.start
            if tok.type == "LBRACE":
                depth = 1
                if not header:
                    header = [tok]
                continue
            header.append(tok)
        elif tok.type == "LBRACE":
            depth += 1
        elif tok.type == "RBRACE":
            depth -= 1
            if depth == 0:
                finish(tok.end, True)
    if header:
        finish(toks[-1].end if toks else 0, depth == 0)
    return items


def imports_of(toks: list[Token], path: str) -> list[tuple[str, Token]]:
    """(absolute path, STRING token) of each ``import`` in a file."""
    out = []
    for a, b in zip(toks, toks[1:]):
        if a.type == "IMPORT" and b.type == "STRING" and len(b.text) >= 2 and b.text.endswith('"'):
            out.append((os.path.abspath(os.path.join(os.path.dirname(path), b.text[1:-1])), b))
    return out


def cursor_context(server, params) -> tuple[object, object, Context] | None:
    """The open buffer, its line index and the cursor's context for a request's
    ``text_document`` and ``position`` (None when the document is not open)."""
    buf = server.buffers.get(params.text_document.uri)
    if buf is None:
        return None
    index = buf.index(server.encoding)
    return buf, index, context_at(buf.tokens(), index.offset(params.position))
