"""ShotIR → .shot source ("decompile"): one self-contained spec that compiles back to the same IR.

``emit_shot(shot)`` writes a ``character NAME { ... }`` block (when the shot has a character)
and the ``shot NAME { ... }`` block with every value explicit: imports and presets are inlined
because the IR holds their resolved values, ``--set`` overrides are folded in. The result is run
through the formatter (``shot fmt``'s canonical layout).

The emitter is driven by the schema on the IR models (``shotspec.compiler.schema``): a field
with a literal reader is written by the writer of that reader kind (``GENERIC_WRITERS``), a
field with a named custom reader by that reader's writer (``CUSTOM_WRITERS``), a sub-model field
by its block writer; fields set by another statement (a sensor's size, a tone's swatch, content
hashes) are listed in ``COVERED_BY``. A new field therefore needs no change here unless it
brings a new reader kind, and tests/compiler/test_emit.py fails when a field has no writer.

Round trips: lengths, numbers, stops, kelvin and f-numbers are written with Python's shortest
repr and come back exactly; angles are stored in radians but written in degrees (the shortest
decimal whose ``math.radians`` gives the stored value when one exists, else the repr of
``math.degrees``), so they come back equal to about 1e-12 relative. Light intensities are
written as linear numbers (relative to the key, as the IR holds them). Torch-free.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Callable

from pydantic import BaseModel

from shotspec.color import hex_to_srgb
from shotspec.compiler.formatter import format_source
from shotspec.compiler.ir import (PASS_MODELS, CameraIR, CharacterIR, EyesIR, FocusIR, GazeIR,
                                  HairIR, LightIR, OutputIR, ShotIR, SkinIR, SourceIR, ToneIR)
from shotspec.compiler.schema import Key, fields_of, key_of
from shotspec.compiler.statements import NTSC_RATES
from shotspec.hair_colours import hair_colour_name
from shotspec.compiler.tables import (EYE_COLORS, SENSORS_MM, fitzpatrick_albedo, monk_albedo,
                                      srgb_to_linear)

__all__ = ["emit_shot", "GENERIC_WRITERS", "CUSTOM_WRITERS", "BLOCK_WRITERS", "COVERED_BY",
           "number_text", "angle_text"]


# ----------------------------------------------------------------------------- literals

def number_text(x: float | int) -> str:
    """The shortest decimal that reads back as ``x`` (no exponent: the language has none)."""
    if isinstance(x, bool):
        raise TypeError("a flag is not a number")
    if isinstance(x, int):
        return str(x)
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return format(Decimal(repr(x)), "f")


def angle_text(rad: float, lo_deg: float | None = None, hi_deg: float | None = None) -> str:
    """Radians as degrees (``35deg``): the shortest rounding whose radians are the stored value,
    else the full repr of ``math.degrees`` (then equal to ~1e-12 relative), kept in range."""
    deg = math.degrees(rad)
    for digits in range(0, 16):
        candidate = round(deg, digits)
        if math.radians(candidate) == rad:
            deg = candidate
            break
    if lo_deg is not None:
        deg = max(deg, lo_deg)
    if hi_deg is not None:
        deg = min(deg, hi_deg)
    return f"{number_text(deg)}deg"


def string_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{min(max(round(c * 255), 0), 255):02x}" for c in rgb)


def _srgb_hex(rgb: tuple[float, float, float]) -> tuple[str, bool]:
    """An sRGB-encoded colour as ``#rrggbb`` and whether it reads back exactly."""
    text = _hex(rgb)
    return text, hex_to_srgb(text) == tuple(rgb)


def _linear_hex(rgb: tuple[float, float, float]) -> tuple[str, bool]:
    """A linear colour (as ``color`` stores it) as ``#rrggbb`` (the byte whose stored linear
    value is nearest per channel) and whether it reads back exactly."""
    linear = [srgb_to_linear(hex_to_srgb(f"#{b:02x}0000"))[0] for b in range(256)]
    text = "#" + "".join(f"{min(range(256), key=lambda b: abs(linear[b] - c)):02x}" for c in rgb)
    return text, srgb_to_linear(hex_to_srgb(text)) == tuple(rgb)


