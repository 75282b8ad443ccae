"""What every statement of every block kind means: the schema of the language.

``Interpreter.run_block(kind, block, prefix, layer, state)`` applies a block's statements in
order to a ``State`` (later wins); ``use NAME`` expands a preset's statements in place. Keys a
block kind does not know are E101 with a did-you-mean.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Callable

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import DiagnosticSink, did_you_mean
from shotspec.compiler.ir import FACE_PARAMS, Span
from shotspec.compiler.nodes import Atom, Block, PresetDef, Stmt, span_join
from shotspec.compiler.state import State
from shotspec.compiler.tables import (EYE_COLORS, FILM_STOCKS, HORIZONTAL_WORDS, SENSORS_MM, VERTICAL_WORDS,
                                      fitzpatrick_albedo, monk_albedo, srgb_to_linear)

__all__ = ["Interpreter", "BLOCK_KINDS", "PRESET_KINDS", "FINISH_OPS", "LIGHT_KINDS",
           "keys_of", "FOCUS_TARGETS"]

LIGHT_KINDS = ("area", "spot", "point", "directional", "environment")
FINISH_OPS = ("skin_enhance", "upscale", "grain", "tonemap", "grade", "exposure",
              "white_balance", "smooth", "sharpen")
FOCUS_TARGETS = ("eyes", "nose", "lips", "ears", "subject")
PRESET_KINDS = ("shot", "character", "skin", "face", "camera", "lighting", "light", "source",
                "finish", "output")


@dataclass
class Apply:
    """Where a block's statements write: the state, the IR path prefix, the layer label."""

    interp: "Interpreter"
    state: State
    prefix: str
    layer: str

    @property
    def sink(self) -> DiagnosticSink:
        return self.interp.sink

    def set(self, path: str, value, span: Span) -> None:
        self.state.set(self.prefix + path, value, span, self.layer)

    def sub(self, prefix: str) -> "Apply":
        return Apply(self.interp, self.state, self.prefix + prefix, self.layer)

    def path(self, atom: Atom, what: str) -> str | None:
        """A STRING path, made absolute relative to the folder of the file it is written in."""
        text = V.read_string(atom, self.sink, what)
        if text is None:
            return None
        if atom.span.file == self.interp.set_file:
            base = self.interp.root_dir
        else:
            base = os.path.dirname(os.path.abspath(atom.span.file))
        return os.path.normpath(os.path.join(base, os.path.expanduser(text)))


Handler = Callable[[Stmt, Apply], None]


# ----------------------------------------------------------------------------- arity helpers

def _atoms(stmt: Stmt, ap: Apply, lo: int, hi: int, *, block: bool = False) -> list[Atom] | None:
    atoms = list(stmt.atoms)
    if stmt.block is not None and not block:
        ap.sink.add("E210", f"`{stmt.key}` takes no `{{ ... }}` block", stmt.block.span)
        return None
    if len(atoms) < lo:
        need = "a value" if lo == 1 else f"{lo} values"
        ap.sink.add("E210", f"`{stmt.key}` needs {need}", stmt.key_span)
        return None
    if len(atoms) > hi:
        takes = "no value" if hi == 0 else f"at most {hi} value" + ("s" if hi > 1 else "")
        ap.sink.add("E210", f"`{stmt.key}` takes {takes}, found {len(atoms)}",
                    span_join(atoms[hi].span, atoms[-1].span))
        return None
    return atoms


def _field(path: str, reader, *args) -> Handler:
    """A statement with exactly one value read by ``reader``."""
    def handle(stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 1, 1)
        if atoms:
            value = reader(atoms[0], ap.sink, stmt.key, *args)
            if value is not None:
                ap.set(path, value, stmt.span)
    return handle


def _flag(path: str) -> Handler:
    """``macro`` (on) or ``macro off``."""
    def handle(stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 0, 1)
        if atoms is None:
            return
        value = True if not atoms else V.read_bool(atoms[0], ap.sink, stmt.key)
        if value is not None:
            ap.set(path, value, stmt.span)
    return handle


def _path_field(path: str, *, kind_path: str | None = None, kind: str | None = None) -> Handler:
    def handle(stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 1, 1)
        if atoms:
            value = ap.path(atoms[0], stmt.key)
            if value is not None:
                ap.set(path, value, stmt.span)
                if kind_path:
                    ap.set(kind_path, kind, stmt.span)
    return handle


