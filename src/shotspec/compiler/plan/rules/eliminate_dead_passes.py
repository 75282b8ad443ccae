"""Drop passes that cannot change a pixel, and nodes no output depends on.

A pass is dead when it is disabled or its parameters make it the identity: zero strength,
zero exposure, an upscale by 1, ``tonemap none``. Its consumer is rewired to its input.
"""

from __future__ import annotations

from shotspec.compiler.plan.graph import Plan, PlanNode

__all__ = ["eliminate_dead_passes", "is_identity"]

_STRENGTH_PASSES = {"skin_enhance": "strength", "grain": "strength", "smooth": "strength",
                    "sharpen": "amount", "grade": "strength"}


def is_identity(node: PlanNode) -> bool:
    p = node.params
    if p.get("enabled") is False:
        return True
    if node.op in _STRENGTH_PASSES:
        return float(p.get(_STRENGTH_PASSES[node.op], 1.0)) == 0.0
    if node.op == "exposure":
        return float(p.get("stops", 0.0)) == 0.0
    if node.op == "upscale":
        return int(p.get("factor", 1)) == 1
    if node.op == "tonemap":
        return p.get("operator") == "none"
    return False


def eliminate_dead_passes(plan: Plan) -> Plan:
    replacement: dict[str, str] = {}
    kept: dict[str, PlanNode] = {}
    for node in plan.nodes.values():
        inputs = tuple(replacement.get(i, i) for i in node.inputs)
        if len(inputs) == 1 and is_identity(node):
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
