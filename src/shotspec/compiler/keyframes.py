"""Keyframed statements: ``KEY VALUE @ TIME (-> VALUE @ TIME EASE)…``.

Any statement whose values are numbers may be animated by writing each key's value, ``@``
and its time (``0f`` frames, ``1.5s`` seconds), keys joined by ``->``, each key after the
first optionally followed by the easing of the motion into it::

    distance 0.9m @ 0f -> 0.7m @ 48f ease in_out
    focus mara.eyes @ 0f -> mara.ears @ 24f ease in_out
    intensity 0 stops @ 0f -> -2 stops @ 2s
    blink 0 @ 0f -> 1 @ 3f ease in -> 0 @ 6f ease out

Each key's value is read by the statement's own handler (so it is checked as a still value
is), into a scratch state; the values it sets that differ between keys become a track
(``State.tracks``) and the first key's values are the statement's still value. The times are
resolved against the shot's ``fps`` and ``duration`` when the shot is lowered
(``compiler.timeline``). Torch-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from shotspec.compiler import values as V
from shotspec.compiler.diagnostics import did_you_mean
from shotspec.compiler.ir import Span
from shotspec.compiler.nodes import Atom, Stmt, span_join
from shotspec.compiler.state import State

if TYPE_CHECKING:
    from shotspec.compiler.statements import Apply

__all__ = ["EASES", "KeyTime", "Track", "is_keyframed", "animate", "TIME_UNITS",
           "UNANIMATED"]

# The motion into a key: linear; ease in (slow start), out (slow end), in_out; hold (a step:
# the previous value until the key's frame).
EASES = ("linear", "in", "out", "in_out", "hold")
TIME_UNITS = ("f", "s")
# Values a keyframe may not change, with why.
UNANIMATED = {"duration_frames": "the shot's length", "fps": "the frame rate"}


@dataclass(frozen=True)
class KeyTime:
    """A key's time as written: ``value`` in ``unit`` (``f`` frames or ``s`` seconds)."""

    value: float
    unit: str
    span: Span


@dataclass(frozen=True)
class Track:
    """A keyframed value in the state: its keys' times, values (state values), easings
    (into each key) and how the values were written (for explain and docs)."""

    times: tuple[KeyTime, ...]
    values: tuple[Any, ...]
    eases: tuple[str, ...]
    texts: tuple[str, ...]
    span: Span


def is_keyframed(stmt: Stmt) -> bool:
    return any(a.kind in ("AT", "ARROW") for a in stmt.atoms)


@dataclass
class _Key:
    groups: tuple[tuple[Atom, ...], ...]
    time: KeyTime
    ease: str
    span: Span


def _split(stmt: Stmt, ap: "Apply") -> list[_Key] | None:
    """The statement's keys (E230 on a malformed one)."""
    sink = ap.sink
    segments: list[list[list[Atom]]] = [[[]]]
    for gi, group in enumerate(stmt.args):
        if gi:
            segments[-1].append([])
        for atom in group:
            if atom.kind == "ARROW":
                segments.append([[]])
            else:
                segments[-1][-1].append(atom)
    keys: list[_Key] = []
    for n, seg in enumerate(segments):
        atoms = [a for g in seg for a in g]
        at = next((i for i, a in enumerate(atoms) if a.kind == "AT"), None)
        where = atoms[0].span if atoms else stmt.key_span
        if at is None:
            sink.add("E230", f"key {n + 1} of `{stmt.key}` has no time", where,
                     help="write each key as `VALUE @ TIME`, e.g. `0.9m @ 0f -> 0.7m @ 48f`")
            return None
        if at == 0:
            sink.add("E230", f"key {n + 1} of `{stmt.key}` has no value before `@`",
                     atoms[0].span, help="write `VALUE @ TIME`")
            return None
        rest = atoms[at + 1:]
        if not rest:
            sink.add("E230", f"`@` needs a time after it (`24f` or `1s`)", atoms[at].span)
            return None
        time = _time(rest[0], ap)
        if time is None:
            return None
        ease = _ease(rest[1:], n, stmt, ap)
        if ease is None:
            return None
        # the value atoms (those before `@`), in their comma groups
        value_groups, count = [], 0
        for g in seg:
            kept = tuple(g[:max(0, at - count)])
            count += len(g)
            if kept:
                value_groups.append(kept)
        keys.append(_Key(tuple(value_groups), time, ease, span_join(atoms[0].span, atoms[-1].span)))
    return keys


