"""Execution plans: the IR compiled into an optimised DAG of runtime operations.

``build_plan(program)`` lowers every shot into a chain of nodes (source → shading → lens →
finishing passes → output), then applies the optimiser ``RULES`` in order, re-checking the
plan's invariants after each one. Every node carries a content-hash ``key`` that is stable across
processes and machines; the runtime's cache is addressed by it.
"""

from shotspec.compiler.plan.graph import Plan, PlanError, PlanNode
from shotspec.compiler.plan.build import build_plan, lower_program
from shotspec.compiler.plan.frames import (frame_file, frame_key, parse_output_key,
                                          sequence_path, shot_frames, subplan)
from shotspec.compiler.plan.keys import canonical_json, content_key
from shotspec.compiler.plan.optimizer import RULES, optimize

__all__ = [
    "Plan", "PlanNode", "PlanError", "build_plan", "lower_program", "optimize", "RULES",
    "canonical_json", "content_key", "frame_key", "parse_output_key", "shot_frames",
    "sequence_path", "subplan", "frame_file",
]
