"""Fuse runs of adjacent pointwise passes (exposure, white balance, tone map, grade) into one
``pointwise`` node, so the frame is read and written once instead of once per pass.

A run is only fused while each intermediate result has exactly one consumer.
"""

from __future__ import annotations

from shotspec.compiler.ir import POINTWISE_OPS
from shotspec.compiler.plan.graph import Plan, PlanNode
from shotspec.compiler.plan.params import PARAMS, PointwiseStage

__all__ = ["fuse_pointwise"]


def _stage(node: PlanNode) -> list[PointwiseStage]:
    if node.op == "pointwise":
        return list(node.params.ops)
    return [PointwiseStage(op=node.op, params=node.params)]


def fuse_pointwise(plan: Plan) -> Plan:
    consumers: dict[str, int] = {}
    for node in plan.nodes.values():
        for inp in node.inputs:
            consumers[inp] = consumers.get(inp, 0) + 1
    fusable = POINTWISE_OPS | {"pointwise"}

    nodes: dict[str, PlanNode] = {}
    renamed: dict[str, str] = {}
    for node in plan.nodes.values():
        inputs = tuple(renamed.get(i, i) for i in node.inputs)
        node = node.evolve(inputs=inputs)
        upstream = nodes.get(inputs[0]) if len(inputs) == 1 else None
        if (node.op in fusable and upstream is not None and upstream.op in fusable
                and consumers.get(upstream.id, 0) == 1 and upstream.id not in plan.outputs.values()):
            fused = upstream.evolve(
                op="pointwise",
                params=PARAMS["pointwise"](ops=tuple(_stage(upstream) + _stage(node))),
                label="+".join(s.op for s in _stage(upstream) + _stage(node)),
            )
            nodes[upstream.id] = fused
            renamed[node.id] = upstream.id
            continue
        nodes[node.id] = node
    outputs = {shot: renamed.get(o, o) for shot, o in plan.outputs.items()}
    return Plan(nodes=nodes, outputs=outputs)
