"""What ``shade`` can keep between renders of one geometry frame (watch mode's lighting edits).

A lighting edit re-runs ``shade`` on the very same cached ``geometry`` frame. Much of the
shading does not depend on the lights at all — the per-pixel materials (skin albedo detail is
noise-heavy), ambient occlusion, the backdrop's plaster pattern — and a light whose position
and size did not change (a colour or intensity edit, or the other lights of the rig) has the
same shadow map and the same visibility. ``memo`` keeps those values per geometry frame, so
they are computed once and reused bit for bit.

Entries hang off the identity of the geometry frame's ``alpha`` tensor and vanish with it (a
new geometry frame never sees stale values). Within a frame the keys name everything else
the value depends on (the scene's content digest, the character, the camera, the light's
geometry); each frame keeps at most ``MAX_ENTRIES`` values, least recently used first out.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from typing import Callable, TypeVar

import torch

from shotspec.runtime.frame import Frame

__all__ = ["memo", "scene_digest", "MAX_ENTRIES"]

MAX_ENTRIES = 64          # values kept per geometry frame (per light: shadow map, visibility, hair grid, terms)

T = TypeVar("T")
_FRAMES: dict[int, OrderedDict] = {}


def _entries(geometry: Frame) -> OrderedDict:
    anchor = geometry.aovs["alpha"]
    key = id(anchor)
    entries = _FRAMES.get(key)
    if entries is None:
        entries = OrderedDict()
        _FRAMES[key] = entries
        weakref.finalize(anchor, _FRAMES.pop, key, None)
    return entries


def memo(geometry: Frame, key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or the value it returned before for the same ``geometry`` frame (the
    same object) and ``key`` (a hashable tuple naming every other input of the value)."""
    entries = _entries(geometry)
    if key in entries:
        entries.move_to_end(key)
        return entries[key]
    value = compute()
    entries[key] = value
    while len(entries) > MAX_ENTRIES:
        entries.popitem(last=False)
    return value


def scene_digest(vertices: torch.Tensor, faces: torch.Tensor) -> str:
    """A content digest of a scene's triangles (vertex positions (V, 3), faces (F, 3))."""
    h = hashlib.blake2b(digest_size=16)
    for t in (vertices, faces):
        h.update(str((tuple(t.shape), t.dtype)).encode())
        h.update(t.detach().contiguous().cpu().numpy().tobytes())
    return h.hexdigest()
