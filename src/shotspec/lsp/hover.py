"""Hover: what a key or value means, where its value came from, and what it amounts to.

On a statement key or its value: the field's doc, value, unit, range and default (``docs``,
the same text completion shows); where the shot's value was set — the file, preset or
``extends`` layer, from ``ShotIR.origins`` of the last compile without errors (what
``shot explain`` prints); in a camera block, the camera's derived values (near and far limits
of focus, hyperfocal distance, horizontal field of view, the face's height in the frame); on a
colour temperature or colour literal, its swatch. On a preset, character or shot name: its
kind, where it is defined and the comment above it. On a pass, a light kind or an ARKit shape:
their docs.
"""

from __future__ import annotations

import math
import os
import re

from lsprotocol import types as lsp

from shotspec.compiler.ir import PASS_MODELS, CameraIR, OutputIR, ShotIR
from shotspec.compiler.statements import LIGHT_KINDS
from shotspec.lsp import docs
from shotspec.lsp.navigation import Workspace, target_at
from shotspec.lsp.scope import Context, context_at, field_for

__all__ = ["hover_text", "camera_facts", "register", "FACE_HEIGHT_M"]

# Chin (menton) to crown of an adult head, metres: what "the face in the frame" measures.
FACE_HEIGHT_M = 0.23
_KELVIN = re.compile(r"^(\d+(?:\.\d*)?)K$")


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
    """The compiled shot the cursor is in (or, in a character or preset, the first shot that
    uses it)."""
    if program is None or not program.shots:
        return None
    item = [t.text for t in ctx.item]
    if item[:1] == ["shot"] and len(item) > 1:
        return next((s for s in program.shots if s.name == item[1]), None)
    if item[:1] == ["character"] and len(item) > 1:
        return next((s for s in program.shots if s.character and s.character.name == item[1]), None)
    return program.shots[0]


def _origin(shot: ShotIR, path: str, base: str) -> str | None:
    where = shot.origins.get(path)
    if where is None:
        where = next((v for k, v in sorted(shot.origins.items()) if k.startswith(path + ".")), None)
    if where is None:
        return None
    m = re.match(r"^(.*):(\d+):(\d+) \((.*)\)$", where)
    if not m:
        return where
    file, line, layer = m.group(1), int(m.group(2)), m.group(4)
    shown = os.path.relpath(file, os.path.dirname(base)) if os.path.isabs(file) else file
    return f"[{shown}:{line}](file://{os.path.abspath(file)}#L{line}) ({layer})"


def hover_text(ctx: Context, path: str, program, workspace: Workspace | None) -> str | None:
    """The Markdown hover for the cursor's context, or None when there is nothing to say."""
    tok = ctx.token
    if tok is None:
        return None
    target = target_at(ctx)
    if target is not None and target.kind != "file" and workspace is not None:
        found = workspace.find(target.kind, target.name)
        if found:
            return docs.definition_doc(found[0], path)
    key = ctx.key or ""
    parts: list[str] = []
    shot = _shot_for(ctx, program)
    if ctx.kind == "expression" and ctx.on_key:
        return docs.shape_doc(key)
    if ctx.kind == "finish" and key in PASS_MODELS:
        parts.append(docs.pass_doc(key))
    elif ctx.kind == "lighting":
        if tok.text in LIGHT_KINDS:
            return docs.light_kind_doc(tok.text)
        if ctx.on_key:
            return f"**light `{key}`** — `NAME KIND {{ … }}` defines a light; `{key} off` removes it"
    info = field_for(ctx.kind, key)
    if info is not None:
        parts.append(docs.field_doc(info, key))
        if shot is not None and ctx.prefix is not None:
            origin = _origin(shot, ctx.prefix + info.path, path)
            if origin:
                parts.append(f"- set at: {origin}")
    elif not parts and (extra := docs.statement_doc(key)):
        parts.append(extra)
    if not ctx.on_key:
        if (m := _KELVIN.match(tok.text)) and 1000 <= float(m.group(1)) <= 40000:
            parts.append(docs.kelvin_swatch(float(m.group(1))))
        elif tok.type == "COLOR":
            parts.append(docs.colour_swatch(tok.text))
    if ctx.kind == "camera" and shot is not None:
        parts.append("---\n\n" + camera_facts(shot.camera, shot.output))
    return "\n\n".join(parts) if parts else None


def register(server) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: lsp.HoverParams):
        buf = server.buffers.get(params.text_document.uri)
        if buf is None:
            return None
        index = buf.index(server.encoding)
        ctx = context_at(buf.tokens(), index.offset(params.position))
        program = buf.good.program if buf.good is not None else None
        workspace = Workspace(buf.path, buf.text, server.encoding,
                              {b.path: b.text for b in server.buffers.values()})
        text = hover_text(ctx, buf.path, program, workspace)
        if text is None:
            return None
        tok = ctx.token
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
                         range=index.range(tok.start, tok.end))
