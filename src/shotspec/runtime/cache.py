"""Content-addressed frame cache: in memory (LRU, bounded in bytes), optionally on disk.

Keys are plan-node content keys, so a hit is always the right frame. The disk cache stores
frames as ``<key>.pt`` files written atomically; a corrupt entry is treated as a miss.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path

import torch

from shotspec.atomic_files import atomic_write
from shotspec.runtime.frame import Frame, FrameMeta

__all__ = ["FrameCache"]


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

