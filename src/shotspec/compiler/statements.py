"""What every statement of every block kind means, derived from the schema on the IR models.

Each block kind fills one IR model (``BLOCK_MODELS``); its statement table is built from the
model's ``spec(...)`` fields (``shotspec.compiler.schema``): a field with a literal reader gets
the generic handler (one value, read and range-checked as its Key says), a field that names a
custom reader gets that reader (``@custom``: tone, sensor, focus, directions, intensity, source,
output size …), a sub-model field opens a ``{ ... }`` block or lifts its statements into the
parent. ``Interpreter.run_block(kind, block, ap)`` applies a block's statements in order to a
``State`` (later wins); ``use NAME`` expands a preset's statements in place. Keys a block kind
does not know are E101 with a did-you-mean.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Callable

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import DiagnosticSink, did_you_mean
from shotspec.compiler.ir import (PASS_MODELS, TONE_SCALES, BrowsIR, CameraIR, CharacterIR,
                                  EyesIR, FaceIR, FocusIR, GazeIR, HairIR, LashesIR, LightIR,
                                  LipsIR, OutputIR, PoseIR, ShotIR, SkinIR, SourceIR, Span,
                                  StubbleIR)
from shotspec.compiler.schema import (STOPS_RANGE, Key, choices_of, fields_of, key_of,
                                      submodel_of)
from shotspec.compiler.nodes import Atom, Block, PresetDef, Stmt, span_join
from shotspec.compiler.keyframes import animate, is_keyframed
from shotspec.compiler.state import State
from shotspec.compiler.timecode import parse_timecode
from shotspec.hair_colours import HAIR_COLOURS
from shotspec.compiler.hair_pigment import hair_colour_albedo
from shotspec.head_vocabulary import (ALIASES, EXPRESSIONS, FACE_CONTROL_SD_MM, NEUTRAL,
                                      expand)
from shotspec.compiler.tables import (EYE_COLORS, FILM_STOCKS, HORIZONTAL_WORDS, SENSORS_MM, VERTICAL_WORDS,
                                      fitzpatrick_albedo, monk_albedo, srgb_to_linear)

__all__ = ["Interpreter", "BLOCK_KINDS", "BLOCK_MODELS", "PRESET_KINDS", "FINISH_OPS",
           "LIGHT_KINDS", "keys_of", "sub_blocks", "FOCUS_TARGETS", "read_value",
           "EXPRESSION_KEYS"]

LIGHT_KINDS = choices_of(LightIR, "kind")
FINISH_OPS = tuple(PASS_MODELS)
FOCUS_TARGETS = choices_of(FocusIR, "target")
PRESET_KINDS = ("shot", "character", "skin", "face", "expression", "pose", "hair", "lips", "camera", "lighting",
                "light", "source", "finish", "output")


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


# ----------------------------------------------------------------------------- fields

@dataclass(frozen=True)
class FieldRef:
    """One declared field: the model, the field's name, its Key."""

    model: type
    name: str
    key: Key

    @property
    def choices(self) -> tuple:
        return choices_of(self.model, self.name)

    @property
    def statement_key(self) -> str:
        return self.key.key or self.name


def read_value(f: FieldRef, atom: Atom, ap: Apply, what: str):
    """Read one literal for field ``f`` with its Key's reader and range; None after a
    diagnostic."""
    k, sink = f.key, ap.sink
    if k.read == "path":
        return ap.path(atom, what)
    if k.read == "choice":
        return V.read_choice(atom, sink, what, f.choices)
    if k.read == "flag":
        return V.read_bool(atom, sink, what)
    if k.read == "fnumber":
        return V.read_fnumber(atom, sink, what)
    if k.read == "length":
        return V.read_length(atom, sink, what, k.lo, k.hi)
    reader = {"fraction": V.read_fraction, "number": V.read_number, "int": V.read_int,
              "angle": V.read_angle, "kelvin": V.read_kelvin, "stops": V.read_stops}[k.read]
    return reader(atom, sink, what, k.lo, k.hi)


def _field(f: FieldRef) -> Handler:
    """A statement with one value (a flag: none or one) read as the field's Key says."""
    def handle(stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 0 if f.key.read == "flag" else 1, 1)
        if atoms is None:
            return
        value = True if not atoms else read_value(f, atoms[0], ap, stmt.key)
        if value is not None:
            ap.set(f.name, value, stmt.span)
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


