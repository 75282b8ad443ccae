"""The `hair { style; length; density; colour; grey }` block: parsing, defaults, diagnostics,
fmt, emit, --set, explain and the plan keys it changes."""

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
from shotspec.compiler.hair_pigment import (HAIR_COLOURS, absorption_colour, colour_absorption,
                                            hair_colour_albedo, melanin_absorption)
from shotspec.compiler.ir import HAIR_STYLE_LENGTH_M, HairIR, hair_length_m
from shotspec.compiler.plan import build_plan
from shotspec.compiler.schema import stage_fields
from shotspec.compiler.tables import srgb_to_linear
from shotspec.color import hex_to_srgb

sys.path.insert(0, str(Path(__file__).parent))
from character_specs import character, compile_character, errors  # noqa: E402


def hair(body: str, tmp_path, **kw) -> HairIR:
    return character(body, tmp_path, **kw).hair


def test_the_issue_example_reads_in_si_units(tmp_path):
    h = hair("hair { style short; length 4cm; density 0.8; colour dark_brown; grey 0.1 }",
             tmp_path)
    assert (h.style, h.length_m, h.density, h.colour, h.grey) == (
        "short", 0.04, 0.8, "dark_brown", 0.1)
    assert h.albedo_linear == hair_colour_albedo("dark_brown")


def test_defaults_short_hair_with_the_style_length_and_a_seeded_colour(tmp_path):
    h = hair("seed 1", tmp_path)
    assert (h.style, h.length_m, h.density, h.colour, h.albedo_linear, h.grey) == (
        "short", None, 0.9, None, None, 0.0)
    assert hair_length_m(h) == HAIR_STYLE_LENGTH_M["short"] == 0.04
    assert hair_length_m(hair("hair { style long }", tmp_path)) == 0.32
    assert hair_length_m(hair("hair { style buzz; length 3mm }", tmp_path)) == 0.003
    assert hair("hair { density 45%; color #6a4e3a }", tmp_path).density == 0.45


def test_a_colour_literal_is_the_fibres_srgb_colour(tmp_path):
    h = hair("hair { colour #6A4E3A }", tmp_path)
    assert h.colour == "#6a4e3a" and h.albedo_linear == srgb_to_linear(hex_to_srgb("#6a4e3a"))


def test_named_colours_go_dark_to_light_through_melanin():
    lum = {n: sum(hair_colour_albedo(n)) for n in HAIR_COLOURS}
    order = ["black", "dark_brown", "brown", "light_brown", "blonde", "light_blonde", "platinum"]
    assert [lum[n] for n in order] == sorted(lum[n] for n in order)
    r, g, b = hair_colour_albedo("red")
    assert r > 2 * g > 4 * b                    # pheomelanin: red, not brown
    # Chiang et al. 2016's mapping and its inverse agree
    sigma = melanin_absorption(1.3, 0.2)
    assert colour_absorption(absorption_colour(sigma)) == pytest.approx(sigma, rel=1e-9)


@pytest.mark.parametrize("stmt,code,message,help", [
    ("style mohawk", "E202", "unknown style `mohawk`", None),
    ("style lng", "E202", "unknown style `lng`", "did you mean `long`?"),
    ("colour auborn", "E202", "unknown hair colour `auborn`", "did you mean `auburn`?"),
    ("colour blond", "E202", "unknown hair colour `blond`", "did you mean `blonde`?"),
    ("length 2m", "E203", "`length` 2m is out of range: at most 1m", None),
    ("length 4", "E201", "`length` expects a length", "add a unit"),
    ("density 1.5", "E203", "`density` 1.5 is out of range: it must be 0–1", None),
    ("grey 120%", "E203", "`grey` 120% is out of range", None),
    ("colour 0.5", "E202", "unknown hair colour `0.5`", None),
    ("curl 3", "E101", "unknown key `curl` in `hair`", None),
])
def test_errors_point_at_the_value_with_did_you_mean(tmp_path, stmt, code, message, help):
    (d,) = errors(f"hair {{ {stmt} }}", tmp_path)
    assert d.code == code and message in d.message, d
    assert d.span.file.endswith("spec.shot") and d.span.line == 2
    key_len = len(stmt.split()[0])
    assert d.span.col == (8 if code == "E101" else 8 + key_len + 1)
    if help:
        assert help in d.help


