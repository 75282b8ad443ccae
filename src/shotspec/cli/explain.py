"""``shot explain``: the optimised plan, what each rule did, cache status and value origins."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

__all__ = ["explain"]


def explain(program, *, console: Console, shots=None, cache_dir: str | None = None,
            origins: bool = True) -> int:
    from shotspec.compiler.plan import RULES, lower_program, optimize

    plan = lower_program(program, shots)
    steps = [("lowered", len(plan.nodes))]
    for rule in RULES:
        plan = optimize(plan, rules=(rule,))
        steps.append((rule.__name__, len(plan.nodes)))

    cached: dict[str, bool] | None = None
    if cache_dir:
        from shotspec.runtime.cache import FrameCache  # imports torch: only when asked

        cache = FrameCache(disk_dir=cache_dir)
        cached = {nid: (n.op != "output" and n.key in cache) for nid, n in plan.nodes.items()}

    console.print(f"[b]plan[/] for {program.file}  (hash {plan.hash[:16]})")
    console.print("  " + "  →  ".join(f"{name} {count}" for name, count in steps) + " nodes")
    table = Table(show_edge=False)
    for col in ("#", "node", "op", "inputs", "shots", "key"):
        table.add_column(col)
    if cached is not None:
        table.add_column("cache")
    index = {nid: i for i, nid in enumerate(plan.nodes)}
    for i, node in enumerate(plan.nodes.values()):
        row = [str(i), node.label, node.op, ",".join(str(index[x]) for x in node.inputs) or "-",
               ",".join(node.shots), node.key[:16]]
        if cached is not None:
            row.append("[green]hit[/]" if cached[node.id] else "run")
        table.add_row(*row)
    console.print(table)
    if cached is not None:
        hits = sum(cached.values())
        console.print(f"a cache at {cache_dir} would serve {hits} of {len(plan.nodes)} nodes")

    if origins:
        for shot in program.shots:
            if shots and shot.name not in shots:
                continue
            console.print(f"\n[b]shot {shot.name}[/] — where each value came from")
            t = Table(show_edge=False, show_header=True)
            t.add_column("value")
            t.add_column("set at")
            for path, where in sorted(shot.origins.items()):
                t.add_row(path, where)
            console.print(t)
    return 0
