"""Completion: keywords, block keys, enum values, units, names, file paths, expression shapes.

What is offered depends on the cursor's context (``scope.context_at``): at the top level the
item keywords; on a statement key the keys the block accepts (from the same statement tables
the compiler checks, with the hover's docs); on a value the field's choices (a ``Literal``'s
values or a vocabulary: eye and hair colours, sensors, film stocks, focus targets), ``on``/
``off``, the units a number may take (``85`` → ``85mm``, ``85cm``, ``85m``), preset names of
the block's kind after ``use``, character names after ``character``, shot names after
``extends``, warning codes after ``allow``; inside a string, the files next to the spec that
the statement can name (``.shot`` imports, ``.cube`` LUTs, plate images, identity files).
"""

from __future__ import annotations

import os
import re

from lsprotocol import types as lsp

from shotspec.compiler.diagnostics import CODES
from shotspec.compiler.ir import PASS_MODELS, TONE_SCALES
from shotspec.compiler.schema import choices_of
from shotspec.compiler.statements import (EXPRESSION_KEYS, FOCUS_TARGETS, LIGHT_KINDS,
                                          PRESET_KINDS)
from shotspec.compiler.tables import EYE_COLORS, FILM_STOCKS, SENSORS_MM
from shotspec.hair_colours import HAIR_COLOURS
from shotspec.lsp import hover
from shotspec.lsp.navigation import Workspace
from shotspec.lsp.scope import (TOP_KEYWORDS, Context, cursor_context, field_for,
                                statements_of)
from shotspec.image_formats import READ_SUFFIXES
from shotspec.lsp.text import LineIndex

__all__ = ["complete", "register", "UNITS_BY_READER", "PATH_SUFFIXES"]

# The units a number takes for each literal reader.
UNITS_BY_READER = {"length": ("mm", "cm", "m"), "angle": ("deg",), "kelvin": ("K",),
                   "fraction": ("%",), "stops": (" stops",), "number": (), "int": ()}
# What a string names, by statement key: the file suffixes offered ("/": folders only).
_IMAGES = tuple(sorted(READ_SUFFIXES))      # what the image readers decode (``image_formats``)
PATH_SUFFIXES = {"import": (".shot",), "grade": (".cube",), "lut": (".cube",),
                 **{key: _IMAGES for key in ("plate", "source", "depth", "mask", "image", "texture")},
                 "identity": (".identity",), "mesh": (".obj", ".ply"), "references": ("/",),
                 "output": ("/",)}
# Vocabularies of the statements read by custom readers.
_VOCABULARY = {"tone": tuple(TONE_SCALES), "iris": tuple(EYE_COLORS), "eyes": tuple(EYE_COLORS),
               "eye_color": tuple(EYE_COLORS), "sensor": tuple(SENSORS_MM),
               "colour": tuple(HAIR_COLOURS), "color": tuple(HAIR_COLOURS),
               "stock": FILM_STOCKS, "grain": FILM_STOCKS, "focus": FOCUS_TARGETS,
               "pupil": ("auto",), "stubble": ("on", "off"), "upscale": ("detail", "fidelity"),
               "source": ("render", "plate"), "from": ("front", "left", "right", "behind", "above", "below")}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _item(label: str, kind: lsp.CompletionItemKind, doc: str | None = None, *,
          detail: str | None = None, edit: lsp.TextEdit | None = None) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=label, kind=kind, detail=detail, text_edit=edit,
        filter_text=edit.new_text if edit is not None else None,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=doc) if doc else None)


