"""`shot` end to end on small plate shots: render, provenance, re-render, overrides, refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotspec.cli.main import main

SPEC = """\
shot plate_finish {
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png"; mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m; vignetting 0.2 }
  finish {
    grain 250D 0.5
    tonemap agx
  }
  output "renders/plate.png" { size 96x120 }
}
"""


@pytest.fixture
def workdir(plate_workdir):
    return plate_workdir(SPEC)


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def shot(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shotspec", *args], capture_output=True, text=True,
                          env=env)


def test_render_writes_the_spec_output_with_provenance(workdir, capsys):
    assert main(["render", "shot.shot", "--quiet"]) == 0
    out = workdir / "renders" / "plate.png"
    img = Image.open(out)
    assert img.size == (96, 120)
    assert img.text["shotspec:shot"] == "plate_finish"
    assert len(img.text["shotspec:plan"]) == 64
    assert "grain 250D 0.5" in img.text["shotspec:spec"]

    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "plate_finish" in info and img.text["shotspec:plan"] in info


def test_same_spec_same_pixels_and_rerender_from_provenance(workdir):
    assert main(["render", "shot.shot", "-o", "a.png", "-q"]) == 0
    assert main(["render", "shot.shot", "-o", "b.png", "-q"]) == 0
    assert np.array_equal(_pixels(workdir / "a.png"), _pixels(workdir / "b.png"))
    assert main(["render", "--from", "a.png", "-o", "c.png", "-q"]) == 0
    assert np.array_equal(_pixels(workdir / "a.png"), _pixels(workdir / "c.png"))


def test_set_override_changes_the_render(workdir):
    assert main(["render", "shot.shot", "-o", "small.png", "-q", "--set", "output.size=48x60"]) == 0
    assert Image.open(workdir / "small.png").size == (48, 60)
    assert main(["render", "shot.shot", "-o", "g0.png", "-q", "--set", "finish.grain.strength=0"]) == 0
    assert main(["render", "shot.shot", "-o", "g1.png", "-q"]) == 0
    assert not np.array_equal(_pixels(workdir / "g0.png"), _pixels(workdir / "g1.png"))


def test_bad_override_is_a_diagnostic_not_a_traceback(workdir):
    proc = shot("render", "shot.shot", "--set", "camera.lenz=50mm")
    assert proc.returncode == 2          # it points into <--set>: a usage error
    assert "error[E1" in proc.stderr and "lens" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (workdir / "renders").exists()


def test_syntax_error_exit_1_with_position(workdir):
    (workdir / "bad.shot").write_text(SPEC.replace("tonemap agx", "tonemap agx {"))
    proc = shot("render", "bad.shot")
    assert proc.returncode == 1
    assert "bad.shot:" in proc.stderr and "^" in proc.stderr and "help:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_output_may_not_overwrite_an_input(workdir):
    proc = shot("render", "shot.shot", "-o", "plate/portrait.png")
    assert proc.returncode == 2          # -o is the command line
    assert "E603" in proc.stderr
    # the path came from -o: the message names it, and no spec line is blamed
    assert "-o plate/portrait.png" in proc.stderr and "shot.shot:" not in proc.stderr
    assert Image.open(workdir / "plate" / "portrait.png").size == (96, 120)


def test_json_diagnostics(workdir):
    (workdir / "bad.shot").write_text(SPEC.replace("lens 85mm", "lens 85kg"))
    proc = shot("check", "bad.shot", "--format", "json")
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)
    assert diags and diags[0]["code"].startswith("E2")
    assert diags[0]["span"]["line"] == 3


def test_no_color_is_honoured(workdir):
    (workdir / "bad.shot").write_text(SPEC.replace("lens 85mm", "lens 85kg"))
    import os

    env = {**os.environ, "FORCE_COLOR": "1"}
    env.pop("NO_COLOR", None)
    colored = shot("check", "bad.shot", env=env)
    assert "\x1b[" in colored.stderr
    plain = shot("check", "bad.shot", env={**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stderr and "error[E" in plain.stderr


def test_fmt_check_and_rewrite(workdir):
    messy = workdir / "messy.shot"
    messy.write_text(SPEC.replace("  camera {", "camera   {"))
    assert shot("fmt", "--check", "messy.shot").returncode == 1
    assert messy.read_text() != SPEC
    assert shot("fmt", "messy.shot").returncode == 0
    assert shot("fmt", "--check", "messy.shot").returncode == 0


def test_ir_and_explain(workdir):
    proc = shot("ir", "shot.shot")
    assert proc.returncode == 0
    ir = json.loads(proc.stdout)
    assert ir["shots"][0]["camera"]["focal_length_m"] == pytest.approx(0.085)
    proc = shot("explain", "shot.shot")
    assert proc.returncode == 0
    assert "plate" in proc.stdout and "grain" in proc.stdout and "camera.f_number" in proc.stdout


def test_info_on_an_image_without_provenance(workdir):
    proc = shot("info", "plate/portrait.png")
    assert proc.returncode == 1 and "E521" in proc.stderr


def test_upscale_command(workdir):
    proc = shot("upscale", "plate/portrait.png", "-o", "big.png", "--scale", "2", "--mode", "fidelity")
    assert proc.returncode == 0, proc.stderr
    assert Image.open(workdir / "big.png").size == (192, 240)
    proc = shot("upscale", "plate/missing.png", "-o", "big2.png")
    assert proc.returncode == 1 and "E520" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name,fmt", [("out.tif", "TIFF"), ("out.jpg", "JPEG"), ("out.png", "PNG")])
def test_the_output_suffix_picks_the_format(workdir, name, fmt):
    assert main(["render", "shot.shot", "-o", name, "-q"]) == 0
    assert Image.open(workdir / name).format == fmt


def test_an_unknown_output_suffix_is_refused(workdir):
    proc = shot("render", "shot.shot", "-o", "out.xyz")
    assert proc.returncode == 2 and "E605" in proc.stderr
    assert not (workdir / "out.xyz").exists()


def test_rerender_from_foreign_provenance_is_a_diagnostic(workdir):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("shotspec:ir", '{"name": "x", "unknown_field": 1}')
    info.add_itxt("shotspec:version", "9.9.9")
    Image.new("RGB", (8, 8)).save(workdir / "foreign.png", pnginfo=info)
    proc = shot("render", "--from", "foreign.png", "-o", "again.png")
    assert proc.returncode == 1 and "E522" in proc.stderr and "9.9.9" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_allow_takes_known_lint_codes_only(workdir):
    proc = shot("check", "shot.shot", "--allow", "W999")
    assert proc.returncode == 2 and "E112" in proc.stderr and "W101" in proc.stderr
    assert shot("check", "shot.shot", "--allow", "W101").returncode == 0


def test_overrides_are_recorded_in_provenance(workdir, capsys):
    assert main(["render", "shot.shot", "-o", "o.png", "-q", "--set", "camera.aperture=f/1.4"]) == 0
    assert Image.open(workdir / "o.png").text["shotspec:overrides"] == "camera.aperture=f/1.4"
    assert main(["info", "o.png"]) == 0
    assert "camera.aperture=f/1.4" in capsys.readouterr().out


def test_an_aperture_edit_does_not_reload_the_plate(workdir):
    from shotspec.cli.session import RenderSession

    session = RenderSession(workdir / "shot.shot", output=str(workdir / "k.png"), device="cpu")
    assert session.render().ok
    session.overrides = ["camera.aperture=f/1.4"]
    build = session.render()
    assert [n.op for n in build.report.cached] == ["plate"]
