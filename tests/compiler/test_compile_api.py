"""The public API: no torch, fast cold start, rendered and JSON diagnostics, EOF handling."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shotspec.compiler import (CompileResult, compile_file, compile_source,
                               diagnostics_to_json, render_diagnostics)

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"

COLD = """
import sys, time
t = time.perf_counter()
from shotspec.compiler import compile_file
r = compile_file(sys.argv[1])
print(time.perf_counter() - t, 'torch' in sys.modules, r.ok)
"""


def test_compile_only_never_imports_torch():
    out = subprocess.run([sys.executable, "-c", COLD, str(SPECS / "closeup.shot")],
                         capture_output=True, text=True, check=True).stdout.split()
    seconds, torch_loaded, ok = float(out[0]), out[1], out[2]
    assert torch_loaded == "False" and ok == "True"
    assert seconds > 0     # start-up time is measured in bench/compile_specs.py, not here


def test_rendered_diagnostic_has_location_source_line_carets_and_help(tmp_path):
    src = "shot s {\n  camera { lense 85mm }\n}\n"
    r = compile_source(src, tmp_path / "a.shot")
    text = render_diagnostics(r.diagnostics, r.sources)
    assert text.splitlines()[:6] == [
        "error[E101]: unknown key `lense` in `camera`",
        f" --> {tmp_path / 'a.shot'}:2:12",
        "  |",
        "2 |   camera { lense 85mm }",
        "  |            ^^^^^",
        "  = help: did you mean `lens`?",
    ]
    assert text.rstrip().endswith("1 error")
    assert "\x1b[" in render_diagnostics(r.diagnostics, r.sources, color=True)


def test_json_form(tmp_path):
    r = compile_source("shot s { camera { lens 2mm } }", tmp_path / "a.shot")
    data = json.loads(diagnostics_to_json(r.diagnostics))
    assert data[0]["code"] == "E204" and data[0]["severity"] == "error"
    assert data[0]["span"]["line"] == 1 and data[0]["span"]["col"] == 19


def test_end_of_file_is_a_real_position(tmp_path):
    for src in ("shot s {", "shot", "shot s extends", "import", "shot s { camera {"):
        r = compile_source(src, tmp_path / "a.shot")
        assert not r.ok and isinstance(r, CompileResult)
        assert all(d.span.line >= 1 and d.span.col >= 1 for d in r.diagnostics)
        assert r.diagnostics[0].code == "E003"


def test_missing_spec_file(tmp_path):
    r = compile_file(tmp_path / "nope.shot")
    assert [d.code for d in r.diagnostics] == ["E301"] and r.program is None
    assert r.dependencies == (str(tmp_path / "nope.shot"),)


def test_every_example_compiles_clean():
    for path in [SPECS / "closeup.shot", *sorted((SPECS / "examples").glob("*.shot"))]:
        r = compile_file(path)
        assert r.ok and r.diagnostics == [], (path, r.diagnostics)


def test_a_byte_order_mark_is_accepted(tmp_path):
    from shotspec.compiler import compile_file

    spec = tmp_path / "bom.shot"
    spec.write_bytes(b'\xef\xbb\xbfshot s { output "a.png" { size 64x64 } }\n')
    assert compile_file(spec).ok


def test_non_utf8_and_folders_are_e303_with_a_position(tmp_path):
    from shotspec.compiler import compile_file

    spec = tmp_path / "latin.shot"
    spec.write_bytes(b"shot s {\n caf\xe9 }\n")
    (diag,) = compile_file(spec).diagnostics
    assert diag.code == "E303" and (diag.span.line, diag.span.col) == (2, 5)
    assert "UTF-8" in diag.message
    (diag,) = compile_file(tmp_path).diagnostics
    assert diag.code == "E303" and "folder" in diag.message


def test_set_on_a_shot_without_a_character_is_an_error():
    from shotspec.compiler import compile_file

    result = compile_file(SPECS / "examples" / "plate.shot", overrides=["character.skin.pores=0.9"])
    assert [d.code for d in result.errors] == ["E109"]
    assert "no character" in result.errors[0].message
    assert compile_file(SPECS / "closeup.shot", overrides=["character.skin.pores=0.9"]).ok


def test_an_impossible_lens_gives_one_error_at_the_lens(tmp_path):
    src = 'shot s {\n  camera { lens 99999999999999999999mm }\n  output "o.png" { size 64x64 }\n}\n'
    result = compile_source(src, tmp_path / "a.shot")
    assert [d.code for d in result.errors] == ["E204"]
    src = src.replace("99999999999999999999mm", "1000mm")
    (diag,) = compile_source(src, tmp_path / "a.shot").errors
    assert diag.code == "E206" and diag.span.line == 2     # the lens, not the shot header