def _sub_block(kind: str, prefix: str) -> Handler:
    def handle(stmt: Stmt, ap: Apply) -> None:
        if stmt.atoms:
            ap.sink.add("E210", f"`{stmt.key}` takes a `{{ ... }}` block, not values",
                        stmt.atoms[0].span, help=f"write `{stmt.key} {{ ... }}`")
            return
        if stmt.block is None:
            ap.sink.add("E210", f"`{stmt.key}` needs a `{{ ... }}` block", stmt.key_span)
            return
        ap.state.nodes.setdefault((ap.prefix + prefix).rstrip("."), stmt.span)
        ap.interp.run_block(kind, stmt.block, ap.sub(prefix))
    return handle


# ----------------------------------------------------------------------------- character

def _tone(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 2)
    if not atoms:
        return
    first = atoms[0]
    if first.kind == "COLOR" and len(atoms) == 1:
        rgb = V.read_color(first, ap.sink, "tone")
        ap.set("skin.tone.scale", "color", stmt.span)
        ap.set("skin.tone.value", 0.0, stmt.span)
        ap.set("skin.tone.albedo_srgb", rgb, stmt.span)
        return
    scale = V.read_choice(first, ap.sink, "skin tone scale", ("monk", "fitzpatrick"))
    if scale is None:
        return
    if len(atoms) < 2:
        ap.sink.add("E210", f"`tone {scale}` needs a value", stmt.span,
                    help="e.g. `tone monk 5` (1–10) or `tone fitzpatrick 3` (1–6)")
        return
    hi = 10.0 if scale == "monk" else 6.0
    value = V.read_number(atoms[1], ap.sink, f"tone {scale}", 1.0, hi)
    if value is None:
        return
    albedo = monk_albedo(value) if scale == "monk" else fitzpatrick_albedo(value)
    ap.set("skin.tone.scale", scale, stmt.span)
    ap.set("skin.tone.value", value, stmt.span)
    ap.set("skin.tone.albedo_srgb", albedo, stmt.span)


