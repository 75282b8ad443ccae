"""Share identical nodes across shots: nodes with equal content keys compute the same frame,
so all but the first are dropped and their consumers rewired. Two shots of one character that
differ only in grain trace and shade the head once.
"""

from __future__ import annotations

from shotspec.compiler.plan.graph import Plan, PlanError, PlanNode

__all__ = ["share_nodes"]


def share_nodes(plan: Plan) -> Plan:
    by_key: dict[str, str] = {}
    renamed: dict[str, str] = {}
    nodes: dict[str, PlanNode] = {}
    for node in plan.nodes.values():
        if not node.key:
            raise PlanError("share_nodes needs keys: run assign_keys first")
        inputs = tuple(renamed.get(i, i) for i in node.inputs)
        first = by_key.get(node.key)
        if first is not None:
            kept = nodes[first]
            merged_shots = kept.shots + tuple(s for s in node.shots if s not in kept.shots)
            nodes[first] = kept.evolve(shots=merged_shots)
            renamed[node.id] = first
            continue
        by_key[node.key] = node.id
        nodes[node.id] = node.evolve(inputs=inputs)
    outputs = {shot: renamed.get(o, o) for shot, o in plan.outputs.items()}
    if len({n.key for n in nodes.values()}) != len(nodes):
        raise PlanError("two nodes still share one content key after sharing")
    return Plan(nodes=nodes, outputs=outputs)
