"""Statements of time: duration, fps (the NTSC rates as written) and timecode."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.nodes import Stmt
from shotspec.compiler.timecode import parse_timecode
from shotspec.compiler.statements.core import Apply, FieldRef, _atoms, custom


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
