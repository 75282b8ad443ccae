"""The parameter tables of docs/language.md, rendered from the schema.

Each table sits between ``<!-- schema:NAME -->`` and ``<!-- /schema:NAME -->`` in the doc;
``update_doc(text)`` re-renders every one, and a test fails when the doc drifts from the
schema. Regenerate with ``python tools/schema_tables.py``.
"""

from __future__ import annotations

import math
import re

from pydantic_core import PydanticUndefined

from shotspec.compiler.ir import (PASS_MODELS, BrowsIR, CameraIR, CharacterIR, EyesIR, FaceIR,
                                  HairIR, LashesIR, LightIR, LipsIR, OutputIR, PoseIR, ShotIR,
                                  SkinIR, SourceIR, StubbleIR)
from shotspec.compiler.schema import SEED_RANGE, Key, choices_of, fields_of, key_of, submodel_of
from shotspec.compiler.statements import CUSTOM
from shotspec.head_vocabulary import ALIASES, EXPRESSIONS

__all__ = ["TABLES", "render_table", "update_doc", "field_facts"]

_VALUES = {
    "fraction": "number or % (`0.8`, `80%`)", "number": "number", "int": "whole number",
    "length": "length (`85mm`, `70cm`, `0.7m`)", "angle": "angle (`45deg`)",
    "kelvin": "temperature (`5600K`)", "stops": "stops (`-1.5 stops`)",
    "fnumber": "f-number (`f/1.8`)", "path": "path (`\"file\"`)", "flag": "`on`/`off` (bare: on)",
}


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0].rstrip(".")


def _value(model, name: str, k: Key) -> str:
    if k.handler is not None:
        return _first_line(CUSTOM[k.handler].__doc__)
    if k.read == "choice":
        return " ".join(f"`{c}`" for c in choices_of(model, name))
    if k.block is not None:
        return "`{ ... }`"
    return _VALUES[k.read]


def _num(x: float) -> str:
    if x == SEED_RANGE[1]:
        return "2⁶³−1"
    text = str(int(x)) if float(x).is_integer() and abs(x) >= 1e5 else f"{x:g}"
    return text.replace("-", "−")


def _range(k: Key) -> str:
    unit = k.unit.strip()
    if k.valid is not None:
        lo, hi, valid_unit, code = k.valid
        return f"{_num(lo)}…{_num(hi)} {valid_unit}".strip() + f" ({code})"
    if k.lo is None and k.hi is None:
        return ""
    if k.read == "length" and k.unit == "mm" and k.lo and k.hi is not None:
        return f"{_num(round(k.lo * 1000.0, 9))}…{_num(round(k.hi * 1000.0, 9))} mm"
    if k.read == "length":
        return f"> {_num(k.lo)} m" + (f", ≤ {_num(k.hi)} m" if k.hi is not None else "")
    if k.lo is not None and k.hi is not None:
        return f"{_num(k.lo)}…{_num(k.hi)} {unit}".strip()
    return f"≥ {_num(k.lo)} {unit}".strip() if k.lo is not None else f"≤ {_num(k.hi)} {unit}"


def _default(model, name: str, k: Key) -> str:
    default = model.model_fields[name].default
    if default is PydanticUndefined or k.block is not None or submodel_of(model, name):
        return ""
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return "on" if default else "off"
    if k.read == "angle":
        default = math.degrees(default)
    if k.read == "length" and k.unit == "mm":
        default = round(default * 1000.0, 9)
    if isinstance(default, float):
        return f"{_num(default)} {k.unit.strip()}".strip()
    return f"`{default}`"


def field_facts(model, name: str) -> dict[str, str]:
    """One field's row of the tables as a dict (``value``, ``range``, ``default``, ``doc``), in
    the tables' words; the language server's hover and completion docs read it."""
    k = key_of(model, name)
    return {"value": _value(model, name, k), "range": _range(k), "default": _default(model, name, k),
            "doc": k.doc}


def _statement(name: str, k: Key) -> str:
    return " / ".join(f"`{key}`" for key in k.statement_keys(name))


