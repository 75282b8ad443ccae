"""Drop passes that cannot change a pixel, and nodes no output depends on.

A pass is dead when it is disabled or its parameters make it the identity (each pass model
declares when: zero strength, zero exposure, an upscale by 1, ``tonemap none``). Its consumer
is rewired to its input.
"""

from __future__ import annotations

from shotspec.compiler.ir import PASS_MODELS
from shotspec.compiler.plan.graph import Plan, PlanNode

__all__ = ["eliminate_dead_passes", "is_identity"]

def is_identity(node: PlanNode) -> bool:
    model = PASS_MODELS.get(node.op)
    if model is None:
        return False
    return model.PASS.is_identity(node.params)


def eliminate_dead_passes(plan: Plan) -> Plan:
    replacement: dict[str, str] = {}
    kept: dict[str, PlanNode] = {}
    for node in plan.nodes.values():
        inputs = tuple(replacement.get(i, i) for i in node.inputs)
        if inputs and is_identity(node):       # a pass's frame is its first input
            replacement[node.id] = inputs[0]
            continue
        kept[node.id] = node.evolve(inputs=inputs) if inputs != node.inputs else node
    outputs = {shot: replacement.get(o, o) for shot, o in plan.outputs.items()}

    live: set[str] = set()
    stack = list(outputs.values())
    while stack:
        nid = stack.pop()
        if nid not in live:
            live.add(nid)
            stack.extend(kept[nid].inputs)
    return Plan(nodes={k: v for k, v in kept.items() if k in live}, outputs=outputs)