def _time(atom: Atom, ap: "Apply") -> KeyTime | None:
    if atom.kind == "QUANTITY":
        number, unit = V.split_quantity(atom.text)
        if unit in TIME_UNITS:
            return KeyTime(float(number), unit, atom.span)
    hint = (f"write `{atom.text}f` (frames) or `{atom.text}s` (seconds)"
            if atom.kind == "NUMBER" else "a time is frames (`24f`) or seconds (`1.5s`)")
    ap.sink.add("E230", f"`{atom.text}` is not a time", atom.span, help=hint)
    return None


def _ease(atoms: list[Atom], n: int, stmt: Stmt, ap: "Apply") -> str | None:
    if not atoms:
        return "linear"
    words = [a.text for a in atoms]
    span = span_join(atoms[0].span, atoms[-1].span)
    if n == 0:
        ap.sink.add("E230", "the first key has no motion into it to ease", span,
                    help="write the easing after the key it eases into: "
                         "`0.9m @ 0f -> 0.7m @ 48f ease in_out`")
        return None
    if words in (["linear"], ["hold"]):
        return words[0]
    if words == ["ease"]:
        return "in_out"
    if len(words) == 2 and words[0] == "ease" and words[1] in ("in", "out", "in_out"):
        return words[1]
    shown = " ".join(words)
    ap.sink.add("E230", f"unknown easing `{shown}`", span,
                help=did_you_mean(words[-1], ("in", "out", "in_out"), list_max=0)
                or "write `linear`, `ease in`, `ease out`, `ease in_out` or `hold`")
    return None


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _kind(v: Any) -> str:
    if _numeric(v):
        return "number"
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) and _numeric(v[1]):
        return f"({v[0]})"
    return type(v).__name__


def animate(stmt: Stmt, ap: "Apply", handler: Callable[[Stmt, "Apply"], None]) -> None:
    """Apply a keyframed statement: its first key as the still value, the rest as tracks."""
    from shotspec.compiler.statements import Apply

    keys = _split(stmt, ap)
    if not keys:
        return
    scratches: list[State] = []
    for key in keys:
        scratch = State()
        before = len(ap.sink.items)
        sub_stmt = Stmt(stmt.key, stmt.key_span, key.groups, None, key.span)
        handler(sub_stmt, Apply(ap.interp, scratch, ap.prefix, ap.layer))
        if any(d.severity == "error" for d in ap.sink.items[before:]):
            return
        scratches.append(scratch)
    paths = list(scratches[0].values)
    for key, scratch in zip(keys[1:], scratches[1:]):
        if list(scratch.values) != paths:
            ap.sink.add("E233", f"the keys of `{stmt.key}` set different things", key.span,
                        help="every key must be the same kind of value as the first")
            return
    tracks: dict[str, Track] = {}
    texts = tuple(re.sub(r"(\d)(stops?)$", r"\1 \2",
                         ", ".join(" ".join(a.text for a in g) for g in k.groups)) for k in keys)
    for path in paths:
        values = [s.values[path].value for s in scratches]
        if all(v == values[0] for v in values):
            continue
        field = path.rsplit(".", 1)[-1]
        kinds = {_kind(v) for v in values}
        if field in UNANIMATED:
            ap.sink.add("E234", f"`{stmt.key}` ({UNANIMATED[field]}) cannot be keyframed",
                        stmt.span, help="keyframes animate a value over the shot's frames")
            return
        if path.endswith("focus.target") and kinds == {"str"}:
            pass                                   # a focus pull between named targets
        elif len(kinds) > 1:
            ap.sink.add("E233", f"the keys of `{stmt.key}` mix units: "
                        + ", ".join(f"`{t}`" for t in texts), stmt.span,
                        help="write every key in the same unit (all stops, all ratios, all "
                             "lengths or all targets)")
            return
        elif not (kinds <= {"number"} or next(iter(kinds)).startswith("(")):
            ap.sink.add("E234", f"`{stmt.key}` is not a number: only numeric values can be "
                        "keyframed", stmt.span,
                        help="a choice, a name or a colour changes between shots, not "
                             "within one")
            return
        tracks[path] = Track(tuple(k.time for k in keys), tuple(values),
                             tuple(k.ease for k in keys), texts, stmt.span)
    first = scratches[0]
    for path, setting in first.values.items():
        ap.state.set(path, setting.value, stmt.span, ap.layer)
    for path, track in tracks.items():
        ap.state.tracks[path] = track
    for name in first.lights:
        if name not in ap.state.lights:
            ap.state.lights.append(name)
    for op in first.finish:
        if op not in ap.state.finish:
            ap.state.finish.append(op)
    for path, span in first.nodes.items():
        ap.state.nodes.setdefault(path, span)
    ap.state.focus_owners.update(first.focus_owners)
