"""Statements of colour management: OpenColorIO config and names, CDL triples."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.nodes import Stmt
from shotspec.compiler.statements.core import Apply, FieldRef, _atoms, custom
from shotspec.compiler.statements.finish import _too_many


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
