"""Exit codes per class of failure (0 ok, 1 diagnostics, 2 usage, 3 internal error), the crash
report of an internal error, and every usage error keeping its code and hint."""

from __future__ import annotations

import errno
import os

import pytest
from PIL import Image

from shotspec.cli.main import main

SPEC = """\
shot plate_finish {
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png"; mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m }
  output "renders/plate.png" { size 48x60 }
}
"""


@pytest.fixture
def workdir(plate_workdir, tmp_path, monkeypatch):
    plate_workdir(SPEC)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    return rc, capsys.readouterr().err


# ----------------------------------------------------------------------------- the four classes

def test_ok_is_0_and_a_bad_file_is_1(workdir, capsys):
    assert run(capsys, "check", "shot.shot")[0] == 0
    (workdir / "bad.shot").write_text(SPEC.replace("lens 85mm", "lens 85kg"))
    rc, err = run(capsys, "check", "bad.shot")
    assert rc == 1 and "error[E201]" in err and "bad.shot:3:" in err


def test_a_bad_file_and_a_bad_command_line_together_exit_2(workdir, capsys):
    (workdir / "bad.shot").write_text(SPEC.replace("lens 85mm", "lens 85kg"))
    rc, err = run(capsys, "check", "bad.shot", "--set", "camera.lenz=50mm")
    assert rc == 2 and "E201" in err and "E109" in err


