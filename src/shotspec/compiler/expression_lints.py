"""Lints of the character's expression, gaze and pose (W110–W114): mixes of blendshapes the
morphable head cannot show without its surfaces passing through each other or tearing.

The expression shapes are linear vertex offsets captured one at a time; summed, two that move
the same vertices opposite ways (a blink and a wide eye on one lid) or far past what any one
capture did (four mouth shapes at full weight) put the eyelid or the lips through each other.
Each lint points at the statement that set the shape (the later of a pair), so it can be silenced
on its line with ``// shot: allow W11x``.
"""

from __future__ import annotations

import math

from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.compiler.ir import CharacterIR, Span
from shotspec.compiler.state import State
from shotspec.head_vocabulary import side_of

__all__ = ["lint_expression", "PAIR_LIMIT", "MOUTH_TOTAL_LIMIT", "GAZE_TURN_LIMIT_DEG",
           "OPPOSING"]

# Two opposing shapes may each be this strong before their sum shows (a little of each blends).
PAIR_LIMIT = 0.3
# The sum of the mouth shapes' weights on one side of the mouth (its one-sided shapes and the
# central ones) beyond which the lips overshoot and the mesh tears.
MOUTH_TOTAL_LIMIT = 2.0
# Eyes turned further than this in a head turned the same way: irises in the corners.
GAZE_TURN_LIMIT_DEG = 30.0

# Shapes that move the same vertices opposite ways: (a, b, what goes wrong).
OPPOSING: tuple[tuple[str, str, str], ...] = (
    ("mouthLeft", "mouthRight", "pull the mouth both ways"),
    ("jawLeft", "jawRight", "shift the jaw both ways"),
    ("mouthSmile_L", "mouthFrown_L", "raise and lower the subject's left mouth corner"),
    ("mouthSmile_R", "mouthFrown_R", "raise and lower the subject's right mouth corner"),
)
_SIDE = {"L": "left", "R": "right"}


class _Shapes:
    """The character's expression weights and where each was set."""

    def __init__(self, character: CharacterIR, state: State, prefix: str, fallback: Span | None):
        self.weights = dict(character.expression)
        self.state, self.prefix, self.fallback = state, prefix, fallback

    def __getitem__(self, shape: str) -> float:
        return self.weights.get(shape, 0.0)

    def setting(self, shape: str):
        return self.state.setting(f"{self.prefix}expression.{shape}")

    def span(self, shape: str) -> Span | None:
        s = self.setting(shape)
        return s.span if s is not None else self.fallback

    def later(self, a: str, b: str) -> tuple[str, str]:
        """(the shape set later in the file, the other)."""
        sa, sb = self.setting(a), self.setting(b)
        if sa is None or sb is None:
            return (a, b) if sb is None else (b, a)
        pos = lambda s: (s.span.file, s.span.line, s.span.col)   # noqa: E731
        return (a, b) if pos(sa) >= pos(sb) else (b, a)

    def where(self, shape: str) -> tuple[str, ...]:
        s = self.setting(shape)
        return (f"`{shape}` {self[shape]:g} is set at {s.origin}",) if s is not None else ()


def _pair(shapes: _Shapes, sink: DiagnosticSink, code: str, a: str, b: str, message: str,
          help: str) -> None:
    last, first = shapes.later(a, b)
    sink.add(code, message, shapes.span(last), help=help, notes=shapes.where(first))


def lint_expression(character: CharacterIR, state: State, sink: DiagnosticSink,
                    prefix: str = "character.", fallback: Span | None = None) -> None:
    """W110–W114 for one character as a shot renders it (``prefix``: where its values live in
    ``state``)."""
    shapes = _Shapes(character, state, prefix, fallback or character.span)
    _lint_lids(shapes, sink)
    _lint_lips(shapes, sink)
    _lint_opposing(shapes, sink)
    _lint_mouth_total(shapes, sink)
    _lint_gaze(character, state, sink, prefix, fallback or character.span)