def render_table(model, *, lifted: bool = True, skip: tuple[str, ...] = ()) -> str:
    """One row per statement of the block ``model`` fills: its keys, the value it takes, the
    range, the default and the doc."""
    rows = ["| statement | value | range | default | notes |", "|---|---|---|---|---|"]
    for name, k in fields_of(model):
        if not k.statement_keys(name) or name in skip:
            continue
        rows.append(f"| {_statement(name, k)} | {_value(model, name, k)} | {_range(k)} | "
                    f"{_default(model, name, k)} | {k.doc} |")
        sub = submodel_of(model, name)
        if k.lift and lifted and sub is not None:
            rows.extend(render_table(sub).splitlines()[2:])
    for key, handler in getattr(model, "EXTRA_STATEMENTS", {}).items():
        rows.append(f"| `{key}` | {_first_line(CUSTOM[handler].__doc__)} | | | |")
    return "\n".join(rows)


def _passes() -> str:
    rows = ["| pass | positional form | block fields | skipped when | notes |",
            "|---|---|---|---|---|"]
    for op, model in PASS_MODELS.items():
        pos = sorted(((k.pos, k.statement_keys(n)[0]) for n, k in fields_of(model)
                      if k.pos is not None))
        form = " ".join(key.upper() for _, key in pos)
        fields = ", ".join(f"`{k.statement_keys(n)[0]}`" for n, k in fields_of(model)
                           if k.statement_keys(n) and n != "enabled")
        rows.append(f"| `{op}` | `{op} {form}` | {fields} | {model.PASS.identity_doc} | "
                    f"{model.PASS.doc} |")
    return "\n".join(rows)


def _pass_fields() -> str:
    rows = ["| pass | field | value | range | default | notes |", "|---|---|---|---|---|---|"]
    for op, model in PASS_MODELS.items():
        for name, k in fields_of(model):
            if k.statement_keys(name) and name != "enabled":
                rows.append(f"| `{op}` | {_statement(name, k)} | {_value(model, name, k)} | "
                            f"{_range(k)} | {_default(model, name, k)} | {k.doc} |")
    return "\n".join(rows)


# The region an ARKit shape belongs to, by the start of its name (for the expression table).
_REGIONS = (("brow", "brows"), ("cheek", "cheeks"), ("eye", "eyes and lids"), ("jaw", "jaw"),
            ("mouth", "mouth and lips"), ("nose", "nose"), ("Pupil", "pupils"))


def _expression_shapes() -> str:
    rows = ["| region | ARKit shapes (in the kit's order) |", "|---|---|"]
    for stem, region in _REGIONS:
        names = [n for n in EXPRESSIONS if n.startswith(stem)]
        rows.append(f"| {region} | " + " ".join(f"`{n}`" for n in names) + " |")
    return "\n".join(rows)


def _expression_aliases() -> str:
    rows = ["| alias | sets (each × the alias's weight) |", "|---|---|"]
    for alias, mix in ALIASES.items():
        rows.append(f"| `{alias}` | " + ", ".join(f"`{shape}` {w:g}" for shape, w in mix) + " |")
    return "\n".join(rows)


TABLES = {
    "character": lambda: render_table(CharacterIR, lifted=False),
    "skin": lambda: render_table(SkinIR),
    "lips": lambda: render_table(LipsIR),
    "face": lambda: render_table(FaceIR),
    "pose": lambda: render_table(PoseIR),
    "eyes": lambda: render_table(EyesIR),
    "brows": lambda: render_table(BrowsIR),
    "lashes": lambda: render_table(LashesIR),
    "stubble": lambda: render_table(StubbleIR),
    "hair": lambda: render_table(HairIR),
    "expression_shapes": _expression_shapes,
    "expression_aliases": _expression_aliases,
    "shot": lambda: render_table(ShotIR),
    "camera": lambda: render_table(CameraIR),
    "light": lambda: render_table(LightIR),
    "source": lambda: render_table(SourceIR),
    "finish": _passes,
    "pass_fields": _pass_fields,
    "output": lambda: render_table(OutputIR),
}

_MARKED = re.compile(r"(<!-- schema:(\w+) -->\n)(.*?)(<!-- /schema:\2 -->)", re.S)


def update_doc(text: str) -> str:
    """``text`` with every marked table re-rendered from the schema."""
    return _MARKED.sub(lambda m: f"{m.group(1)}{TABLES[m.group(2)]()}\n{m.group(4)}", text)
