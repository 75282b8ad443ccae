"""Small hand-built IR programs for the planner tests (no parsing involved)."""

from __future__ import annotations

import pytest

from shotspec.compiler.ir import (CharacterIR, GrainPass, LightIR, OutputIR, ProgramIR, ShotIR,
                                  SkinEnhancePass, TonemapPass, UpscalePass)


def make_shot(name: str = "closeup", **changes) -> ShotIR:
    base = dict(
        name=name,
        character=CharacterIR(name="mara", seed=1842),
        lights=(LightIR(name="key", kind="area", key=True, azimuth_rad=0.6),
                LightIR(name="fill", kind="area", azimuth_rad=-0.9, intensity=0.25)),
        finish=(SkinEnhancePass(strength=0.6), UpscalePass(factor=2), GrainPass(strength=0.35),
                TonemapPass(operator="agx")),
        output=OutputIR(path=f"/tmp/{name}.png", width=1024, height=1280),
    )
    base.update(changes)
    return ShotIR(**base)


@pytest.fixture
def shot_factory():
    return make_shot


@pytest.fixture
def program_of():
    def build(*shots: ShotIR) -> ProgramIR:
        return ProgramIR(file="/tmp/test.shot", shots=tuple(shots))

    return build
