"""Give every node its content key: sha256 over its op, op version, params and input keys."""

from __future__ import annotations

from shotspec.compiler.plan.graph import Plan
from shotspec.compiler.plan.params import OP_VERSIONS
from shotspec.compiler.plan.keys import content_key

__all__ = ["assign_keys"]


def assign_keys(plan: Plan) -> Plan:
    nodes = {}
    for node in plan.nodes.values():
        version = OP_VERSIONS[node.op]
        if node.op == "pointwise":
            version += "+" + ",".join(OP_VERSIONS[s.op] for s in node.params.ops)
        key = content_key(node.op, node.params, tuple(nodes[i].key for i in node.inputs), version)
        nodes[node.id] = node.evolve(key=key)
    return Plan(nodes=nodes, outputs=dict(plan.outputs))