def test_an_internal_error_exits_3_with_a_report_not_a_traceback(workdir, capsys, monkeypatch):
    from shotspec.runtime import ops

    def broken_grain(inputs, params, ctx):
        raise ZeroDivisionError("the grain op divided by zero")

    monkeypatch.setitem(ops.OPS, "grain", broken_grain)
    (workdir / "grain.shot").write_text(SPEC.replace("focus 0.7m }", "focus 0.7m }\n  finish { grain 250D 0.5 }"))
    rc, err = run(capsys, "render", "grain.shot", "-q", "--device", "cpu")
    assert rc == 3
    assert "Traceback" not in err
    assert "internal error: shotspec crashed (ZeroDivisionError: the grain op divided by zero)" in err
    assert "this is a bug in shotspec" in err and "please report it" in err
    reports = list((workdir / "cache-home" / "shotspec" / "crash-reports").glob("shotspec-crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in err
    text = reports[0].read_text()
    assert "command: shot render grain.shot -q --device cpu" in text
    assert "Traceback (most recent call last)" in text and "broken_grain" in text
    assert "ZeroDivisionError: the grain op divided by zero" in text
    assert not list(reports[0].parent.glob(".*.tmp"))        # written atomically: no leftovers


def test_an_internal_error_in_a_compile_only_command_exits_3(workdir, capsys, monkeypatch):
    import shotspec.compiler

    def broken(*args, **kwargs):
        raise KeyError("lost")

    monkeypatch.setattr(shotspec.compiler, "compile_file", broken)
    rc, err = run(capsys, "check", "shot.shot")
    assert rc == 3 and "KeyError: 'lost'" in err and "Traceback" not in err


def test_the_report_falls_back_to_the_temp_folder(workdir, capsys, monkeypatch):
    import shotspec.cli.crash_report as crash_report

    (workdir / "not-a-folder").write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(workdir / "not-a-folder"))
    monkeypatch.setattr(crash_report.tempfile, "gettempdir", lambda: str(workdir / "tmp"))
    monkeypatch.setattr("shotspec.cli.commands.cmd_schema", lambda args: 1 / 0)
    rc, err = run(capsys, "schema")
    assert rc == 3
    (report,) = (workdir / "tmp").glob("shotspec-crash-*.txt")
    assert str(report) in err and "ZeroDivisionError" in report.read_text()


# ----------------------------------------------------------------------------- usage errors: 2

@pytest.mark.parametrize("argv,code,words", [
    (["render", "shot.shot", "--set", "camera.lens"], "E110", "not of the form PATH=VALUE"),
    (["render", "shot.shot", "--shot", "plate_finsh"], "E601", "did you mean `plate_finish`?"),
    (["render", "shot.shot", "-o", "x.gif"], "E605", "use a .png, .tif, .exr or .jpg file name"),
    (["check", "shot.shot", "--allow", "W999"], "E112", "unknown code `W999`"),
    (["explain", "shot.shot", "--shot", "nosuch"], "E601", "shots in this file: `plate_finish`"),
    (["prompt", "shot.shot", "--shot", "plate_finsh"], "E601", "did you mean `plate_finish`?"),
    (["prompt", "shot.shot", "--target", "sdx"], "E701", "did you mean `sdxl`?"),
    (["prompt", "shot.shot", "--option", "steps"], "E607", "is not KEY=VALUE"),
    (["render", "shot.shot", "--cache-dir", "shot.shot"], "E608", "is a file, not a folder"),
    (["render", "shot.shot", "--cache-dir", "shot.shot/sub"], "E608", "cannot be used"),
    (["explain", "shot.shot", "--cache-dir", "shot.shot"], "E608", "is a file, not a folder"),
    (["identity", "build", "plate", "-o", "x.identity", "--seed", "-5"], "E606", "--seed -5 is out of range"),
    (["enhance", "plate/portrait.png", "-o", "e.png", "--seed", "-1"], "E606", "--seed -1 is out of range"),
    (["identity", "build", "plate", "-o", "x.identity", "--seed", str(2**63)], "E606",
     f"--seed {2**63} is out of range"),
    (["upscale", "plate/portrait.png", "-o", "big.webp"], "E605", "cannot tell the image format"),
    (["render", "shot.shot", "--device", "quantum"], "E604", "unknown device `quantum`"),
])
def test_usage_errors_exit_2_with_their_diagnostic(workdir, capsys, argv, code, words):
    rc, err = run(capsys, *argv)
    assert rc == 2, err
    assert f"error[{code}]" in err and words in err and "Traceback" not in err
    assert not (workdir / "renders").exists() and not (workdir / "x.identity").exists()


def test_allow_points_at_the_bad_value(workdir, capsys):
    rc, err = run(capsys, "check", "shot.shot", "--allow", "W101", "--allow", "W1O1")
    assert rc == 2
    assert "--> <--allow>:2:1" in err and "2 | W1O1" in err and "did you mean `W101`?" in err


def test_json_usage_errors_go_to_stdout(workdir, capsys):
    import json

    assert main(["render", "shot.shot", "--shot", "nope", "--format", "json"]) == 2
    (diag,) = json.loads(capsys.readouterr().out)
    assert diag["code"] == "E601" and diag["span"] is None and diag["file"] is None


# ----------------------------------------------------------------------------- render --from

@pytest.fixture
def rendered(workdir, capsys):
    assert main(["render", "shot.shot", "-o", "a.png", "-q", "--device", "cpu"]) == 0
    capsys.readouterr()
    return workdir / "a.png"


@pytest.mark.parametrize("extra,words", [
    (["--set", "camera.lens=50mm"], "--set cannot change it"),
    (["--allow", "W101"], "--allow cannot change it"),
    (["shot.shot"], "a spec file cannot change it"),
])
def test_render_from_refuses_flags_it_cannot_honour(rendered, capsys, extra, words):
    rc, err = run(capsys, "render", "--from", "a.png", "-o", "b.png", *extra)
    assert rc == 2 and "error[E609]" in err and words in err and "shot info a.png --spec" in err
    assert not (rendered.parent / "b.png").exists()


def test_render_from_checks_the_shot_name_and_honours_the_cache(rendered, capsys):
    rc, err = run(capsys, "render", "--from", "a.png", "-o", "b.png", "--shot", "nosuch")
    assert rc == 2 and "error[E601]" in err and "`plate_finish`" in err
    assert main(["render", "--from", "a.png", "-o", "b.png", "-q", "--shot", "plate_finish",
                 "--cache-dir", "cache", "--device", "cpu"]) == 0
    assert list((rendered.parent / "cache").rglob("*.pt"))          # the cache was used
    a, b = Image.open(rendered), Image.open(rendered.parent / "b.png")
    assert a.tobytes() == b.tobytes()


# ----------------------------------------------------------------------------- files that cannot be written

def test_fmt_into_an_unwritable_folder_is_e305(workdir, capsys, monkeypatch):
    messy = workdir / "messy.shot"
    messy.write_text(SPEC.replace("  camera {", "camera   {"))

    def refuse(path, data=None, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr("shotspec.cli.commands.atomic_write", refuse)
    rc, err = run(capsys, "fmt", "messy.shot")
    assert rc == 1
    assert "error[E305]: cannot write the formatted `messy.shot`: Permission denied" in err
    assert "--> messy.shot" in err and "shot fmt --check" in err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_fmt_and_cache_dir_in_a_really_read_only_folder(workdir, capsys):
    ro = workdir / "ro"
    ro.mkdir()
    (ro / "messy.shot").write_text(SPEC.replace("  camera {", "camera   {"))
    ro.chmod(0o555)
    try:
        rc, err = run(capsys, "fmt", "ro/messy.shot")
        assert rc == 1 and "E305" in err
        rc, err = run(capsys, "render", "shot.shot", "--cache-dir", "ro/cache")
        assert rc == 2 and "E608" in err
    finally:
        ro.chmod(0o755)


def test_a_nul_in_the_output_path_is_caught_before_rendering(workdir, capsys):
    (workdir / "nul.shot").write_text(SPEC.replace('"renders/plate.png"', '"renders/pl\x00ate.png"'))
    for command in ("check", "render"):
        rc, err = run(capsys, command, "nul.shot")
        assert rc == 1 and "error[E213]" in err and "nul.shot:4:" in err and "Traceback" not in err
    assert not (workdir / "renders").exists()
