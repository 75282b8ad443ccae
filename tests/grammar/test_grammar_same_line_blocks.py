"""A closing brace ends its statement; presets of every documented kind can be declared."""

from __future__ import annotations

from shotspec.compiler import compile_source, format_source


def _first_shot(src: str, tmp_path):
    result = compile_source(src, tmp_path / "a.shot")
    assert result.ok, [d.message for d in result.errors]
    return result.program.shots[0]


def test_statements_after_a_block_on_the_same_line(tmp_path):
    src = ("preset portrait camera { lens 85mm; aperture f/2 }\n"
           "preset softbox light { size 90cm; distance 1.4m }\n"
           "shot s { camera { use portrait; aperture f/2.8 } lighting { key area { use softbox } } "
           "output \"s.png\" { size 64x80 } }\n")
    shot = _first_shot(src, tmp_path)
    assert shot.camera.f_number == 2.8 and shot.camera.focal_length_m == 0.085
    assert shot.lights[0].size_m == 0.9 and shot.output.width == 64


def test_a_comment_after_a_block_stays_on_its_line(tmp_path):
    out, _ = format_source("character m { seed 1 } // who\n", "x.shot")
    assert out == "character m {\n  seed 1\n}  // who\n"


def test_shot_and_character_presets(tmp_path):
    src = ("preset look shot { camera { lens 50mm } }\n"
           "preset person character { seed 9 }\n"
           "character m { use person }\n"
           "shot a { use look; character m; output \"a.png\" { size 64x80 } }\n")
    shot = _first_shot(src, tmp_path)
    assert shot.camera.focal_length_m == 0.05 and shot.character.seed == 9
