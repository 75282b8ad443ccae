"""The colour-management statements: output config/working/display/view/look/lut, the cdl
pass, and their diagnostics (E215 unknown names with hints, E216, E217, E301)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from shotspec.color_config import DEFAULT_CONFIG, WORKING_SPACE
from shotspec.compiler import DEFAULT_SPEC, compile_source
from shotspec.compiler.emit import emit_shot


def _compile(tmp_path, output: str = "", finish: str = ""):
    text = f"""shot s {{
  finish {{ {finish} }}
  output "o.png" {{ size 64x80
{output}
  }}
}}
"""
    path = tmp_path / "s.shot"
    path.write_text(text)
    return compile_source(text, path, check_outputs=False)


def _only(result, code):
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [f"{d.code} {d.message}" for d in result.diagnostics]
    return found[0]


def test_defaults_are_the_aces_studio_config_and_linear_rec709(tmp_path):
    out = _compile(tmp_path).program.shots[0].output
    assert out.config == DEFAULT_CONFIG and out.working == WORKING_SPACE
    assert out.display is None and out.view is None


def test_display_view_look_and_cdl_compile_and_round_trip(tmp_path):
    result = _compile(tmp_path, '''display "sRGB - Display"
view "ACES 2.0 - SDR 100 nits (Rec.709)"
look "ACES 1.3 Reference Gamut Compression"
working lin_rec709_srgb
config "ocio://studio-config-latest"''', "cdl { slope 1.1 1 0.9; offset -0.01; saturation 0.9 }")
    assert result.ok, [d.message for d in result.diagnostics]
    shot = result.program.shots[0]
    cdl = shot.finish[0]
    assert cdl.slope == (1.1, 1.0, 0.9) and cdl.offset == (-0.01,) * 3 and cdl.saturation == 0.9
    assert cdl.config == "ocio://studio-config-latest" and cdl.working == "lin_rec709_srgb"
    text = emit_shot(shot)
    again = compile_source(text, tmp_path / "e.shot", check_outputs=False)
    assert again.ok and again.program.shots[0].output == shot.output.model_copy(
        update={"span": again.program.shots[0].output.span})
    assert again.program.shots[0].finish[0].slope == (1.1, 1.0, 0.9)


def test_unknown_view_lists_the_displays_views(tmp_path):
    d = _only(_compile(tmp_path, 'view "ACES 1.0 - SDR Video"'), "E215")
    assert d.message == ("unknown view `ACES 1.0 - SDR Video` of display `sRGB - Display` in "
                         "the colour config `studio-config-v5.0.0_aces-v2.1_ocio-v2.6`")
    assert "ACES 2.0 - SDR 100 nits (Rec.709)" in d.help
    assert (d.span.line, d.span.col) == (4, 1)


def test_misspelt_display_and_colour_space_get_did_you_mean(tmp_path):
    result = _compile(tmp_path, 'display "sRGB Display"\nworking "Linear Rec.709"')
    helps = {d.message.split("`")[1]: d.help for d in result.diagnostics if d.code == "E215"}
    assert helps["sRGB Display"] == "did you mean `sRGB - Display`?"
    assert helps["Linear Rec.709"] == "did you mean `Linear Rec.709 (sRGB)`?"


def test_unknown_look_and_cdl_space(tmp_path):
    result = _compile(tmp_path, 'look "gamut compress"', 'cdl { space "ACEScc t" }')
    messages = [d.message for d in result.diagnostics if d.code == "E215"]
    assert any("unknown look `gamut compress`" in m for m in messages)
    assert any("unknown CDL grading space `ACEScc t`" in m for m in messages)


def test_builtin_and_file_configs(tmp_path):
    d = _only(_compile(tmp_path, 'config "ocio://studio-config-lates"'), "E216")
    assert "not a config built into OpenColorIO" in d.message
    assert d.help == "did you mean `ocio://studio-config-latest`?"
    d = _only(_compile(tmp_path, 'config "looks/show.ocio"'), "E301")
    assert "colour config" in d.message and str(tmp_path / "looks" / "show.ocio") in d.message
    # a studio's own config, relative to the spec, with its own names
    (tmp_path / "show.ocio").write_text("""ocio_profile_version: 2
