"""The facial hair's language: `brows { }`, `lashes { }`, `stubble`, `fuzz` — values, errors
with did-you-mean and positions, `--set`, `shot fmt`, emit round trips, `shot explain`, and
the plan stages the values key."""

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
from shotspec.compiler.ir import CharacterIR
from shotspec.compiler.schema import stage_fields
from shotspec.hair_colours import HAIR_COLOURS


sys.path.insert(0, str(Path(__file__).parent))
from character_specs import character, compile_character  # noqa: E402


def only_error(body: str, tmp_path, **kw):
    (d,) = [d for d in compile_character(body, tmp_path, **kw).diagnostics if d.is_error]
    return d


GROOMED = """\
character m {
  seed 4
  brows { density 0.6; thickness 0.7; length 9mm; colour auburn; shape arched }
  lashes { length 12mm; curl 0.7; density 0.9; colour #201810 }
  stubble { length 2.5mm; density 0.5; colour black }
  fuzz 0.45
}
shot s { character m }
"""


def test_defaults_are_a_natural_face_without_stubble(tmp_path):
    c = character("seed 1", tmp_path)
    assert (c.brows.density, c.brows.thickness, c.brows.shape) == (0.8, 0.5, "soft_arch")
    assert c.brows.length_m == 0.008 and c.brows.colour_srgb is None
    assert (c.lashes.length_m, c.lashes.curl, c.lashes.density) == (0.010, 0.5, 0.8)
    assert c.stubble.enabled is False and c.skin.fuzz == 0.3
    assert c.lashes.colour_srgb is None and c.stubble.colour_srgb is None


def test_the_blocks_set_every_value(tmp_path):
    c = compile_source(GROOMED, tmp_path / "g.shot", check_outputs=False).program.shots[0].character
    assert (c.brows.density, c.brows.thickness, c.brows.length_m, c.brows.shape) == (
        0.6, 0.7, 0.009, "arched")
    assert c.brows.colour_srgb == HAIR_COLOURS["auburn"]
    assert c.lashes.length_m == 0.012 and c.lashes.curl == 0.7 and c.lashes.density == 0.9
    assert c.lashes.colour_srgb == pytest.approx((0x20 / 255, 0x18 / 255, 0x10 / 255), abs=1e-4)
    assert c.stubble.enabled and c.stubble.length_m == 0.0025 and c.stubble.density == 0.5
    assert c.stubble.colour_srgb == HAIR_COLOURS["black"] and c.skin.fuzz == 0.45


@pytest.mark.parametrize("body, enabled, length_m", [
    ("stubble 2mm", True, 0.002), ("stubble on", True, 0.0015), ("stubble off", False, 0.0015),
    ("stubble { density 0.3 }", True, 0.0015), ("stubble 2mm\nstubble off", False, 0.002),
    ("skin { peach_fuzz 0.1 }\nstubble 0.5mm", True, 0.0005),
])
def test_stubble_takes_a_length_a_switch_or_a_block(tmp_path, body, enabled, length_m):
    c = character(body, tmp_path)
    assert (c.stubble.enabled, c.stubble.length_m) == (enabled, length_m)


