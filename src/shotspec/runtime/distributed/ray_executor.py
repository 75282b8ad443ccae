"""The Ray executor: a plan's targets (shots, frames) as Ray tasks over a shared disk cache.

:func:`~shotspec.runtime.distributed.schedule.plan_tasks` splits the plan: one task per node
that several targets share (run first), one per target. Each task runs its sub-plan through
the local :class:`~shotspec.runtime.executor.Executor` on whichever node Ray gives it, reading
from the content-addressed :class:`~shotspec.runtime.cache.FrameCache` folder every node sees
(``cache_dir``) and writing to it the nodes other tasks read, so no node is computed twice and
every output is the one the local executor writes, byte for byte. Tasks are retried when their worker or node dies
(``max_retries``) and on ``OSError`` (a network file system's hiccup); a shotspec error (a
bad image, too little memory) is the user's and is reported at once. Targets whose file is
already on disk with this plan's key are skipped (resume). Node events from every worker come
back to the driver through a small actor and reach ``on_event`` as :class:`RemoteNodeEvent`.

Ray is imported only here and only when a Ray executor is made: ``pip install shotspec[ray]``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from shotspec.compiler.plan import Plan
from shotspec.diagnostics import ShotspecError
from shotspec.runtime.distributed.schedule import (RenderTask, finished_targets, plan_tasks,
                                                   portable_plan)
from shotspec.runtime.errors import RenderError
from shotspec.runtime.executor import NodeEvent, NodeTiming, RunReport

__all__ = ["RayExecutor", "RemoteNodeEvent", "RayRunReport", "import_ray", "connect_ray",
           "POLL_SECONDS"]

# How often the driver collects progress while it waits for tasks.
POLL_SECONDS = 0.2
# How long the address check waits for the cluster's port to answer.
CONNECT_SECONDS = 5.0


@dataclass(frozen=True)
class RemoteNodeEvent(NodeEvent):
    """A node event from a Ray worker: ``worker`` says where (host, Ray node, device)."""

    worker: str = ""
    node_id: str = ""        # the Ray node's id (hex)


@dataclass
class RayRunReport(RunReport):
    """A run report whose ``frames`` hold the written frames only when asked for
    (``keep_frames``); ``sizes`` target -> (width, height) always; ``resumed`` the targets
    found on disk and skipped; ``tasks`` the tasks run; ``workers`` the worker nodes that ran
    them (host, Ray node, device)."""

    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    resumed: dict[str, str] = field(default_factory=dict)
    tasks: list[RenderTask] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)


def import_ray():
    """The ``ray`` module, or E620 when it is not installed."""
    try:
        import ray
    except ImportError as exc:
        raise RenderError("E620", f"`--executor ray` needs the ray package ({exc})",
                          hint="pip install 'shotspec[ray]'") from None
    return ray


def connect_ray(address: str | None) -> bool:
    """Join the Ray cluster at ``address`` (else ``RAY_ADDRESS``, else start a local one);
    True when this call started a local instance (the caller shuts it down). E621 when the
    address cannot be reached."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    _probe(address)
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        raise RenderError("E621", f"cannot reach the Ray cluster at {address}: {exc}",
                          hint="start it with `ray start --head`, check --ray-address / "
                               "RAY_ADDRESS (e.g. `auto`, `HOST:6379`, `ray://HOST:10001`)") from None
    return address is None


def _probe(address: str | None, timeout_s: float = CONNECT_SECONDS) -> None:
    """E621 at once when ``address`` names a host and port (``HOST:PORT``, ``ray://HOST:PORT``)
    that accepts no connection: Ray itself keeps retrying a missing cluster for a minute."""
    import socket

    if not address or address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rsplit("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise RenderError("E621", f"cannot reach the Ray cluster at {address}: "
                                  f"{exc.strerror or exc}",
                          hint="start it with `ray start --head`, check --ray-address / "
                               "RAY_ADDRESS (e.g. `auto`, `HOST:6379`, `ray://HOST:10001`)") from None


def _event_board(ray):
    @ray.remote(num_cpus=0)
    class EventBoard:
        """Collects workers' node events until the driver drains them."""

        def __init__(self):
            self.items: list[tuple] = []

        def post(self, item: tuple) -> None:
            self.items.append(item)

        def drain(self) -> list[tuple]:
            items, self.items = self.items, []
            return items

    return EventBoard


