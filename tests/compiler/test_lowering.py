"""Lowering to the IR: SI units, presets, extends, --set, key-light rule, hashes, origins."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import pytest

from shotspec.compiler import compile_file, compile_source
from shotspec.compiler.ir import ProgramIR

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
DEFAULT = SPECS / "closeup.shot"


def only_shot(src: str, tmp_path: Path, **kw):
    r = compile_source(src, tmp_path / "spec.shot", **kw)
    assert r.ok, [f"{d.code} {d.message}" for d in r.diagnostics]
    return r.program.shots[0], r


def test_default_spec_values():
    r = compile_file(DEFAULT)
    assert r.ok and r.diagnostics == []
    shot = r.program.shots[0]
    cam = shot.camera
    assert (cam.focal_length_m, cam.f_number, cam.distance_m, cam.blades) == (0.085, 2.0, 0.75, 9)
    assert (cam.sensor_width_m, cam.sensor_height_m, cam.focus.target) == (0.036, 0.024, "eyes")
    assert [(l.name, l.kind, l.key, l.intensity) for l in shot.lights] == [
        ("key", "area", True, 1.0), ("fill", "area", False, pytest.approx(1 / 6)), ("rim", "spot", False, 0.5)]
    key = shot.lights[0]
    assert math.degrees(key.azimuth_rad) == pytest.approx(45) and math.degrees(key.elevation_rad) == pytest.approx(35)
    assert [p.op for p in shot.finish] == ["skin_enhance", "upscale", "grain", "white_balance", "tonemap"]
    assert shot.finish[3].temperature_k == 5600
    assert shot.finish[2].stock == "250D" and shot.finish[2].strength == 0.35
    assert shot.output.path == str(SPECS / "renders" / "closeup.png")
    assert (shot.output.width, shot.output.height, shot.output.bit_depth) == (1024, 1280, 16)
    assert shot.character.skin.tone.albedo_srgb == pytest.approx((0.843, 0.741, 0.588), abs=1e-3)
    assert r.dependencies == (str(DEFAULT), str(SPECS / "presets" / "lighting.shot"))
    assert shot.origins["lights.fill.intensity"].endswith("lighting.shot:18:5 (preset loop)")
    assert shot.origins["camera.focal_length_m"].endswith("closeup.shot:23:5 (shot)")
    assert shot.origins["camera.vignetting"] == "<builtin> (default)"


def test_ir_round_trips_through_json():
    program = compile_file(SPECS / "examples" / "two_shots.shot").program
    again = ProgramIR.model_validate_json(program.model_dump_json())
    assert again == program


def test_extends_and_set_layers(tmp_path):
    src = """
    shot a { camera { lens 85mm; aperture f/2 } }
    shot b extends a { camera { lens 50mm } }
    """
    r = compile_source(src, tmp_path / "s.shot", overrides=["b.camera.aperture=f/4"])
    a, b = r.program.shots
    assert (a.camera.focal_length_m, a.camera.f_number) == (0.085, 2.0)
    assert (b.camera.focal_length_m, b.camera.f_number) == (0.05, 4.0)
    assert b.origins["camera.focal_length_m"].endswith(":3:33 (shot)")
    assert b.origins["camera.f_number"] == "<--set>:1:19 (--set)"
    r2 = compile_source(src, tmp_path / "s.shot")
    assert r2.program.shots[1].origins["camera.f_number"].endswith("(extends a)")


def test_set_every_documented_path(tmp_path):
    r = compile_file(DEFAULT, overrides=[
        "camera.lens=50mm", "lighting.key.intensity=-1stops", "finish.grain.strength=0.2",
        "output.size=512x640", "character.skin.pores=0.9", "seed=7"])
    assert r.ok
    s = r.program.shots[0]
    assert s.camera.focal_length_m == 0.05 and s.seed == 7
    assert s.lights[0].intensity == 0.5 and s.lights[1].intensity == pytest.approx(0.5 / 6)  # fill: 1:6 of key
    assert s.finish[2].strength == 0.2 and (s.output.width, s.output.height) == (512, 640)
    assert s.character.skin.pores == 0.9


@pytest.mark.parametrize("rig,key", [
    ("a area { }\n b area { key }", "b"),
    ("a area { }\n key area { }", "key"),
    ("a area { }\n b area { }", "a"),
])
def test_key_light_rule(tmp_path, rig, key):
    shot, _ = only_shot(f"shot s {{ lighting {{ {rig} }} }}", tmp_path)
    assert [l.name for l in shot.lights if l.key] == [key]


@pytest.mark.parametrize("words,az,el", [
    ("45deg right, 30deg up", 45, 30), ("behind left", -135, 0), ("above", 0, 90),
    ("front right", 45, 0), ("150deg left, 20deg down", -150, -20), ("above right", 90, 45),
])
def test_light_direction_words(tmp_path, words, az, el):
    shot, _ = only_shot(f"shot s {{ lighting {{ key area {{ from {words} }} }} }}", tmp_path)
    assert math.degrees(shot.lights[0].azimuth_rad) == pytest.approx(az)
    assert math.degrees(shot.lights[0].elevation_rad) == pytest.approx(el)


def test_intensity_forms(tmp_path):
    rig = "key area { intensity +1 stops }\n f area { ratio 1:4 }\n g area { intensity -2 stops }\n h area { intensity 0.3 }"
    shot, _ = only_shot(f"shot s {{ lighting {{ {rig} }} }}", tmp_path)
    assert [l.intensity for l in shot.lights] == [2.0, 0.5, 0.5, 0.3]


def test_plate_and_lut_hashes_and_dependencies():
    r = compile_file(SPECS / "examples" / "plate.shot")
    s = r.program.shots[0]
    plate = SPECS / "examples" / "plate" / "portrait.png"
    assert s.source.plate == str(plate)
    assert s.source.plate_sha256 == hashlib.sha256(plate.read_bytes()).hexdigest()
    lut = SPECS / "luts" / "soft_contrast.cube"
    assert s.finish[-1].lut_sha256 == hashlib.sha256(lut.read_bytes()).hexdigest()
    assert str(lut) in r.dependencies and str(plate) in r.program.dependencies


def test_missing_files_still_listed_as_dependencies(tmp_path):
    r = compile_source('import "lib.shot"\nshot s { finish { grade "look.cube" } }', tmp_path / "s.shot")
    assert not r.ok and r.program is None
    assert str(tmp_path / "lib.shot") in r.dependencies
    assert str(tmp_path / "look.cube") in r.dependencies


def test_units_and_scales(tmp_path, monkeypatch):
    # an .exr output compiles where the exr extra is installed (tests/compiler/test_file_checks.py
    # covers the diagnostic where it is not)
    monkeypatch.setattr("shotspec.compiler.file_checks.openexr_installed", lambda: True)
    src = """character c { skin { tone fitzpatrick 3; oil 40% } ; eyes #336699 }
    shot s { character c
      camera { lens 10cm; sensor 24x18mm; focus 1.2m; orbit 20deg left, 10deg up; anamorphic 2x }
      output "out/x.exr" { size 64x64 } }"""
    shot, r = only_shot(src, tmp_path)
    c = shot.camera
    assert c.focal_length_m == pytest.approx(0.1) and c.sensor is None
    assert (c.sensor_width_m, c.focus.target, c.focus.distance_m) == (0.024, None, 1.2)
    assert math.degrees(c.yaw_rad) == pytest.approx(-20) and c.anamorphic == 2.0
    tone = shot.character.skin.tone
    assert tone.scale == "fitzpatrick" and tone.albedo_srgb == pytest.approx((0.843, 0.741, 0.588), abs=1e-3)
    assert shot.character.skin.oil == pytest.approx(0.4)
    assert (shot.output.format, shot.output.bit_depth) == ("exr", 32)
    assert shot.output.path == os.path.join(str(tmp_path), "out", "x.exr")
    assert len(r.program.characters) == 1


def test_silencing_warnings(tmp_path):
    bad = "camera { lens 24mm; distance 0.5m }"
    def codes(src, **kw):
        return [d.code for d in compile_source(src, tmp_path / "s.shot", **kw).diagnostics]
    assert codes(f"shot s {{ {bad} }}") == ["W101"]
    assert codes(f"shot s {{ {bad} }}", allow=["W101"]) == []
    assert codes(f"allow W101\nshot s {{ {bad} }}") == []
    assert codes(f"shot s {{ allow W101\n {bad} }}") == []
    assert codes(f"shot s {{\n {bad}  // shot: allow W101\n}}") == []
    assert codes(f"shot s {{\n // shot: allow W101\n {bad}\n}}") == []
    assert codes(f"shot s {{\n // shot: allow W102\n {bad}\n}}") == ["W101"]


def test_several_diagnostics_in_source_order(tmp_path):
    src = "shot s {\n camera { lens 85; aperture 2 }\n finish { grian 1 }\n}\nshoot x { }\n"
    r = compile_source(src, tmp_path / "s.shot")
    assert [(d.code, d.span.line) for d in r.diagnostics] == [
        ("E201", 2), ("E201", 2), ("E101", 3), ("E006", 5)]


def test_a_copied_state_keeps_every_field():
    """State.copy lists its fields by hand: a field it forgets is silently lost for shots
    that extend another or take --set (E211 vanished that way once)."""
    import dataclasses

    from shotspec.compiler.ir import Span
    from shotspec.compiler.state import Setting, State

    span = Span(file="f", line=1, col=1, end_line=1, end_col=2)
    state = State()
    sample = {"values": Setting([1.0], span, "shot"), "focus_owners": ("mara", span)}
    for f in dataclasses.fields(State):
        value = getattr(state, f.name)
        if isinstance(value, dict):
            value["x"] = sample.get(f.name, span)
        elif isinstance(value, (list, set)):
            (value.append if isinstance(value, list) else value.add)("x")
    copied = state.copy()
    for f in dataclasses.fields(State):
        assert getattr(copied, f.name) == getattr(state, f.name), f.name
        assert getattr(copied, f.name) is not getattr(state, f.name), f.name
