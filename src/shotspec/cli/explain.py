"""``shot explain``: the optimised plan, what each rule did, cache status and value origins."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

__all__ = ["explain", "frames_summary"]


def explain(program, *, console: Console, shots=None, cache_dir: str | None = None,
            origins: bool = True) -> int:
    from shotspec.compiler.plan import RULES, lower_program, optimize
    from shotspec.compiler.plan.frames import shots_text

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
               shots_text(node.shots), node.key[:16]]
        if cached is not None:
            row.append("[green]hit[/]" if cached[node.id] else "run")
        table.add_row(*row)
    console.print(table)
    if cached is not None:
        hits = sum(cached.values())
        console.print(f"a cache at {cache_dir} would serve {hits} of {len(plan.nodes)} nodes")

    for shot in program.shots:
        if shot.frames and (not shots or shot.name in shots):
            console.print(frames_summary(plan, shot))

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


def frames_summary(plan, shot) -> str:
    """Which plan nodes a sequence's frames share and which change per frame, with the keyframed
    values that change them (``shot explain``)."""
    from shotspec.compiler.plan import parse_output_key, shot_frames

    keys = shot_frames(plan, shot.name)
    n = len(keys)
    per_op: dict[str, set[str]] = {}
    for key in keys:
        for nid in plan.ancestors(plan.outputs[key]):
            node = plan.nodes[nid]
            per_op.setdefault(node.op, set()).add(node.key)
    shared = [op for op, ks in per_op.items() if len(ks) == 1]
    changing = [f"{op} ({len(ks)} distinct)" for op, ks in per_op.items() if len(ks) > 1]
    lines = [f"\n[b]shot {shot.name}[/] — {n} frames at {shot.fps:.5g} fps "
             f"({n / shot.fps:.3g} s), outputs {parse_output_key(keys[0])[0]}#… "
             f"({plan.nodes[plan.outputs[keys[0]]].params.output.path} …)",
             "  computed once for every frame: " + (", ".join(shared) or "nothing"),
             "  changing per frame: " + (", ".join(changing) or "nothing")]
    for t in shot.tracks:
        keys_text = " -> ".join(f"{v} @ {f:g}f" + ("" if i == 0 or e == "linear" else
                                                   f" {e}" if e == "hold" else f" ease {e}")
                                for i, (v, f, e) in enumerate(zip(t.values, t.frames, t.eases)))
        lines.append(f"  keyframed {t.path}: {keys_text}")
    return "\n".join(lines)