def _eyes(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    rgb = (V.read_color(atom, ap.sink, stmt.key) if atom.kind == "COLOR"
           else V.read_choice(atom, ap.sink, "eye colour", EYE_COLORS))
    if isinstance(rgb, str):
        rgb = EYE_COLORS[rgb]
    if rgb is not None:
        ap.set("eye_color_srgb", tuple(rgb), stmt.span)


SKIN: dict[str, Handler] = {
    "tone": _tone,
    "undertone": _field("skin.tone.undertone", V.read_choice, ("warm", "neutral", "cool")),
    "pores": _field("skin.pores", V.read_fraction),
    "oil": _field("skin.oil", V.read_fraction),
    "freckles": _field("skin.freckles", V.read_fraction),
    "redness": _field("skin.redness", V.read_fraction),
    "fine_lines": _field("skin.fine_lines", V.read_fraction),
    "imperfections": _field("skin.imperfections", V.read_fraction),
    "age": _field("skin.age_years", V.read_number, 1.0, 110.0),
}


def _skin_block_table() -> dict[str, Handler]:
    """Skin keys inside ``skin { }``: same handlers, prefix adjusted to the character."""
    def lift(handler: Handler) -> Handler:
        def handle(stmt: Stmt, ap: Apply) -> None:
            parent = ap.prefix[: -len("skin.")] if ap.prefix.endswith("skin.") else ap.prefix
            handler(stmt, Apply(ap.interp, ap.state, parent, ap.layer))
        return handle
    return {k: lift(h) for k, h in SKIN.items()}


FACE: dict[str, Handler] = {name: _field(name, V.read_number, -1.0, 1.0) for name in FACE_PARAMS}

CHARACTER: dict[str, Handler] = {
    "seed": _field("seed", V.read_int, 0, 2**63 - 1),
    "skin": _sub_block("skin", "skin."),
    "face": _sub_block("face", "face."),
    "eyes": _eyes,
    "eye_color": _eyes,
    "references": _path_field("references"),
    "identity": _path_field("identity"),
    "mesh": _path_field("mesh"),
    "texture": _path_field("texture"),
    **SKIN,
}


# ----------------------------------------------------------------------------- camera

def _sensor(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "SIZE":
        size = V.read_size(atom, ap.sink, "sensor")
        if size is None:
            return
        w, h, unit = size
        if unit not in V.LENGTH_UNITS:
            ap.sink.add("E201", f"a sensor size needs a unit: `{atom.text}mm`", atom.span)
            return
        ap.set("sensor", None, stmt.span)
        ap.set("sensor_width_m", V.to_metres(w, unit), stmt.span)
        ap.set("sensor_height_m", V.to_metres(h, unit), stmt.span)
        return
    name = V.read_choice(atom, ap.sink, "sensor", SENSORS_MM)
    if name is not None:
        w, h = SENSORS_MM[name]
        ap.set("sensor", name, stmt.span)
        ap.set("sensor_width_m", w / 1000.0, stmt.span)
        ap.set("sensor_height_m", h / 1000.0, stmt.span)


def _focus(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "QUANTITY":
        dist = V.read_length(atom, ap.sink, "focus")
        if dist is not None:
            ap.set("focus.target", None, stmt.span)
            ap.set("focus.distance_m", dist, stmt.span)
        return
    if atom.kind == "DOTTED":
        owner, _, part = atom.text.rpartition(".")
        target = V.read_choice(Atom("NAME", part, atom.span), ap.sink, "focus target", FOCUS_TARGETS)
        if target is not None:
            ap.set("focus.target", target, stmt.span)
            ap.set("focus.distance_m", None, stmt.span)
            ap.set("focus.character", (owner, atom.span), stmt.span)
        return
    if atom.kind == "NUMBER":
        V.read_length(atom, ap.sink, "focus")
        return
    target = V.read_choice(atom, ap.sink, "focus target", FOCUS_TARGETS)
    if target is not None:
        ap.set("focus.target", target, stmt.span)
        ap.set("focus.distance_m", None, stmt.span)
        ap.set("focus.character", None, stmt.span)


def _direction(stmt: Stmt, ap: Apply, az_path: str, el_path: str) -> None:
    """``from 45deg right, 30deg up`` / ``from behind left`` / ``from above``."""
    if stmt.block is not None or not stmt.args:
        _atoms(stmt, ap, 1, 99)
        return
    az: float | None = None
    el: float | None = None
    words: list[Atom] = []
    for group in stmt.args:
        angle_atoms = [a for a in group if a.kind in ("QUANTITY", "NUMBER")]
        names = [a for a in group if a.kind == "NAME"]
        other = [a for a in group if a.kind not in ("QUANTITY", "NUMBER", "NAME")]
        if other:
            V._wrong(other[0], ap.sink, f"`{stmt.key}`", "an angle and a side (45deg right)")
            return
        if angle_atoms:
            if len(angle_atoms) > 1 or len(names) > 1:
                ap.sink.add("E210", f"write one angle and one side per part of `{stmt.key}`",
                            group[0].span, help="e.g. `from 45deg right, 30deg up`")
                return
            angle = V.read_angle(angle_atoms[0], ap.sink, stmt.key)
            if angle is None:
                return
            side = names[0].text if names else "right"
            if side in ("right", "left"):
                az = angle if side == "right" else -angle
            elif side in ("up", "down"):
                el = angle if side == "up" else -angle
            else:
                choice = V.read_choice(names[0], ap.sink, "direction", ("right", "left", "up", "down"))
                if choice is None:
                    return
        else:
            words.extend(names)
    if words:
        vx = vy = 0.0
        horizontal = False
        vertical = 0.0
        for w in words:
            if w.text in HORIZONTAL_WORDS:
                a = math.radians(HORIZONTAL_WORDS[w.text])
                vx += math.sin(a)
                vy += math.cos(a)
                horizontal = True
            elif w.text in VERTICAL_WORDS:
                vertical = VERTICAL_WORDS[w.text]
            else:
                V.read_choice(w, ap.sink, "direction", (*HORIZONTAL_WORDS, *VERTICAL_WORDS))
                return
        if horizontal:
            az = math.atan2(vx, vy) if (abs(vx) > 1e-9 or abs(vy) > 1e-9) else 0.0
        if vertical:
            el = math.radians(vertical / 2 if horizontal else vertical)
    ap.set(az_path, az if az is not None else 0.0, stmt.span)
    ap.set(el_path, el if el is not None else 0.0, stmt.span)


def _anamorphic(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "NAME" and atom.text in V.BOOL_WORDS:
        ap.set("anamorphic", 1.33 if V.BOOL_WORDS[atom.text] else 1.0, stmt.span)
        return
    value = V.read_factor(atom, ap.sink, "anamorphic")
    if value is not None:
        if not 1.0 <= value <= 2.5:
            ap.sink.add("E203", f"`anamorphic` {atom.text} is out of range: it must be 1–2.5x",
                        atom.span)
            return
        ap.set("anamorphic", value, stmt.span)


CAMERA: dict[str, Handler] = {
    "lens": _field("focal_length_m", V.read_length),
    "focal_length": _field("focal_length_m", V.read_length),
    "aperture": _field("f_number", V.read_fnumber),
    "sensor": _sensor,
    "distance": _field("distance_m", V.read_length),
    "focus": _focus,
    "blades": _field("blades", V.read_int, 0, 32),
    "blade_rotation": _field("blade_rotation_rad", V.read_angle),
    "anamorphic": _anamorphic,
    "orbit": lambda s, ap: _direction(s, ap, "yaw_rad", "pitch_rad"),
    "yaw": _field("yaw_rad", V.read_angle),
    "pitch": _field("pitch_rad", V.read_angle),
    "roll": _field("roll_rad", V.read_angle),
    "vignetting": _field("vignetting", V.read_fraction),
    "distortion": _field("distortion", V.read_number, -0.3, 1.0),
    "chromatic_aberration": _field("chromatic_aberration", V.read_number, 0.0, 50.0),
    "macro": _flag("macro"),
}


# ----------------------------------------------------------------------------- lights

def _intensity(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "RATIO" or stmt.key == "ratio":
        r = V.read_ratio(atom, ap.sink, stmt.key)
        if r is not None:
            ap.set("intensity", ("ratio", r[0] / r[1]), stmt.span)
    elif atom.kind == "QUANTITY":
        s = V.read_stops(atom, ap.sink, stmt.key)
        if s is not None:
            ap.set("intensity", ("stops", s), stmt.span)
    else:
        v = V.read_number(atom, ap.sink, stmt.key, 0.0, None)
        if v is not None:
            ap.set("intensity", ("linear", v), stmt.span)


def _color(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        rgb = V.read_color(atoms[0], ap.sink, stmt.key)
        if rgb is not None:
            ap.set("color", srgb_to_linear(rgb), stmt.span)


def _image(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        value = ap.path(atoms[0], "image")
        if value is not None:
            ap.set("image", value, stmt.span)


LIGHT: dict[str, Handler] = {
    "from": lambda s, ap: _direction(s, ap, "azimuth_rad", "elevation_rad"),
    "azimuth": _field("azimuth_rad", V.read_angle),
    "elevation": _field("elevation_rad", V.read_angle),
    "size": _field("size_m", V.read_length),
    "distance": _field("distance_m", V.read_length),
    "cone": _field("cone_rad", V.read_angle),
    "temperature": _field("temperature_k", V.read_kelvin),
    "color": _color,
    "intensity": _intensity,
    "ratio": _intensity,
    "shadows": _flag("shadows"),
    "key": _flag("key"),
    "image": _image,
}


def _light(stmt: Stmt, ap: Apply) -> None:
    """Inside ``lighting``: ``NAME KIND { ... }`` defines or changes a light; ``NAME off``
    removes it."""
    name = stmt.key
    atoms = list(stmt.atoms)
    state = ap.state
    if len(atoms) > 1:
        ap.sink.add("E210", f"light `{name}` takes one kind, found {len(atoms)} values",
                    atoms[1].span, help="write `NAME KIND { ... }`, e.g. `fill area { ratio 1:4 }`")
        return
    if atoms and atoms[0].kind == "NAME" and atoms[0].text in ("off", "none"):
        if name in state.lights:
            state.lights.remove(name)
            state.drop_prefix(f"{ap.prefix}{name}.")
        return
    kind = None
    if atoms:
        kind = V.read_choice(atoms[0], ap.sink, "light kind", LIGHT_KINDS)
        if kind is None:
            return
    elif name not in state.lights:
        ap.sink.add("E210", f"new light `{name}` needs a kind", stmt.key_span,
                    help=did_you_mean(name, state.lights) if state.lights else
                    f"write `{name} area {{ ... }}` (kinds: {', '.join(LIGHT_KINDS)})")
        return
    if name not in state.lights:
        state.lights.append(name)
    state.nodes[f"{ap.prefix}{name}"] = stmt.span
    sub = ap.sub(f"{name}.")
    if kind is not None:
        sub.set("kind", kind, stmt.span)
    if stmt.block is not None:
        ap.interp.run_block("light", stmt.block, sub)


# ----------------------------------------------------------------------------- finish

def _pass(op: str, positional: Callable[[list[Atom], Apply, Stmt], None]) -> Handler:
    """A finishing pass: positional values, an optional block of fields, or ``off``."""
    def handle(stmt: Stmt, ap: Apply) -> None:
        state = ap.state
        if op not in state.finish:
            state.finish.append(op)
        state.nodes[f"{ap.prefix}{op}"] = stmt.span
        sub = ap.sub(f"{op}.")
        atoms = list(stmt.atoms)
        if atoms and atoms[0].kind == "NAME" and atoms[0].text in ("off", "on"):
            sub.set("enabled", atoms[0].text == "on", stmt.span)
            atoms = atoms[1:]
        else:
            sub.set("enabled", True, stmt.span)
        sub.set("__touched", True, stmt.span)
        if atoms:
            positional(atoms, sub, stmt)
        if stmt.block is not None:
            ap.interp.run_block(f"pass:{op}", stmt.block, sub)
    return handle


def _too_many(atoms: list[Atom], n: int, ap: Apply, stmt: Stmt) -> bool:
    if len(atoms) > n:
        ap.sink.add("E210", f"`{stmt.key}` takes at most {n} value{'s' if n > 1 else ''}, "
                    f"found {len(atoms)}", atoms[n].span)
        return True
    return False


def _pos_strength(field_name: str, hi: float):
    def positional(atoms, ap, stmt):
        if not _too_many(atoms, 1, ap, stmt):
            v = V.read_fraction(atoms[0], ap.sink, stmt.key, 0.0, hi)
            if v is not None:
                ap.set(field_name, v, stmt.span)
    return positional


def _pos_upscale(atoms, ap, stmt):
    if _too_many(atoms, 2, ap, stmt):
        return
    for atom in atoms:
        if atom.kind == "NAME":
            mode = V.read_choice(atom, ap.sink, "upscale mode", ("fidelity", "detail"))
            if mode:
                ap.set("mode", mode, stmt.span)
        else:
            f = V.read_factor(atom, ap.sink, "upscale")
            if f is None:
                continue
            if f != int(f) or not 1 <= f <= 8:
                ap.sink.add("E203", f"`upscale` {atom.text} is out of range: a whole factor 1–8x",
                            atom.span)
                continue
            ap.set("factor", int(f), stmt.span)


def _read_stock(atom: Atom, sink: DiagnosticSink, what: str) -> str | None:
    if atom.kind not in ("TAG", "NAME", "NUMBER", "STRING"):
        return V._wrong(atom, sink, f"`{what}`", "a film stock (250D, 500T, 50D)")
    return V.read_choice(atom, sink, "film stock", FILM_STOCKS)


def _pos_grain(atoms, ap, stmt):
    if _too_many(atoms, 2, ap, stmt):
        return
    if len(atoms) == 2 or atoms[0].kind in ("TAG", "NAME", "STRING"):
        stock = _read_stock(atoms[0], ap.sink, "grain")
        if stock is not None:
            ap.set("stock", stock, stmt.span)
        atoms = atoms[1:]
    if atoms:
        v = V.read_fraction(atoms[0], ap.sink, "grain strength", 0.0, 2.0)
        if v is not None:
            ap.set("strength", v, stmt.span)


TONEMAPS = ("agx", "aces", "reinhard", "filmic", "none")
LOOKS = ("none", "punchy", "golden")


def _pos_tonemap(atoms, ap, stmt):
    if _too_many(atoms, 2, ap, stmt):
        return
    op = V.read_choice(atoms[0], ap.sink, "tone map", TONEMAPS)
    if op:
        ap.set("operator", op, stmt.span)
    if len(atoms) > 1:
        look = V.read_choice(atoms[1], ap.sink, "look", LOOKS)
        if look:
            ap.set("look", look, stmt.span)


def _pos_grade(atoms, ap, stmt):
    if _too_many(atoms, 2, ap, stmt):
        return
    path = ap.path(atoms[0], "grade")
    if path:
        ap.set("lut", path, stmt.span)
    if len(atoms) > 1:
        v = V.read_fraction(atoms[1], ap.sink, "grade strength")
        if v is not None:
            ap.set("strength", v, stmt.span)


def _pos_exposure(atoms, ap, stmt):
    if not _too_many(atoms, 1, ap, stmt):
        v = V.read_stops(atoms[0], ap.sink, "exposure")
        if v is not None:
            ap.set("stops", v, stmt.span)


def _pos_white_balance(atoms, ap, stmt):
    if _too_many(atoms, 2, ap, stmt):
        return
    k = V.read_kelvin(atoms[0], ap.sink, "white_balance")
    if k is not None:
        ap.set("temperature_k", k, stmt.span)
    if len(atoms) > 1:
        t = V.read_number(atoms[1], ap.sink, "white_balance tint", -1.0, 1.0)
        if t is not None:
            ap.set("tint", t, stmt.span)


def _pos_sharpen(atoms, ap, stmt):
    if _too_many(atoms, 2, ap, stmt):
        return
    v = V.read_number(atoms[0], ap.sink, "sharpen", 0.0, 3.0)
    if v is not None:
        ap.set("amount", v, stmt.span)
    if len(atoms) > 1:
        r = V.read_number(atoms[1], ap.sink, "sharpen radius", 0.1, 20.0)
        if r is not None:
            ap.set("radius_px", r, stmt.span)


FINISH: dict[str, Handler] = {
    "skin_enhance": _pass("skin_enhance", _pos_strength("strength", 2.0)),
    "upscale": _pass("upscale", _pos_upscale),
    "grain": _pass("grain", _pos_grain),
    "tonemap": _pass("tonemap", _pos_tonemap),
    "grade": _pass("grade", _pos_grade),
    "exposure": _pass("exposure", _pos_exposure),
    "white_balance": _pass("white_balance", _pos_white_balance),
    "smooth": _pass("smooth", _pos_strength("strength", 1.0)),
    "sharpen": _pass("sharpen", _pos_sharpen),
}


def _grade_lut(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        path = ap.path(atoms[0], "lut")
        if path:
            ap.set("lut", path, stmt.span)


def _upscale_factor(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        _pos_upscale(atoms, ap, stmt)


PASS_FIELDS: dict[str, dict[str, Handler]] = {
    "skin_enhance": {"strength": _field("strength", V.read_fraction, 0.0, 2.0),
                     "seed": _field("seed", V.read_int, 0, 2**63 - 1)},
    "upscale": {"factor": _upscale_factor,
                "mode": _field("mode", V.read_choice, ("fidelity", "detail"))},
    "grain": {"stock": _field("stock", _read_stock),
              "strength": _field("strength", V.read_fraction, 0.0, 2.0),
              "seed": _field("seed", V.read_int, 0, 2**63 - 1),
              "frame": _field("frame", V.read_int, 0, 10**9)},
    "tonemap": {"operator": _field("operator", V.read_choice, TONEMAPS),
                "contrast": _field("contrast", V.read_number, 0.0, 3.0),
                "look": _field("look", V.read_choice, LOOKS)},
    "grade": {"lut": _grade_lut, "strength": _field("strength", V.read_fraction)},
    "exposure": {"stops": _field("stops", V.read_stops)},
    "white_balance": {"temperature": _field("temperature_k", V.read_kelvin),
                      "tint": _field("tint", V.read_number, -1.0, 1.0)},
    "smooth": {"strength": _field("strength", V.read_fraction)},
    "sharpen": {"amount": _field("amount", V.read_number, 0.0, 3.0),
                "radius": _field("radius_px", V.read_number, 0.1, 20.0)},
}
for _op, _table in PASS_FIELDS.items():
    _table["enabled"] = _flag("enabled")


# ----------------------------------------------------------------------------- source, output

def _source(stmt: Stmt, ap: Apply) -> None:
    atoms = list(stmt.atoms)
    ap.state.nodes["source"] = stmt.span
    sub = ap.sub("source.")
    if len(atoms) > 2:
        ap.sink.add("E210", f"`source` takes a kind and a path, found {len(atoms)} values",
                    atoms[2].span)
        return
    if atoms:
        kind = V.read_choice(atoms[0], ap.sink, "source kind", ("render", "plate"))
        if kind is None:
            return
        sub.set("kind", kind, stmt.span)
        if kind == "render":
            if len(atoms) > 1:
                ap.sink.add("E210", "`source render` takes no path", atoms[1].span)
            for key in ("plate", "depth", "mask"):
                sub.set(key, None, stmt.span)
        elif len(atoms) > 1:
            path = sub.path(atoms[1], "plate")
            if path:
                sub.set("plate", path, stmt.span)
    if stmt.block is not None:
        ap.interp.run_block("source", stmt.block, sub)
    if ap.state.get("source.kind") == "plate" and ap.state.get("source.plate") is None:
        ap.sink.add("E210", "`source plate` needs the image: `source plate \"plate.png\"`",
                    stmt.key_span)


SOURCE: dict[str, Handler] = {
    "plate": _path_field("plate", kind_path="kind", kind="plate"),
    "depth": _path_field("depth"),
    "mask": _path_field("mask"),
    "near": _field("depth_near_m", V.read_length),
    "far": _field("depth_far_m", V.read_length),
    "distance": _field("subject_distance_m", V.read_length),
}


def _output(stmt: Stmt, ap: Apply) -> None:
    atoms = list(stmt.atoms)
    ap.state.nodes["output"] = stmt.span
    sub = ap.sub("output.")
    if len(atoms) > 1:
        ap.sink.add("E210", f"`output` takes one path, found {len(atoms)} values", atoms[1].span)
        return
    if atoms:
        path = sub.path(atoms[0], "output")
        if path:
            sub.set("path", path, stmt.span)
    if stmt.block is not None:
        ap.interp.run_block("output", stmt.block, sub)


def _size(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    size = V.read_size(atoms[0], ap.sink, "size")
    if size is None:
        return
    w, h, unit = size
    if unit or w != int(w) or h != int(h):
        ap.sink.add("E201", f"`size` expects whole pixels (1024x1280), found `{atoms[0].text}`",
                    atoms[0].span)
        return
    if _pixels_ok(atoms[0], ap, "width", int(w)) and _pixels_ok(atoms[0], ap, "height", int(h)):
        ap.set("width", int(w), stmt.span)
        ap.set("height", int(h), stmt.span)


MAX_SIDE_PX = 16384


def _pixels_ok(atom: Atom, ap: Apply, side: str, px: int) -> bool:
    if 16 <= px <= MAX_SIDE_PX:
        return True
    ap.sink.add("E208", f"output {side} {px}px is outside 16–{MAX_SIDE_PX}px", atom.span,
                help="the size is the final image; `upscale` renders at size / factor")
    return False


def _side(side: str) -> Handler:
    def handle(stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 1, 1)
        if atoms:
            v = V.read_int(atoms[0], ap.sink, side)
            if v is not None and _pixels_ok(atoms[0], ap, side, v):
                ap.set(side, v, stmt.span)
    return handle


def _bit_depth(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        v = V.read_int(atoms[0], ap.sink, "depth")
        if v is None:
            return
        if v not in (8, 16, 32):
            ap.sink.add("E202", f"unknown bit depth `{atoms[0].text}`", atoms[0].span,
                        help="expected one of: `8`, `16`, `32`")
            return
        ap.set("bit_depth", v, stmt.span)


OUTPUT: dict[str, Handler] = {
    "path": _path_field("path"),
    "size": _size,
    "width": _side("width"),
    "height": _side("height"),
    "format": _field("format", V.read_choice, ("png", "tiff", "exr", "jpeg")),
    "depth": _bit_depth,
    "bit_depth": _bit_depth,
    "colorspace": _field("colorspace", V.read_choice, ("srgb", "rec709", "linear")),
    "color_space": _field("colorspace", V.read_choice, ("srgb", "rec709", "linear")),
    "dither": _flag("dither"),
}


# ----------------------------------------------------------------------------- shot

def _character_ref(stmt: Stmt, ap: Apply) -> None:
    atoms = _atoms(stmt, ap, 1, 1, block=True)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind != "NAME":
        V._wrong(atom, ap.sink, "`character`", "a character's name")
        return
    ap.interp.load_character(atom, ap.state, stmt)
    ap.state.nodes["character"] = stmt.span
    if stmt.block is not None:
        ap.interp.run_block("character", stmt.block, ap.sub("character."))


def _allow(stmt: Stmt, ap: Apply) -> None:
    codes = [a for a in stmt.atoms]
    if stmt.block is not None or not codes:
        _atoms(stmt, ap, 1, 99)
        return
    for atom in codes:
        if ap.interp.check_code(atom.text, atom.span):
            ap.state.allows.add(atom.text.upper())


SHOT: dict[str, Handler] = {
    "character": _character_ref,
    "camera": _sub_block("camera", "camera."),
    "lighting": _sub_block("lighting", "lights."),
    "source": _source,
    "finish": _sub_block("finish", "finish."),
    "output": _output,
    "seed": _field("seed", V.read_int, 0, 2**63 - 1),
    "allow": _allow,
}

BLOCK_KINDS: dict[str, dict[str, Handler]] = {
    "shot": SHOT, "character": CHARACTER, "skin": _skin_block_table(), "face": FACE,
    "camera": CAMERA, "light": LIGHT, "source": SOURCE, "finish": FINISH, "output": OUTPUT,
    **{f"pass:{op}": table for op, table in PASS_FIELDS.items()},
}


def keys_of(kind: str) -> list[str]:
    """The statement keys a block kind accepts (``use`` included)."""
    if kind == "lighting":
        return ["use"]
    return sorted(BLOCK_KINDS[kind]) + ["use"]


# ----------------------------------------------------------------------------- interpreter

@dataclass
class Interpreter:
    """Applies blocks to states; knows the program's presets and characters."""

    sink: DiagnosticSink
    presets: dict[str, PresetDef] = field(default_factory=dict)
    load_character: Callable = lambda atom, state, stmt: None
    check_code: Callable[[str, Span], bool] = lambda code, span: True
    set_file: str = "<--set>"
    root_dir: str = "."
    _preset_stack: list[str] = field(default_factory=list)

    def run_block(self, kind: str, block: Block, ap: Apply) -> None:
        for stmt in block.stmts:
            self.run_stmt(kind, stmt, ap)

    def run_stmt(self, kind: str, stmt: Stmt, ap: Apply) -> None:
        if stmt.key == "use":
            self.use(kind, stmt, ap)
            return
        if kind == "lighting":
            _light(stmt, ap)
            return
        table = BLOCK_KINDS[kind]
        handler = table.get(stmt.key)
        if handler is None:
            where = kind.split(":")[-1]
            self.sink.add("E101", f"unknown key `{stmt.key}` in `{where}`", stmt.key_span,
                          help=did_you_mean(stmt.key, keys_of(kind)))
            return
        handler(stmt, ap)

    def use(self, kind: str, stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 1, 1)
        if not atoms:
            return
        atom = atoms[0]
        preset = self.presets.get(atom.text)
        if preset is None or atom.kind != "NAME":
            self.sink.add("E102", f"unknown preset `{atom.text}`", atom.span,
                          help=did_you_mean(atom.text, self.presets) or
                          "define it with `preset NAME KIND { ... }` or import a library")
            return
        want = kind.split(":")[0] if not kind.startswith("pass:") else kind
        if preset.kind != want:
            self.sink.add("E103", f"preset `{preset.name}` is a `{preset.kind}` preset, used in "
                          f"a `{want.replace('pass:', '')}` block", atom.span,
                          notes=(f"`{preset.name}` is defined at {preset.name_span.file}:"
                                 f"{preset.name_span.line}:{preset.name_span.col}",))
            return
        if preset.name in self._preset_stack:
            chain = " → ".join([*self._preset_stack, preset.name])
            self.sink.add("E106", f"preset `{preset.name}` uses itself: {chain}", atom.span)
            return
        self._preset_stack.append(preset.name)
        try:
            inner = Apply(self, ap.state, ap.prefix, f"preset {preset.name}")
            self.run_block(kind, preset.block, inner)
        finally:
            self._preset_stack.pop()
