"""The compile driver: imports → definitions → layered shots → ``--set`` → IR → checks.

Override order, lowest to highest: built-in defaults < the parent shot (``extends``) < the
shot's own statements in order (``use`` expands a preset in place; later wins) < ``--set``.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from shotspec.compiler import CompileResult  # defined by the package; it imports us lazily
from shotspec.compiler.file_checks import check_shot_files
from shotspec.compiler.preset_check import check_presets
from shotspec.compiler.diagnostics import (CODES, SET_FILE, Diagnostic, DiagnosticSink,
                                           did_you_mean, nul_in_path, sort_diagnostics)
from shotspec.compiler.ir import CharacterIR, ProgramIR, ShotIR, Span
from shotspec.compiler.lints import lint_program, lint_shot
from shotspec.compiler.lower import Lowerer
from shotspec.compiler.timeline import resolve_timeline
from shotspec.image_formats import VIDEO_FORMATS
from shotspec.plate_sequences import is_moving
from shotspec.compiler.timeline_lints import lint_timeline
from shotspec.compiler.nodes import (AllowStmt, Atom, CharacterDef, Import, Module, PresetDef,
                                     ShotDef, Stmt, span_join)
from shotspec.compiler.parser import parse_args, parse_import, parse_module
from shotspec.compiler.state import State
from shotspec.compiler.statements import (BLOCK_KINDS, FINISH_OPS, PRESET_KINDS, Apply,
                                          Interpreter, keys_of, sub_blocks)
from shotspec.compiler.validate import validate_shot

__all__ = ["compile_program"]



@dataclass
class _Compiler:
    root: str
    sink: DiagnosticSink = field(default_factory=DiagnosticSink)
    sources: dict[str, str] = field(default_factory=dict)
    deps: list[str] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    presets: dict[str, PresetDef] = field(default_factory=dict)
    characters: dict[str, CharacterDef] = field(default_factory=dict)
    shots: dict[str, ShotDef] = field(default_factory=dict)
    file_allows: dict[str, set[str]] = field(default_factory=dict)
    check_outputs: bool = True          # False: the caller writes elsewhere (`-o`)
    _identity_checked: set[str] = field(default_factory=set)
    _identities: dict[str, object] = field(default_factory=dict)
    _identity_errors: set[str] = field(default_factory=set)

    def depend(self, path: str) -> None:
        path = os.path.abspath(path)
        if path not in self.deps:
            self.deps.append(path)

    # ------------------------------------------------------------------ imports
    def load(self, text: str, file: str, stack: tuple[str, ...] = ()) -> Module:
        self.sources[file] = text
        module = (parse_import if stack else parse_module)(text, file, self.sink)
        stack = (*stack, os.path.abspath(file))
        for item in module.items:
            if isinstance(item, Import):
                self.load_import(item, file, stack)
        self.modules.append(module)
        return module

    def load_import(self, item: Import, file: str, stack: tuple[str, ...]) -> None:
        if nul_in_path(self.sink, item.path, "import", item.path_span):
            return
        target = os.path.normpath(os.path.join(os.path.dirname(file), item.path))
        absolute = os.path.abspath(target)
        self.depend(absolute)
        if absolute in stack:
            chain = " → ".join(os.path.basename(p) for p in (*stack, absolute))
            self.sink.add("E107", f"import cycle: {chain}", item.path_span,
                          help="a file cannot import itself, directly or through others")
            return
        if any(os.path.abspath(m.file) == absolute for m in self.modules):
            return
        if not os.path.isfile(absolute):
            folder = os.path.dirname(absolute)
            hint = None
            if os.path.isdir(folder):
                hint = did_you_mean(os.path.basename(absolute),
                                    [n for n in os.listdir(folder) if n.endswith(".shot")])
            self.sink.add("E302", f"imported file `{item.path}` not found (looked for "
                          f"`{absolute}`)", item.path_span,
                          help=hint or "imports are relative to the importing file")
            return
        try:
            with open(absolute, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as err:
            self.sink.add("E303", f"cannot read imported file `{item.path}`: {err}",
                          item.path_span)
            return
        self.load(text, target, stack)

    # ------------------------------------------------------------------ definitions
    def collect(self) -> None:
        tables = {CharacterDef: self.characters, ShotDef: self.shots, PresetDef: self.presets}
        for module in self.modules:
            allows = self.file_allows.setdefault(module.file, set())
            for item in module.items:
                if isinstance(item, AllowStmt):
                    for code, span in item.codes:
                        if self.check_code(code, span):
                            allows.add(code.upper())
                    continue
                table = tables.get(type(item))
                if table is None:
                    continue
                if isinstance(item, PresetDef) and item.kind not in PRESET_KINDS:
                    self.sink.add("E202", f"unknown preset kind `{item.kind}`", item.kind_span,
                                  help=did_you_mean(item.kind, PRESET_KINDS))
                    continue
                if item.name in table:
                    first = table[item.name]
                    what = type(item).__name__.replace("Def", "").lower()
                    self.sink.add("E108", f"{what} `{item.name}` is defined twice", item.name_span,
                                  notes=(f"first defined at {first.name_span.file}:"
                                         f"{first.name_span.line}:{first.name_span.col}",),
                                  help="rename one of them")
                    continue
                table[item.name] = item

    def check_code(self, code: str, span: Span) -> bool:
        code = code.upper()
        if code.startswith("W") and code in CODES:
            return True
        if code in CODES:
            self.sink.add("E112", f"`allow {code}`: only warnings can be allowed, {code} is an "
                          "error", span)
        else:
            warnings = [c for c in CODES if c.startswith("W")]
            self.sink.add("E112", f"`allow` names an unknown code `{code}`", span,
                          help=did_you_mean(code, warnings))
        return False

    # ------------------------------------------------------------------ shots
    def interpreter(self, sink: DiagnosticSink | None = None) -> Interpreter:
        """The statement interpreter of this compile, reporting to ``sink`` (default: ours)."""
        return Interpreter(sink or self.sink, self.presets, self.load_character,
                           self.check_code, SET_FILE, os.path.dirname(os.path.abspath(self.root)))

    def character_state(self, name: str) -> State:
        if name not in self._char_states:
            cdef = self.characters[name]
            state = State()
            state.set("character.name", name, cdef.name_span, f"character {name}")
            state.nodes["character"] = cdef.span
            ap = Apply(self._interp, state, "character.", f"character {name}")
            self._interp.run_block("character", cdef.block, ap)
            self._char_states[name] = state
        return self._char_states[name]

    def load_character(self, atom: Atom, state: State, stmt: Stmt) -> None:
        if atom.text not in self.characters:
            self.sink.add("E104", f"unknown character `{atom.text}`", atom.span,
                          help=did_you_mean(atom.text, self.characters)
                          or "define it with `character NAME { ... }`")
            return
        state.drop_prefix("character.")
        cs = self.character_state(atom.text).copy()
        for k, s in cs.values.items():
            state.values[k] = s
        state.nodes.update(cs.nodes)
        state.tracks.update(cs.tracks)        # the character's keyframes (a blink, a turn)

    def shot_state(self, name: str, stack: tuple[str, ...] = ()) -> State | None:
        if name in self._shot_states:
            return self._shot_states[name]
        sdef = self.shots[name]
        state = State()
        if sdef.parent is not None:
            if sdef.parent == name or sdef.parent in stack:
                chain = " → ".join((*stack, name, sdef.parent))
                self.sink.add("E106", f"`extends` cycle: {chain}", sdef.parent_span)
            elif sdef.parent not in self.shots:
                self.sink.add("E105", f"unknown parent shot `{sdef.parent}`", sdef.parent_span,
                              help=did_you_mean(sdef.parent, [s for s in self.shots if s != name])
                              or "`extends` names another shot")
            else:
                parent = self.shot_state(sdef.parent, (*stack, name))
                if parent is not None:
                    state = parent.relabel(f"extends {sdef.parent}")
        self._interp.run_block("shot", sdef.block, Apply(self._interp, state, "", "shot"))
        self._shot_states[name] = state
        return state

    # ------------------------------------------------------------------ --set
    def apply_override(self, index: int, text: str, targets: dict[str, State]) -> None:
        line = index + 1
        whole = Span(file=SET_FILE, line=line, col=1, end_line=line, end_col=len(text) + 1)
        path, eq, value = text.partition("=")
        path = path.strip()
        if not eq or not path or not value.strip() or any(not p for p in path.split(".")):
            self.sink.add("E110", f"`--set {text}` is not of the form PATH=VALUE", whole,
                          help="e.g. `--set camera.lens=50mm` or `--set closeup.seed=7`")
            return
        parts = path.split(".")
        cols, c = [], 1
        for p in parts:
            cols.append(c)
            c += len(p) + 1

        def seg_span(i: int) -> Span:
            return Span(file=SET_FILE, line=line, col=cols[i], end_line=line,
                        end_col=cols[i] + len(parts[i]))

        value_col = len(text) - len(text.partition("=")[2])
        args = parse_args(value.strip(), SET_FILE, line, value_col + (len(value) - len(value.lstrip())),
                          self.sink)
        if args is None:
            return
        start = 0
        names = list(targets)
        if parts[0] in self.main_shots and len(parts) > 1:
            names, start = [parts[0]], 1
        for shot_name in names:
            state = targets[shot_name]
            kind, prefix = "shot", ""
            ok = True
            for i in range(start, len(parts) - 1):
                seg = parts[i]
                nxt = None
                if kind == "lighting":
                    options = list(state.lights)
                    if seg in state.lights:
                        nxt = ("light", f"{prefix}{seg}.")
                elif kind == "finish":
                    options = list(state.finish)
                    if seg in state.finish:
                        nxt = (f"pass:{seg}", f"{prefix}{seg}.")
                    elif seg in FINISH_OPS:
                        self.sink.add("E109", f"shot `{shot_name}` has no `{seg}` pass to change",
                                      seg_span(i), help=f"add `{seg}` to the shot's finish block")
                        ok = False
                        break
                else:
                    blocks = sub_blocks(kind)
                    options = list(blocks)
                    if seg in blocks:
                        nxt = (blocks[seg][0], prefix + blocks[seg][1])
                if nxt is None:
                    where = "" if kind == "shot" else f" in `{parts[i - 1]}`"
                    label = {"lighting": f"light `{seg}` in shot `{shot_name}`"}.get(
                        kind, f"`{seg}`{where}")
                    self.sink.add("E109", f"unknown --set path: no {label}", seg_span(i),
                                  help=did_you_mean(seg, options))
                    ok = False
                    break
                kind, prefix = nxt
            if ok and parts[start] == "character" and len(parts) - start > 1:
                if state.get("character.name") is None:
                    self.sink.add("E109", f"shot `{shot_name}` has no character to change",
                                  seg_span(start), help="add `character NAME` to the shot")
                    continue
            if not ok:
                continue
            leaf = parts[-1]
            if kind != "lighting" and leaf not in BLOCK_KINDS[kind]:
                self.sink.add("E109", f"unknown --set path: `{kind.split(':')[-1]}` has no "
                              f"`{leaf}`", seg_span(len(parts) - 1),
                              help=did_you_mean(leaf, keys_of(kind)))
                continue
            value_span = span_join(args[0][0].span, args[-1][-1].span) if args else whole
            stmt = Stmt(leaf, seg_span(len(parts) - 1), args, None, value_span)
            self._interp.run_stmt(kind, stmt, Apply(self._interp, state, prefix, "--set"))

    # ------------------------------------------------------------------ driver
    def check_distinct_outputs(self, shots: list[ShotIR]) -> None:
        """E113: two shots of one file would write the same image (the later one overwriting
        the earlier, typically a shot that inherits its parent's `output` through extends)."""
        first: dict[str, ShotIR] = {}
        for shot in shots:
            other = first.setdefault(os.path.normcase(shot.output.path), shot)
            if other is not shot:
                own = (shot.output.span is not None and shot.span is not None
                       and _within(shot.output.span, shot.span))
                self.sink.add("E113", f"shots `{other.name}` and `{shot.name}` both write "
                              f"`{os.path.basename(shot.output.path)}`",
                              shot.output.span if own else shot.span,
                              help=f"give `{shot.name}` its own `output \"…\"` path")

    # ------------------------------------------------------------------ identity lock
    def with_identity(self, character: CharacterIR, state: State, span: Span | None) -> CharacterIR:
        """Check the character's identity file (and its photos' hashes) once per compile, then
        take its skin and face values, except those the spec sets explicitly."""
        if not character.identity:
            return character
        # numpy-backed and only needed when a character names an identity: import lazily
        from shotspec.compiler.identity_file import (IdentityFileError, apply_identity,
                                                     check_identity, load_identity)

        path = character.identity
        setting = state.setting("character.identity")
        span = setting.span if setting is not None else span
        if path not in self._identity_checked:
            self._identity_checked.add(path)
            diags = check_identity(path, span)
            self.sink.items.extend(diags)
            if any(d.is_error for d in diags):
                self._identity_errors.add(path)
            try:
                ident = load_identity(path)
            except (IdentityFileError, OSError):
                ident = None
            if ident is not None:
                root = ident.photos_root()
                for rel, _sha in ident.photos:
                    self.depend(str(root / rel))
            self._identities[path] = ident
        ident = self._identities.get(path)
        if ident is None or path in self._identity_errors:
            return character
        return apply_identity(character, ident, _explicit_character_paths(state))

    @staticmethod
    def identity_origins(shot: ShotIR, character: CharacterIR) -> dict[str, str]:
        """The shot's origins, with every character value the identity file changed credited
        to it (`shot explain` shows them)."""
        origins = dict(shot.origins)
        if shot.character is None:
            return origins
        before, after = _flatten(shot.character.model_dump()), _flatten(character.model_dump())
        for key, value in after.items():
            if before.get(key) != value:
                origins[f"character.{key}"] = f"{character.identity} (identity)"
        return origins

    def _frame_lowering(self, lowerer: Lowerer, name: str, spec_dir: str):
        """How ``resolve_timeline`` lowers the shot's state at one frame (identity applied)."""
        def lower(state: State, sink: DiagnosticSink) -> ShotIR | None:
            saved, lowerer.sink = lowerer.sink, sink
            try:
                shot = lowerer.shot(name, state, self.shots[name].span, spec_dir, {})
            finally:
                lowerer.sink = saved
            if shot is not None and shot.character is not None and shot.character.identity:
                shot = shot.model_copy(update={"character": self.with_identity(
                    shot.character, state, shot.character.span)})
            return shot
        return lower

    def run(self, text: str, overrides: Sequence[str]) -> ProgramIR | None:
        self.depend(self.root)
        main = self.load(text, self.root)
        self.collect()
        self._interp = self.interpreter()
        self._char_states: dict[str, State] = {}
        self._shot_states: dict[str, State] = {}
        self.main_shots = [i.name for i in main.items if isinstance(i, ShotDef)
                           and self.shots.get(i.name) is i]
        states = {n: self.shot_state(n) for n in self.main_shots}
        finals = {n: s.copy() for n, s in states.items() if s is not None}
        if overrides:
            self.sources[SET_FILE] = "\n".join(overrides)
            for i, text_ in enumerate(overrides):
                self.apply_override(i, text_, finals)
        lowerer = Lowerer(self.sink, self.deps)
        spec_dir = os.path.dirname(os.path.abspath(self.root))
        characters = []
        for name, cdef in self.characters.items():
            if any(m.file == cdef.span.file for m in self.modules):
                cs = self.character_state(name)
                ch = lowerer.character(cs, "character.", cdef.span)
                if ch is not None:
                    characters.append(self.with_identity(ch, cs, cdef.span))
        shots: list[tuple[ShotIR, State]] = []
        for name in self.main_shots:
            state = finals.get(name)
            if state is None:
                continue
            shot = lowerer.shot(name, state, self.shots[name].span, spec_dir, {})
            if shot is None:
                continue
            if shot.character is not None and shot.character.identity:
                locked = self.with_identity(shot.character, state, shot.character.span)
                shot = shot.model_copy(update={"character": locked,
                                               "origins": self.identity_origins(shot, locked)})
            timed = state.get("duration_frames") is not None or \
                any(is_moving(state.get(f"source.{k}")) for k in ("plate", "depth", "mask"))
            if timed or state.tracks or state.get("fps") is not None or \
                    state.get("output.timecode") is not None:
                shot = resolve_timeline(shot, state, self.sink,
                                        self._frame_lowering(lowerer, name, spec_dir))
            # (a timed shot whose frames failed has its own errors: no E236 on top)
            if shot.output.format in VIDEO_FORMATS and not shot.frames and not timed:
                s = state.setting("output.path")
                self.sink.add("E236", f"a video output needs a sequence: shot `{name}` has no "
                              "`duration`", s.span if s else shot.output.span or shot.span,
                              help="add `duration 48f` (or `2s`) to the shot, or write an image "
                                   "(.png, .exr)")
            validate_shot(shot, state, self.sink)
            refs = state.get("character.references")
            n_refs = None
            if refs and os.path.isdir(refs):
                n_refs = len(lowerer.reference_photos(refs, state.setting("character.references")) or [])
            shot_sink = DiagnosticSink()
            lint_shot(shot, state, shot_sink, n_refs)
            lint_timeline(shot, state, shot_sink)
            for d in shot_sink.items:
                if d.code not in state.allows:
                    self.sink.append(d)
            shots.append((shot, state))
        self.check_distinct_outputs([shot for shot, _ in shots])
        self.sink.items.extend(check_presets(self.presets, self.root, self.deps,
                                             self.interpreter, self.sink.items))
        check_shot_files([shot for shot, _ in shots], [os.path.abspath(self.root), *self.deps],
                         self.sink, outputs=self.check_outputs)
        cross = DiagnosticSink()
        lint_program(shots, cross)
        if any(sh.character is not None and sh.character.identity for sh, _ in shots):
            from shotspec.compiler.identity_file import identity_lints

            cross.items.extend(identity_lints(
                ProgramIR(file=os.path.abspath(self.root), shots=tuple(s for s, _ in shots)),
                lighting=False))   # W104/W105 already cover lighting drift for every character
        state_at = _ShotFinder(shots)
        for d in cross.items:
            shot_state = state_at(d.span)
            if shot_state is None or d.code not in shot_state.allows:
                self.sink.append(d)
        if self.sink.has_errors:
            return None
        return ProgramIR(file=os.path.abspath(self.root), span=None,
                         shots=tuple(s for s, _ in shots), characters=tuple(characters),
                         dependencies=tuple(self.deps))


def _flatten(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        if key == "span":
            continue
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _explicit_character_paths(state: State) -> set[str]:
    """Character fields the spec (or --set) sets itself: these win over the identity file."""
    return {k[len("character."):] for k in state.values if k.startswith("character.")}


def _within(inner: Span, outer: Span) -> bool:
    return (inner.file == outer.file and (outer.line, outer.col) <= (inner.line, inner.col)
            <= (outer.end_line, outer.end_col))


class _ShotFinder:
    """The state of the shot whose span holds a diagnostic's span: a binary search over the
    shots' start positions (shots never nest), so cross-shot lints stay linear in the shots."""

    def __init__(self, shots: list[tuple[ShotIR, State]]):
        spans = sorted(((sh.span.file, sh.span.line, sh.span.col), i, sh.span)
                       for i, (sh, _) in enumerate(shots) if sh.span)
        self._starts = [start for start, _, _ in spans]
        self._entries = [(span, shots[i][1]) for _, i, span in spans]

    def __call__(self, span: Span | None) -> State | None:
        if span is None:
            return None
        at = bisect.bisect_right(self._starts, (span.file, span.line, span.col)) - 1
        if at >= 0 and _within(span, self._entries[at][0]):
            return self._entries[at][1]
        return None


def _allowed(d: Diagnostic, file_allows: dict[str, set[str]], comment_allows: dict[str, dict],
             allow: set[str]) -> bool:
    if d.is_error:
        return False
    if d.code in allow:
        return True
    if d.span is None:
        return False
    if d.code in file_allows.get(d.span.file, set()):
        return True
    lines = comment_allows.get(d.span.file, {})
    return d.code in lines.get(d.span.line, set()) or d.code in lines.get(d.span.line - 1, set())


def compile_program(text: str, path: str, *, overrides: Sequence[str] = (),
                    allow: Iterable[str] = (), check_outputs: bool = True) -> CompileResult:
    """Compile ``text`` (named ``path``); ``check_outputs=False`` skips the checks of the
    spec's output files, for a caller that writes somewhere else (``shot render -o``)."""
    comp = _Compiler(root=path, check_outputs=check_outputs)
    program = comp.run(text, list(overrides))
    comment_allows = {m.file: m.comment_allows for m in comp.modules}
    allow_set = {a.upper() for a in allow}
    diags = [d for d in comp.sink.items
             if not _allowed(d, comp.file_allows, comment_allows, allow_set)]
    diags = sort_diagnostics(diags)
    return CompileResult(program if not any(d.is_error for d in diags) else None, diags,
                         comp.sources, tuple(comp.deps))