CustomReader = Callable[[Stmt, Apply, "FieldRef | None"], None]
CUSTOM: dict[str, CustomReader] = {}


def custom(name: str) -> Callable[[CustomReader], CustomReader]:
    """Register a statement reader a field names with ``spec(handler=NAME)`` (or a model with
    ``EXTRA_STATEMENTS``): the statements whose syntax is more than one literal."""
    def register(fn: CustomReader) -> CustomReader:
        CUSTOM[name] = fn
        return fn
    return register


def _bound(name: str, f: FieldRef | None) -> Handler:
    return lambda stmt, ap: CUSTOM[name](stmt, ap, f)


def _lifted(handler: Handler, prefix: str) -> Handler:
    return lambda stmt, ap: handler(stmt, ap.sub(prefix))


def statement_table(model: type) -> dict[str, Handler]:
    """Every statement a block filling ``model`` accepts, derived from its fields' Keys."""
    table: dict[str, Handler] = {}
    for name, k in fields_of(model):
        f = FieldRef(model, name, k)
        if k.handler is not None:
            handler = _bound(k.handler, f)
        elif k.block is not None:
            handler = _sub_block(k.block, f"{name}.")
        elif k.read is not None:
            handler = _field(f)
        else:
            continue
        for key in k.statement_keys(name):
            table[key] = handler
        if k.lift:
            for key, inner in statement_table(submodel_of(model, name)).items():
                table.setdefault(key, _lifted(inner, f"{name}."))
    for key, name in getattr(model, "EXTRA_STATEMENTS", {}).items():
        table[key] = _bound(name, None)
    return table


def _ref(model: type, name: str) -> FieldRef:
    return FieldRef(model, name, key_of(model, name))


# ----------------------------------------------------------------------------- character

