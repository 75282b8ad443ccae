"""Statements of the finish block: each pass's block and its positional form (`upscale 2x
detail`, `grain 250D 0.3`)."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.compiler.ir import PASS_MODELS
from shotspec.compiler.schema import fields_of
from shotspec.compiler.nodes import Atom, Stmt
from shotspec.compiler.tables import FILM_STOCKS
from shotspec.compiler.statements.core import Apply, CUSTOM, CustomReader, FieldRef, Handler, _atoms, _ref, custom, read_value
from shotspec.compiler.statements.camera import _factor_in_range


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
