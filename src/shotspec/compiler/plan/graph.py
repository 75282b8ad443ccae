"""The plan's data structures and its invariants."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from shotspec.compiler.ir import Span
from shotspec.compiler.plan.params import Params

__all__ = ["PlanNode", "Plan", "PlanError"]



class PlanError(Exception):
    """A broken plan invariant: a bug in a rule, never a user error."""


@dataclass(frozen=True)
class PlanNode:
    id: str
    op: str
    params: Params                       # the op's typed params (plan/params.py PARAMS[op])
    inputs: tuple[str, ...] = ()
    key: str = ""
    shots: tuple[str, ...] = ()          # shots this node serves (after sharing, may be several)
    span: Span | None = None             # the source construct that produced it
    label: str = ""                      # human-readable, for `shot explain`

    def evolve(self, **changes) -> "PlanNode":
        return replace(self, **changes)


@dataclass(frozen=True)
class Plan:
    nodes: dict[str, PlanNode]                     # in topological order
    outputs: dict[str, str] = field(default_factory=dict)   # shot name -> output node id

    def topological(self) -> list[PlanNode]:
        return list(self.nodes.values())

    def consumers(self, node_id: str) -> list[PlanNode]:
        return [n for n in self.nodes.values() if node_id in n.inputs]

    def ancestors(self, node_id: str) -> list[str]:
        """Every node the given one depends on, itself included, in topological order."""
        wanted: set[str] = set()
        stack = [node_id]
        while stack:
            nid = stack.pop()
            if nid not in wanted:
                wanted.add(nid)
                stack.extend(self.nodes[nid].inputs)
        return [nid for nid in self.nodes if nid in wanted]

    @property
    def hash(self) -> str:
        """The plan's identity: the keys of its outputs, hashed."""
        from shotspec.compiler.plan.keys import content_key

        return content_key("plan", {}, tuple(self.nodes[o].key for o in sorted(self.outputs.values())))

    def check(self) -> None:
        """Raise PlanError unless: ids match, inputs precede their consumers, outputs exist, and
        either no node or every node has a key, each derived from its inputs' keys."""
        seen: set[str] = set()
        for nid, node in self.nodes.items():
            if nid != node.id:
                raise PlanError(f"node stored under {nid!r} has id {node.id!r}")
            for inp in node.inputs:
                if inp not in seen:
                    raise PlanError(f"{nid}: input {inp!r} is missing or comes later")
            seen.add(nid)
        for shot, out in self.outputs.items():
            if out not in self.nodes:
                raise PlanError(f"output of shot {shot!r} points at missing node {out!r}")
        keyed = [bool(n.key) for n in self.nodes.values()]
        if any(keyed) and not all(keyed):
            raise PlanError("some nodes have content keys and others do not")