@custom("tone")
def _tone(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`monk N` (1–10), `fitzpatrick N` (1–6) or a colour (`#c68863`)."""
    atoms = _atoms(stmt, ap, 1, 2)
    if not atoms:
        return
    first = atoms[0]
    if first.kind == "COLOR" and len(atoms) == 1:
        rgb = V.read_color(first, ap.sink, "tone")
        ap.set("tone.scale", "color", stmt.span)
        ap.set("tone.value", 0.0, stmt.span)
        ap.set("tone.albedo_srgb", rgb, stmt.span)
        return
    scale = V.read_choice(first, ap.sink, "skin tone scale", TONE_SCALES)
    if scale is None:
        return
    if len(atoms) < 2:
        ap.sink.add("E210", f"`tone {scale}` needs a value", stmt.span,
                    help="e.g. `tone monk 5` (1–10) or `tone fitzpatrick 3` (1–6)")
        return
    value = V.read_number(atoms[1], ap.sink, f"tone {scale}", *TONE_SCALES[scale])
    if value is None:
        return
    albedo = monk_albedo(value) if scale == "monk" else fitzpatrick_albedo(value)
    ap.set("tone.scale", scale, stmt.span)
    ap.set("tone.value", value, stmt.span)
    ap.set("tone.albedo_srgb", albedo, stmt.span)


@custom("eyes")
def _eyes(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`{ iris …; pupil …; redness …; wetness … }`, or an iris colour (`eyes hazel`)."""
    if stmt.block is not None:
        if stmt.atoms:
            ap.sink.add("E210", f"`{stmt.key}` takes either a colour or a `{{ ... }}` block, "
                        "not both", stmt.atoms[0].span,
                        help="write `eyes hazel` or `eyes { iris hazel; pupil 4mm }`")
            return
        ap.state.nodes.setdefault(ap.prefix + "eyes", stmt.span)
        ap.interp.run_block("eyes", stmt.block, ap.sub("eyes."))
        return
    _iris(stmt, ap.sub("eyes."), None)


def _table_colour(stmt: Stmt, ap: Apply, what: str,
                  table: dict[str, tuple[float, float, float]]) -> tuple[float, ...] | None:
    """The sRGB colour of a statement's one value: a name in ``table`` (``what`` names the
    table in a did-you-mean) or a colour literal; None after a diagnostic."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return None
    atom = atoms[0]
    rgb = (V.read_color(atom, ap.sink, stmt.key) if atom.kind == "COLOR"
           else V.read_choice(atom, ap.sink, what, table))
    if isinstance(rgb, str):
        rgb = table[rgb]
    return None if rgb is None else tuple(rgb)


@custom("iris")
def _iris(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`dark_brown brown amber hazel green blue grey` or a colour (`#5a7fa3`)."""
    rgb = _table_colour(stmt, ap, "eye colour", EYE_COLORS)
    if rgb is not None:
        ap.set("iris_srgb", rgb, stmt.span)


@custom("pupil")
def _pupil(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`auto` (from the light at the eye) or a diameter (`4mm`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "NAME" and atom.text == "auto":
        ap.set("pupil_m", None, stmt.span)
        return
    lo, hi, _, code = key_of(EyesIR, "pupil_m").valid
    metres = V.read_length(atom, ap.sink, stmt.key, 0.0, None)
    if metres is None:
        return
    if not lo <= metres * 1000.0 <= hi:
        ap.sink.add(code, f"pupil diameter {atom.text} is outside {lo:g}–{hi:g}mm", atom.span,
                    help="a pupil is about 2mm in sunlight, 3–4mm indoors, 7–8mm in the dark; "
                         "`pupil auto` follows the light")
        return
    ap.set("pupil_m", metres, stmt.span)


@custom("facial_hair_colour")
def _facial_hair_colour(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a hair colour (`black` `dark_brown` `brown` `light_brown` `auburn` `red` `blonde` `grey` …) or `#rrggbb`."""
    rgb = _table_colour(stmt, ap, "hair colour", HAIR_COLOURS)
    if rgb is not None:
        ap.set(f.name, rgb, stmt.span)


@custom("stubble")
def _stubble(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a length (`2mm`), `on`/`off`, and/or a `{ length; density; colour }` block."""
    atoms = _atoms(stmt, ap, 0, 1, block=True)
    if atoms is None:
        return
    if not atoms and stmt.block is None:
        ap.sink.add("E210", "`stubble` needs a length (`stubble 2mm`), `on`/`off` or a block",
                    stmt.key_span, help="e.g. `stubble 2mm` or `stubble { length 1mm; density 0.5 }`")
        return
    sub = ap.sub("stubble.")
    ap.state.nodes.setdefault(f"{ap.prefix}stubble", stmt.span)
    if atoms and atoms[0].kind == "NAME" and atoms[0].text in ("on", "off"):
        sub.set("enabled", atoms[0].text == "on", stmt.span)
    elif atoms:
        length = read_value(_ref(StubbleIR, "length_m"), atoms[0], ap, "stubble")
        if length is None:
            return
        sub.set("enabled", True, stmt.span)
        sub.set("length_m", length, stmt.span)
    else:
        sub.set("enabled", True, stmt.span)
    if stmt.block is not None:
        ap.interp.run_block("stubble", stmt.block, sub)


@custom("hair_colour")
def _hair_colour(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """A hair colour name (`dark_brown`, `auburn`, `blonde` …) or a colour (`#6a4e3a`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "COLOR":
        rgb = V.read_color(atom, ap.sink, stmt.key)
        name, albedo = atom.text.lower(), srgb_to_linear(rgb) if rgb else None
    else:
        name = V.read_choice(atom, ap.sink, "hair colour", HAIR_COLOURS)
        albedo = hair_colour_albedo(name) if name else None
    if albedo is not None:
        ap.set("colour", name, stmt.span)
        ap.set("albedo_linear", albedo, stmt.span)


@custom("face_sd")
def _face_sd(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """SDs (`1.5`) or a length (`+4mm`).

    A length is converted with the control's SD in mm (``FACE_CONTROL_SD_MM``)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom, k = atoms[0], f.key
    sd_mm = FACE_CONTROL_SD_MM[f.name]
    hint = (f"1 SD of `{f.name}` is {sd_mm:g}mm: values are −3…3 SD, lengths "
            f"−{3 * sd_mm:g}…{3 * sd_mm:g}mm")
    if atom.kind == "QUANTITY":
        value, unit = V.split_quantity(atom.text)
        if unit not in V.LENGTH_UNITS:
            V._wrong(atom, ap.sink, f"`{stmt.key}`", "SDs (1.5) or a length (+4mm)")
            return
        sds = V.to_metres(value, unit) * 1000.0 / sd_mm
        if not k.lo <= sds <= k.hi:
            ap.sink.add("E203", f"`{stmt.key}` {atom.text} is {sds:+.2f} SD, out of range: it "
                        f"must be {k.lo:g}–{k.hi:g} SD", atom.span, help=hint)
            return
        ap.set(f.name, sds, stmt.span)
        return
    if atom.kind != "NUMBER":
        V._wrong(atom, ap.sink, f"`{stmt.key}`", "SDs (1.5) or a length (+4mm)")
        return
    value = V._range(atom, ap.sink, float(atom.text), k.lo, k.hi, f"`{stmt.key}`", " SD", hint)
    if value is not None:
        ap.set(f.name, value, stmt.span)


@custom("gaze")
def _gaze(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`lens`, or `10deg left, 5deg up` (eyes in the head)."""
    atoms = _atoms(stmt, ap, 1, 99)
    if not atoms:
        return
    if len(atoms) == 1 and atoms[0].kind == "NAME" and atoms[0].text == "lens":
        ap.set("gaze.target", "lens", stmt.span)
        ap.set("gaze.yaw_rad", 0.0, stmt.span)
        ap.set("gaze.pitch_rad", 0.0, stmt.span)
        return
    if all(a.kind == "NAME" for a in stmt.atoms):
        if atoms[0].text in ("left", "right", "up", "down"):
            ap.sink.add("E210", "`gaze` takes an angle for each side", atoms[0].span,
                        help=f"e.g. `gaze 10deg {atoms[0].text}`; `gaze lens` looks at the camera")
        else:
            V.read_choice(atoms[0], ap.sink, "gaze", ("lens",))
        return
    before = len(ap.sink.items)
    inner = ap.sub("gaze.")
    _direction(stmt, inner, _ref(GazeIR, "yaw_rad"), _ref(GazeIR, "pitch_rad"),
               allow_words=False)
    if len(ap.sink.items) == before:
        inner.set("target", "direction", stmt.span)


# ----------------------------------------------------------------------------- camera

@custom("sensor")
def _sensor(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a named sensor (`full_frame`, table below) or a size (`36x24mm`)."""
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


@custom("focus")
def _focus(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`eyes nose lips ears subject`, `CHARACTER.eyes` or a length (`0.6m`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    owner = ap.prefix + "focus"
    if atom.kind == "QUANTITY":
        dist = read_value(_ref(FocusIR, "distance_m"), atom, ap, "focus")
        if dist is not None:
            ap.set("focus.target", None, stmt.span)
            ap.set("focus.distance_m", dist, stmt.span)
            ap.state.focus_owners.pop(owner, None)
        return
    if atom.kind == "DOTTED":
        name, _, part = atom.text.rpartition(".")
        target = V.read_choice(Atom("NAME", part, atom.span), ap.sink, "focus target", FOCUS_TARGETS)
        if target is not None:
            ap.set("focus.target", target, stmt.span)
            ap.set("focus.distance_m", None, stmt.span)
            ap.state.focus_owners[owner] = (name, atom.span)
        return
    if atom.kind == "NUMBER":
        V.read_length(atom, ap.sink, "focus")
        return
    target = V.read_choice(atom, ap.sink, "focus target", FOCUS_TARGETS)
    if target is not None:
        ap.set("focus.target", target, stmt.span)
        ap.set("focus.distance_m", None, stmt.span)
        ap.state.focus_owners.pop(owner, None)


def _direction(stmt: Stmt, ap: Apply, az: FieldRef, el: FieldRef,
               allow_words: bool = True) -> None:
    """``from 45deg right, 30deg up`` / ``from behind left`` / ``from above`` (the words only
    when ``allow_words``)."""
    if stmt.block is not None or not stmt.args:
        _atoms(stmt, ap, 1, 99)
        return
    az_rad: float | None = None
    el_rad: float | None = None
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
            side = names[0].text if names else "right"
            if side not in ("right", "left", "up", "down"):
                V.read_choice(names[0], ap.sink, "direction", ("right", "left", "up", "down"))
                return
            target = az if side in ("right", "left") else el
            sign = -1.0 if side in ("left", "down") else 1.0
            lo, hi = target.key.lo, target.key.hi
            if sign < 0:
                lo, hi = -hi, -lo
            angle = V.read_angle(angle_atoms[0], ap.sink, stmt.key, lo, hi)
            if angle is None:
                return
            if target is az:
                az_rad = sign * angle
            else:
                el_rad = sign * angle
        elif allow_words:
            words.extend(names)
        else:
            ap.sink.add("E210", f"`{stmt.key}` takes an angle for each side",
                        group[0].span, help=f"e.g. `{stmt.key} 10deg left, 5deg up`")
            return
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
            az_rad = math.atan2(vx, vy) if (abs(vx) > 1e-9 or abs(vy) > 1e-9) else 0.0
        if vertical:
            el_rad = math.radians(vertical / 2 if horizontal else vertical)
    ap.set(az.name, az_rad if az_rad is not None else 0.0, stmt.span)
    ap.set(el.name, el_rad if el_rad is not None else 0.0, stmt.span)


@custom("orbit")
def _orbit(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`20deg right, 5deg up`: sets `yaw` and `pitch` (words as in `from`)."""
    _direction(stmt, ap, _ref(CameraIR, "yaw_rad"), _ref(CameraIR, "pitch_rad"))


@custom("from")
def _from(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`45deg right, 30deg up`, `behind left`, `above`: sets `azimuth` and `elevation`."""
    _direction(stmt, ap, _ref(LightIR, "azimuth_rad"), _ref(LightIR, "elevation_rad"))


def _factor_in_range(atom: Atom, ap: Apply, f: FieldRef, value: float, what: str) -> bool:
    whole = f.model.model_fields[f.name].annotation is int
    if (whole and value != int(value)) or not f.key.lo <= value <= f.key.hi:
        bounds = f"{f.key.lo:g}–{f.key.hi:g}{f.key.unit}"
        ap.sink.add("E203", f"`{what}` {atom.text} is out of range: "
                    f"{'a whole factor ' if whole else 'it must be '}{bounds}", atom.span)
        return False
    return True


@custom("anamorphic")
def _anamorphic(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a factor (`1.33x`) or `on`/`off`."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "NAME" and atom.text in V.BOOL_WORDS:
        ap.set("anamorphic", 1.33 if V.BOOL_WORDS[atom.text] else 1.0, stmt.span)
        return
    value = V.read_factor(atom, ap.sink, "anamorphic")
    if value is not None and _factor_in_range(atom, ap, f, value, "anamorphic"):
        ap.set("anamorphic", value, stmt.span)


# ----------------------------------------------------------------------------- time

# NTSC-family rates as written (`fps 23.976`) → the exact rate (24000/1001 …).
NTSC_RATES = {23.976: 24000 / 1001, 29.97: 30000 / 1001, 47.952: 48000 / 1001,
              59.94: 60000 / 1001, 119.88: 120000 / 1001}


@custom("duration")
def _duration(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`48f` (frames) or `2s` (seconds, at the shot's fps)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "QUANTITY":
        value, unit = V.split_quantity(atom.text)
        if unit in ("f", "s") and value > 0 and (unit == "s" or value.is_integer()):
            if value <= f.key.hi:
                ap.set(f.name, (value, unit), stmt.span)
                return
    hint = (f"write `{atom.text}f` (frames) or `{atom.text}s` (seconds)" if atom.kind == "NUMBER"
            else "a whole number of frames (`48f`) or seconds (`2s`)")
    ap.sink.add("E235", f"`duration` takes a length of time, found `{atom.text}`", atom.span,
                help=hint)


@custom("fps")
def _fps(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """frames per second: a number (`24`, `25`, `23.976`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind != "NUMBER":
        ap.sink.add("E235", f"`fps` takes a number of frames per second, found `{atom.text}`",
                    atom.span, help="e.g. `fps 24`, `fps 25` or `fps 23.976`")
        return
    value = V._range(atom, ap.sink, float(atom.text), f.key.lo, f.key.hi, "`fps`")
    if value is not None:
        ap.set(f.name, NTSC_RATES.get(round(value, 3), value), stmt.span)


@custom("timecode")
def _timecode(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a quoted timecode (`"01:00:00:00"`, drop-frame `"00:59:58;00"`).

    Its frames field and drop-frame are checked against the shot's fps in
    ``compiler.timeline`` (E239)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    text = V.read_string(atoms[0], ap.sink, stmt.key)
    if text is None:
        return
    tc, why = parse_timecode(text)
    if tc is None:
        ap.sink.add("E238", why, atoms[0].span,
                    help='write HH:MM:SS:FF, e.g. `timecode "01:00:00:00"`; `;` before the '
                         'frames for drop-frame (`"01:00:00;00"`)')
        return
    ap.set(f.name, str(tc), stmt.span)


# ----------------------------------------------------------------------------- lights

@custom("intensity")
def _intensity(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """stops (`-1.5 stops`), a ratio (`1:4`) or a linear number (`0.5`).

    Stops (relative to the key, within STOPS_RANGE), a ratio ``a:b`` or a linear number."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    if atom.kind == "RATIO" or stmt.key == "ratio":
        r = V.read_ratio(atom, ap.sink, stmt.key)
        if r is not None:
            ap.set("intensity", ("ratio", r[0] / r[1]), stmt.span)
    elif atom.kind == "QUANTITY":
        s = V.read_stops(atom, ap.sink, stmt.key, *STOPS_RANGE)
        if s is not None:
            ap.set("intensity", ("stops", s), stmt.span)
    else:
        v = V.read_number(atom, ap.sink, stmt.key, f.key.lo, f.key.hi)
        if v is not None:
            ap.set("intensity", ("linear", v), stmt.span)


@custom("color")
def _color(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a colour (`#ffddaa`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        rgb = V.read_color(atoms[0], ap.sink, stmt.key)
        if rgb is not None:
            ap.set(f.name if f is not None else "color", srgb_to_linear(rgb), stmt.span)


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

def _pass(model: type) -> Handler:
    """A finishing pass: positional values, an optional block of fields, or ``off``."""
    op = model.PASS.op
    positional = CUSTOM[model.PASS.positional] if model.PASS.positional else _positional(model)

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
        if atoms:
            positional(Stmt(stmt.key, stmt.key_span, (tuple(atoms),), None, stmt.span), sub, None)
        if stmt.block is not None:
            ap.interp.run_block(f"pass:{op}", stmt.block, sub)
    return handle


def _too_many(atoms: list[Atom], n: int, ap: Apply, stmt: Stmt) -> bool:
    if len(atoms) > n:
        ap.sink.add("E210", f"`{stmt.key}` takes at most {n} value{'s' if n > 1 else ''}, "
                    f"found {len(atoms)}", atoms[n].span)
        return True
    return False


def _positional(model: type) -> CustomReader:
    """``grade "look.cube" 0.8``: values in the order of the fields' ``pos``; the first is
    named after the pass in messages, the others ``pass field``."""
    refs = sorted((FieldRef(model, n, k) for n, k in fields_of(model) if k.pos is not None),
                  key=lambda f: f.key.pos)

    def read(stmt: Stmt, ap: Apply, _f: FieldRef | None) -> None:
        atoms = list(stmt.atoms)
        if _too_many(atoms, len(refs), ap, stmt):
            return
        for i, (atom, f) in enumerate(zip(atoms, refs)):
            what = f.key.label or (stmt.key if i == 0 else f"{stmt.key} {f.statement_key}")
            value = read_value(f, atom, ap, what)
            if value is not None:
                ap.set(f.name, value, stmt.span)
    return read


@custom("upscale")
def _pos_upscale(stmt: Stmt, ap: Apply, _f: FieldRef | None) -> None:
    """``upscale 2x detail``: a factor and a mode, in either order."""
    atoms = list(stmt.atoms)
    if _too_many(atoms, 2, ap, stmt):
        return
    for atom in atoms:
        if atom.kind == "NAME":
            f = _ref(PASS_MODELS["upscale"], "mode")
            mode = read_value(f, atom, ap, f.key.label)
            if mode:
                ap.set("mode", mode, stmt.span)
        else:
            _upscale_factor_value(atom, ap, stmt)


def _upscale_factor_value(atom: Atom, ap: Apply, stmt: Stmt) -> None:
    value = V.read_factor(atom, ap.sink, "upscale")
    if value is not None and _factor_in_range(atom, ap, _ref(PASS_MODELS["upscale"], "factor"),
                                              value, "upscale"):
        ap.set("factor", int(value), stmt.span)


@custom("upscale_factor")
def _upscale_factor(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a factor (`2x`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        _pos_upscale(stmt, ap, f)


def _read_stock(atom: Atom, sink: DiagnosticSink, what: str) -> str | None:
    if atom.kind not in ("TAG", "NAME", "NUMBER", "STRING"):
        return V._wrong(atom, sink, f"`{what}`", "a film stock (250D, 500T, 50D)")
    return V.read_choice(atom, sink, "film stock", FILM_STOCKS)


@custom("stock")
def _stock(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a film stock (`250D`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        stock = _read_stock(atoms[0], ap.sink, stmt.key)
        if stock is not None:
            ap.set("stock", stock, stmt.span)


@custom("grain")
def _pos_grain(stmt: Stmt, ap: Apply, _f: FieldRef | None) -> None:
    """``grain 250D 0.35`` or ``grain 0.35``: an optional stock, then the strength."""
    atoms = list(stmt.atoms)
    if _too_many(atoms, 2, ap, stmt):
        return
    if len(atoms) == 2 or atoms[0].kind in ("TAG", "NAME", "STRING"):
        stock = _read_stock(atoms[0], ap.sink, "grain")
        if stock is not None:
            ap.set("stock", stock, stmt.span)
        atoms = atoms[1:]
    if atoms:
        v = read_value(_ref(PASS_MODELS["grain"], "strength"), atoms[0], ap, "grain strength")
        if v is not None:
            ap.set("strength", v, stmt.span)


# ----------------------------------------------------------------------------- source, output

@custom("source")
def _source(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`render` or `plate "file" [{ ... }]`."""
    atoms = list(stmt.atoms)
    ap.state.nodes["source"] = stmt.span
    sub = ap.sub("source.")
    if len(atoms) > 2:
        ap.sink.add("E210", f"`source` takes a kind and a path, found {len(atoms)} values",
                    atoms[2].span)
        return
    if atoms:
        kind = V.read_choice(atoms[0], ap.sink, "source kind", choices_of(SourceIR, "kind"))
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


@custom("plate")
def _plate(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """path (`"plate.png"`); sets the source kind to `plate`."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        value = ap.path(atoms[0], stmt.key)
        if value is not None:
            ap.set("plate", value, stmt.span)
            ap.set("kind", "plate", stmt.span)


@custom("output")
def _output(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`"path" [{ ... }]`."""
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


@custom("size")
def _size(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """pixels (`1024x1280`): sets `width` and `height`."""
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


def _pixels_ok(atom: Atom, ap: Apply, side: str, px: int) -> bool:
    k = key_of(OutputIR, side)
    if k.lo <= px <= k.hi:
        return True
    ap.sink.add("E208", f"output {side} {px}px is outside {k.lo:g}–{k.hi:g}px", atom.span,
                help="the size is the final image; `upscale` renders at size / factor")
    return False


@custom("side")
def _side(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """whole pixels."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        v = V.read_int(atoms[0], ap.sink, f.name)
        if v is not None and _pixels_ok(atoms[0], ap, f.name, v):
            ap.set(f.name, v, stmt.span)


@custom("bit_depth")
def _bit_depth(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`8` `16` `32`."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        v = V.read_int(atoms[0], ap.sink, "depth")
        if v is None:
            return
        if v not in f.choices:
            ap.sink.add("E202", f"unknown bit depth `{atoms[0].text}`", atoms[0].span,
                        help="expected one of: " + ", ".join(f"`{c}`" for c in f.choices))
            return
        ap.set("bit_depth", v, stmt.span)


# ----------------------------------------------------------------------------- colour

@custom("ocio_config")
def _ocio_config(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a built-in config (`"ocio://studio-config-latest"`) or a .ocio file's path."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    text = V.read_string(atoms[0], ap.sink, stmt.key)
    if text is None:
        return
    value = text if text.startswith("ocio://") else ap.path(atoms[0], stmt.key)
    if value is not None:
        ap.set(f.name, value, stmt.span)


@custom("ocio_name")
def _ocio_name(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """a name in the colour config (`"sRGB - Display"`, or bare: `lin_rec709_srgb`)."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    atom = atoms[0]
    text = atom.text if atom.kind == "NAME" else V.read_string(atom, ap.sink, stmt.key)
    if text is not None:
        ap.set(f.name, text, stmt.span)


@custom("cdl_triple")
def _cdl_triple(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """one number (all channels) or three (red green blue)."""
    atoms = list(stmt.atoms)
    if len(atoms) == 2 or not atoms:
        ap.sink.add("E210", f"`{stmt.key}` takes one number or three (red green blue), found "
                    f"{len(atoms)}", atoms[-1].span if atoms else stmt.key_span)
        return
    if _too_many(atoms, 3, ap, stmt):
        return
    lo, hi, _, _ = f.key.valid
    values = [V.read_number(a, ap.sink, stmt.key, lo, hi) for a in atoms]
    if any(v is None for v in values):
        return
    ap.set(f.name, tuple(values) * (3 // len(values)), stmt.span)


# ----------------------------------------------------------------------------- shot

@custom("character")
def _character_ref(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`NAME [{ overrides }]`."""
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


@custom("allow")
def _allow(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """warning codes (`allow W101`): silence lints in this shot."""
    codes = [a for a in stmt.atoms]
    if stmt.block is not None or not codes:
        _atoms(stmt, ap, 1, 99)
        return
    for atom in codes:
        if ap.interp.check_code(atom.text, atom.span):
            ap.state.allows.add(atom.text.upper())


# ----------------------------------------------------------------------------- expression

def _shape(stmt: Stmt, ap: Apply) -> None:
    """Inside ``expression``: ``NAME [WEIGHT]`` sets an ARKit shape, or each shape of an alias's
    mix, to the weight (0…1; bare: 1); ``neutral`` clears every shape set so far."""
    if stmt.key == NEUTRAL:
        if _atoms(stmt, ap, 0, 0) is not None:
            ap.state.drop_prefix(ap.prefix)
        return
    atoms = _atoms(stmt, ap, 0, 1)
    if atoms is None:
        return
    weight = 1.0 if not atoms else V.read_fraction(atoms[0], ap.sink, stmt.key)
    if weight is not None:
        for shape, w in expand(stmt.key, weight):
            ap.set(shape, w, stmt.span)


EXPRESSION_KEYS = (*EXPRESSIONS, *ALIASES, NEUTRAL)


def _unknown_shape(name: str) -> str:
    folded = {k.lower(): k for k in EXPRESSION_KEYS}
    if name.lower() in folded:
        return f"did you mean `{folded[name.lower()]}`? (names are case-sensitive)"
    return (did_you_mean(name, EXPRESSION_KEYS, list_max=0)
            or "write an ARKit shape (`mouthSmile_L`) or an alias (`smile`, `blink`, "
               "`jaw_open`); docs/language.md lists them")


# Which model each block kind fills; `lighting` and `finish` hold lists (of lights, of passes).
BLOCK_MODELS: dict[str, type] = {
    "shot": ShotIR, "character": CharacterIR, "skin": SkinIR, "face": FaceIR, "pose": PoseIR,
    "eyes": EyesIR,
    "hair": HairIR,
    "lips": LipsIR,
    "camera": CameraIR, "light": LightIR, "source": SourceIR, "output": OutputIR,
    "brows": BrowsIR, "lashes": LashesIR, "stubble": StubbleIR,
    **{f"pass:{op}": model for op, model in PASS_MODELS.items()},
}

BLOCK_KINDS: dict[str, dict[str, Handler]] = {
    **{kind: statement_table(model) for kind, model in BLOCK_MODELS.items()},
    "finish": {op: _pass(model) for op, model in PASS_MODELS.items()},
    "expression": {name: _shape for name in EXPRESSION_KEYS},
}


def sub_blocks(kind: str) -> dict[str, tuple[str, str]]:
    """The ``{ ... }`` blocks a block kind opens: statement key -> (block kind, path prefix);
    what ``--set shot.camera.lens=…`` walks."""
    model = BLOCK_MODELS.get(kind)
    if model is None:
        return {}
    return {key: (k.block, f"{name}.") for name, k in fields_of(model) if k.block is not None
            for key in k.statement_keys(name)}


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
        if handler is not None and is_keyframed(stmt):
            animate(stmt, ap, handler)
            return
        if handler is None and kind == "expression":
            self.sink.add("E114", f"unknown expression shape `{stmt.key}`", stmt.key_span,
                          help=_unknown_shape(stmt.key))
            return
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