def _lint_lids(shapes: _Shapes, sink: DiagnosticSink) -> None:
    """W110: a blink and a wide eye on one lid (both lids from one pair of statements: once)."""
    lids = [side for side in ("L", "R")
            if shapes[f"eyeBlink_{side}"] > PAIR_LIMIT and shapes[f"eyeWide_{side}"] > PAIR_LIMIT]

    def set_by(side: str) -> tuple:
        return tuple((shapes.span(f"{s}_{side}"), shapes[f"{s}_{side}"])
                     for s in ("eyeBlink", "eyeWide"))

    both = lids == ["L", "R"] and set_by("L") == set_by("R")   # `blink 0.5; wide_eyes 0.5`
    for side in lids[:1] if both else lids:
        blink, wide = f"eyeBlink_{side}", f"eyeWide_{side}"
        names, lid = ((f"{blink}/_R", f"{wide}/_R"), "both upper lids") if both else \
            ((blink, wide), f"the subject's {_SIDE[side]} upper lid")
        _pair(shapes, sink, "W110", blink, wide,
              f"`{names[0]}` {shapes[blink]:g} and `{names[1]}` {shapes[wide]:g} close and open "
              f"{lid} at once: the lid passes through the eyeball",
              f"keep one of them at most {PAIR_LIMIT:g}")


def _lint_lips(shapes: _Shapes, sink: DiagnosticSink) -> None:
    """W111: lips closed further than the jaw opened them."""
    close, jaw = shapes["mouthClose"], shapes["jawOpen"]
    if close > jaw:
        _pair(shapes, sink, "W111", "mouthClose", "jawOpen",
              f"`mouthClose` {close:g} is more than `jawOpen` {jaw:g}: the lips pass through "
              "each other", "`mouthClose` closes the lips of an open jaw: keep it at most "
              "`jawOpen`")


def _lint_opposing(shapes: _Shapes, sink: DiagnosticSink) -> None:
    """W112: both shapes of an opposing pair driven (both corners from one alias pair: once)."""
    said: set[tuple] = set()
    for a, b, what in OPPOSING:
        if shapes[a] > PAIR_LIMIT and shapes[b] > PAIR_LIMIT:
            # both sides of one alias pair (`smile 0.5; frown 0.5`): one warning, not two
            statements = (shapes.span(a), shapes.span(b), shapes[a], shapes[b])
            if statements in said:
                continue
            said.add(statements)
            name_a, name_b = a, b
            if a.endswith("_L"):
                ra, rb = a[:-1] + "R", b[:-1] + "R"
                if (shapes.span(ra), shapes.span(rb), shapes[ra], shapes[rb]) == statements:
                    what = what.replace("the subject's left mouth corner", "both mouth corners")
                    name_a, name_b = f"{a}/_R", f"{b}/_R"
            _pair(shapes, sink, "W112", a, b,
                  f"`{name_a}` {shapes[a]:g} and `{name_b}` {shapes[b]:g} {what}: the blend "
                  "tears the mouth", f"keep one of them at most {PAIR_LIMIT:g}")


def _lint_mouth_total(shapes: _Shapes, sink: DiagnosticSink) -> None:
    """W113: per side of the mouth, its one-sided shapes plus the central ones (a one-sided
    shape barely moves the other half, so the two sides are summed apart)."""
    for side in ("L", "R"):
        mouth = {s: w for s, w in shapes.weights.items()
                 if s.startswith("mouth") and side_of(s) in (None, side)}
        total = sum(mouth.values())
        if total > MOUTH_TOTAL_LIMIT:
            strongest = max(sorted(mouth), key=lambda s: mouth[s])
            sink.add("W113", f"the mouth shapes on the subject's {_SIDE[side]} add up to "
                     f"{total:g} (more than {MOUTH_TOTAL_LIMIT:g}): the lips overshoot and the "
                     "mesh tears", shapes.span(strongest),
                     help="lower the weights; one or two strong mouth shapes read better than "
                          "many",
                     notes=(", ".join(f"`{s}` {w:g}" for s, w in sorted(mouth.items())),))
            return


def _lint_gaze(character: CharacterIR, state: State, sink: DiagnosticSink, prefix: str,
               fallback: Span | None) -> None:
    gaze, turn = character.gaze, character.pose.turn_rad
    if gaze.target != "direction" or turn == 0.0:
        return
    yaw_deg, turn_deg = math.degrees(gaze.yaw_rad), math.degrees(turn)
    if abs(yaw_deg) > GAZE_TURN_LIMIT_DEG and yaw_deg * turn_deg > 0:
        side = "right" if yaw_deg > 0 else "left"
        s = state.setting(f"{prefix}gaze.yaw_rad")
        sink.add("W114", f"the eyes turn {abs(yaw_deg):.0f}° {side} in a head already turned "
                 f"{abs(turn_deg):.0f}° {side}: the irises sit in the eye corners and show "
                 "mostly sclera", s.span if s is not None else fallback,
                 help=f"turn the head further and the eyes less (at most "
                      f"{GAZE_TURN_LIMIT_DEG:g}°)")
