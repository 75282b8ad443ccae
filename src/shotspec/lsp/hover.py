"""Hover: what a key or value means, where its value came from, and what it amounts to.

On a statement key or its value: the field's doc, value, unit, range and default (``docs``,
the same text completion shows); where the shot's value was set — the file, preset or
``extends`` layer, from ``ShotIR.origins`` of the last compile without errors (what
``shot explain`` prints); in a camera block, the camera's derived values (near and far limits
of focus, hyperfocal distance, horizontal field of view, the face's height in the frame); on a
colour temperature or colour literal, its swatch. On a preset, character or shot name: its
kind, where it is defined and the comment above it. On a pass, a light kind or an ARKit shape:
their 

The Markdown that hover and completion show, from the schema and the vocabularies.

One text per thing, so a completion item's documentation and the hover on the same key never
differ: ``field_doc`` (a statement key: its meaning, value, unit and range, default, from the
field's ``spec(...)`` through ``schema_field_facts``, the rows of docs/language.md),
``pass_doc`` (a finishing pass), ``shape_doc`` (an ARKit shape or alias), ``light_kind_doc``,
and the colour swatches of a colour temperature or a colour literal (``kelvin_swatch``,
``colour_swatch``: a hex value and a small square image, kelvin → RGB by ``shotspec.color``).
"""

from __future__ import annotations

import base64
import math
import os
import re
from functools import lru_cache

from lsprotocol import types as lsp

from shotspec.compiler.ir import PASS_MODELS, CameraIR, LightIR, OutputIR, ShotIR
from shotspec.compiler.schema import choices_of, fields_of
from shotspec.compiler.schema_docs import field_facts
from shotspec.compiler.statements import CUSTOM, LIGHT_KINDS
from shotspec.head_vocabulary import ALIASES, EXPRESSIONS, NEUTRAL, side_of
from shotspec.lsp.navigation import Workspace, target_at
from shotspec.lsp.scope import Context, FieldInfo, cursor_context, field_for

__all__ = ["hover_text", "camera_facts", "register", "FACE_HEIGHT_M", "field_doc", "pass_doc",
           "definition_doc", "light_kind_doc", "shape_doc", "statement_doc", "kelvin_swatch",
           "colour_swatch", "kelvin_hex", "EXTRA_DOCS"]

# Chin (menton) to crown of an adult head, metres: what "the face in the frame" measures.
FACE_HEIGHT_M = 0.23
_KELVIN = re.compile(r"^(\d+(?:\.\d*)?)K$")


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


def camera_facts(camera: CameraIR, output: OutputIR) -> str:
    """The derived values of a camera framing an output: thin-lens depth of field with the
    circle of confusion of the format's diagonal / 1500, the horizontal field of view of the
    sensor's width and the share of the frame's height a 23 cm head fills at the eye plane."""
    f, n = camera.focal_length_m, camera.f_number
    coc = math.hypot(camera.sensor_width_m, camera.sensor_height_m) / 1500.0
    s = camera.focus.distance_m or camera.distance_m
    hyperfocal = f * f / (n * coc) + f
    near = s * (hyperfocal - f) / (hyperfocal + s - 2.0 * f)
    far = s * (hyperfocal - f) / (hyperfocal - s) if s < hyperfocal else math.inf
    hfov = math.degrees(2.0 * math.atan(camera.sensor_width_m * camera.anamorphic / (2.0 * f)))
    film_h = camera.sensor_width_m * output.height / output.width
    field_h = film_h * max(camera.distance_m - f, 1e-6) / f
    face = FACE_HEIGHT_M / field_h
    far_text = "∞" if math.isinf(far) else _metres(far)
    depth = "∞" if math.isinf(far) else _metres(far - near)
    target = camera.focus.target or _metres(s)
    return "\n".join([
        f"**camera** — {f * 1000:g}mm f/{n:g} at {_metres(camera.distance_m)}, focused on {target}",
        "",
        f"- in focus: {_metres(near)} … {far_text} (depth of field {depth}, "
        f"circle of confusion {coc * 1000:.3f}mm)",
        f"- hyperfocal distance: {_metres(hyperfocal)}",
        f"- horizontal field of view: {hfov:.1f}°",
        f"- frame height at the eyes: {_metres(field_h)}; the face (chin to crown, "
        f"{FACE_HEIGHT_M * 100:.0f} cm) fills {face * 100:.0f}% of it",
    ])


