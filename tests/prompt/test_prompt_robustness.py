"""Any valid IR renders on every target: no template error, no empty clause, no stray "None"."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings, strategies as st

from shotspec.compiler.ir import (
    EyesIR,
    CameraIR, CharacterIR, FaceIR, FocusIR, GrainPass, LightIR, OutputIR, ProgramIR, ShotIR,
    SkinIR, ToneIR, TonemapPass,
)
from shotspec.prompt import TARGETS, check_workflow, render_prompt

unit = st.floats(0.0, 1.0)
lights = st.builds(
    LightIR, name=st.sampled_from(["key", "fill", "rim", "kicker", "lamp"]),
    kind=st.sampled_from(["area", "spot", "point", "directional", "environment"]),
    azimuth_rad=st.floats(-2 * math.pi, 2 * math.pi), elevation_rad=st.floats(-1.5, 1.5),
    distance_m=st.floats(0.2, 20.0), size_m=st.floats(0.001, 5.0),
    temperature_k=st.one_of(st.none(), st.floats(1000, 20000)),
    color=st.one_of(st.none(), st.tuples(unit, unit, unit)), intensity=st.floats(0.0, 4.0),
)
characters = st.builds(
    CharacterIR, name=st.just("c"), seed=st.integers(0, 2**32),
    skin=st.builds(SkinIR, tone=st.builds(
        ToneIR, scale=st.sampled_from(["monk", "fitzpatrick", "color"]), value=st.floats(1, 6),
        albedo_srgb=st.tuples(unit, unit, unit)), pores=unit, oil=unit, freckles=unit,
        redness=unit, fine_lines=unit, imperfections=unit, age_years=st.floats(1, 110)),
    face=st.builds(FaceIR, jaw_width=st.floats(-3, 3), lip_fullness=st.floats(-3, 3)),
    eyes=st.builds(EyesIR, iris_srgb=st.one_of(st.none(), st.tuples(unit, unit, unit))),
)
shots = st.builds(
    ShotIR, name=st.just("s"), character=st.one_of(st.none(), characters),
    camera=st.builds(CameraIR, focal_length_m=st.floats(0.008, 0.6), f_number=st.floats(0.95, 32),
                     distance_m=st.floats(0.7, 30.0), blades=st.integers(0, 16),
                     anamorphic=st.floats(1.0, 2.0), yaw_rad=st.floats(-3, 3),
                     pitch_rad=st.floats(-1.2, 1.2), roll_rad=st.floats(-0.5, 0.5),
                     focus=st.builds(FocusIR, target=st.sampled_from(["eyes", "nose", None]),
                                     distance_m=st.one_of(st.none(), st.floats(0.7, 30.0)))),
    lights=st.lists(lights, max_size=4).map(tuple),
    finish=st.lists(st.one_of(st.builds(GrainPass, stock=st.sampled_from(["250D", "500T", "x"]),
                                        strength=st.floats(0, 2)),
                              st.builds(TonemapPass)), max_size=3).map(tuple),
    output=st.builds(OutputIR, path=st.just("/tmp/o.png"), width=st.integers(16, 4096),
                     height=st.integers(16, 4096)),
    seed=st.integers(0, 2**63 - 1),          # the schema's SEED_RANGE, both ends included
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shots)
def test_every_target_renders_any_valid_shot(shot):
    program = ProgramIR(file="/tmp/p.shot", shots=(shot,))
    for target in TARGETS:
        result = render_prompt(program, target=target, checkpoint="m.safetensors")
        assert result.positive and "None" not in result.positive and ", ," not in result.positive
        assert result.width % {"generic": 1, "flux": 16, "sdxl": 64, "comfyui": 64}[target] == 0
        if target == "comfyui":
            assert check_workflow(json.loads(result.text)) == []