def _keys(ctx: Context, ws: Workspace | None) -> list[lsp.CompletionItem]:
    kind = ctx.kind
    if kind == "top":
        return [_item(k, lsp.CompletionItemKind.Keyword) for k in TOP_KEYWORDS]
    if kind == "finish":
        return [_item(op, lsp.CompletionItemKind.Function, hover.pass_doc(op)) for op in PASS_MODELS]
    if kind == "expression":
        return [_item(name, lsp.CompletionItemKind.EnumMember, hover.shape_doc(name))
                for name in EXPRESSION_KEYS]
    if kind == "lighting":
        lights = ws.light_names() if ws is not None else {}
        return [_item("use", lsp.CompletionItemKind.Keyword, hover.statement_doc("use")),
                *(_item(name, lsp.CompletionItemKind.Variable,
                        f"**light `{name}`** — defined by the lighting preset `{preset}`; "
                        f"`{name} {{ … }}` changes it, `{name} off` removes it")
                  for name, preset in lights.items())]
    out = []
    for key, info in statements_of(kind).items():
        doc = hover.field_doc(info, key) if info is not None else hover.statement_doc(key)
        block = info is not None and info.key.block is not None
        out.append(_item(key, lsp.CompletionItemKind.Module if block else lsp.CompletionItemKind.Property,
                         doc))
    return out


def _units(ctx: Context, index: LineIndex) -> list[lsp.CompletionItem]:
    """``85`` → ``85mm`` … for the units of the field the statement sets."""
    tok = ctx.token
    info = field_for(ctx.kind, ctx.key or "")
    units: tuple[str, ...] = ()
    if info is not None and info.key.read in UNITS_BY_READER:
        units = UNITS_BY_READER[info.key.read]
    elif info is not None and info.key.handler in ("face_sd", "pupil", "stubble", "facial_hair_colour"):
        units = ("mm",)
    elif info is not None and info.key.handler in ("anamorphic", "upscale_factor"):
        units = ("x",)
    elif ctx.kind == "finish" and ctx.key == "upscale":
        units = ("x",)
    elif ctx.kind == "finish" and ctx.key == "exposure":
        units = (" stops",)
    elif ctx.kind == "light" and ctx.key in ("from", "intensity"):
        units = ("deg",) if ctx.key == "from" else (" stops",)
    elif ctx.kind == "camera" and ctx.key == "orbit":
        units = ("deg",)
    rng = index.range(tok.start, tok.end)
    doc = hover.field_doc(info, ctx.key) if info is not None else None
    return [_item(f"{tok.text}{u}", lsp.CompletionItemKind.Unit, doc, detail=u.strip(),
                  edit=lsp.TextEdit(range=rng, new_text=f"{tok.text}{u}")) for u in units]


def _values(ctx: Context, ws: Workspace | None) -> list[lsp.CompletionItem]:
    key, kind = ctx.key or "", ctx.kind
    value = lsp.CompletionItemKind.EnumMember
    if key == "use" and ws is not None:
        want = kind.split(":")[0] if kind and not kind.startswith("pass:") else kind
        return [_item(d.name, lsp.CompletionItemKind.Constant, hover.definition_doc(d, ws.root),
                      detail=d.detail)
                for d in ws.definitions() if d.kind == "preset" and d.detail == f"{want} preset"]
    if key == "character" and kind == "shot" and ws is not None:
        return [_item(d.name, lsp.CompletionItemKind.Class, hover.definition_doc(d, ws.root))
                for d in ws.definitions() if d.kind == "character"]
    if key == "allow":
        return [_item(c, value, what) for c, what in CODES.items() if c.startswith("W")]
    if kind == "lighting":
        return [_item(k, value, hover.light_kind_doc(k)) for k in LIGHT_KINDS]
    info = field_for(kind, key)
    doc = hover.field_doc(info, key) if info is not None else None
    words: tuple = ()
    if info is not None and info.key.read == "flag":
        words = ("on", "off")
    elif info is not None and choices_of(info.model, info.name) and info.key.read == "choice":
        words = choices_of(info.model, info.name)
    elif key in _VOCABULARY and (info is not None or kind in ("finish", "light", "source")):
        words = _VOCABULARY[key]
        if key in ("colour", "color") and kind in ("lips", "light"):
            words = ()
    elif kind == "finish" and key in PASS_MODELS:
        doc = hover.pass_doc(key)
        words = ("off", *next((choices_of(PASS_MODELS[key], n) for n, f in
                               PASS_MODELS[key].model_fields.items()
                               if choices_of(PASS_MODELS[key], n) and n != "op"), ()))
    out = [_item(str(w), value, doc) for w in words]
    if key == "focus" and ws is not None:
        for d in ws.definitions():
            if d.kind == "character":
                out.extend(_item(f"{d.name}.{t}", value, doc) for t in FOCUS_TARGETS)
    return out


