"""Time in the language: duration, fps, keyframes and easing, resolved per frame."""

from __future__ import annotations

import math

import pytest

from shotspec.compiler import compile_source
from shotspec.compiler.timeline import ease, timecode

CHAR = "character mara { seed 7 }\n"


def compiled(body: str, top: str = CHAR, **kw):
    src = f"{top}shot s {{\n  character mara\n{body}\n  output \"/tmp/s.png\" {{ size 64x80 }}\n}}\n"
    r = compile_source(src, "/tmp/motion_spec.shot", **kw)
    assert r.ok, [f"{d.code} {d.message}" for d in r.diagnostics]
    return r.program.shots[0]


def test_distance_push_in_eases_in_and_out_and_lands_on_the_key():
    shot = compiled("duration 48f\n camera { distance 0.9m @ 0f -> 0.7m @ 48f ease in_out }")
    assert shot.duration_frames == 48 and shot.fps == 24.0 and len(shot.frames) == 48
    d = [f.camera.distance_m for f in shot.frames]
    assert d[0] == 0.9
    assert d[24] == pytest.approx(0.8)                         # smoothstep's midpoint
    assert d[1] == pytest.approx(0.9 - 0.2 * (3 / 48**2 - 2 / 48**3))   # slow start
    assert all(a > b for a, b in zip(d, d[1:]))                # monotonic push
    assert shot.camera.distance_m == 0.9                       # the still shot is frame 0


def test_seconds_and_ntsc_rates():
    shot = compiled("duration 2s\n fps 23.976\n camera { distance 0.9m @ 0s -> 0.8m @ 1s }")
    assert shot.fps == 24000 / 1001
    assert shot.duration_frames == 48                          # 2 s × 23.976, rounded
    assert shot.tracks[0].frames == (0.0, pytest.approx(23.976, abs=1e-3))
    assert shot.frames[47].camera.distance_m == pytest.approx(0.8)


def test_hold_is_a_step_and_the_value_holds_after_the_last_key():
    shot = compiled("duration 10f\n lighting { key area { intensity 0 stops @ 0f -> -2 stops @ 5f hold } }")
    key = [f.lights[0].intensity for f in shot.frames]
    assert key[:5] == [1.0] * 5 and key[5:] == [0.25] * 5


def test_focus_pull_between_targets_is_a_fraction_of_the_way():
    shot = compiled("duration 24f\n camera { focus mara.eyes @ 0f -> mara.ears @ 24f }")
    f0, f12, f23 = (shot.frames[i].camera.focus for i in (0, 12, 23))
    assert (f0.target, f0.pull_to, f0.pull) == ("eyes", None, 0.0)
    assert (f12.target, f12.pull_to, f12.pull) == ("eyes", "ears", 0.5)
    assert f23.pull == pytest.approx(23 / 24)


def test_character_keyframes_blink_turn_gaze_expression():
    top = ("character mara {\n seed 7\n"
           " expression { blink 0 @ 0f -> 1 @ 2f ease in -> 0 @ 4f ease out }\n"
           " pose { turn 0deg @ 0f -> 20deg @ 4f }\n"
           " gaze 0deg left, 0deg up @ 0f -> 10deg left, 4deg up @ 4f\n}\n")
    shot = compiled("duration 5f", top)
    frames = shot.frames
    assert dict(frames[2].character.expression)["eyeBlink_L"] == 1.0
    assert dict(frames[1].character.expression)["eyeBlink_L"] == 0.25     # ease in: t²
    assert frames[4].character.expression == ()
    assert frames[2].character.pose.turn_rad == pytest.approx(math.radians(10))
    assert frames[4].character.gaze.pitch_rad == pytest.approx(math.radians(4))
    assert frames[4].character.gaze.yaw_rad == pytest.approx(math.radians(-10))


def test_equal_frames_share_one_lowered_shot():
    shot = compiled("duration 12f\n camera { distance 0.9m @ 4f -> 0.8m @ 8f }")
    assert len({id(f) for f in shot.frames[:5]}) == 1       # held before the first key
    assert len({id(f) for f in shot.frames[8:]}) == 1       # and after the last
    assert len({id(f) for f in shot.frames}) == 5


def test_a_later_still_value_replaces_the_keyframes():
    shot = compiled("duration 4f\n camera { distance 0.9m @ 0f -> 0.7m @ 4f\n distance 0.8m }")
    assert shot.tracks == () and {f.camera.distance_m for f in shot.frames} == {0.8}


def test_grain_frames_and_a_still_sequence():
    from shotspec.compiler.plan import build_plan, shot_frames

    shot = compiled("duration 3f\n finish { grain 250D 0.3 }")
    plan = build_plan(__import__("shotspec.compiler.ir", fromlist=["ProgramIR"]).ProgramIR(
        file="/tmp/x.shot", shots=(shot,)))
    keys = shot_frames(plan, "s")
    assert keys == ["s#0000", "s#0001", "s#0002"]
    grains = [n for n in plan.nodes.values() if n.op == "grain"]
    assert sorted(g.params.frame for g in grains) == [0, 1, 2]       # new grain every frame
    assert sum(n.op == "lens" for n in plan.nodes.values()) == 1      # nothing else changes


def test_ease_curves_and_timecode():
    assert [ease("linear", 0.25), ease("in", 0.5), ease("out", 0.5), ease("in_out", 0.5)] == \
        [0.25, 0.25, 0.75, 0.5]
    assert ease("hold", 0.99) == 0.0 and ease("hold", 1.0) == 1.0
    assert timecode(24 * 61 + 5, 24.0) == "00:01:01:05"


def test_fmt_keeps_keyframes_on_one_line():
    from shotspec.compiler import format_source

    text, _ = format_source("shot s {\ncamera {distance 0.9m@0f->0.7m @48f ease in_out}\n}\n", "x.shot")
    assert "distance 0.9m @ 0f -> 0.7m @ 48f ease in_out" in text


def test_a_sequence_whose_keys_fail_gets_no_extra_video_error(tmp_path):
    from shotspec.compiler import compile_file

    spec = tmp_path / "bad.shot"
    spec.write_text('shot s {\n  duration 6f\n  camera { distance 0.8m @ 3f -> 0.7m @ 1f }\n'
                    '  output "out/s.mp4" { size 64x80 }\n}\n')
    assert [d.code for d in compile_file(spec).errors] == ["E232"]
