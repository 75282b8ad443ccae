"""The optimiser: an ordered tuple of small rules, each ``rule(plan) -> plan`` in its own module.

After every rule the plan's invariants are re-checked (``Plan.check``), so a broken rule fails
loudly at the rule that broke it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shotspec.compiler.plan.graph import Plan
from shotspec.compiler.plan.rules.assign_keys import assign_keys
from shotspec.compiler.plan.rules.eliminate_dead_passes import eliminate_dead_passes
from shotspec.compiler.plan.rules.fuse_pointwise import fuse_pointwise
from shotspec.compiler.plan.rules.share_nodes import share_nodes

__all__ = ["RULES", "optimize"]

Rule = Callable[[Plan], Plan]

RULES: tuple[Rule, ...] = (eliminate_dead_passes, fuse_pointwise, assign_keys, share_nodes)


def optimize(plan: Plan, rules: Sequence[Rule | str] | None = None) -> Plan:
    by_name = {rule.__name__: rule for rule in RULES}
    for rule in rules if rules is not None else RULES:
        rule = by_name[rule] if isinstance(rule, str) else rule
        plan = rule(plan)
        plan.check()
    return plan