def _remote_render(ray, *, max_retries: int, num_cpus: float, num_gpus: float):
    def render(plan, root, task_id, shares, cache_dir, device, provenance, output_paths,
               versions, board, keep_frame, *after):
        import socket

        from shotspec.runtime.device import select_device
        from shotspec.runtime.distributed.schedule import typed_plan
        from shotspec.runtime.distributed.worker import check_versions, run_task

        check_versions(versions)
        plan = typed_plan(plan)
        node_id = ray.get_runtime_context().get_node_id()
        where = f"{socket.gethostname()} node {node_id[:6]} {select_device(device)} (pid {os.getpid()})"

        def post(event: NodeEvent) -> None:
            board.post.remote((task_id, event.kind, event.node.id, event.seconds, where, node_id))

        return run_task(plan, root, cache_dir=cache_dir, device=device, provenance=provenance,
                        output_paths=output_paths, task_id=task_id, keep_frame=keep_frame,
                        worker=where, on_event=post, shares=shares)

    return ray.remote(max_retries=max_retries, retry_exceptions=[OSError], num_cpus=num_cpus,
                      num_gpus=num_gpus)(render)


class RayExecutor:
    """Runs plans on a Ray cluster. ``device`` is each worker's (``auto`` takes a GPU per
    task when the cluster has GPUs, else the CPU); ``cache_dir`` must be a folder every node
    sees (a temporary one is made for a local cluster when None)."""

    def __init__(self, *, device: str = "auto", cache_dir: str | None = None,
                 address: str | None = None,
                 on_event: Callable[[NodeEvent], None] | None = None, resume: bool = True,
                 keep_frames: bool = False, max_retries: int = 3, cpus_per_task: float = 1.0):
        self.device_name = device
        self.cache_dir = cache_dir
        self.address = address
        self.on_event = on_event or (lambda event: None)
        self.resume = resume
        self.keep_frames = keep_frames
        self.max_retries = max_retries
        self.cpus_per_task = cpus_per_task
        self._started = False

    @property
    def device(self) -> str:
        """How the CLI names where it renders: the cluster and the workers' device."""
        return f"a Ray cluster ({self.device_name} per worker)"

    def connect(self) -> None:
        """Join (or start) the cluster now; E620 / E621 when that is impossible."""
        self._started = connect_ray(self.address) or self._started

    def shutdown(self) -> None:
        """Stop the local Ray instance this executor started (a joined cluster keeps running)."""
        if self._started:
            import_ray().shutdown()
            self._started = False

    def run(self, plan: Plan, *, provenance: dict[str, dict[str, str]] | None = None,
            output_paths: dict[str, str] | None = None) -> RayRunReport:
        ray = import_ray()
        self.connect()
        cache_dir, scratch = self.cache_dir, None
        if cache_dir is None:
            if not self._started:
                raise RenderError("E622", "rendering on a Ray cluster needs --cache-dir: a folder "
                                          "every node of the cluster can read and write",
                                  hint="mount a shared folder (NFS, a cloud file system) on every "
                                       "node at the same path and pass it as --cache-dir")
            cache_dir = scratch = tempfile.mkdtemp(prefix="shotspec-ray-cache-")
        try:
            return self._run(ray, plan, os.path.abspath(cache_dir), provenance or {}, output_paths or {})
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)

    # ------------------------------------------------------------------ internals

    def _gpus_per_task(self, ray) -> float:
        name = self.device_name.lower()
        if name.startswith("cuda"):
            return 1.0
        if name == "auto":
            return 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0
        return 0.0

    def _run(self, ray, plan: Plan, cache_dir: str, provenance, output_paths) -> RayRunReport:
        from shotspec import __version__
        from shotspec.compiler.plan.keys import KEY_VERSION
        from shotspec.runtime.cache import FrameCache

        start = time.perf_counter()
        report = RayRunReport()
        if self.resume:
            report.resumed = finished_targets(plan, output_paths)
        tasks = plan_tasks(plan, FrameCache(0, disk_dir=cache_dir).__contains__,
                           skip=set(report.resumed))
        report.tasks = tasks
        board = _event_board(ray).options(scheduling_strategy=_here(ray)).remote()
        remote = _remote_render(ray, max_retries=self.max_retries, num_cpus=self.cpus_per_task,
                                num_gpus=self._gpus_per_task(ray))
        shared = [ray.put(v) for v in (portable_plan(plan), provenance, output_paths)]
        versions = {"shotspec": __version__, "keys": KEY_VERSION}
        refs: dict[str, object] = {}
        for task in tasks:
            refs[task.id] = remote.remote(shared[0], task.root, task.id, task.shares, cache_dir,
                                          self.device_name, shared[1], shared[2], versions, board,
                                          self.keep_frames and not task.is_head,
                                          *[refs[a] for a in task.after])
        progress = _Progress(plan, self.on_event)
        try:
            results = self._collect(ray, refs, board, progress)
        finally:
            ray.kill(board)
        computed: dict[str, float] = {}
        for result in results:
            computed.update({nid: s for nid, s, cached in result.timings if not cached})
            report.written.update(result.written)
            node = result.worker.split(" (pid ")[0]
            if node not in report.workers:
                report.workers.append(node)
            task = next(t for t in tasks if t.id == result.task_id)
            if task.target is not None and result.size is not None:
                for key in {task.target, *result.written}:     # the output op names its file
                    report.sizes[key] = result.size
                    if result.frame is not None:
                        report.frames[key] = result.frame
        report.written.update(report.resumed)
        ordered = {t: report.written[t] for t in plan.outputs if t in report.written}
        report.written = {**ordered, **report.written}         # in the plan's order
        report.timings = [NodeTiming(node, computed.get(nid, 0.0), nid not in computed)
                          for nid, node in plan.nodes.items()]
        progress.finish()
        report.seconds = time.perf_counter() - start
        return report

    def _collect(self, ray, refs: dict[str, object], board, progress: "_Progress") -> list:
        pending = {ref: tid for tid, ref in refs.items()}
        results = []
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=POLL_SECONDS)
                progress.feed(_drain(ray, board))
                for ref in ready:
                    pending.pop(ref)
                    results.append(_result(ray, ref, self.max_retries))
            progress.feed(_drain(ray, board))
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=False)
            raise
        return results