roles: {default: lin, scene_linear: lin, color_timing: log}
displays:
  Monitor: [!<View> {name: Film, colorspace: out}]
colorspaces:
  - !<ColorSpace> {name: lin}
  - !<ColorSpace> {name: log, from_scene_reference: !<LogTransform> {base: 2}}
  - !<ColorSpace> {name: out, from_scene_reference: !<ExponentTransform> {value: 2.2, direction: inverse}}
""")
    ok = _compile(tmp_path, 'config "show.ocio"\nworking lin\nview Film')
    assert ok.ok, [d.message for d in ok.diagnostics]
    assert ok.program.shots[0].output.config_sha256
    bad = [d for d in _compile(tmp_path, 'config "show.ocio"\nview Flim').diagnostics
           if d.code == "E215"]
    # the default working space is the ACES configs' name: a studio config must name its own
    assert bad[0].message.startswith("unknown working colour space `Linear Rec.709 (sRGB)`")
    assert bad[0].help.startswith("the config's colour spaces: `lin`, `log`, `out`")
    assert bad[1].help == "did you mean `Film`?"


def test_tonemap_before_a_view_is_an_error(tmp_path):
    d = _only(_compile(tmp_path, 'view "ACES 2.0 - SDR 100 nits (Rec.709)"', "tonemap agx"),
              "E217")
    assert "tone-mapped twice" in d.message and "remove `tonemap`" in d.help
    assert _compile(tmp_path, 'view "Un-tone-mapped"', "tonemap none").ok


def test_cdl_values_are_checked(tmp_path):
    d = _only(_compile(tmp_path, "", "cdl { slope 1 1 }"), "E210")
    assert "one number or three" in d.message
    _only(_compile(tmp_path, "", "cdl { power 0 }"), "E203")


def test_the_compiler_imports_neither_torch_nor_colour_for_a_plain_spec(tmp_path):
    code = ("import sys; from shotspec.compiler import compile_file, DEFAULT_SPEC; "
            "compile_file(DEFAULT_SPEC); print('torch' in sys.modules, "
            "'PyOpenColorIO' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_plate_colour_space_is_checked_and_takes_the_outputs_config(tmp_path):
    example = os.path.join(os.path.dirname(DEFAULT_SPEC), "examples", "plate")
    png = sorted(f for f in os.listdir(example) if f.endswith(".png"))[0]
    shutil.copy(os.path.join(example, png), tmp_path / "p.png")
    text = '''shot s {
  source plate "p.png" { colorspace "S-Log3 S-Gamut3.Cine" }
  output "o.png" { size 64x80; config "ocio://studio-config-latest" }
}
'''
    result = compile_source(text, tmp_path / "s.shot", check_outputs=False)
    source = result.program.shots[0].source
    assert source.colorspace == "S-Log3 S-Gamut3.Cine"
    assert source.config == "ocio://studio-config-latest" and source.working == WORKING_SPACE
    bad = compile_source(text.replace("S-Log3 S-Gamut3.Cine", "slog3"), tmp_path / "s.shot",
                         check_outputs=False)
    d = _only(bad, "E215")
    assert d.message.startswith("unknown plate colour space `slog3`")
    assert d.help.startswith("did you mean `slog3_")


def test_a_grade_before_a_view_is_a_warning(tmp_path):
    shutil.copy(os.path.join(os.path.dirname(DEFAULT_SPEC), "luts", "soft_contrast.cube"),
                tmp_path / "lut.cube")
    result = _compile(tmp_path, 'view "Un-tone-mapped"', 'grade "lut.cube"')
    d = _only(result, "W116")
    assert result.ok and "before the output's view" in d.message
    assert 'output { lut "…" }' in d.help
    assert not [x for x in _compile(tmp_path, "", 'grade "lut.cube"').diagnostics
                if x.code == "W116"]