def test_set_reaches_the_hair_block(tmp_path):
    h = hair("hair { style short }", tmp_path, overrides=(
        "character.hair.style=long", "character.hair.length=25cm", "character.hair.colour=red",
        "character.hair.grey=0.3"))
    assert (h.style, h.length_m, h.colour, h.grey) == ("long", 0.25, "red", 0.3)
    result = compile_character("seed 1", tmp_path, overrides=("character.hair.style=lng",))
    (d,) = [d for d in result.diagnostics if d.is_error]
    assert d.code == "E202" and d.help == "did you mean `long`?"


def test_a_shot_override_and_a_hair_preset(tmp_path):
    src = ("preset ponytail hair { style tied_back; length 35cm }\n"
           "character m { hair { colour auburn } }\n"
           "shot s { character m { hair { use ponytail; grey 0.2 } } }\n")
    result = compile_source(src, tmp_path / "spec.shot", check_outputs=False)
    assert result.diagnostics == []
    h = result.program.shots[0].character.hair
    assert (h.style, h.length_m, h.colour, h.grey) == ("tied_back", 0.35, "auburn", 0.2)


HAIRY = """character m {
  seed 3
  hair { style long; length 30cm; density 0.7; colour #6a4e3a; grey 0.15 }
}
shot s { character m }
"""


def test_emit_and_fmt_round_trip_the_hair(tmp_path):
    shot = compile_source(HAIRY, tmp_path / "spec.shot", check_outputs=False).program.shots[0]
    text = emit_shot(shot)
    assert "hair {" in text and "style long" in text and "colour #6a4e3a" in text
    back = compile_source(text, tmp_path / "back.shot", check_outputs=False)
    assert back.diagnostics == []
    assert back.program.shots[0].character.hair == shot.character.hair.model_copy(
        update={"span": back.program.shots[0].character.hair.span})
    named = compile_character("hair { colour blonde }", tmp_path).program.shots[0]
    assert "colour blonde" in emit_shot(named)
    messy = HAIRY.replace("  hair {", "hair   {").replace("; grey", ";grey")
    formatted, diags = format_source(messy, "x.shot")
    assert diags == [] and format_source(formatted, "x.shot")[0] == formatted
    assert "  hair {\n    style long\n    length 30cm\n    density 0.7\n    colour #6a4e3a\n" \
        "    grey 0.15\n  }\n" in formatted


def test_explain_shows_where_the_hair_came_from(tmp_path):
    program = compile_source(HAIRY, tmp_path / "spec.shot", check_outputs=False).program
    out = io.StringIO()
    explain(program, console=Console(file=out, width=200), origins=True)
    text = out.getvalue()
    for path in ("character.hair.style", "character.hair.length_m", "character.hair.colour",
                 "character.hair.grey", "character.hair.density"):
        assert path in text, path
    assert "spec.shot:3:" in text


def test_hair_keys_the_mesh_groom_and_shading_never_the_lens(tmp_path):
    every = {"style", "length_m", "density", "colour", "albedo_linear", "grey"}
    for stage in ("geometry", "shade", "groom"):
        assert set(stage_fields(HairIR, stage)) == every
    assert stage_fields(HairIR, "lens") == {}

    def keys(body: str) -> dict[str, str]:
        plan = build_plan(compile_character(body, tmp_path).program, ["s"])
        return {n.op: n.key for n in plan.nodes.values()}

    base = keys("hair { style short; colour brown }")
    for other in ("hair { style long; colour brown }", "hair { style short; colour blonde }",
                  "hair { style short; colour brown; grey 0.2 }"):
        changed = keys(other)
        assert changed["mesh"] != base["mesh"] and changed["shade"] != base["shade"]
        assert changed["lens"] != base["lens"]          # downstream of shade, re-keyed
    assert keys("hair { style short; colour brown }") == base