def _here(ray):
    """Schedule on the driver's node: the event board must outlive any worker node."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(node_id=ray.get_runtime_context().get_node_id(), soft=False)


def _drain(ray, board) -> list[tuple]:
    try:
        return ray.get(board.drain.remote())
    except ray.exceptions.RayError:     # progress is lost, the render is not
        return []


def _result(ray, ref, retries: int):
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = getattr(err, "cause", None)
        if isinstance(cause, ShotspecError):
            raise cause from None
        raise RenderError("E580", f"a Ray task failed: {type(cause).__name__}: {cause}",
                          hint="the worker's log (`ray logs`) has the traceback") from None
    except ray.exceptions.RayError as err:
        raise RenderError("E580", f"a Ray task failed after {retries} retries: "
                                  f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}",
                          hint="a worker or node kept dying: check its memory and logs "
                               "(`ray status`, `ray logs`), or raise the retries") from None


class _Progress:
    """Turns workers' events into the driver's :class:`RemoteNodeEvent` s: each node counted
    once (the first time it is computed or found cached), starts passed on as they come."""

    def __init__(self, plan: Plan, on_event: Callable[[NodeEvent], None]):
        self.plan, self.on_event = plan, on_event
        self.counted: set[str] = set()
        self.total = len(plan.nodes)

    def feed(self, items: list[tuple]) -> None:
        for _task, kind, nid, seconds, worker, node_id in items:
            node = self.plan.nodes.get(nid)
            if node is None or nid in self.counted:
                continue
            if kind != "start":
                self.counted.add(nid)
            self.on_event(RemoteNodeEvent(kind, node, len(self.counted), self.total, seconds,
                                          worker=worker, node_id=node_id))

    def finish(self) -> None:
        """Nodes no worker touched (cached above a cut, or of a resumed target) count as cached."""
        for nid, node in self.plan.nodes.items():
            if nid not in self.counted:
                self.counted.add(nid)
                self.on_event(RemoteNodeEvent("cached", node, len(self.counted), self.total))
