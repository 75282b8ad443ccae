"""Every preset of every file a compile reads is checked, whether a shot uses it or not.

A preset library is often checked in CI on its own (`shot check presets/lighting.shot`), with no
shot in the file; a broken preset there must not pass until the day a shot uses it. Each preset
is applied, as a `use` would apply it, to an otherwise default shot of its own, which is then
lowered and validated like a real one. Only errors inside the preset's own text are kept, and
not those that depend on values the preset does not set (a focus distance against the default
lens, the memory of the default output size): those are judged in the shots that use it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from shotspec.compiler.diagnostics import Diagnostic, DiagnosticSink
from shotspec.compiler.ir import Span
from shotspec.compiler.lower import Lowerer
from shotspec.compiler.nodes import Atom, PresetDef, Stmt
from shotspec.compiler.state import State
from shotspec.compiler.statements import Apply, Interpreter
from shotspec.compiler.validate import validate_shot

__all__ = ["check_presets", "CONTEXT_CODES"]

# The block a preset of each kind is used in, as (statement kind, IR path prefix).
_USED_IN: dict[str, tuple[str, str]] = {
    "shot": ("shot", ""),
    "character": ("character", "character."),
    "skin": ("skin", "character.skin."),
    "lips": ("lips", "character.lips."),
    "face": ("face", "character.face."),
    "expression": ("expression", "character.expression."),
    "pose": ("pose", "character.pose."),
    "hair": ("hair", "character.hair."),
    "camera": ("camera", "camera."),
    "lighting": ("lighting", "lights."),
    "light": ("light", "lights.preset."),
    "source": ("source", "source."),
    "finish": ("finish", "finish."),
    "output": ("output", "output."),
}
# Errors that weigh a value against others the preset may not set (subject or focus distance
# against the focal length, the focus target's character, memory at the output size, two shots'
# outputs): a lone preset cannot be judged on them.
CONTEXT_CODES = frozenset({"E206", "E209", "E211", "E113"})


def _within(inner: Span | None, outer: Span) -> bool:
    return (inner is not None and inner.file == outer.file
            and (outer.line, outer.col) <= (inner.line, inner.col)
            <= (outer.end_line, outer.end_col))


def _scratch_state(preset: PresetDef) -> State:
    """A default shot with what a `use` of this preset's kind needs around it."""
    state = State()
    layer = f"preset {preset.name}"
    if preset.kind in ("character", "skin", "lips", "face", "expression", "pose", "hair"):
        state.set("character.name", preset.name, preset.name_span, layer)
        state.nodes["character"] = preset.span
    if preset.kind == "light":
        state.lights.append("preset")
        state.set("lights.preset.kind", "area", preset.name_span, layer)
        state.nodes["lights.preset"] = preset.span
    return state


def _check_one(preset: PresetDef, spec_dir: str, deps: list[str],
               make_interpreter: Callable[[DiagnosticSink], Interpreter]) -> list[Diagnostic]:
    kind, prefix = _USED_IN[preset.kind]
    sink = DiagnosticSink()
    interp = make_interpreter(sink)
    state = _scratch_state(preset)
    use = Stmt("use", preset.name_span, ((Atom("NAME", preset.name, preset.name_span),),), None,
               preset.name_span)
    interp.run_stmt(kind, use, Apply(interp, state, prefix, f"preset {preset.name}"))
    shot = Lowerer(sink, deps).shot(f"preset_{preset.name}", state, preset.span, spec_dir, {})
    if shot is not None:
        validate_shot(shot, state, sink)
    return [d for d in sink.items if d.is_error and d.code not in CONTEXT_CODES
            and _within(d.span, preset.span)]


def check_presets(presets: dict[str, PresetDef], spec_path: str, deps: list[str],
                  make_interpreter: Callable[[DiagnosticSink], Interpreter],
                  known: Iterable[Diagnostic] = ()) -> list[Diagnostic]:
    """The errors of every preset, each once (those already in ``known`` are left out).
    Files the presets name (LUTs, environment images) join ``deps``, so watch mode re-checks
    when one appears."""
    seen = set(known)
    spec_dir = os.path.dirname(os.path.abspath(spec_path))
    out: list[Diagnostic] = []
    for preset in presets.values():
        if preset.kind not in _USED_IN:
            continue
        for d in _check_one(preset, spec_dir, deps, make_interpreter):
            if d not in seen:
                seen.add(d)
                out.append(d)
    return out
