"""The executor: runs a plan's nodes in topological order through a content-addressed cache.

Each node runs at most once per content key; a node whose key is in the cache is served from it.
Output nodes always run (they write files). Progress is reported as events, so the CLI can show
a live display and the watch loop can say which nodes re-ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from shotspec.compiler.plan import Plan, PlanNode
from shotspec.diagnostics import ShotspecError
from shotspec.runtime.cache import FrameCache
from shotspec.runtime.device import select_device
from shotspec.runtime.errors import RenderError
from shotspec.runtime.frame import Frame
from shotspec.runtime.memory import available_bytes, estimate_peak_bytes
from shotspec.runtime.ops import OPS, OpContext

__all__ = ["Executor", "NodeEvent", "RunReport", "NodeTiming"]


@dataclass(frozen=True)
class NodeEvent:
    kind: str                 # "start" | "done" | "cached"
    node: PlanNode
    index: int
    total: int
    seconds: float = 0.0


@dataclass(frozen=True)
class NodeTiming:
    node: PlanNode
    seconds: float
    cached: bool


@dataclass
class RunReport:
    frames: dict[str, Frame] = field(default_factory=dict)      # shot -> final frame
    written: dict[str, str] = field(default_factory=dict)       # shot -> file written
    timings: list[NodeTiming] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ran(self) -> list[PlanNode]:
        return [t.node for t in self.timings if not t.cached]

    @property
    def cached(self) -> list[PlanNode]:
        return [t.node for t in self.timings if t.cached]


class Executor:
    def __init__(self, *, device: str | torch.device = "auto", cache: FrameCache | None = None,
                 on_event: Callable[[NodeEvent], None] | None = None,
                 memory_limit_bytes: int | None = None):
        self.device = device if isinstance(device, torch.device) else select_device(device)
        self.cache = cache if cache is not None else FrameCache()
        self.on_event = on_event or (lambda event: None)
        self.memory_limit_bytes = memory_limit_bytes

    def check_memory(self, plan: Plan) -> None:
        need = estimate_peak_bytes(plan)
        have = self.memory_limit_bytes or available_bytes(self.device)
        if need > have:
            out = next(iter(plan.outputs.values()), None)
            span = plan.nodes[out].span if out else None
            raise RenderError(
                "E501",
                f"this render needs about {need / 2**30:.1f} GiB but only {have / 2**30:.1f} GiB "
                f"is available on {self.device}",
                hint="lower `output { size … }`, render fewer shots at once (`--shot`), or drop an upscale factor",
                span=span)

    def would_run(self, plan: Plan) -> dict[str, bool]:
        """node id -> True when the node would be computed (not served by the cache)."""
        return {nid: (node.op == "output" or node.key not in self.cache) for nid, node in plan.nodes.items()}

    def run(self, plan: Plan, *, provenance: dict[str, dict[str, str]] | None = None,
            output_paths: dict[str, str] | None = None) -> RunReport:
        self.check_memory(plan)
        ctx = OpContext(device=self.device, provenance=provenance or {}, output_paths=output_paths or {})
        report = RunReport()
        frames: dict[str, Frame] = {}
        remaining_uses = {nid: 0 for nid in plan.nodes}
        for node in plan.nodes.values():
            for inp in node.inputs:
                remaining_uses[inp] += 1
        nodes = plan.topological()
        start_all = time.perf_counter()
        for index, node in enumerate(nodes):
            frame = None if node.op == "output" else self.cache.get(node.key, self.device)
            if frame is not None:
                report.timings.append(NodeTiming(node, 0.0, True))
                self.on_event(NodeEvent("cached", node, index, len(nodes)))
            else:
                self.on_event(NodeEvent("start", node, index, len(nodes)))
                t0 = time.perf_counter()
                ctx.node_key = node.key
                frame = self._run_node(node, [frames[i] for i in node.inputs], ctx)
                if self.device.type == "cuda":
                    torch.cuda.synchronize(self.device)
                seconds = time.perf_counter() - t0
                if node.op != "output":
                    self.cache.put(node.key, frame)
                report.timings.append(NodeTiming(node, seconds, False))
                self.on_event(NodeEvent("done", node, index, len(nodes), seconds))
            if node.op == "output" and "#" in node.params.shot:
                frame = frame.replace(aovs={})   # a sequence's frame: keep only its picture
            frames[node.id] = frame
            for inp in node.inputs:          # free intermediates no later node needs
                remaining_uses[inp] -= 1
                if remaining_uses[inp] == 0 and inp not in plan.outputs.values():
                    frames.pop(inp, None)
        for shot, out in plan.outputs.items():
            report.frames[shot] = frames[out]
        report.written = dict(ctx.written)
        report.seconds = time.perf_counter() - start_all
        return report

    def _run_node(self, node: PlanNode, inputs: list[Frame], ctx: OpContext) -> Frame:
        op = OPS.get(node.op)
        if op is None:
            raise RenderError("E590", f"the runtime has no implementation of op `{node.op}`",
                              hint="this plan was made by a newer shotspec; upgrade", span=node.span)
        try:
            with torch.no_grad():
                return op(inputs, node.params, ctx)
        except ShotspecError as err:
            raise err.located(node.span)   # an image or LUT error: blame the spec construct
        except torch.cuda.OutOfMemoryError as err:
            raise RenderError("E502", f"the device ran out of memory in `{node.label}`",
                              hint="use a smaller output size or `--device cpu`",
                              span=node.span) from err
