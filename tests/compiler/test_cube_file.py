"""`shot check` validates graded LUTs: a malformed .cube is E510 pointing into the LUT."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shotspec.compiler import compile_source

SPEC = 'shot s {\n  finish { grade "look.cube" }\n  output "a.png" { size 64x64 }\n}\n'
GOOD = "LUT_3D_SIZE 2\n" + "".join(f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1))

BAD = [
    (GOOD.replace("1 1 1\n", "1 1\n"), 9, "got 2"),
    (GOOD.replace("0 1 0\n", "0 x 0\n"), 4, "x"),
    (GOOD.replace("LUT_3D_SIZE 2\n", ""), 1, "LUT_3D_SIZE"),
    (GOOD + "1 1 1\n", 10, "too many"),
    ("DOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n" + GOOD, 2, "DOMAIN"),
]


def test_a_good_lut_compiles(tmp_path):
    (tmp_path / "look.cube").write_text(GOOD)
    assert compile_source(SPEC, tmp_path / "s.shot").ok


@pytest.mark.parametrize("text,line,words", BAD)
def test_malformed_luts_are_e510_with_the_line(tmp_path, text, line, words):
    (tmp_path / "look.cube").write_text(text)
    result = compile_source(SPEC, tmp_path / "s.shot")
    (diag,) = result.errors
    assert diag.code == "E510"
    assert diag.span.file.endswith("look.cube") and diag.span.line == line
    assert words in diag.message
    assert diag.notes and "s.shot:2" in diag.notes[0]


def test_checking_a_lut_never_imports_torch(tmp_path):
    (tmp_path / "look.cube").write_text(GOOD.replace("1 1 1\n", "1 1\n"))
    (tmp_path / "s.shot").write_text(SPEC)
    code = ("import sys; from shotspec.compiler import compile_file\n"
            f"r = compile_file({str(tmp_path / 's.shot')!r})\n"
            "assert [d.code for d in r.errors] == ['E510'], r.errors\n"
            "assert 'torch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
