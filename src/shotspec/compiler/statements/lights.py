"""Statements of lights: intensity (stops or a ratio), colour, and the lighting block's lights."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import did_you_mean
from shotspec.compiler.schema import STOPS_RANGE
from shotspec.compiler.nodes import Stmt
from shotspec.compiler.tables import srgb_to_linear
from shotspec.compiler.statements.core import Apply, FieldRef, LIGHT_KINDS, _atoms, custom


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
