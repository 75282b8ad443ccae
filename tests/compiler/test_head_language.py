"""The morphable head's language: `face` controls in SDs or mm, `expression`, `gaze`, `pose`, `age`."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path

import pytest
from rich.console import Console

from shotspec.cli.explain import explain
from shotspec.compiler import compile_source
from shotspec.compiler.emit import emit_shot
from shotspec.compiler.formatter import format_source
from shotspec.compiler.ir import FACE_PARAMS, CharacterIR, FaceIR
from shotspec.compiler.plan import build_plan
from shotspec.compiler.schema import stage_fields
from shotspec.head_vocabulary import (ALIASES, EXPRESSIONS, FACE_CONTROL_SD_MM, FACE_CONTROLS,
                                      expand)

sys.path.insert(0, str(Path(__file__).parent))
from character_specs import character, compile_character, errors  # noqa: E402

KIT_INDICES = Path("/work/kit/ICT-FaceKit/FaceXModel/vertex_indices.json")

JAW_SD = FACE_CONTROL_SD_MM["jaw_width"]


def warnings(body: str, tmp_path, **kw) -> dict[str, str]:
    return {d.code: d.message for d in compile_character(body, tmp_path, **kw).diagnostics
            if not d.is_error}


# ----------------------------------------------------------------------------- vocabulary

def test_expressions_are_the_kits_53_in_its_order_then_the_pupils():
    assert len(EXPRESSIONS) == 55 and len(set(EXPRESSIONS)) == 55
    assert EXPRESSIONS[-2:] == ("PupilDilate_L", "PupilDilate_R")
    if KIT_INDICES.exists():
        kit = json.loads(KIT_INDICES.read_text())["expressions"]
        assert tuple(kit) == EXPRESSIONS[:53]


def test_aliases_name_real_shapes_with_weights_that_keep_a_mix_in_range():
    for alias, mix in ALIASES.items():
        assert alias not in EXPRESSIONS
        assert all(shape in EXPRESSIONS and 0.0 < w <= 1.0 for shape, w in mix), alias
    assert expand("smile", 0.3) == (("mouthSmile_L", 0.3), ("mouthSmile_R", 0.3))
    assert {s for s, _ in expand("brows_up", 1)} == {
        "browInnerUp_L", "browInnerUp_R", "browOuterUp_L", "browOuterUp_R"}
    with pytest.raises(KeyError):
        expand("smiel", 1.0)


def test_face_ir_declares_the_controls_in_order_each_with_an_sd():
    assert FACE_PARAMS == tuple(FACE_CONTROLS) == tuple(FACE_CONTROL_SD_MM)
    # measured on the model (tools/face_control_table.py): adult jaw width varies by ~7 mm
    assert 5.0 < FACE_CONTROL_SD_MM["jaw_width"] < 9.0
    assert f"1 SD = {JAW_SD:g} mm" in FaceIR.model_fields["jaw_width"].description


# ----------------------------------------------------------------------------- face

def test_face_numbers_are_sds_and_lengths_convert_with_the_controls_sd(tmp_path):
    face = character("face { jaw_width +4mm; nose_length -2mm; lip_fullness 1.2;"
                     " face_width 0.5cm; eye_size -3 }", tmp_path).face
    sd = FACE_CONTROL_SD_MM
    assert face.jaw_width == pytest.approx(4 / sd["jaw_width"])
    assert face.nose_length == pytest.approx(-2 / sd["nose_length"])
    assert face.lip_fullness == 1.2 and face.eye_size == -3.0
    assert face.face_width == pytest.approx(5 / sd["face_width"])
    assert face.cheekbones is None                          # unset: left to the seed


def test_old_head_names_are_aliases_of_face_width_and_length(tmp_path):
    face = character("face { head_width 1.5; head_height -0.5 }", tmp_path).face
    assert (face.face_width, face.face_length) == (1.5, -0.5)


@pytest.mark.parametrize("stmt,message,help", [
    ("jaw_width +25mm", f"`jaw_width` +25mm is +{25 / JAW_SD:.2f} SD, out of range",
     f"1 SD of `jaw_width` is {JAW_SD:g}mm"),
    ("eye_size 3.5", "`eye_size` 3.5 is out of range: it must be -3–3 SD",
     f"lengths −{3 * FACE_CONTROL_SD_MM['eye_size']:g}…"),
    ("nose_length 10deg", "`nose_length` expects SDs (1.5) or a length (+4mm)", None),
])
def test_face_values_out_of_range_or_of_the_wrong_kind(tmp_path, stmt, message, help):
    (d,) = errors(f"face {{ {stmt} }}", tmp_path)
    assert message in d.message and d.span.line == 2
    if help:
        assert help in d.help


# ----------------------------------------------------------------------------- expression

def test_expression_is_canonical_sorted_pairs_later_wins_zero_dropped(tmp_path):
    c = character("expression { smile 0.3; mouthSmile_L 0.4; blink; jaw_open 20%; frown 0 }",
                  tmp_path)
    assert c.expression == (("eyeBlink_L", 1.0), ("eyeBlink_R", 1.0), ("jawOpen", 0.2),
                            ("mouthSmile_L", 0.4), ("mouthSmile_R", 0.3))


def test_alias_mixes_scale_each_shape(tmp_path):
    c = character("expression { grin 0.5 }", tmp_path)
    assert dict(c.expression) == {"mouthSmile_L": 0.5, "mouthSmile_R": 0.5,
                                  "cheekSquint_L": 0.3, "cheekSquint_R": 0.3,
                                  "eyeSquint_L": 0.15, "eyeSquint_R": 0.15}


def test_a_shot_override_merges_and_neutral_clears(tmp_path):
    merged = character("expression { smile 0.3 }", tmp_path,
                       shot_body="{ expression { blink } }")
    assert dict(merged.expression) == {"mouthSmile_L": 0.3, "mouthSmile_R": 0.3,
                                       "eyeBlink_L": 1.0, "eyeBlink_R": 1.0}
    cleared = character("expression { smile 0.3 }", tmp_path,
                        shot_body="{ expression { neutral; pupils 0.5 } }")
    assert cleared.expression == (("PupilDilate_L", 0.5), ("PupilDilate_R", 0.5))


def test_expression_presets(tmp_path):
    src = ("preset warm expression { smile 0.4; cheek_raise 0.3 }\n"
           "character m { expression { use warm; mouthSmile_R 0.2 } }\nshot s { character m }\n")
    result = compile_source(src, tmp_path / "spec.shot", check_outputs=False)
    assert result.diagnostics == []
    assert dict(result.program.shots[0].character.expression) == {
        "mouthSmile_L": 0.4, "mouthSmile_R": 0.2, "cheekSquint_L": 0.3, "cheekSquint_R": 0.3}


@pytest.mark.parametrize("name,help", [
    ("smiel", "did you mean `smile`?"),
    ("mouthsmile_l", "did you mean `mouthSmile_L`? (names are case-sensitive)"),
    ("jawOpn", "did you mean `jawOpen`?"),
    ("xyzzy", "an ARKit shape (`mouthSmile_L`) or an alias"),
])
def test_unknown_shapes_are_e114_with_did_you_mean(tmp_path, name, help):
    (d,) = errors(f"expression {{ {name} 0.3 }}", tmp_path)
    assert d.code == "E114" and d.message == f"unknown expression shape `{name}`"
    assert help in d.help and (d.span.line, d.span.col) == (2, 14)


def test_weights_outside_0_to_1_and_extra_values(tmp_path):
    (d,) = errors("expression { smile 1.5 }", tmp_path)
    assert d.code == "E203" and "`smile` 1.5 is out of range: it must be 0–1" in d.message
    (d,) = errors("expression { blink 0.5 0.5 }", tmp_path)
    assert d.code == "E210"
    (d,) = errors("expression { neutral 1 }", tmp_path)
    assert d.code == "E210"


# ----------------------------------------------------------------------------- gaze, pose, age

def test_gaze_defaults_to_the_lens_and_takes_camera_relative_angles(tmp_path):
    assert character("seed 1", tmp_path).gaze.target == "lens"
    g = character("gaze 10deg left, 5deg up", tmp_path).gaze
    assert g.target == "direction"
    assert (g.yaw_rad, g.pitch_rad) == (-math.radians(10), math.radians(5))
    g = character("gaze 0deg", tmp_path).gaze
    assert (g.target, g.yaw_rad, g.pitch_rad) == ("direction", 0.0, 0.0)
    g = character("gaze 20deg right; gaze lens", tmp_path).gaze
    assert (g.target, g.yaw_rad) == ("lens", 0.0)


@pytest.mark.parametrize("stmt,code,message", [
    ("gaze 40deg left", "E203", "`gaze` 40deg is out of range: it must be -35–35deg"),
    ("gaze 31deg down", "E203", "it must be -30–30deg"),
    ("gaze camera", "E202", "unknown gaze `camera`"),
    ("gaze left", "E210", "`gaze` takes an angle for each side"),
    ("gaze 10", "E201", "`gaze` expects an angle"),
])
def test_gaze_errors(tmp_path, stmt, code, message):
    (d,) = errors(stmt, tmp_path)
    assert d.code == code and message in d.message, d


def test_pose_angles_and_their_ranges(tmp_path):
    p = character("pose { turn 15deg; tilt -5deg; roll 3deg }", tmp_path).pose
    assert (p.turn_rad, p.tilt_rad, p.roll_rad) == (
        math.radians(15), math.radians(-5), math.radians(3))
    for stmt, limit in (("turn 71deg", "-70–70deg"), ("tilt -41deg", "-40–40deg"),
                        ("roll 36deg", "-35–35deg")):
        (d,) = errors(f"pose {{ {stmt} }}", tmp_path)
        assert d.code == "E203" and limit in d.message


def test_age_is_written_in_the_character_and_drives_the_skin(tmp_path):
    c = character("age 45", tmp_path)
    assert c.skin.age_years == 45.0
    assert "not the head's shape" in CharacterIR.model_fields["skin"].annotation \
        .model_fields["age_years"].description


def test_head_values_are_part_of_the_geometry_key(tmp_path):
    geo = stage_fields(CharacterIR, "geometry")
    assert geo["expression"] is True and set(geo["gaze"]) == {"target", "yaw_rad", "pitch_rad"}
    assert set(geo["pose"]) == {"turn_rad", "tilt_rad", "roll_rad"}
    assert set(geo["face"]) == set(FACE_PARAMS)

    def geometry_key(body: str, light: str = "") -> str:
        result = compile_character(body, tmp_path, shot_body=f"}}\nshot t {{ character m {light}")
        plan = build_plan(result.program, ["s"])
        (node,) = [n for n in plan.nodes.values() if n.op == "geometry"]
        return node.key

    base = geometry_key("expression { smile 0.3 }")
    assert geometry_key("expression { smile 0.4 }") != base
    assert geometry_key("expression { smile 0.3 }\ngaze 5deg up") != base
    assert geometry_key("expression { smile 0.3 }\npose { roll 2deg }") != base
    assert geometry_key("expression { smile 0.3 }\nface { jaw_width 1 }") != base


# ----------------------------------------------------------------------------- --set

def test_set_paths_reach_the_head_blocks(tmp_path):
    c = character("seed 1", tmp_path, overrides=(
        "character.expression.smile=0.3", "character.expression.mouthSmile_L=0.5",
        f"character.face.jaw_width=+{JAW_SD}mm", "character.pose.turn=10deg",
        "character.gaze=10deg left, 5deg down", "character.age=60"))
    assert dict(c.expression) == {"mouthSmile_L": 0.5, "mouthSmile_R": 0.3}
    assert c.face.jaw_width == pytest.approx(1.0) and c.pose.turn_rad == math.radians(10)
    assert (c.gaze.yaw_rad, c.gaze.pitch_rad) == (-math.radians(10), -math.radians(5))
    assert c.skin.age_years == 60.0
    result = compile_character("seed 1", tmp_path, overrides=("character.expression.smiel=1",))
    (d,) = [d for d in result.diagnostics if d.is_error]
    assert d.code == "E109" and d.help == "did you mean `smile`?"


# ----------------------------------------------------------------------------- lints

@pytest.mark.parametrize("body,code", [
    ("expression { blink 0.5; eyeWide_R 0.4 }", "W110"),
    ("expression { mouthClose 0.3; jawOpen 0.2 }", "W111"),
    ("expression { mouthLeft 0.31; mouthRight 0.5 }", "W112"),
    ("expression { smile 0.4; mouthFrown_R 0.4 }", "W112"),
    ("expression { smile 0.8; mouthPucker 0.7; mouthFunnel 0.6 }", "W113"),
    ("gaze 32deg right\npose { turn 10deg }", "W114"),
])
def test_each_expression_lint_fires(tmp_path, body, code):
    assert code in warnings(body, tmp_path)


@pytest.mark.parametrize("body", [
    "expression { blink 0.3; wide_eyes 0.9 }",            # at the limit, not past it
    "expression { eyeBlink_L 0.8; eyeWide_R 0.8 }",       # different sides
    "expression { mouthClose 0.3; jawOpen 0.3 }",         # closing the lips of an open jaw
    "expression { mouthLeft 0.3; mouthRight 0.6; smile 0.3; frown 0.2 }",
    "expression { mouthSmile_L 1; mouthPucker 0.6; mouthFunnel 0.4 }",  # exactly 2 on the left
    "expression { smile; mouthUpperUp_L 0.3; mouthUpperUp_R 0.3 }",      # 1.3 a side
    "gaze 32deg right\npose { turn -10deg }",             # head turned the other way
    "gaze 30deg right\npose { turn 10deg }",              # not past 30°
    "gaze 34deg right",                                   # head not turned
])
def test_expression_lints_stay_quiet_on_sound_mixes(tmp_path, body):
    assert warnings(body, tmp_path) == {}


def test_an_alias_pair_warns_once_and_each_side_on_its_own(tmp_path):
    codes = [d.code for d in compile_character("expression { smile 0.5; frown 0.4 }",
                                               tmp_path).diagnostics]
    assert codes == ["W112"]
    codes = [d.code for d in compile_character(
        "expression { smile 0.5; mouthFrown_L 0.4\n mouthFrown_R 0.4 }", tmp_path).diagnostics]
    assert codes == ["W112", "W112"]
    (d,) = compile_character("expression { blink 0.5; wide_eyes 0.4 }", tmp_path).diagnostics
    assert d.code == "W110" and "close and open both upper lids" in d.message
    codes = [d.code for d in compile_character("expression { blink 0.5; eyeWide_L 0.4\n"
                                               " eyeWide_R 0.4 }", tmp_path).diagnostics]
    assert codes == ["W110", "W110"]


def test_lints_point_at_the_later_statement_and_can_be_allowed(tmp_path):
    result = compile_character("expression { eyeWide_L 0.5\n  blink 0.5 }", tmp_path)
    (d,) = result.diagnostics
    assert d.code == "W110" and (d.span.line, d.span.col) == (3, 3)
    assert "`eyeWide_L` 0.5 is set at" in d.notes[0]
    quiet = compile_character("expression { eyeWide_L 0.5\n  blink 0.5 }  // shot: allow W110",
                              tmp_path)
    assert quiet.diagnostics == []


# ----------------------------------------------------------------------------- emit, fmt, explain

HEAD = """character m {
  seed 3
  age 52
  face { jaw_width +4mm; head_height -1; nose_width 2.5 }
  expression { smile 0.35; mouthSmile_L 0.5; blink 0.1; pupils 0.2 }
  gaze 12.5deg left, 4deg down
  pose { turn -20deg; tilt 7deg; roll 2.5deg }
}
shot s { character m }
"""


def test_emit_round_trips_the_head(tmp_path):
    shot = compile_source(HEAD, tmp_path / "spec.shot", check_outputs=False).program.shots[0]
    text = emit_shot(shot)
    assert "expression {" in text and "mouthSmile_L 0.5" in text and "gaze 12.5deg left, 4deg down" in text
    assert "turn -20deg" in text and f"jaw_width {4 / JAW_SD!r}" in text
    back = compile_source(text, tmp_path / "back.shot", check_outputs=False)
    assert back.diagnostics == []
    again = back.program.shots[0].character
    assert again.model_dump(exclude={"span"}) == shot.character.model_dump(exclude={"span"})
    assert emit_shot(back.program.shots[0]) == text


def test_emit_leaves_out_a_neutral_expression_and_writes_the_lens_gaze(tmp_path):
    shot = compile_source("character m { seed 1 }\nshot s { character m }", tmp_path / "a.shot",
                          check_outputs=False).program.shots[0]
    text = emit_shot(shot)
    assert "expression" not in text and "gaze lens" in text and "face {" not in text


def test_fmt_keeps_the_head_blocks(tmp_path):
    messy = HEAD.replace("  expression {", "expression   {").replace("pose {", "pose{")
    formatted, diags = format_source(messy, "x.shot")
    assert diags == [] and format_source(formatted, "x.shot")[0] == formatted
    a = compile_source(messy, tmp_path / "a.shot", check_outputs=False).program.shots[0]
    b = compile_source(formatted, tmp_path / "b.shot", check_outputs=False).program.shots[0]
    assert a.character.model_dump(exclude={"span"}) == b.character.model_dump(exclude={"span"})


def test_explain_shows_where_each_head_value_came_from(tmp_path):
    program = compile_source(HEAD, tmp_path / "spec.shot", check_outputs=False).program
    out = io.StringIO()
    explain(program, console=Console(file=out, width=200), origins=True)
    text = out.getvalue()
    for path in ("character.expression.mouthSmile_L", "character.expression.PupilDilate_R",
                 "character.gaze.yaw_rad", "character.pose.turn_rad", "character.face.jaw_width",
                 "character.skin.age_years"):
        assert path in text, path
    assert "character.expression " not in text     # no default row beside the set shapes


def test_the_shipped_expression_presets_are_lint_free(tmp_path):
    library = Path(__file__).resolve().parents[2] / "src/shotspec/specs/presets/expressions.shot"
    names = ("warm_smile", "laugh", "surprise", "skeptical", "sad", "pensive")
    shots = "\n".join(f"shot {n} {{ character m {{ expression {{ use {n} }} }} }}" for n in names)
    src = f'import "{library}"\ncharacter m {{ seed 1 }}\n{shots}\n'
    result = compile_source(src, tmp_path / "spec.shot", check_outputs=False)
    assert result.diagnostics == []
    smiles = {s.name: dict(s.character.expression).get("mouthSmile_L", 0.0)
              for s in result.program.shots}
    assert smiles["laugh"] > smiles["warm_smile"] > 0.0 == smiles["sad"]
