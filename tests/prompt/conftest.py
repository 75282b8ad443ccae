"""Hand-built IR for the prompt-export tests: three shots a cinematographer would recognise.

* ``closeup``   — the design sketch: 75mm f/1.8 full frame at 60 cm, soft daylight key 35°
  camera-right and 30° up (loop), 4:1 daylight fill camera-left, tungsten rim behind, 250D grain.
* ``closeup_wide`` — the same with a 50mm lens.
* ``window``    — a plate at 1000x1250 (not on SDXL's grid): 35mm f/4 on APS-C at 70 cm, a 2 m
  window 70° camera-left as the only source, an older freckled deep-toned character, 500T grain.
"""

from __future__ import annotations

import math

import pytest

from shotspec.compiler.ir import (
    EyesIR,
    CameraIR, CharacterIR, ExposurePass, FaceIR, FocusIR, GrainPass, LightIR, OutputIR, ProgramIR,
    ShotIR, SkinEnhancePass, SkinIR, SourceIR, ToneIR, TonemapPass, UpscalePass,
)

r = math.radians

MARA = CharacterIR(
    name="mara", seed=1842,
    skin=SkinIR(tone=ToneIR(scale="monk", value=5, albedo_srgb=(0.8431, 0.7412, 0.5882)),
                pores=0.8, oil=0.3, freckles=0.15, redness=0.1),
)
CLOSEUP_LIGHTS = (
    LightIR(name="key", kind="area", key=True, azimuth_rad=r(35), elevation_rad=r(30),
            distance_m=1.2, size_m=0.6, temperature_k=5600),
    LightIR(name="fill", kind="area", azimuth_rad=r(-50), distance_m=1.5, size_m=1.0,
            intensity=0.25, temperature_k=6000),
    LightIR(name="rim", kind="spot", azimuth_rad=r(-150), elevation_rad=r(20), distance_m=2.0,
            size_m=0.15, cone_rad=r(20), intensity=0.7, temperature_k=3200),
)
CLOSEUP_FINISH = (SkinEnhancePass(strength=0.6), UpscalePass(factor=2, mode="detail"),
                  GrainPass(stock="250D", strength=0.35), TonemapPass(operator="agx"))


def closeup(**changes) -> ShotIR:
    base = dict(
        name="closeup", character=MARA,
        camera=CameraIR(focal_length_m=0.075, f_number=1.8, sensor="full_frame", distance_m=0.6,
                        focus=FocusIR(target="eyes")),
        lights=CLOSEUP_LIGHTS, finish=CLOSEUP_FINISH,
        output=OutputIR(path="/tmp/renders/closeup.png", width=1024, height=1280, bit_depth=16),
        seed=1842,
    )
    base.update(changes)
    return ShotIR(**base)


def window() -> ShotIR:
    ada = CharacterIR(
        name="ada", seed=77,
        skin=SkinIR(tone=ToneIR(scale="monk", value=8, albedo_srgb=(0.3765, 0.2549, 0.2039),
                                undertone="warm"),
                    pores=0.55, oil=0.75, freckles=0.6, redness=0.05, fine_lines=0.8,
                    imperfections=0.4, age_years=62),
        face=FaceIR(cheekbones=1.5, lip_fullness=2.4, nose_width=-1.3),
        eyes=EyesIR(iris_srgb=(0.36, 0.22, 0.11)),
    )
    return ShotIR(
        name="window", character=ada,
        camera=CameraIR(focal_length_m=0.035, f_number=4.0, sensor="aps_c", sensor_width_m=0.0236,
                        sensor_height_m=0.0156, distance_m=0.7, yaw_rad=r(40), pitch_rad=r(-15),
                        vignetting=0.6),
        lights=(LightIR(name="window", kind="area", key=True, azimuth_rad=r(-70),
                        elevation_rad=r(10), distance_m=1.5, size_m=2.0, temperature_k=6500),),
        source=SourceIR(kind="plate", plate="/tmp/plates/window.png"),
        finish=(GrainPass(stock="500T", strength=0.8),
                TonemapPass(operator="aces", contrast=1.3), ExposurePass(stops=-0.7)),
        output=OutputIR(path="/tmp/renders/window.png", width=1000, height=1250),
        seed=20240611,
    )


EXAMPLES = {
    "closeup": closeup,
    "closeup_wide": lambda: closeup(
        name="closeup_wide",
        camera=CameraIR(focal_length_m=0.050, f_number=1.8, distance_m=0.6)),
    "window": window,
}


def program(*shots: ShotIR) -> ProgramIR:
    return ProgramIR(file="/tmp/example.shot", shots=tuple(shots))


@pytest.fixture
def closeup_program() -> ProgramIR:
    return program(closeup(), EXAMPLES["closeup_wide"](), window())


@pytest.fixture
def make_closeup():
    return closeup


@pytest.fixture
def examples() -> dict:
    """Example name → a function building that shot."""
    return EXAMPLES


@pytest.fixture
def program_of():
    return program
