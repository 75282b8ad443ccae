"""What every statement of every block kind means, derived from the schema on the IR models.

Each block kind fills one IR model (``BLOCK_MODELS``); its statement table is built from the
model's ``spec(...)`` fields (``shotspec.compiler.schema``): a field with a literal reader gets
the generic handler (one value, read and range-checked as its Key says), a field that names a
custom reader gets that reader (``@custom``: tone, sensor, focus, directions, intensity, source,
output size …), a sub-model field opens a ``{ ... }`` block or lifts its statements into the
parent. ``Interpreter.run_block(kind, block, ap)`` applies a block's statements in order to a
``State`` (later wins); ``use NAME`` expands a preset's statements in place. Keys a block kind
does not know are E101 with a did-you-mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from shotspec.compiler.diagnostics import DiagnosticSink, did_you_mean
from shotspec.compiler.ir import (PASS_MODELS, BrowsIR, CameraIR, CharacterIR, EyesIR,
                                  FaceIR, HairIR, LashesIR, LightIR, LipsIR, OutputIR, PoseIR,
                                  ShotIR, SkinIR, SourceIR, Span, StubbleIR)
from shotspec.compiler.schema import fields_of
from shotspec.compiler.nodes import Block, PresetDef, Stmt
from shotspec.compiler.keyframes import animate, is_keyframed
# the handler modules register their @custom readers when they are imported
from shotspec.compiler.statements import camera, character, colour, shot, sources, timing  # noqa: F401
from shotspec.compiler.statements.core import (CUSTOM, FINISH_OPS, FOCUS_TARGETS, LIGHT_KINDS, PRESET_KINDS,
                                               Apply, Handler, _atoms, read_value, statement_table)
from shotspec.compiler.statements.expression import EXPRESSION_KEYS, _shape, _unknown_shape
from shotspec.compiler.statements.finish import _pass
from shotspec.compiler.statements.lights import _light
from shotspec.compiler.statements.timing import NTSC_RATES

__all__ = ["Interpreter", "BLOCK_KINDS", "BLOCK_MODELS", "PRESET_KINDS", "FINISH_OPS",
           "LIGHT_KINDS", "keys_of", "sub_blocks", "FOCUS_TARGETS", "read_value",
           "EXPRESSION_KEYS", "Apply", "CUSTOM", "NTSC_RATES"]

# Which model each block kind fills; `lighting` and `finish` hold lists (of lights, of passes).
BLOCK_MODELS: dict[str, type] = {
    "shot": ShotIR, "character": CharacterIR, "skin": SkinIR, "face": FaceIR, "pose": PoseIR,
    "eyes": EyesIR,
    "hair": HairIR,
    "lips": LipsIR,
    "camera": CameraIR, "light": LightIR, "source": SourceIR, "output": OutputIR,
    "brows": BrowsIR, "lashes": LashesIR, "stubble": StubbleIR,
    **{f"pass:{op}": model for op, model in PASS_MODELS.items()},
}

BLOCK_KINDS: dict[str, dict[str, Handler]] = {
    **{kind: statement_table(model) for kind, model in BLOCK_MODELS.items()},
    "finish": {op: _pass(model) for op, model in PASS_MODELS.items()},
    "expression": {name: _shape for name in EXPRESSION_KEYS},
}


def sub_blocks(kind: str) -> dict[str, tuple[str, str]]:
    """The ``{ ... }`` blocks a block kind opens: statement key -> (block kind, path prefix);
    what ``--set shot.camera.lens=…`` walks."""
    model = BLOCK_MODELS.get(kind)
    if model is None:
        return {}
    return {key: (k.block, f"{name}.") for name, k in fields_of(model) if k.block is not None
            for key in k.statement_keys(name)}


def keys_of(kind: str) -> list[str]:
    """The statement keys a block kind accepts (``use`` included)."""
    if kind == "lighting":
        return ["use"]
    return sorted(BLOCK_KINDS[kind]) + ["use"]


# ----------------------------------------------------------------------------- interpreter

@dataclass
class Interpreter:
    """Applies blocks to states; knows the program's presets and characters."""

    sink: DiagnosticSink
    presets: dict[str, PresetDef] = field(default_factory=dict)
    load_character: Callable = lambda atom, state, stmt: None
    check_code: Callable[[str, Span], bool] = lambda code, span: True
    set_file: str = "<--set>"
    root_dir: str = "."
    _preset_stack: list[str] = field(default_factory=list)

    def run_block(self, kind: str, block: Block, ap: Apply) -> None:
        for stmt in block.stmts:
            self.run_stmt(kind, stmt, ap)

    def run_stmt(self, kind: str, stmt: Stmt, ap: Apply) -> None:
        if stmt.key == "use":
            self.use(kind, stmt, ap)
            return
        if kind == "lighting":
            _light(stmt, ap)
            return
        table = BLOCK_KINDS[kind]
        handler = table.get(stmt.key)
        if handler is not None and is_keyframed(stmt):
            animate(stmt, ap, handler)
            return
        if handler is None and kind == "expression":
            self.sink.add("E114", f"unknown expression shape `{stmt.key}`", stmt.key_span,
                          help=_unknown_shape(stmt.key))
            return
        if handler is None:
            where = kind.split(":")[-1]
            self.sink.add("E101", f"unknown key `{stmt.key}` in `{where}`", stmt.key_span,
                          help=did_you_mean(stmt.key, keys_of(kind)))
            return
        handler(stmt, ap)

    def use(self, kind: str, stmt: Stmt, ap: Apply) -> None:
        atoms = _atoms(stmt, ap, 1, 1)
        if not atoms:
            return
        atom = atoms[0]
        preset = self.presets.get(atom.text)
        if preset is None or atom.kind != "NAME":
            self.sink.add("E102", f"unknown preset `{atom.text}`", atom.span,
                          help=did_you_mean(atom.text, self.presets) or
                          "define it with `preset NAME KIND { ... }` or import a library")
            return
        want = kind.split(":")[0] if not kind.startswith("pass:") else kind
        if preset.kind != want:
            self.sink.add("E103", f"preset `{preset.name}` is a `{preset.kind}` preset, used in "
                          f"a `{want.replace('pass:', '')}` block", atom.span,
                          notes=(f"`{preset.name}` is defined at {preset.name_span.file}:"
                                 f"{preset.name_span.line}:{preset.name_span.col}",))
            return
        if preset.name in self._preset_stack:
            chain = " → ".join([*self._preset_stack, preset.name])
            self.sink.add("E106", f"preset `{preset.name}` uses itself: {chain}", atom.span)
            return
        self._preset_stack.append(preset.name)
        try:
            inner = Apply(self, ap.state, ap.prefix, f"preset {preset.name}")
            self.run_block(kind, preset.block, inner)
        finally:
            self._preset_stack.pop()