# ----------------------------------------------------------------------------- generic writers

# reader kind -> (value, Key) -> literal text
GENERIC_WRITERS: dict[str, Callable[[Any, Key], str]] = {
    "length": lambda v, k: f"{number_text(v)}m",
    "angle": lambda v, k: angle_text(v, k.lo, k.hi),
    "kelvin": lambda v, k: f"{number_text(v)}K",
    "fraction": lambda v, k: number_text(v),
    "number": lambda v, k: number_text(v),
    "int": lambda v, k: number_text(int(v)),
    "stops": lambda v, k: f"{number_text(v)} stops",
    "fnumber": lambda v, k: f"f/{number_text(v)}",
    "choice": lambda v, k: str(v),
    "flag": lambda v, k: "on" if v else "off",
    "path": lambda v, k: string_text(v),
}

# Fields no statement sets directly: what sets them instead (a test checks every field has a
# generic writer, a custom writer, a block writer or an entry here).
COVERED_BY: dict[tuple[type, str], str] = {
    (ToneIR, "scale"): "tone", (ToneIR, "value"): "tone", (ToneIR, "albedo_srgb"): "tone",
    (CharacterIR, "identity_sha256"): "hash of `identity`",
    (FocusIR, "target"): "focus", (FocusIR, "distance_m"): "focus",
    (FocusIR, "pull_to"): "focus keyframes", (FocusIR, "pull"): "focus keyframes",
    (GazeIR, "target"): "gaze", (GazeIR, "yaw_rad"): "gaze", (GazeIR, "pitch_rad"): "gaze",
    (CameraIR, "sensor_width_m"): "sensor", (CameraIR, "sensor_height_m"): "sensor",
    (LightIR, "kind"): "the light's header (`NAME KIND { ... }`)",
    (SourceIR, "kind"): "source", (SourceIR, "plate_sha256"): "hash of the plate",
    (SourceIR, "plate_frame"): "the frame of a video plate (per frame of a sequence)",
    (SourceIR, "depth_sha256"): "hash of `depth`", (SourceIR, "mask_sha256"): "hash of `mask`",
    (PASS_MODELS["grade"], "lut_sha256"): "hash of `lut`",
    (PASS_MODELS["cdl"], "file_sha256"): "hash of `file`",
    (PASS_MODELS["cdl"], "config"): "the output's `config`",
    (PASS_MODELS["cdl"], "working"): "the output's `working`",
    (SourceIR, "config"): "the output's `config`", (SourceIR, "working"): "the output's `working`",
    (OutputIR, "config_sha256"): "hash of `config`", (OutputIR, "lut_sha256"): "hash of `lut`",
    (HairIR, "albedo_linear"): "hair `colour`",
}


class _Emitter:
    """Writes the statements of one model's block, field by field, as the schema says."""

    def __init__(self, shot: ShotIR) -> None:
        self.shot = shot

    def body(self, obj: BaseModel, skip: tuple[str, ...] = ()) -> list[str]:
        lines: list[str] = []
        model = type(obj)
        for name, k in fields_of(model):
            if name in skip or (model, name) in COVERED_BY:
                continue
            value = getattr(obj, name)
            if k.handler is not None:
                lines += CUSTOM_WRITERS[k.handler](self, obj, name, k)
            elif k.block is not None:
                lines += BLOCK_WRITERS.get(k.block, _sub_block)(self, obj, name, k)
            elif k.read is not None:
                if value is not None:
                    lines.append(f"{k.key or name} {GENERIC_WRITERS[k.read](value, k)}")
                elif model.model_fields[name].default is not None:
                    # Left out, the field would compile to its default: say so in the spec.
                    lines.append(f"// {k.key or name}: unset, which no statement can write")
            else:
                raise KeyError(f"{model.__name__}.{name} has no writer")
            if k.lift and k.block is None:
                lines += self.body(getattr(obj, name))
        return lines

    def block(self, header: str, lines: list[str]) -> list[str]:
        return [header + " {", *lines, "}"]


