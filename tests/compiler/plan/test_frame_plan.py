"""Per-frame plan outputs: one geometry node for a focus pull, N lens nodes; keys and paths."""

from __future__ import annotations

from collections import Counter

from shotspec.compiler import compile_source
from shotspec.compiler.plan import (build_plan, frame_key, parse_output_key, sequence_path,
                                    shot_frames, subplan)

SPEC = """character mara { seed 7 }
shot closeup {
  character mara
  duration 6f
  camera { focus mara.eyes @ 0f -> mara.ears @ 6f ease in_out }
  finish { skin_enhance 0.5; grain 250D 0.3; tonemap agx }
  output "/tmp/motion_plan/closeup.png" { size 64x80 }
}
"""


def plan_of(text=SPEC):
    r = compile_source(text, "/tmp/motion_plan.shot")
    assert r.ok, [d.message for d in r.diagnostics]
    return r.program, build_plan(r.program)


def test_a_focus_pull_rasterises_the_head_once():
    _, plan = plan_of()
    ops = Counter(n.op for n in plan.nodes.values())
    assert ops["mesh"] == ops["groom"] == ops["geometry"] == ops["shade"] == 1
    assert ops["lens"] == ops["output"] == 6
    geo = next(n for n in plan.nodes.values() if n.op == "geometry")
    assert len(geo.shots) == 6                       # served to every frame


def test_outputs_are_frames_in_order_with_numbered_files():
    _, plan = plan_of()
    keys = shot_frames(plan, "closeup")
    assert keys == [f"closeup#{i:04d}" for i in range(6)] == list(plan.outputs)
    paths = [plan.nodes[plan.outputs[k]].params.output.path for k in keys]
    assert paths == [f"/tmp/motion_plan/closeup.{i:04d}.png" for i in range(6)]


def test_frame_keys_and_paths():
    assert frame_key("closeup", 12) == "closeup#0012"
    assert frame_key("a", 3, 20000) == "a#00003"
    assert parse_output_key("closeup#0012") == ("closeup", 12)
    assert parse_output_key("closeup") == ("closeup", None)
    assert sequence_path("r/c.png", 7, 48) == "r/c.0007.png"
    assert sequence_path("r/c.####.exr", 7, 48) == "r/c.0007.exr"
    assert sequence_path("r/c_%05d.png", 7, 48) == "r/c_00007.png"


def test_frame_zero_equals_the_still_shot():
    still_text = SPEC.replace("duration 6f\n", "").replace(
        "focus mara.eyes @ 0f -> mara.ears @ 6f ease in_out", "focus mara.eyes")
    _, still = plan_of(still_text)
    _, seq = plan_of()
    lens = lambda p, k: next(p.nodes[n].key for n in p.ancestors(p.outputs[k]) if p.nodes[n].op == "lens")
    assert lens(still, "closeup") == lens(seq, "closeup#0000")


def test_subplan_keeps_only_what_the_frames_need():
    _, plan = plan_of()
    part = subplan(plan, ["closeup#0003"])
    part.check()
    assert list(part.outputs) == ["closeup#0003"]
    assert Counter(n.op for n in part.nodes.values())["lens"] == 1


def test_first_frame_numbers_the_files_from_1001():
    _, plan = plan_of(SPEC.replace("size 64x80", "size 64x80; first_frame 1001"))
    paths = [plan.nodes[plan.outputs[k]].params.output.path for k in shot_frames(plan, "closeup")]
    assert paths[0] == "/tmp/motion_plan/closeup.1001.png"
    assert paths[-1] == "/tmp/motion_plan/closeup.1006.png"