@pytest.mark.parametrize("body, code, message, help, col", [
    ("brows { densty 0.6 }", "E101", "unknown key `densty` in `brows`", "did you mean `density`?", 9),
    ("lashes { colour aubrn }", "E202", "unknown hair colour `aubrn`", "did you mean `auburn`?", 17),
    ("brows { shape archd }", "E202", "unknown shape `archd`", "did you mean `arched`?", 15),
    ("lashes { length 30mm }", "E203", "`length` 30mm is out of range: it must be 4–16mm", None, 17),
    ("lashes { length 1cm; curl 2 }", "E203", "`curl` 2 is out of range: it must be 0–1", None, 27),
    ("stubble 9mm", "E203", "`stubble` 9mm is out of range: it must be 0.2–6mm", None, 9),
    ("lashes { length 10 }", "E201", "`length` expects a length (85mm, 70cm, 0.7m), found `10`",
     "add a unit: `10mm`, `10cm` or `10m`", 17),
    ("stubble", "E210", "`stubble` needs a length (`stubble 2mm`), `on`/`off` or a block", None, 1),
    ("fuzz 1.5", "E203", "`fuzz` 1.5 is out of range: it must be 0–1", None, 6),
])
def test_errors_name_the_place_and_the_fix(tmp_path, body, code, message, help, col):
    d = only_error(body, tmp_path)
    assert (d.code, d.message) == (code, message)
    assert d.span.line == 2 and d.span.col == col and d.span.file.endswith("spec.shot")
    if help is not None:
        assert d.help == help


def test_set_reaches_the_facial_hair(tmp_path):
    c = character("seed 1", tmp_path, overrides=(
        "character.lashes.length=12mm", "character.brows.colour=blonde",
        "character.stubble=2mm", "character.skin.fuzz=0.6", "character.brows.shape=straight"))
    assert c.lashes.length_m == 0.012 and c.brows.colour_srgb == HAIR_COLOURS["blonde"]
    assert c.stubble.enabled and c.stubble.length_m == 0.002
    assert c.skin.fuzz == 0.6 and c.brows.shape == "straight"
    d = only_error("seed 1", tmp_path, overrides=("character.lashes.lenght=12mm",))
    assert d.code == "E109" and d.help == "did you mean `length`?"


def test_emit_round_trips_the_groom(tmp_path):
    shot = compile_source(GROOMED, tmp_path / "g.shot", check_outputs=False).program.shots[0]
    text = emit_shot(shot)
    assert "colour auburn" in text and "shape arched" in text and "stubble {" in text
    back = compile_source(text, tmp_path / "back.shot", check_outputs=False)
    assert back.diagnostics == []
    again = back.program.shots[0].character
    assert again.model_dump(exclude={"span"}) == shot.character.model_dump(exclude={"span"})
    off = compile_source("character m { stubble off }\nshot s { character m }",
                         tmp_path / "o.shot", check_outputs=False).program.shots[0]
    assert "stubble off {" in emit_shot(off)


def test_fmt_keeps_the_blocks(tmp_path):
    messy = GROOMED.replace("  brows {", "brows   {").replace("lashes {", "lashes{")
    formatted, diags = format_source(messy, "x.shot")
    assert diags == [] and format_source(formatted, "x.shot")[0] == formatted
    assert "  brows { " in formatted or "  brows {\n" in formatted
    a = compile_source(messy, tmp_path / "a.shot", check_outputs=False).program.shots[0]
    b = compile_source(formatted, tmp_path / "b.shot", check_outputs=False).program.shots[0]
    assert a.character.model_dump(exclude={"span"}) == b.character.model_dump(exclude={"span"})


def test_explain_shows_where_each_value_came_from(tmp_path):
    program = compile_source(GROOMED, tmp_path / "g.shot", check_outputs=False).program
    out = io.StringIO()
    explain(program, console=Console(file=out, width=200), origins=True)
    text = out.getvalue()
    for path in ("character.brows.shape", "character.lashes.length_m", "character.lashes.curl",
                 "character.stubble.enabled", "character.stubble.length_m", "character.skin.fuzz"):
        assert path in text, path


def test_the_values_key_the_strands_not_the_shading():
    groom = stage_fields(CharacterIR, "groom")
    assert set(groom["brows"]) == {"density", "thickness", "length_m", "colour_srgb", "shape"}
    assert set(groom["lashes"]) == {"length_m", "curl", "density", "colour_srgb"}
    assert set(groom["stubble"]) == {"enabled", "length_m", "density", "colour_srgb"}
    assert groom["skin"]["fuzz"] is True
    assert "brows" not in stage_fields(CharacterIR, "shade")
