"""The `lips { moisture; color; furrows }` block: parsing, ranges, `--set`, fmt, emit, explain
and which plan stage each value changes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from shotspec.cli.explain import explain
from shotspec.color import srgb_to_linear
from shotspec.compiler import compile_source
from shotspec.compiler.emit import emit_shot
from shotspec.compiler.formatter import format_source
from shotspec.compiler.ir import CharacterIR, LipsIR
from shotspec.compiler.plan import build_plan
from shotspec.compiler.schema import stage_fields

sys.path.insert(0, str(Path(__file__).parent))
from character_specs import character, compile_character, errors  # noqa: E402

LIPS = """character m {
  seed 4
  lips {
    moisture 0.7
    colour #a4504e
    furrows 60%
  }
}
shot s { character m }
"""


def lips_of(body: str, tmp_path, **kw) -> LipsIR:
    return character(body, tmp_path, **kw).lips


def test_the_lips_block_sets_moisture_colour_and_furrows(tmp_path):
    lips = lips_of("lips { moisture 0.7; colour #a4504e; furrows 60% }", tmp_path)
    assert lips.moisture == 0.7 and lips.furrows == pytest.approx(0.6)
    expected = srgb_to_linear((0xa4 / 255, 0x50 / 255, 0x4e / 255))
    assert lips.color == pytest.approx(tuple(expected), abs=1e-4)   # stored to 6 digits
    assert lips_of("lips { color #a4504e }", tmp_path).color == lips.color


def test_unset_lips_take_their_colour_from_the_skin(tmp_path):
    lips = lips_of("seed 1", tmp_path)
    assert lips == LipsIR() and lips.color is None and lips.moisture == 0.4


@pytest.mark.parametrize("stmt,code,text", [
    ("moisture 1.2", "E203", "0–1"),
    ("furrows -0.1", "E203", "0–1"),
    ("colour red", "E201", "colour"),
    ("moist 0.5", "E101", "did you mean `moisture`?"),
])
def test_lips_errors_point_at_the_statement(tmp_path, stmt, code, text):
    (d,) = errors(f"lips {{ {stmt} }}", tmp_path)
    assert d.code == code and text in (d.message + " " + (d.help or ""))


def test_set_reaches_the_lips(tmp_path):
    lips = lips_of("seed 1", tmp_path, overrides=("character.lips.moisture=0.9",
                                                   "character.lips.colour=#b05a5a"))
    assert lips.moisture == 0.9 and lips.color is not None


def test_moisture_and_colour_reshade_while_furrows_change_the_geometry(tmp_path):
    assert set(stage_fields(CharacterIR, "geometry")["lips"]) == {"furrows"}
    assert set(stage_fields(CharacterIR, "shade")["lips"]) == {"moisture", "color", "furrows"}

    def key(op: str, body: str) -> str:
        plan = build_plan(compile_character(body, tmp_path).program, ["s"])
        (node,) = [n for n in plan.nodes.values() if n.op == op]
        return node.key

    base = "lips { moisture 0.4; furrows 0.5 }"
    assert key("geometry", "lips { moisture 0.9; furrows 0.5 }") == key("geometry", base)
    assert key("shade", "lips { moisture 0.9; furrows 0.5 }") != key("shade", base)
    assert key("geometry", "lips { moisture 0.4; furrows 0.8 }") != key("geometry", base)


def test_fmt_and_emit_keep_the_lips(tmp_path):
    messy = LIPS.replace("  lips {", "lips   {").replace("moisture 0.7", "moisture    0.7")
    formatted, diags = format_source(messy, "x.shot")
    assert diags == [] and format_source(formatted, "x.shot")[0] == formatted
    shot = compile_source(formatted, tmp_path / "a.shot", check_outputs=False).program.shots[0]
    text = emit_shot(shot)
    assert "lips {" in text and "moisture 0.7" in text and "color #a4504e" in text
    again = compile_source(text, tmp_path / "b.shot", check_outputs=False).program.shots[0]
    assert again.character.lips.model_dump(exclude={"span"}) == \
        shot.character.lips.model_dump(exclude={"span"})
    plain = compile_source("character m { seed 1 }\nshot s { character m }", tmp_path / "c.shot",
                           check_outputs=False).program.shots[0]
    text = emit_shot(plain)          # every value is written, the defaults too (no colour)
    assert "moisture 0.4" in text and "furrows 0.5" in text and "color" not in text.split("lips {")[1].split("}")[0]


def test_explain_shows_where_the_lip_values_came_from(tmp_path):
    program = compile_source(LIPS, tmp_path / "spec.shot", check_outputs=False).program
    out = io.StringIO()
    explain(program, console=Console(file=out, width=200), origins=True)
    text = out.getvalue()
    for path in ("character.lips.moisture", "character.lips.color", "character.lips.furrows"):
        assert path in text and "spec.shot" in text.split(path, 1)[1].splitlines()[0], path


def test_a_lips_preset_is_used_in_a_lips_block(tmp_path):
    src = ("preset glossy lips { moisture 0.95 }\n"
           "character m { lips { use glossy; furrows 0.2 } }\nshot s { character m }\n")
    result = compile_source(src, tmp_path / "p.shot", check_outputs=False)
    assert [d for d in result.diagnostics if d.is_error] == []
    lips = result.program.shots[0].character.lips
    assert (lips.moisture, lips.furrows) == (0.95, 0.2)
