"""Statements of the character's blocks: skin tone, eyes and iris, pupil, hair and stubble
colour, face controls in population SD, gaze."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.ir import TONE_SCALES, EyesIR, GazeIR, StubbleIR
from shotspec.compiler.schema import key_of
from shotspec.compiler.nodes import Stmt
from shotspec.hair_colours import HAIR_COLOURS
from shotspec.compiler.hair_pigment import hair_colour_albedo
from shotspec.head_vocabulary import FACE_CONTROL_SD_MM
from shotspec.compiler.tables import EYE_COLORS, fitzpatrick_albedo, monk_albedo, srgb_to_linear
from shotspec.compiler.statements.core import Apply, FieldRef, _atoms, _ref, custom, read_value
from shotspec.compiler.statements.camera import _direction


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
