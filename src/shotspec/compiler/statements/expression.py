"""The expression block: ARKit shapes and their aliases, with a weight."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import did_you_mean
from shotspec.compiler.nodes import Stmt
from shotspec.head_vocabulary import ALIASES, EXPRESSIONS, NEUTRAL, expand
from shotspec.compiler.statements.core import Apply, _atoms


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
