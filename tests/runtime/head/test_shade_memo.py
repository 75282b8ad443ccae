"""Values ``shade`` keeps between renders of one geometry frame give the pixels a fresh shade gives."""

from __future__ import annotations

import math

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.shade import shade
from shotspec.runtime.head.shade_memo import MAX_ENTRIES, memo

CAMERA = CameraIR(distance_m=0.6)
CHAR = CharacterIR(name="a", seed=5)


def _key(temperature_k: float = 5600.0, azimuth_deg: float = 45.0) -> LightIR:
    return LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(azimuth_deg),
                   elevation_rad=math.radians(30), distance_m=1.4, size_m=0.4,
                   temperature_k=temperature_k)


def test_a_relit_geometry_frame_matches_a_fresh_render():
    scene = build_scene(CHAR, CAMERA)
    geo = render_geometry(scene, CAMERA, 64, 80, character=CHAR)
    shade(geo, scene, CHAR, [_key()], CAMERA)                    # fills the memo
    for light in (_key(temperature_k=3200.0), _key(azimuth_deg=-40.0)):
        relit = shade(geo, scene, CHAR, [light], CAMERA)
        fresh_geo = render_geometry(scene, CAMERA, 64, 80, character=CHAR)
        fresh = shade(fresh_geo, scene, CHAR, [light], CAMERA)
        assert torch.equal(relit.rgb, fresh.rgb)
    # a moved key really moves the shading (the memo did not serve the old shadows)
    a = shade(geo, scene, CHAR, [_key()], CAMERA).rgb
    b = shade(geo, scene, CHAR, [_key(azimuth_deg=-40.0)], CAMERA).rgb
    assert float((a - b).abs().mean()) > 1e-3


def test_the_memo_keeps_a_bounded_number_of_values_per_frame():
    geo = render_geometry(build_scene(CHAR, CAMERA), CAMERA, 8, 10, character=CHAR)
    calls = []
    for k in range(MAX_ENTRIES + 5):
        memo(geo, ("value", k), lambda k=k: calls.append(k) or k)
    assert memo(geo, ("value", MAX_ENTRIES + 4), lambda: -1) == MAX_ENTRIES + 4
    assert memo(geo, ("value", 0), lambda: -1) == -1          # the oldest was dropped
    assert len(calls) == MAX_ENTRIES + 5


def test_the_images_of_each_light_alone_add_up_to_the_whole_rig():
    scene = build_scene(CHAR, CAMERA)
    geo = render_geometry(scene, CAMERA, 48, 60, character=CHAR)
    rim = LightIR(name="rim", kind="spot", azimuth_rad=math.radians(-150), elevation_rad=0.3,
                  distance_m=1.5, size_m=0.2, cone_rad=0.5, intensity=0.5)
    fill = LightIR(name="fill", kind="environment", intensity=0.2)
    lights = [_key(), rim, fill]
    whole = shade(geo, scene, CHAR, lights, CAMERA).rgb
    alone = [shade(geo, scene, CHAR, lights, CAMERA, only=i).rgb for i in range(3)]
    assert torch.allclose(sum(alone), whole, rtol=1e-4, atol=1e-5)
    for image in alone:                                    # each light adds something of its own
        assert float(image.mean()) > 0.01 * float(whole.mean())