def _paths(ctx: Context, index: LineIndex, base: str) -> list[lsp.CompletionItem]:
    """Files and folders for the string under the cursor, relative to the spec's folder."""
    tok = ctx.token
    key = "import" if ctx.kind == "top" else (ctx.key or "")
    suffixes = PATH_SUFFIXES.get(key)
    if suffixes is None:
        info = field_for(ctx.kind, key)
        if info is None or info.key.read != "path":
            return []
        suffixes = ()
    typed = tok.text[1:].rstrip('"')
    folder_part, _, _ = typed.rpartition("/")
    folder = os.path.normpath(os.path.join(os.path.dirname(base), os.path.expanduser(folder_part or ".")))
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    start = tok.start + 1 + (len(folder_part) + 1 if folder_part else 0)
    end = tok.end - 1 if tok.text.endswith('"') and len(tok.text) > 1 else tok.end
    rng = index.range(start, max(start, end))
    out = []
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_dir():
            out.append(_item(e.name + "/", lsp.CompletionItemKind.Folder,
                             edit=lsp.TextEdit(range=rng, new_text=e.name + "/")))
        elif not suffixes or (e.name.lower().endswith(tuple(s for s in suffixes if s != "/"))):
            if "/" in suffixes and len(suffixes) == 1:
                continue
            out.append(_item(e.name, lsp.CompletionItemKind.File,
                             edit=lsp.TextEdit(range=rng, new_text=e.name)))
    return out


def _top_value(ctx: Context, ws: Workspace | None) -> list[lsp.CompletionItem]:
    words = [t.text for t in ctx.statement if t is not ctx.token]
    if words[:1] == ["preset"] and len(words) == 2:
        return [_item(k, lsp.CompletionItemKind.EnumMember) for k in PRESET_KINDS]
    if words[:1] == ["shot"] and len(words) == 2:
        return [_item("extends", lsp.CompletionItemKind.Keyword)]
    if words[-1:] == ["extends"] and ws is not None:
        return [_item(d.name, lsp.CompletionItemKind.Function, hover.definition_doc(d, ws.root))
                for d in ws.definitions() if d.kind == "shot" and d.name != words[1]]
    if words[:1] == ["allow"]:
        return [_item(c, lsp.CompletionItemKind.EnumMember, w) for c, w in CODES.items()
                if c.startswith("W")]
    return []


def complete(ctx: Context, index: LineIndex, path: str, ws: Workspace | None) -> list[lsp.CompletionItem]:
    """The completion items for the cursor's context."""
    tok = ctx.token
    if tok is not None and tok.type == "STRING":
        return _paths(ctx, index, path)
    if tok is not None and tok.type in ("COMMENT", "BLOCK_COMMENT"):
        return []
    if ctx.on_key:
        return _keys(ctx, ws)
    if tok is not None and _NUMBER.match(tok.text):
        return _units(ctx, index)
    if ctx.kind == "top":
        return _top_value(ctx, ws)
    return _values(ctx, ws)


def register(server) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=[" ", ".", '"', "/"]))
    def completion(ls, params: lsp.CompletionParams):
        found = cursor_context(server, params)
        if found is None:
            return None
        buf, index, ctx = found
        ws = Workspace.of_buffer(server, buf)
        items = complete(ctx, index, buf.path, ws)
        if not server.markdown("completion"):
            for item in items:
                if item.documentation is not None:
                    item.documentation = server.markup(item.documentation.value, "completion")
        return lsp.CompletionList(is_incomplete=False, items=items)
