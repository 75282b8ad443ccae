"""The layered settings of one shot (or character) while statements are applied.

Values live in one flat dict keyed by the dotted IR path they will fill
(``camera.focal_length_m``, ``lights.key.intensity``, ``finish.grain.strength``); each
remembers the statement that set it and its layer, which becomes ``ShotIR.origins``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from shotspec.compiler.ir import Span

__all__ = ["Setting", "State"]


_SCALARS = (str, int, float, bool, type(None), Span)


def _immutable(value: Any) -> bool:
    if isinstance(value, _SCALARS):
        return True
    return isinstance(value, (tuple, frozenset)) and all(_immutable(v) for v in value)


@dataclass(frozen=True)
class Setting:
    value: Any
    span: Span
    layer: str

    @property
    def origin(self) -> str:
        return f"{self.span.file}:{self.span.line}:{self.span.col} ({self.layer})"


@dataclass
class State:
    values: dict[str, Setting] = field(default_factory=dict)
    lights: list[str] = field(default_factory=list)       # light names, in rig order
    finish: list[str] = field(default_factory=list)       # pass ops, in pipeline order
    nodes: dict[str, Span] = field(default_factory=dict)  # IR node path -> span of its statement
    allows: set[str] = field(default_factory=set)
    # `focus mara.eyes`: focus path -> (character name, span), checked against the shot (E211)
    focus_owners: dict[str, tuple[str, Span]] = field(default_factory=dict)
    # keyframed values: path -> shotspec.compiler.keyframes.Track (a later still value drops it)
    tracks: dict[str, Any] = field(default_factory=dict)

    def set(self, path: str, value: Any, span: Span, layer: str) -> None:
        self.values[path] = Setting(value, span, layer)
        self.tracks.pop(path, None)

    def get(self, path: str, default: Any = None) -> Any:
        s = self.values.get(path)
        return default if s is None else s.value

    def setting(self, path: str) -> Setting | None:
        return self.values.get(path)

    def drop_prefix(self, prefix: str) -> None:
        for key in [k for k in self.values if k.startswith(prefix)]:
            del self.values[key]
            self.tracks.pop(key, None)
        for key in [k for k in self.nodes if k.startswith(prefix.rstrip("."))]:
            if key == prefix.rstrip(".") or key.startswith(prefix):
                del self.nodes[key]

    def copy(self) -> "State":
        """An independent copy. Settings holding immutable values are shared (a deep copy of
        every span made checking a many-shot file crawl); anything else is deep-copied."""
        return State(values={k: s if _immutable(s.value) else copy.deepcopy(s)
                             for k, s in self.values.items()},
                     lights=list(self.lights), finish=list(self.finish), nodes=dict(self.nodes),
                     allows=set(self.allows), focus_owners=dict(self.focus_owners),
                     tracks=dict(self.tracks))

    def relabel(self, layer: str) -> "State":
        """A copy whose every value reports ``layer`` (used for values inherited by extends)."""
        out = self.copy()
        out.values = {k: Setting(s.value, s.span, layer) for k, s in out.values.items()}
        return out
