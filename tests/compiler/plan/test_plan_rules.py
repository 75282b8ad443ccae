"""Each optimiser rule on input/expected pairs, plus the planner's caching guarantees."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shotspec.compiler.ir import (ExposurePass, GradePass, GrainPass, SharpenPass, SkinEnhancePass,
                                  Span, TonemapPass, UpscalePass, WhiteBalancePass)
from shotspec.compiler.plan import PlanError, build_plan, lower_program, optimize
from shotspec.compiler.plan.build import render_size
from shotspec.compiler.plan.rules.eliminate_dead_passes import eliminate_dead_passes
from shotspec.compiler.plan.rules.fuse_pointwise import fuse_pointwise


def ops(plan) -> list[str]:
    return [n.op for n in plan.nodes.values()]


def keys_by_op(plan, shot: str) -> dict[str, str]:
    chain = plan.ancestors(plan.outputs[shot])
    return {plan.nodes[n].op: plan.nodes[n].key for n in chain}


# input finish list -> expected ops after eliminate_dead_passes (source chain elided)
DEAD_CASES = [
    ((GrainPass(strength=0.0), TonemapPass()), ["tonemap"]),
    ((GrainPass(enabled=False), SkinEnhancePass(strength=0.0)), []),
    ((ExposurePass(stops=0.0), ExposurePass(stops=1.0)), ["exposure"]),
    ((UpscalePass(factor=1), TonemapPass(operator="none"), SharpenPass(amount=0.0)), []),
    ((SkinEnhancePass(strength=0.4), UpscalePass(factor=2)), ["skin_enhance", "upscale"]),
]


@pytest.mark.parametrize("finish,expected", DEAD_CASES)
def test_eliminate_dead_passes(shot_factory, program_of, finish, expected):
    plan = eliminate_dead_passes(lower_program(program_of(shot_factory(finish=finish))))
    plan.check()
    assert ops(plan) == ["mesh", "groom", "geometry", "shade", "lens", *expected, "output"]


FUSE_CASES = [
    ((ExposurePass(stops=0.5), WhiteBalancePass(), TonemapPass()),
     ["pointwise"], [["exposure", "white_balance", "tonemap"]]),
    ((ExposurePass(stops=0.5), GrainPass(), TonemapPass()),
     ["exposure", "grain", "tonemap"], []),
    ((TonemapPass(), GradePass(lut="/x.cube"), GrainPass(), ExposurePass(stops=1), TonemapPass()),
     ["pointwise", "grain", "pointwise"], [["tonemap", "grade"], ["exposure", "tonemap"]]),
]


@pytest.mark.parametrize("finish,expected_ops,fused", FUSE_CASES)
def test_fuse_pointwise(shot_factory, program_of, finish, expected_ops, fused):
    plan = fuse_pointwise(lower_program(program_of(shot_factory(finish=finish))))
    plan.check()
    assert ops(plan)[5:-1] == expected_ops
    stages = [[s.op for s in n.params.ops] for n in plan.nodes.values() if n.op == "pointwise"]
    assert stages == fused


def test_sharing_across_shots(shot_factory, program_of):
    a = shot_factory("a")
    b = shot_factory("b", finish=(SkinEnhancePass(strength=0.6), UpscalePass(factor=2),
                                  GrainPass(strength=0.1), TonemapPass(operator="agx")))
    plan = build_plan(program_of(a, b))
    # mesh, groom, geometry, shade, lens, skin_enhance, upscale shared; grain, tonemap, output
    # per shot
    assert len(plan.nodes) == 7 + 3 * 2
    shared = [n for n in plan.nodes.values() if n.shots == ("a", "b")]
    assert [n.op for n in shared] == ["mesh", "groom", "geometry", "shade", "lens", "skin_enhance",
                                      "upscale"]
    assert len({n.key for n in plan.nodes.values()}) == len(plan.nodes)


def test_a_lighting_edit_keeps_geometry(shot_factory, program_of):
    before = build_plan(program_of(shot_factory()))
    lights = shot_factory().lights
    moved = (lights[0].model_copy(update={"azimuth_rad": -0.6}), lights[1])
    after = build_plan(program_of(shot_factory(lights=moved)))
    kb, ka = keys_by_op(before, "closeup"), keys_by_op(after, "closeup")
    assert kb["mesh"] == ka["mesh"] and kb["geometry"] == ka["geometry"]
    assert kb["groom"] == ka["groom"]
    assert all(kb[op] != ka[op] for op in ("shade", "lens", "skin_enhance", "upscale", "grain"))


def test_a_finishing_edit_reruns_only_downstream(shot_factory, program_of):
    finish = shot_factory().finish
    edited = finish[:2] + (GrainPass(strength=0.5),) + finish[3:]
    kb = keys_by_op(build_plan(program_of(shot_factory())), "closeup")
    ka = keys_by_op(build_plan(program_of(shot_factory(finish=edited))), "closeup")
    for op in ("mesh", "groom", "geometry", "shade", "lens", "skin_enhance", "upscale"):
        assert kb[op] == ka[op], op
    for op in ("grain", "tonemap", "output"):
        assert kb[op] != ka[op], op


def test_aperture_does_not_retrace(shot_factory, program_of):
    base = shot_factory()
    wide = shot_factory(camera=base.camera.model_copy(update={"f_number": 1.4}))
    kb = keys_by_op(build_plan(program_of(base)), "closeup")
    ka = keys_by_op(build_plan(program_of(wide)), "closeup")
    assert kb["mesh"] == ka["mesh"] and kb["geometry"] == ka["geometry"]
    assert kb["shade"] == ka["shade"] and kb["lens"] != ka["lens"]


def test_spans_and_names_do_not_change_keys(shot_factory, program_of):
    span = Span(file="/elsewhere.shot", line=40, col=3, end_line=40, end_col=9)
    base = shot_factory()
    moved = shot_factory(span=span, character=base.character.model_copy(update={"span": span, "name": "other"}))
    assert keys_by_op(build_plan(program_of(base)), "closeup")["shade"] == \
        keys_by_op(build_plan(program_of(moved)), "closeup")["shade"]


def test_render_size_divides_by_upscale(shot_factory):
    assert render_size(shot_factory()) == (512, 640)
    assert render_size(shot_factory(finish=(UpscalePass(factor=2), UpscalePass(factor=2)))) == (256, 320)
    assert render_size(shot_factory(finish=(UpscalePass(factor=2, enabled=False),))) == (1024, 1280)


def test_keys_are_stable_across_processes(shot_factory, program_of):
    plan = build_plan(program_of(shot_factory()))
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from conftest import make_shot\n"
        "from shotspec.compiler.ir import ProgramIR\n"
        "from shotspec.compiler.plan import build_plan\n"
        "p = build_plan(ProgramIR(file='/tmp/test.shot', shots=(make_shot(),)))\n"
        "print(p.hash)\n"
    ) % str(__import__("pathlib").Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True)
    assert out.stdout.strip() == plan.hash


def test_optimize_checks_invariants_after_each_rule(shot_factory, program_of):
    plan = lower_program(program_of(shot_factory()))

    def broken_rule(p):
        first = next(iter(p.nodes.values()))
        nodes = dict(p.nodes)
        nodes[first.id] = first.evolve(inputs=("missing",))
        return type(p)(nodes=nodes, outputs=p.outputs)

    with pytest.raises(PlanError, match="missing"):
        optimize(plan, rules=(broken_rule,))


def test_plan_is_compile_only():
    code = ("import sys\nfrom shotspec.compiler.plan import build_plan\n"
            "assert 'torch' not in sys.modules, 'the planner imported torch'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
