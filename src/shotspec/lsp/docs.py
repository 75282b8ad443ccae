"""The Markdown that hover and completion show, from the schema and the vocabularies.

One text per thing, so a completion item's documentation and the hover on the same key never
differ: ``field_doc`` (a statement key: its meaning, value, unit and range, default, from the
field's ``spec(...)`` through ``schema_docs.field_facts``, the rows of docs/language.md),
``pass_doc`` (a finishing pass), ``shape_doc`` (an ARKit shape or alias), ``light_kind_doc``,
and the colour swatches of a colour temperature or a colour literal (``kelvin_swatch``,
``colour_swatch``: a hex value and a small square image, kelvin → RGB by ``shotspec.color``).
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from shotspec.compiler.ir import PASS_MODELS, LightIR
from shotspec.compiler.schema import choices_of, fields_of
from shotspec.compiler.schema_docs import field_facts
from shotspec.compiler.statements import CUSTOM
from shotspec.head_vocabulary import ALIASES, EXPRESSIONS, NEUTRAL, side_of
from shotspec.lsp.scope import FieldInfo

__all__ = ["field_doc", "pass_doc", "definition_doc", "light_kind_doc", "shape_doc", "statement_doc", "kelvin_swatch",
           "colour_swatch", "kelvin_hex", "EXTRA_DOCS"]

# Statements with no field of their own (they set several, or none).
EXTRA_DOCS = {
    "use": "`use NAME`: apply a preset's statements here, in place (later statements win)",
    "orbit": CUSTOM["orbit"].__doc__,
    "from": CUSTOM["from"].__doc__,
    "size": CUSTOM["size"].__doc__,
    "allow": CUSTOM["allow"].__doc__,
}


def field_doc(info: FieldInfo, key: str) -> str:
    """What statement ``key`` sets: its doc line, then value, range (with unit) and default."""
    facts = field_facts(info.model, info.name)
    lines = [f"**`{key}`** — {facts['doc'] or info.name.replace('_', ' ')}", ""]
    rows = [("value", facts["value"]), ("range", facts["range"]), ("default", facts["default"])]
    unit = info.key.valid[2] if info.key.valid else info.key.unit.strip()
    if unit:
        rows.insert(1, ("unit", f"`{unit}`"))
    choices = choices_of(info.model, info.name)
    if choices and info.key.read != "choice":
        rows.append(("choices", " ".join(f"`{c}`" for c in choices)))
    lines.extend(f"- {name}: {text}" for name, text in rows if text)
    if info.key.aliases:
        lines.append("- also written: " + ", ".join(f"`{a}`" for a in info.key.aliases))
    return "\n".join(lines)


def statement_doc(key: str) -> str | None:
    doc = EXTRA_DOCS.get(key)
    return f"**`{key}`** — {doc.strip()}" if doc else None


def pass_doc(op: str) -> str:
    """A finishing pass: what it does, its one-line form, its fields and when it is skipped."""
    model = PASS_MODELS[op]
    info = model.PASS
    positional = sorted((k.pos, k.statement_keys(n)[0]) for n, k in fields_of(model)
                        if k.pos is not None)
    form = " ".join(key.upper() for _, key in positional)
    lines = [f"**`{op}`** — {info.doc}", "", f"- one line: `{op} {form}`".rstrip()]
    for name, k in fields_of(model):
        keys = k.statement_keys(name)
        if keys and name != "enabled":
            facts = field_facts(model, name)
            rng = f", {facts['range']}" if facts["range"] else ""
            default = f", default {facts['default']}" if facts["default"] else ""
            lines.append(f"- `{keys[0]}`: {facts['doc']}{rng}{default}")
    lines.append(f"- skipped when: {info.identity_doc}; `{op} off` keeps it but skips it")
    return "\n".join(lines)


def shape_doc(name: str) -> str | None:
    """An expression shape (ARKit), an alias (its mix) or ``neutral``."""
    if name == NEUTRAL:
        return "**`neutral`** — clears every expression shape set so far (a reset, not a mix)"
    if name in ALIASES:
        mix = ", ".join(f"`{s}` {w:g}" for s, w in ALIASES[name])
        return f"**`{name}`** — an alias; `{name} W` sets each shape to W × its weight: {mix}"
    if name in EXPRESSIONS:
        side = {"L": " (the subject's own left)", "R": " (the subject's own right)"}.get(
            side_of(name) or "", "")
        return (f"**`{name}`** — ARKit expression shape{side}; weight 0…1, bare name = 1 "
                "(0 is the neutral face, 1 the full captured shape)")
    return None


def light_kind_doc(kind: str) -> str:
    what = {"area": "a soft rectangular source (`size` is its edge)",
            "spot": "a cone of light (`cone` is its half angle)",
            "point": "a small round source (`size` is its diameter)",
            "directional": "parallel light from a direction (the sun)",
            "environment": "light from every direction (`image` a lat-long map)"}.get(kind, "")
    kinds = " ".join(f"`{k}`" for k in choices_of(LightIR, "kind"))
    return f"**`{kind}`** light — {what}\n\n- kinds: {kinds}"


def definition_doc(d, base: str) -> str:
    """A preset, character or shot (a ``navigation.Definition``): its kind, where it is
    defined (relative to the file ``base``) and the comment above it."""
    where = os.path.relpath(d.path, os.path.dirname(base))
    text = f"**{d.kind} `{d.name}`** — {d.detail}, defined at {where}:{d.range.start.line + 1}"
    return text + (f"\n\n{d.comment}" if d.comment else "")


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


@lru_cache(maxsize=256)
def kelvin_hex(temperature_k: float) -> str:
    """The sRGB hex of a light of ``temperature_k``, its brightest channel at full scale."""
    from shotspec.color import kelvin_to_rgb, linear_to_srgb

    rgb = kelvin_to_rgb(temperature_k)
    peak = max(rgb)
    encoded = linear_to_srgb([c / peak for c in rgb])
    return _hex(tuple(float(c) for c in encoded))


def _square(hex_colour: str) -> str:
    """A Markdown image of a 16×16 square of ``hex_colour`` (an SVG data URI)."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16">'
           f'<rect width="16" height="16" fill="{hex_colour}"/></svg>')
    data = base64.b64encode(svg.encode("ascii")).decode("ascii")
    return f"![{hex_colour}](data:image/svg+xml;base64,{data})"


def kelvin_swatch(temperature_k: float) -> str:
    hex_colour = kelvin_hex(temperature_k)
    return f"{_square(hex_colour)} `{hex_colour}` — the colour of {temperature_k:g} K light (sRGB)"


def colour_swatch(hex_colour: str) -> str:
    text = hex_colour.lower()
    if len(text) == 4:
        text = "#" + "".join(c * 2 for c in text[1:])
    return f"{_square(text)} `{text}`"
