"""The `eyes` block: iris colour (and the `eyes COLOUR` shorthand), pupil, redness, wetness."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from shotspec.cli.explain import explain
from shotspec.compiler import compile_source
from shotspec.compiler.emit import emit_shot
from shotspec.compiler.formatter import format_source
from shotspec.compiler.plan import build_plan
from shotspec.compiler.tables import EYE_COLORS


sys.path.insert(0, str(Path(__file__).parent))
from character_specs import character, compile_character, errors  # noqa: E402


def eyes(body: str, tmp_path, **kw):
    return character(body, tmp_path, **kw).eyes


def test_the_shorthand_and_the_block_set_the_same_iris(tmp_path):
    assert eyes("eyes hazel", tmp_path).iris_srgb == EYE_COLORS["hazel"]
    assert eyes("eyes { iris hazel }", tmp_path).iris_srgb == EYE_COLORS["hazel"]
    assert eyes("eye_color blue", tmp_path).iris_srgb == EYE_COLORS["blue"]
    assert eyes("eyes #5a7fa3", tmp_path).iris_srgb == pytest.approx((0x5a / 255, 0x7f / 255,
                                                                       0xa3 / 255), abs=1e-4)
    default = eyes("seed 3", tmp_path)
    assert default.iris_srgb is None and default.pupil_m is None
    assert (default.redness, default.wetness) == (0.3, 0.7)


def test_pupil_auto_or_a_diameter_and_the_traits(tmp_path):
    e = eyes("eyes { iris green; pupil 3.5mm; redness 0.2; wetness 80% }", tmp_path)
    assert e.pupil_m == pytest.approx(0.0035) and e.redness == 0.2 and e.wetness == 0.8
    assert eyes("eyes { pupil 4mm; pupil auto }", tmp_path).pupil_m is None     # later wins
    assert eyes("eyes { pupil 2mm }", tmp_path).pupil_m == pytest.approx(0.002)
    assert eyes("eyes { pupil 0.8cm }", tmp_path).pupil_m == pytest.approx(0.008)


@pytest.mark.parametrize("body,code,message,col", [
    ("eyes { pupil 9mm }", "E214", "pupil diameter 9mm is outside 2–8mm", 14),
    ("eyes { pupil 1.5mm }", "E214", "pupil diameter 1.5mm is outside 2–8mm", 14),
    ("eyes { pupil 4 }", "E201", "`pupil` expects a length", 14),
    ("eyes { pupli 4mm }", "E101", "unknown key `pupli` in `eyes`", 8),
    ("eyes { iris hazle }", "E202", "unknown eye colour `hazle`", 13),
    ("eyes { redness 1.5 }", "E203", "`redness` 1.5 is out of range", 16),
    ("eyes hazel { pupil 3mm }", "E210", "either a colour or a `{ ... }` block", 6),
])
def test_eye_errors_point_at_the_value(tmp_path, body, code, message, col):
    found = [d for d in errors(body, tmp_path) if d.code == code]
    assert found, errors(body, tmp_path)
    d = found[0]
    assert message in d.message
    assert d.span.file.endswith("spec.shot") and (d.span.line, d.span.col) == (2, col)


def test_typos_get_a_did_you_mean(tmp_path):
    (typo,) = errors("eyes { pupli 4mm }", tmp_path)
    assert typo.help == "did you mean `pupil`?"
    (colour,) = errors("eyes { iris hazle }", tmp_path)
    assert "hazel" in colour.help


def test_set_reaches_into_the_block(tmp_path):
    e = eyes("eyes hazel", tmp_path, overrides=["character.eyes.pupil=3mm",
                                                "character.eyes.redness=0.6"])
    assert e.pupil_m == pytest.approx(0.003) and e.redness == 0.6
    assert e.iris_srgb == EYE_COLORS["hazel"]
    assert eyes("eyes hazel", tmp_path,
                overrides=["character.eyes=blue"]).iris_srgb == EYE_COLORS["blue"]
    bad = errors("eyes hazel", tmp_path, overrides=["character.eyes.pupli=3mm"])
    assert bad[0].code == "E109" and bad[0].help == "did you mean `pupil`?"
    assert errors("eyes hazel", tmp_path, overrides=["character.eyes.pupil=12mm"])[0].code \
        == "E214"


def test_fmt_and_emit_round_trip(tmp_path):
    messy = "character m { eyes {iris green;pupil   3.5mm;wetness 0.9} }\nshot s { character m }\n"
    formatted, diags = format_source(messy, "x.shot")
    assert diags == [] and format_source(formatted, "x.shot")[0] == formatted
    assert "  eyes {\n    iris green\n    pupil 3.5mm\n    wetness 0.9\n  }" in formatted
    shot = compile_source(formatted, tmp_path / "a.shot", check_outputs=False).program.shots[0]
    text = emit_shot(shot)
    assert "iris green" in text and "pupil 3.5mm" in text and "redness 0.3" in text
    again = compile_source(text, tmp_path / "b.shot", check_outputs=False).program.shots[0]
    assert again.character.eyes.model_dump(exclude={"span"}) == \
        shot.character.eyes.model_dump(exclude={"span"})
    auto = compile_source("character m { eyes blue }\nshot s { character m }\n",
                          tmp_path / "c.shot", check_outputs=False).program.shots[0]
    assert "pupil auto" in emit_shot(auto)


def test_eye_settings_change_the_shading_not_the_geometry(tmp_path):
    def keys(body):
        program = compile_character(body, tmp_path).program
        plan = build_plan(program)
        return {n.op: n.key for n in plan.nodes.values()}
    a, b = keys("eyes { pupil 3mm }"), keys("eyes { pupil 5mm; redness 0.9 }")
    assert a["geometry"] == b["geometry"] and a["shade"] != b["shade"]


def test_explain_names_where_the_eye_values_came_from(tmp_path):
    program = compile_character("eyes { iris amber; pupil 5mm }", tmp_path).program
    out = io.StringIO()
    explain(program, console=Console(file=out, width=200), origins=True)
    text = out.getvalue()
    for path in ("character.eyes.iris_srgb", "character.eyes.pupil_m",
                 "character.eyes.redness"):
        assert path in text, path
