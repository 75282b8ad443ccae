"""Splitting a plan into tasks for a distributed executor, with no distributed engine in sight.

A plan's ``outputs`` are its targets (a shot today; one frame of a shot once shots move). Each
target is one task that runs the sub-plan of its output node's ancestors through the local
:class:`~shotspec.runtime.executor.Executor`. Nodes that several targets need (the mesh, groom
and geometry of one head seen by several shots or frames) would be computed by every one of
those tasks at once, so they get tasks of their own that run first:

* a node is **needed** by a target when the target's output depends on it through nodes that
  are not in the cache yet (a cached node is read, and what is above it is not needed);
* a needed node is **shared** when two or more targets need it;
* each needed node belongs to one task. Going up from the outputs: a node one target needs
  belongs to that target's task; a shared node whose consumers all belong to one task belongs
  to it too (it is reached only through that task, so ``mesh → groom → geometry → shade``,
  diamonds included, is one task, not four); any other shared node is a **head**: the root of
  a task of its own;
* every head is a task; every target is a task; a task waits for the tasks that compute its
  inputs.

Every non-cached node is then computed by exactly one task, and every task finds what it reads
in the shared content-addressed cache; only what another task reads (``RenderTask.shares``)
has to be written there. :func:`subplan` is what a task runs: its root's
ancestors, cut at nodes the cache already holds (kept, without inputs, so the executor serves
them from the cache). :func:`finished_targets` finds the targets whose output file is already
on disk with this plan's key in its provenance (resume).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from shotspec.compiler.plan import Plan, PlanNode

__all__ = ["RenderTask", "plan_tasks", "needed_nodes", "subplan", "finished_targets",
           "output_file", "portable_plan", "typed_plan"]


@dataclass(frozen=True)
class RenderTask:
    """One unit of distributed work.

    ``id`` is the root node's id; ``target`` the ``Plan.outputs`` key it renders (None for a
    shared head); ``after`` the ids of the tasks that must finish first; ``computes`` the node
    ids it is expected to compute, in topological order (for display and tests: the worker
    decides from the cache as it finds it)."""

    id: str
    root: str
    target: str | None
    after: tuple[str, ...]
    computes: tuple[str, ...]
    shares: tuple[str, ...] = ()     # the nodes it computes that other tasks read

    @property
    def is_head(self) -> bool:
        return self.target is None


def needed_nodes(plan: Plan, root: str, is_cached: Callable[[str], bool],
                 stop: frozenset[str] = frozenset()) -> list[str]:
    """Ids of the nodes computing ``root`` takes, in topological order: its ancestors reached
    through nodes that are not cached (``is_cached(key)``) and not in ``stop``. Output nodes
    are never cached (they write files). ``root`` itself is included unless it is cached."""
    wanted: set[str] = set()
    stack = [root]
    while stack:
        nid = stack.pop()
        if nid in wanted:
            continue
        node = plan.nodes[nid]
        if node.op != "output" and is_cached(node.key):
            continue
        if nid != root and nid in stop:
            continue
        wanted.add(nid)
        stack.extend(node.inputs)
    return [nid for nid in plan.nodes if nid in wanted]


def plan_tasks(plan: Plan, is_cached: Callable[[str], bool],
               skip: frozenset[str] | set[str] = frozenset()) -> list[RenderTask]:
    """The tasks that render every target of ``plan`` not in ``skip``, heads first (a list in
    an order in which every task comes after the tasks it waits for)."""
    targets = {t: out for t, out in plan.outputs.items() if t not in skip}
    users: dict[str, set[str]] = {}
    for target, out in targets.items():
        for nid in needed_nodes(plan, out, is_cached):
            users.setdefault(nid, set()).add(target)
    consumers: dict[str, set[str]] = {nid: set() for nid in users}
    for nid in users:
        for inp in plan.nodes[nid].inputs:
            if inp in consumers:
                consumers[inp].add(nid)
    group: dict[str, str] = {}          # node -> the root of the task that computes it
    heads: list[str] = []
    for nid in reversed([n for n in plan.nodes if n in users]):
        if len(users[nid]) == 1:
            group[nid] = targets[next(iter(users[nid]))]
            continue
        groups = {group[c] for c in consumers[nid]}
        if len(groups) == 1:
            group[nid] = groups.pop()   # every consumer is in one task: so is this node
        else:
            group[nid] = nid
            heads.append(nid)

    _fold_heads(plan, group, heads, consumers)

    read_by_others = {inp for nid in group for inp in plan.nodes[nid].inputs
                      if inp in group and group[inp] != group[nid]}

    def task(root: str, target: str | None) -> RenderTask:
        computes = [nid for nid in plan.nodes if group.get(nid) == root]
        after = sorted({group[inp] for nid in computes for inp in plan.nodes[nid].inputs
                        if inp in group and group[inp] != root})
        return RenderTask(id=root, root=root, target=target, after=tuple(after),
                          computes=tuple(computes),
                          shares=tuple(nid for nid in computes if nid in read_by_others))

    return ([task(h, None) for h in reversed(heads)]
            + [task(out, t) for t, out in targets.items()])


def _awaits(plan: Plan, group: dict[str, str]) -> dict[str, set[str]]:
    """task root -> every task root it waits for, directly or through others."""
    direct: dict[str, set[str]] = {}
    for nid, root in group.items():
        direct.setdefault(root, set()).update(
            group[inp] for inp in plan.nodes[nid].inputs if inp in group and group[inp] != root)
    closed: dict[str, set[str]] = {}

    def close(root: str) -> set[str]:
        if root not in closed:
            closed[root] = set()
            for up in direct.get(root, ()):
                closed[root] |= {up} | close(up)
        return closed[root]

    for root in direct:
        close(root)
    return closed


def _fold_heads(plan: Plan, group: dict[str, str], heads: list[str],
                consumers: dict[str, set[str]]) -> None:
    """Fold a head into one of its consumers' tasks when every other of those tasks waits for
    that one anyway (``mesh`` and ``groom`` feed ``geometry`` and every ``shade``: they join the
    geometry's task instead of making two more steps everyone waits for). Heads are taken
    downstream first; ``group`` and ``heads`` are updated in place."""
    for head in list(heads):                    # heads are listed downstream first
        awaits = _awaits(plan, group)
        groups = {group[c] for c in consumers[head]}
        for candidate in sorted(groups):
            if all(g == candidate or candidate in awaits.get(g, ()) for g in groups):
                for nid, root in group.items():
                    if root == head:
                        group[nid] = candidate
                heads.remove(head)
                break


def subplan(plan: Plan, root: str, is_cached: Callable[[str], bool]) -> Plan:
    """The plan that computes ``root`` (and writes it, for an output node): the nodes
    :func:`needed_nodes` gives, plus the cached nodes they read, kept without inputs so the
    executor serves them from the cache and never looks above them. Its ``outputs`` are the
    entries of ``plan.outputs`` that point at ``root``."""
    computes = needed_nodes(plan, root, is_cached)
    inside = set(computes)
    read = {inp for nid in computes for inp in plan.nodes[nid].inputs if inp not in inside}
    if not computes:
        read = {root}       # the root itself is cached: the executor serves it
    nodes: dict[str, PlanNode] = {}
    for nid, node in plan.nodes.items():
        if nid in inside:
            nodes[nid] = node
        elif nid in read:
            nodes[nid] = node.evolve(inputs=())
    outputs = {t: out for t, out in plan.outputs.items() if out == root}
    return Plan(nodes=nodes, outputs=outputs)


def portable_plan(plan: Plan) -> Plan:
    """``plan`` with every node's params as its JSON dict: the typed params models are made at
    import time (``create_model``), so a pickled instance would carry a copy of its class that
    the receiving process's ``params_of`` does not recognise. The keys are kept as they are."""
    return Plan(nodes={nid: node.evolve(params=node.params.model_dump(mode="json"))
                       for nid, node in plan.nodes.items()}, outputs=dict(plan.outputs))


def typed_plan(plan: Plan) -> Plan:
    """The inverse of :func:`portable_plan`: params validated back into this process's models."""
    from shotspec.compiler.plan.params import params_of

    return Plan(nodes={nid: node.evolve(params=params_of(node.op, node.params))
                       for nid, node in plan.nodes.items()}, outputs=dict(plan.outputs))


def output_file(plan: Plan, target: str, output_paths: Mapping[str, str]) -> str:
    """The file ``target``'s output node writes: ``output_paths`` (``-o``) by the node's shot,
    else the spec's path (as the ``output`` op decides)."""
    from shotspec.compiler.plan.params import params_of

    params = params_of("output", plan.nodes[plan.outputs[target]].params)
    return output_paths.get(params.shot, params.output.path)


def finished_targets(plan: Plan, output_paths: Mapping[str, str]) -> dict[str, str]:
    """target -> file, for every target whose output file exists and records this plan's key
    for it (``shotspec:plan`` in its provenance): rendering it again would write the same
    bytes. A file that cannot be read, or carries another key, is rendered again."""
    from shotspec.diagnostics import ShotspecError
    from shotspec.runtime.io import read_provenance

    done: dict[str, str] = {}
    for target, out in plan.outputs.items():
        path = output_file(plan, target, output_paths)
        try:
            recorded = read_provenance(path).get("shotspec:plan")
        except (ShotspecError, OSError):
            continue
        if recorded == plan.nodes[out].key:
            done[target] = path
    return done