Writer = Callable[[_Emitter, BaseModel, str, Key], list[str]]


def _sub_block(em: _Emitter, obj: BaseModel, name: str, k: Key) -> list[str]:
    """A sub-model's ``KEY { ... }`` block (left out when it would be empty)."""
    inner = em.body(getattr(obj, name))
    return em.block(k.key or name, inner) if inner else []


def _lighting(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    lines = []
    for light in shot.lights:
        lines += em.block(f"{light.name} {light.kind}", em.body(light))
    return em.block("lighting", lines)


def _finish(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    lines = []
    for p in shot.finish:
        lines += em.block(p.op, em.body(p))
    return em.block("finish", lines)


def _expression(em: _Emitter, character: CharacterIR, name: str, k: Key) -> list[str]:
    """``expression { mouthSmile_L 0.4 ... }`` in ARKit names (left out when neutral)."""
    lines = [f"{shape} {number_text(w)}" for shape, w in character.expression]
    return em.block("expression", lines) if lines else []


BLOCK_WRITERS: dict[str, Writer] = {"lighting": _lighting, "finish": _finish,
                                    "expression": _expression}


# ----------------------------------------------------------------------------- custom writers

CUSTOM_WRITERS: dict[str, Writer] = {}


def _writes(name: str) -> Callable[[Writer], Writer]:
    def register(fn: Writer) -> Writer:
        CUSTOM_WRITERS[name] = fn
        return fn
    return register


@_writes("tone")
def _tone(em: _Emitter, skin: SkinIR, name: str, k: Key) -> list[str]:
    """`tone monk 5` / `tone fitzpatrick 2` when the swatch is the scale's, else a colour."""
    tone = skin.tone
    albedo = tuple(tone.albedo_srgb)
    swatch = {"monk": monk_albedo, "fitzpatrick": fitzpatrick_albedo}.get(tone.scale)
    if swatch is not None and swatch(tone.value) == albedo:
        return [f"tone {tone.scale} {number_text(tone.value)}"]
    text, exact = _srgb_hex(albedo)
    if exact and tone.scale == "color":
        return [f"tone {text}"]
    character = em.shot.character
    if character is not None and character.identity:
        # Written, the measured colour would round to 8 bits; the identity file supplies it exactly.
        return [f"// tone: the identity's measured colour ({text}, {tone.scale} "
                f"{number_text(tone.value)}), from the identity file"]
    return [f"tone {text}  // approximately the measured colour {albedo}"]


@_writes("gaze")
def _gaze(em: _Emitter, character: CharacterIR, name: str, k: Key) -> list[str]:
    """`gaze lens` or `gaze Ndeg left, Ndeg up` (a side read back negated: exact)."""
    gaze = character.gaze
    if gaze.target == "lens":
        return ["gaze lens"]
    yaw_k, pitch_k = key_of(GazeIR, "yaw_rad"), key_of(GazeIR, "pitch_rad")
    yaw = angle_text(abs(gaze.yaw_rad), 0.0, yaw_k.hi)
    pitch = angle_text(abs(gaze.pitch_rad), 0.0, pitch_k.hi)
    yaw += " left" if gaze.yaw_rad < 0 else " right"
    pitch += " down" if gaze.pitch_rad < 0 else " up"
    return [f"gaze {yaw}, {pitch}"]


@_writes("eyes")
def _eyes(em: _Emitter, character: CharacterIR, name: str, k: Key) -> list[str]:
    """``eyes { iris …; pupil …; redness …; wetness … }`` (every value explicit)."""
    return em.block("eyes", em.body(character.eyes))


@_writes("iris")
def _iris(em: _Emitter, eyes: EyesIR, name: str, k: Key) -> list[str]:
    """A named iris colour when it is one, else `#rrggbb` (unset: drawn from the seed)."""
    rgb = eyes.iris_srgb
    if rgb is None:
        return []
    for word, named in EYE_COLORS.items():
        if tuple(named) == tuple(rgb):
            return [f"iris {word}"]
    text, exact = _srgb_hex(rgb)
    return [f"iris {text}" + ("" if exact else f"  // approximately {tuple(rgb)}")]


@_writes("pupil")
def _pupil(em: _Emitter, eyes: EyesIR, name: str, k: Key) -> list[str]:
    """`pupil auto` or the diameter in mm (metres when mm would not read back)."""
    if eyes.pupil_m is None:
        return ["pupil auto"]
    mm = number_text(round(eyes.pupil_m * 1000.0, 9))
    if float(mm) / 1000.0 == eyes.pupil_m:
        return [f"pupil {mm}mm"]
    return [f"pupil {number_text(eyes.pupil_m)}m"]



@_writes("facial_hair_colour")
def _facial_hair_colour(em: _Emitter, obj: BaseModel, name: str, k: Key) -> list[str]:
    """A named hair colour when it is one, else `#rrggbb` (unset: the kind's default)."""
    rgb = getattr(obj, name)
    if rgb is None:
        return []
    word = hair_colour_name(rgb)
    if word is not None:
        return [f"colour {word}"]
    text, exact = _srgb_hex(rgb)
    return [f"colour {text}" + ("" if exact else f"  // approximately {tuple(rgb)}")]


@_writes("stubble")
def _stubble(em: _Emitter, character: CharacterIR, name: str, k: Key) -> list[str]:
    """`stubble { ... }` when it grows, `stubble off { ... }` when it does not."""
    header = "stubble" if character.stubble.enabled else "stubble off"
    return em.block(header, em.body(character.stubble, skip=("enabled",)))

@_writes("sensor")
def _sensor(em: _Emitter, camera: CameraIR, name: str, k: Key) -> list[str]:
    """A named sensor, else its size in millimetres (metres when mm would not read back)."""
    w, h = camera.sensor_width_m, camera.sensor_height_m
    if camera.sensor is not None and SENSORS_MM.get(camera.sensor) is not None:
        sw, sh = SENSORS_MM[camera.sensor]
        if (sw / 1000.0, sh / 1000.0) == (w, h):
            return [f"sensor {camera.sensor}"]
    mm = [number_text(round(x * 1000.0, 9)) for x in (w, h)]
    if all(float(t) / 1000.0 == x for t, x in zip(mm, (w, h))):
        return [f"sensor {mm[0]}x{mm[1]}mm"]
    return [f"sensor {number_text(w)}x{number_text(h)}m"]


@_writes("focus")
def _focus(em: _Emitter, camera: CameraIR, name: str, k: Key) -> list[str]:
    """A named target (`eyes`) or a distance (`0.7m`)."""
    focus = camera.focus
    if focus.target is not None:
        return [f"focus {focus.target}"]
    if focus.distance_m is not None:
        return [f"focus {number_text(focus.distance_m)}m"]
    return []


def _one_value(text: Callable[[Any], str], *, unless_none: bool = False) -> Writer:
    """A writer of ``KEY VALUE`` for a custom reader whose value is one literal (left out when
    it is None and ``unless_none``)."""
    def write(em: _Emitter, obj: BaseModel, name: str, k: Key) -> list[str]:
        value = getattr(obj, name)
        return [] if unless_none and value is None else [f"{k.key or name} {text(value)}"]
    return write


@_writes("hair_colour")
def _hair_colour(em: _Emitter, hair: HairIR, name: str, k: Key) -> list[str]:
    """`colour NAME` or `colour #rrggbb`, as written (left out when drawn from the seed)."""
    return [] if hair.colour is None else [f"colour {hair.colour}"]


# Intensities are plain (linear) numbers on the IR's scale, where the key is its own value.
CUSTOM_WRITERS.update({
    "anamorphic": _one_value(lambda v: f"{number_text(v)}x"),
    "intensity": _one_value(number_text),
    "upscale_factor": _one_value(lambda v: f"{int(v)}x"),
    "stock": _one_value(str),
    "side": _one_value(lambda v: str(int(v))),
    "bit_depth": _one_value(str),
    "ocio_config": _one_value(string_text),
    "ocio_name": _one_value(string_text, unless_none=True),    # a name in the colour config
    "face_sd": _one_value(number_text, unless_none=True),      # unset: left to the seed
    "timecode": _one_value(string_text, unless_none=True),    # unset: from first_frame
})


@_writes("cdl_triple")
def _cdl_triple(em: _Emitter, obj: BaseModel, name: str, k: Key) -> list[str]:
    """`slope 1.1` when the channels agree, else `slope 1.1 1 0.9`."""
    values = getattr(obj, name)
    shown = values[:1] if len(set(values)) == 1 else values
    return [f"{k.key or name} " + " ".join(number_text(v) for v in shown)]


@_writes("color")
def _color(em: _Emitter, obj: BaseModel, name: str, k: Key) -> list[str]:
    """A linear colour field (a light's, the lips') as ``KEY #rrggbb``."""
    rgb = getattr(obj, name)
    if rgb is None:
        return []
    text, exact = _linear_hex(rgb)
    return [f"{k.key or name} {text}" + ("" if exact else f"  // approximately linear {rgb}")]


@_writes("plate")
def _plate(em: _Emitter, source: SourceIR, name: str, k: Key) -> list[str]:
    """Written in the `source plate "…"` header by the `source` writer."""
    return []


@_writes("source")
def _source(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    """`source render { ... }` or `source plate "file" { ... }`."""
    source = shot.source
    header = "source " + source.kind
    if source.kind == "plate" and source.plate is not None:
        header += " " + string_text(source.plate)
    lines = em.body(source)
    return em.block(header, lines) if lines else [header]


@_writes("output")
def _output(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    """`output "path" { ... }`."""
    output = shot.output
    return em.block(f"output {string_text(output.path)}", em.body(output, skip=("path",)))


@_writes("duration")
def _duration(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    """`duration 48f` (frames), left out for a still shot."""
    return [] if shot.duration_frames is None else [f"duration {shot.duration_frames}f"]


@_writes("fps")
def _fps(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    """`fps 24` for a sequence (`23.976` for 24000/1001, as written), or a still shot's other
    rate; a keyframed value is written at frame 0 (``shot emit`` writes the still shot)."""
    if shot.duration_frames is None and shot.fps == 24.0:
        return []
    ntsc = {v: written for written, v in NTSC_RATES.items()}
    return [f"fps {number_text(ntsc.get(shot.fps, shot.fps))}"]


@_writes("character")
def _character(em: _Emitter, shot: ShotIR, name: str, k: Key) -> list[str]:
    """`character NAME` (the character's values are in its own block above the shot)."""
    return [f"character {shot.character.name}"] if shot.character is not None else []


# ----------------------------------------------------------------------------- entry point

def emit_shot(shot: ShotIR, header: str = "") -> str:
    """One self-contained spec for ``shot``, in ``shot fmt``'s canonical layout. ``header`` is
    written first as ``//`` comment lines."""
    em = _Emitter(shot)
    lines = [f"// {line}" if line else "//" for line in header.splitlines()]
    lines += [""] if lines else []
    if shot.character is not None:
        lines += em.block(f"character {shot.character.name}", em.body(shot.character))
        lines.append("")
    lines += em.block(f"shot {shot.name}", em.body(shot))
    text = "\n".join(lines) + "\n"
    formatted, diagnostics = format_source(text, "<emitted>")
    if formatted is None:
        raise ValueError(f"emitted spec does not parse: {diagnostics[0].message}\n{text}")
    return formatted
