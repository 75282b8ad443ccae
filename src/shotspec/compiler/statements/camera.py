"""Statements of the camera block: sensor, focus, directions (`from 45deg right, 30deg up`),
orbit, anamorphic squeeze."""

from __future__ import annotations

import math

from shotspec.compiler import values as V
from shotspec.compiler.ir import CameraIR, FocusIR, LightIR
from shotspec.compiler.nodes import Atom, Stmt
from shotspec.compiler.tables import HORIZONTAL_WORDS, SENSORS_MM, VERTICAL_WORDS
from shotspec.compiler.statements.core import Apply, FOCUS_TARGETS, FieldRef, _atoms, _ref, custom, read_value


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
