"""A preset library is checked whole: every preset, used by a shot or not, with errors at the
preset's own text — and each error once, also when a shot uses the broken preset."""

from __future__ import annotations

from pathlib import Path

from shotspec.cli.main import main
from shotspec.compiler import compile_file, compile_source

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"

LIBRARY = """\
preset bad camera { lens 85; aperture 2; sensor huge }
preset wide camera { lens 2mm }
preset fine camera { lens 50mm; aperture f/2.8 }
preset rim light { from 150deg left; temperature 90000K }
preset mood finish { grade "missing.cube"; exposure 50 stops }
preset waxy skin { pores 3 }
preset near camera { focus 0.05m }
"""


def found(tmp_path: Path, text: str) -> list[tuple[str, int, int]]:
    result = compile_source(text, tmp_path / "library.shot")
    return [(d.code, d.span.line, d.span.col) for d in result.diagnostics if d.span]


def test_every_unused_preset_in_a_library_is_checked_at_its_own_text(tmp_path):
    assert found(tmp_path, LIBRARY) == [
        ("E201", 1, 26), ("E201", 1, 39), ("E202", 1, 49),   # lens 85, aperture 2, sensor huge
        ("E204", 2, 22),                                      # a 2mm focal length
        ("E203", 4, 50),                                      # 90000K
        ("E301", 5, 22), ("E203", 5, 53),                     # missing LUT, 50 stops
        ("E203", 6, 26),                                      # pores 3
    ]


def test_a_sound_library_and_the_shipped_presets_pass(tmp_path):
    assert found(tmp_path, "preset fine camera { lens 50mm; aperture f/2.8 }\n") == []
    result = compile_file(SPECS / "presets" / "lighting.shot")
    assert result.ok and result.diagnostics == []


def test_errors_that_need_the_shot_around_the_preset_wait_for_a_shot(tmp_path):
    """`focus 0.05m` is wrong with the default 85mm lens but right with a macro 30mm: the
    preset alone is not judged on it; a shot that uses it is."""
    assert found(tmp_path, "preset near camera { focus 0.05m }\n") == []
    shot = ("preset near camera { focus 0.05m }\n"
            "shot s { camera { use near; lens 85mm } }\n")
    assert [c for c, _, _ in found(tmp_path, shot)] == ["E206"]


def test_a_broken_preset_that_a_shot_uses_is_reported_once(tmp_path):
    text = "preset waxy skin { pores 3 }\ncharacter c { skin { use waxy } }\nshot s { character c }\n"
    assert found(tmp_path, text) == [("E203", 1, 26)]


def test_shot_check_of_a_library_file_fails_on_a_broken_preset(tmp_path, capsys):
    (tmp_path / "library.shot").write_text("preset bad camera { lens 85; aperture 2; sensor huge }\n")
    assert main(["check", str(tmp_path / "library.shot")]) == 1
    err = capsys.readouterr().err
    assert "unknown sensor `huge`" in err and "library.shot:1:49" in err


def test_a_missing_lut_of_an_unused_preset_is_a_dependency(tmp_path):
    """Watch mode re-checks when the LUT a preset names appears."""
    result = compile_source('preset mood finish { grade "look.cube" }\n', tmp_path / "library.shot")
    assert str(tmp_path / "look.cube") in result.dependencies
