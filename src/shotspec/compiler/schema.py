"""The language's schema, declared once on the IR models' fields.

A field written with ``spec(...)`` says everything the rest of the compiler derives from it:
which statement sets it (its key and aliases), which literal reader parses the value, the range
(in the units a user writes: degrees, kelvin, stops, metres — checked once, when the literal is
read, and again by pydantic on the IR), a one-line doc, the positional place in a finishing
pass's one-line form, and the plan stages whose content key includes it.

Passes declare, on the class, their op name, op version, when they are the identity, whether
they are seeded and whether they are pointwise (``PassInfo``). Block kinds name the model a
``{ ... }`` block fills (``BLOCK_MODELS``). Statement handling (``statements``), ``--set``
(``resolve``), plan node parameters (``plan.build``), dead-pass elimination, op versions and the
parameter tables of docs/language.md are all read from here. Torch-free.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Key", "PassInfo", "spec", "key_of", "fields_of", "choices_of", "submodel_of",
           "stage_fields", "to_ir", "STOPS_RANGE", "SEED_RANGE"]

# Exposure and light-intensity stops: ±20 stops is a factor of about a million either way,
# more than any camera's dynamic range; beyond it 2**stops is meaningless (or overflows).
STOPS_RANGE = (-20.0, 20.0)
# Seeds are unsigned 63-bit integers (they must fit a torch/numpy int64).
SEED_RANGE = (0, 2**63 - 1)


@dataclass(frozen=True)
class Key:
    """How a field is written in a .shot file and where its value goes."""

    read: str | None                 # literal reader (values.read_*) or None when no statement
    key: str | None = None           # statement key; None: the field's name
    aliases: tuple[str, ...] = ()
    lo: float | None = None          # range in the units a user writes (degrees for angles)
    hi: float | None = None
    unit: str = ""                   # for docs and range messages
    doc: str = ""
    stages: frozenset[str] = frozenset()   # plan stages whose key includes this field
    pos: int | None = None           # place in a pass's positional form (`grain 250D 0.35`)
    handler: str | None = None       # a named custom reader (``statements``: ``@custom``)
    label: str | None = None         # what a choice is called in messages ("tone map")
    block: str | None = None         # the field is a sub-model filled by `key { ... }` of this kind
    lift: bool = False               # the sub-model's statements may also be written here
    # A physical range checked on the lowered shot (validate.py), where values from several
    # statements meet (a named sensor, a focal length): (lo, hi, display unit, code).
    valid: tuple[float, float, str, str] | None = None

    def statement_keys(self, name: str) -> tuple[str, ...]:
        """The statement keys that set this field (none when no statement does)."""
        if self.read is None and self.handler is None and self.block is None:
            return ()
        return (self.key or name, *self.aliases)

    def __call__(self, schema: dict[str, Any]) -> None:
        """As pydantic's ``json_schema_extra``: `shot schema` also says which plan stages a
        field changes."""
        schema["x-shot-stages"] = sorted(self.stages)


def spec(default: Any = ..., read: str | None = None, *, key: str | None = None,
         aliases: tuple[str, ...] = (), lo: float | None = None, hi: float | None = None,
         unit: str = "", doc: str = "", stages: tuple[str, ...] | str = (), pos: int | None = None,
         handler: str | None = None, label: str | None = None, block: str | None = None,
         lift: bool = False, valid: tuple[float, float, str, str] | None = None,
         **field_kwargs: Any) -> Any:
    """A pydantic ``Field`` carrying a ``Key``. The range is written once, in user units;
    the field's ``ge``/``le`` (``gt`` for lengths, which must be positive) follow from it
    unless ``field_kwargs`` names a wider IR bound (a lowered value, e.g. light intensity)."""
    stages = (stages,) if isinstance(stages, str) else stages
    k = Key(read, key, tuple(aliases), lo, hi, unit, doc, frozenset(stages), pos, handler,
            label, block, lift, valid)
    bounds: dict[str, float] = {}
    if lo is not None:
        # a length must be positive (> 0); a bounded one (lo > 0) includes its ends
        bounds["gt" if read == "length" and lo <= 0.0 else "ge"] = to_ir(read, lo)
    if hi is not None:
        bounds["le"] = to_ir(read, hi)
    return Field(default, description=doc or None, json_schema_extra=k,
                 **{**bounds, **field_kwargs})


def to_ir(read: str | None, value: float) -> float:
    """A bound in user units → IR units (only angles differ: degrees → radians)."""
    return math.radians(value) if read == "angle" else value


@dataclass(frozen=True)
class PassInfo:
    """A finishing pass's class-level declaration."""

    op: str
    version: str = "1"
    identity: tuple[str, Any] | None = None   # (field, value) at which the pass does nothing
    seeded: bool = False        # a `seed` of None takes the shot's (character's) seed
    pointwise: bool = False     # per-pixel: may be fused with its pointwise neighbours
    positional: str | None = None   # a custom reader of the one-line form (else by `pos`)
    doc: str = ""

    def is_identity(self, params: Any) -> bool:
        """Whether a node with these (typed) params leaves every pixel as it is (disabled
        included)."""
        if params.enabled is False:
            return True
        return self.identity is not None and getattr(params, self.identity[0]) == self.identity[1]

    @property
    def identity_doc(self) -> str:
        return f"`{self.identity[0]} {self.identity[1]}`" if self.identity else "never"


def key_of(model: type[BaseModel], name: str) -> Key | None:
    extra = model.model_fields[name].json_schema_extra
    return extra if isinstance(extra, Key) else None


def fields_of(model: type[BaseModel]) -> list[tuple[str, Key]]:
    """The model's fields that carry a Key, in declaration order."""
    return [(n, k) for n in model.model_fields if (k := key_of(model, n)) is not None]


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def choices_of(model: type[BaseModel], name: str) -> tuple[Any, ...]:
    """The values of a ``Literal[...]`` field (``None`` excluded)."""
    annotation = _strip_optional(model.model_fields[name].annotation)
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return ()


def submodel_of(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    annotation = _strip_optional(model.model_fields[name].annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def stage_fields(model: type[BaseModel], stage: str) -> dict[str, Any]:
    """The fields of ``model`` a plan stage's key includes: ``name -> True`` for a value,
    ``name -> {...}`` (recursively) for a sub-model some of whose fields it includes. Every
    declared field of a pass belongs to the pass's own op."""
    own = getattr(model, "PASS", None)
    out: dict[str, Any] = {}
    for name in model.model_fields:
        sub = submodel_of(model, name)
        if sub is not None and sub.__name__ != "Span":
            inner = stage_fields(sub, stage)
            if inner:
                out[name] = inner
            continue
        k = key_of(model, name)
        if k is not None and (stage in k.stages or (own is not None and own.op == stage)):
            out[name] = True
    return out
