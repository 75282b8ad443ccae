"""Statements of the shot block: the character it uses, and `allow CODE`."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.nodes import Stmt
from shotspec.compiler.statements.core import Apply, FieldRef, _atoms, custom


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