def _metres(x: float) -> str:
    if x < 0.1:
        return f"{x * 1000:.1f}mm"
    if x < 10:
        return f"{x * 100:.1f}cm" if x < 1 else f"{x:.2f}m"
    return f"{x:.1f}m"


def _shot_for(ctx: Context, program) -> ShotIR | None:
    """The compiled shot the cursor is in, or, in a character, the first shot that uses it
    (None in a preset: which shot's values would it describe?)."""
    if program is None or not program.shots:
        return None
    item = [t.text for t in ctx.item]
    if item[:1] == ["shot"] and len(item) > 1:
        return next((s for s in program.shots if s.name == item[1]), None)
    if item[:1] == ["character"] and len(item) > 1:
        return next((s for s in program.shots if s.character and s.character.name == item[1]), None)
    return None


def _origin(shot: ShotIR, path: str, base: str, line_here: int) -> str | None:
    """Where ``shot``'s value at IR ``path`` was set, as a Markdown line with a link; it says
    so when that is not the hovered statement (line ``line_here`` of ``base``, 1-based): a
    later statement, a preset or an identity file overrides it."""
    where = shot.origins.get(path)
    if where is None:
        where = next((v for k, v in sorted(shot.origins.items()) if k.startswith(path + ".")), None)
    if where is None:
        return None
    m = re.match(r"^(.*):(\d+):(\d+) \((.*)\)$", where)
    if not m:
        return f"- set by: {where}"
    file, line, layer = m.group(1), int(m.group(2)), m.group(4)
    shown = os.path.relpath(file, os.path.dirname(base)) if os.path.isabs(file) else file
    link = f"[{shown}:{line}](file://{os.path.abspath(file)}#L{line}) ({layer})"
    if os.path.abspath(file) == os.path.abspath(base) and line == line_here:
        return f"- set at: {link}"
    return f"- overridden: shot `{shot.name}` takes this value from {link}"


def hover_text(ctx: Context, path: str, program, workspace: Workspace | None,
               line_here: int = 0) -> str | None:
    """The Markdown hover for the cursor's context, or None when there is nothing to say;
    ``line_here`` is the 1-based line of the hovered statement."""
    tok = ctx.token
    if tok is None:
        return None
    target = target_at(ctx)
    if target is not None and target.kind != "file" and workspace is not None:
        found = workspace.find(target.kind, target.name)
        if found:
            return definition_doc(found[0], path)
    key = ctx.key or ""
    parts: list[str] = []
    shot = _shot_for(ctx, program)
    if ctx.kind == "expression" and ctx.on_key:
        return shape_doc(key)
    if ctx.kind == "finish" and key in PASS_MODELS:
        parts.append(pass_doc(key))
    elif ctx.kind == "lighting":
        if tok.text in LIGHT_KINDS:
            return light_kind_doc(tok.text)
        if ctx.on_key:
            return f"**light `{key}`** — `NAME KIND {{ … }}` defines a light; `{key} off` removes it"
    info = field_for(ctx.kind, key)
    if info is not None:
        parts.append(field_doc(info, key))
        if shot is not None and ctx.prefix is not None:
            origin = _origin(shot, ctx.prefix + info.path, path, line_here)
            if origin:
                parts.append(origin)
    elif not parts and (extra := statement_doc(key)):
        parts.append(extra)
    if not ctx.on_key:
        if (m := _KELVIN.match(tok.text)) and 1000 <= float(m.group(1)) <= 40000:
            parts.append(kelvin_swatch(float(m.group(1))))
        elif tok.type == "COLOR":
            parts.append(colour_swatch(tok.text))
    if ctx.kind == "camera" and shot is not None:
        parts.append("---\n\n" + camera_facts(shot.camera, shot.output))
    return "\n\n".join(parts) if parts else None


def register(server) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: lsp.HoverParams):
        found = cursor_context(server, params)
        if found is None:
            return None
        buf, index, ctx = found
        program = buf.good.program if buf.good is not None else None
        workspace = Workspace.of_buffer(server, buf)
        line_here = index.line_col(ctx.statement[0].start)[0] + 1 if ctx.statement else 0
        text = hover_text(ctx, buf.path, program, workspace, line_here)
        if text is None:
            return None
        tok = ctx.token
        return lsp.Hover(contents=server.markup(text, "hover"),
                         range=index.range(tok.start, tok.end))
