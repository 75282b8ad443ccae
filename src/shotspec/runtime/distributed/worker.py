"""What one distributed task does on whichever machine runs it, with no distributed engine in
sight: run a node's sub-plan through the local :class:`~shotspec.runtime.executor.Executor`
against the shared disk cache, and describe what it did in plain values.

A worker process keeps its frames in memory across the tasks it runs (bounded, least recently
used first), so a frame it wrote or read is not read from the folder again for its next task.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shotspec.compiler.plan import Plan
from shotspec.runtime.cache import FrameCache
from shotspec.runtime.distributed.schedule import subplan
from shotspec.runtime.errors import RenderError
from shotspec.runtime.executor import Executor

__all__ = ["TaskResult", "TaskCache", "run_task", "worker_cache", "WORKER_CACHE_BYTES",
           "check_versions"]

# Frames a worker process keeps in memory between tasks (the disk cache holds them all).
WORKER_CACHE_BYTES = 1 << 30

_MEMORY: list[FrameCache] = []
_DISKS: dict[str, FrameCache] = {}


@dataclass(frozen=True)
class TaskResult:
    """What a task reports back: ``timings`` ``(node id, seconds, cached)`` in the order its
    executor met them; ``written`` target -> file; ``size`` the written frame's ``(width,
    height)`` (None for a head); ``frame`` the written frame when asked for; ``worker`` where
    it ran (host, process, device)."""

    task_id: str
    timings: tuple[tuple[str, float, bool], ...]
    written: Mapping[str, str]
    size: tuple[int, int] | None
    worker: str
    frame: object | None = None


class TaskCache:
    """What a task's executor sees as its cache: this process's in-memory frames (kept across
    tasks) over the shared folder. Every frame it reads or computes stays in memory; a computed
    one reaches the folder only when its key is in ``persist`` (None: every one), so a frame
    no other task reads never crosses the network. Reads and writes are the
    :class:`~shotspec.runtime.cache.FrameCache`'s (atomic, corrupt entries are misses)."""

    def __init__(self, memory: FrameCache, disk: FrameCache, persist: frozenset[str] | None):
        self.memory, self.disk, self.persist = memory, disk, persist

    def __contains__(self, key: str) -> bool:
        return key in self.memory or key in self.disk

    def get(self, key: str, device=None):
        frame = self.memory.get(key)
        if frame is None:
            frame = self.disk.get(key)
            if frame is None:
                return None
            self.memory.put(key, frame)
        elif self._persists(key) and key not in self.disk:
            self.disk.put(key, frame)     # kept from an earlier task that did not share it
        return frame if device is None else frame.to(device)

    def put(self, key: str, frame) -> None:
        self.memory.put(key, frame)
        if self._persists(key):
            self.disk.put(key, frame)

    def _persists(self, key: str) -> bool:
        return self.persist is None or key in self.persist


def worker_cache(cache_dir: str, persist: frozenset[str] | None = None) -> TaskCache:
    """This process's cache over the shared folder ``cache_dir`` for one task, writing the
    keys in ``persist`` (None: all) to the folder."""
    if not _MEMORY:
        _MEMORY.append(FrameCache(WORKER_CACHE_BYTES))
    disk = _DISKS.get(cache_dir)
    if disk is None:
        disk = _DISKS[cache_dir] = FrameCache(0, disk_dir=cache_dir)
    return TaskCache(_MEMORY[0], disk, persist)


def check_versions(expected: Mapping[str, str]) -> None:
    """E581 unless this process's shotspec version and plan key version are the driver's:
    a node key must mean the same computation on every machine."""
    from shotspec import __version__
    from shotspec.compiler.plan.keys import KEY_VERSION

    here = {"shotspec": __version__, "keys": KEY_VERSION}
    if dict(expected) != here:
        raise RenderError(
            "E581", f"a Ray worker on {socket.gethostname()} runs shotspec {here['shotspec']} "
                    f"(keys {here['keys']}) but the render was planned with "
                    f"{expected.get('shotspec')} (keys {expected.get('keys')})",
            hint="install the same shotspec version on every node of the cluster")


def _loadable(cache: TaskCache) -> Callable[[str], bool]:
    """A key is usable when its frame loads (a corrupt entry is computed again); the load
    leaves it in memory, so the executor's own look-up is served without a second read."""
    return lambda key: cache.get(key) is not None


class _SubplanExecutor(Executor):
    """The local executor, with its memory check made on the task's whole sub-plan: a cut
    sub-plan's cached nodes have no inputs, so the sizes the estimate follows down the chain
    would be missing."""

    def __init__(self, whole: Plan, **kwargs):
        super().__init__(**kwargs)
        self.whole = whole

    def check_memory(self, plan: Plan) -> None:
        super().check_memory(self.whole)


def run_task(plan: Plan, root: str, *, cache_dir: str, device: str,
             provenance: Mapping[str, Mapping[str, str]], output_paths: Mapping[str, str],
             task_id: str, on_event: Callable | None = None, keep_frame: bool = False,
             worker: str = "", shares: tuple[str, ...] | None = None) -> TaskResult:
    """Compute ``root`` of ``plan`` (typed, see :func:`~.schedule.typed_plan`; written, for an
    output node) on this machine; ``on_event`` receives the local executor's
    :class:`~shotspec.runtime.executor.NodeEvent` s. ``shares``: the node ids other tasks
    read (:attr:`~.schedule.RenderTask.shares`), the only ones written to the shared folder
    (None: every computed node, as the local executor does)."""
    persist = None if shares is None else frozenset(plan.nodes[nid].key for nid in shares)
    cache = worker_cache(cache_dir, persist)
    sub = subplan(plan, root, _loadable(cache))
    whole = Plan(nodes={nid: plan.nodes[nid] for nid in plan.ancestors(root)}, outputs=sub.outputs)
    executor = _SubplanExecutor(whole, device=device, cache=cache, on_event=on_event)
    label = worker or f"{socket.gethostname()} {executor.device} (pid {os.getpid()})"
    report = executor.run(sub, provenance={k: dict(v) for k, v in provenance.items()},
                          output_paths=dict(output_paths))
    frame = next(iter(report.frames.values()), None)
    size = (frame.width, frame.height) if frame is not None else None
    timings = tuple((t.node.id, t.seconds, t.cached) for t in report.timings)
    kept = frame.to("cpu") if keep_frame and frame is not None else None
    return TaskResult(task_id, timings, dict(report.written), size, label, kept)
