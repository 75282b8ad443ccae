"""The machinery every block kind's statements share: where a statement writes (``Apply``),
arity checks, generic field readers, the ``@custom`` registry and the statement tables built
from the IR models' schema."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import DiagnosticSink, nul_in_path
from shotspec.compiler.ir import PASS_MODELS, FocusIR, LightIR, Span
from shotspec.compiler.schema import Key, choices_of, fields_of, key_of, submodel_of
from shotspec.compiler.nodes import Atom, Stmt, span_join
from shotspec.compiler.state import State

if TYPE_CHECKING:
    from shotspec.compiler.statements import Interpreter


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
        if nul_in_path(self.sink, text, what, atom.span):
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
