"""Content-addressed frame cache: in memory (LRU, bounded in bytes), optionally on disk.

Keys are plan-node content keys, so a hit is always the right frame. The disk cache stores
frames as ``<key>.pt`` files written atomically; a corrupt entry is treated as a miss.

Below the plan, passes keep what they derive from a frame's geometry alone (the lens's depth
layers, the skin texture, upscaled AOVs) in :class:`DerivedCache` instances keyed by the
tensors they read (:func:`tensor_token`) and their parameters: a lighting edit changes a pass's
input colour, so its plan-node key misses, but its AOVs are unchanged and those parts are
reused.
"""

from __future__ import annotations

import itertools
import os
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any

import torch

from shotspec.atomic_files import atomic_write
from shotspec.runtime.frame import Frame, FrameMeta

__all__ = ["FrameCache", "DerivedCache", "derived_cache", "tensor_token", "DERIVED"]


class FrameCache:
    def __init__(self, max_bytes: int = 3 << 30, disk_dir: str | os.PathLike | None = None):
        self.max_bytes = int(max_bytes)
        self.disk_dir = Path(disk_dir) if disk_dir else None
        self._frames: OrderedDict[str, Frame] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __contains__(self, key: str) -> bool:
        return key in self._frames or (self.disk_dir is not None and self._disk_path(key).exists())

    def keys(self) -> list[str]:
        return list(self._frames)

    def get(self, key: str, device: torch.device | None = None) -> Frame | None:
        frame = self._frames.get(key)
        if frame is not None:
            self._frames.move_to_end(key)
        elif self.disk_dir is not None:
            frame = self._load(key)
            if frame is not None:
                self._remember(key, frame)
        if frame is None:
            self.misses += 1
            return None
        self.hits += 1
        if device is not None:
            frame = frame.to(device)
        return frame

    def put(self, key: str, frame: Frame) -> None:
        self._remember(key, frame)
        if self.disk_dir is not None:
            self._store(key, frame)

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0

    # ------------------------------------------------------------------ internals

    def _remember(self, key: str, frame: Frame) -> None:
        if key in self._frames:
            self._bytes -= self._frames.pop(key).nbytes()
        size = frame.nbytes()
        if size > self.max_bytes:
            return
        self._frames[key] = frame
        self._bytes += size
        while self._bytes > self.max_bytes and self._frames:
            _, old = self._frames.popitem(last=False)
            self._bytes -= old.nbytes()

    def _disk_path(self, key: str) -> Path:
        assert self.disk_dir is not None
        return self.disk_dir / key[:2] / f"{key}.pt"

    def _store(self, key: str, frame: Frame) -> None:
        path = self._disk_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"rgb": frame.rgb.detach().cpu(),
                   "aovs": {k: v.detach().cpu() for k, v in frame.aovs.items()},
                   "meta": asdict(frame.meta)}
        atomic_write(path, writer=lambda tmp: torch.save(payload, tmp))

    def _load(self, key: str) -> Frame | None:
        path = self._disk_path(key)
        if not path.exists():
            return None
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            meta = dict(payload["meta"])
            meta["target_depths_m"] = tuple(tuple(t) for t in meta.get("target_depths_m", ()))
            return Frame(rgb=payload["rgb"], aovs=dict(payload["aovs"]), meta=FrameMeta(**meta))
        except Exception:  # noqa: BLE001 - any unreadable entry is a miss; it will be rewritten
            return None



# ---------------------------------------------------------------------- derived results

_TOKENS: dict[int, tuple[weakref.ref, int, int]] = {}
_NEXT_TOKEN = itertools.count(1)


def _forget(key: int) -> Callable[[weakref.ref], None]:
    def drop(ref: weakref.ref) -> None:
        entry = _TOKENS.get(key)
        if entry is not None and entry[0] is ref:
            del _TOKENS[key]
    return drop


def tensor_token(t: torch.Tensor) -> int:
    """A number that stands for ``t`` as it is now: the same tensor object, not modified in
    place since (its version counter unchanged), gets the same token; any other tensor, or
    this one after an in-place change, a new one. Tokens are never reused in a process.

    Keys built from tokens are exact — they can only match the very values a result was
    computed from — and free to compute. Equal contents in a *new* tensor get a new token (a
    miss, never a wrong hit): hashing the contents instead would cost about 0.2 s per 100 MB
    of AOVs, more than most of what the derived caches save."""
    try:
        version = t._version
    except RuntimeError:        # inference-mode tensors keep no version counter: never shared
        return next(_NEXT_TOKEN)
    entry = _TOKENS.get(id(t))
    if entry is not None and entry[0]() is t and entry[1] == version:
        return entry[2]
    token = next(_NEXT_TOKEN)
    _TOKENS[id(t)] = (weakref.ref(t, _forget(id(t))), version, token)
    return token


class DerivedCache:
    """Results a pass derives from its input frame's geometry (not its colour): bounded LRU,
    keyed by the :func:`tensor_token` of every tensor they were computed from plus every other
    parameter, so a lighting edit, which gives a pass new colour but the same AOVs, reuses
    them, and a change to any input misses. ``hits`` / ``misses`` count look-ups.

    ``max_bytes`` bounds the tensors held (values are sized by :func:`_value_bytes`); the
    least recently used entries go first."""

    def __init__(self, name: str, max_bytes: int = 1 << 30):
        self.name, self.max_bytes = name, int(max_bytes)
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, tensors: Sequence[torch.Tensor], params: Hashable,
                       compute: Callable[[], Any]) -> Any:
        """The value for ``tensors`` (as they are now) and ``params``, computing it on a miss.
        An entry is dropped as soon as any of its tensors is freed: it could never hit again."""
        key = (tuple(tensor_token(t) for t in tensors), params)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]
        self.misses += 1
        value = compute()
        size = _value_bytes(value)
        if size <= self.max_bytes:
            self._entries[key] = (value, size)
            self._bytes += size
            for t in tensors:
                weakref.finalize(t, self._drop, key)
            while self._bytes > self.max_bytes:
                _, (_, old) = self._entries.popitem(last=False)
                self._bytes -= old
        return value

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


def _value_bytes(value: Any) -> int:
    """Bytes of the tensors in ``value`` (tensors, dataclasses, dicts, lists, tuples of them)."""
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, dict):
        return sum(_value_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_value_bytes(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return sum(_value_bytes(getattr(value, f.name)) for f in fields(value))
    return 0


DERIVED: dict[str, DerivedCache] = {}


def derived_cache(name: str, max_bytes: int = 1 << 30) -> DerivedCache:
    """The process-wide :class:`DerivedCache` called ``name`` (created on first use)."""
    cache = DERIVED.get(name)
    if cache is None:
        cache = DERIVED[name] = DerivedCache(name, max_bytes)
    return cache
