"""`shot info IMAGE --spec`: a self-contained spec that checks and renders the same pixels elsewhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from shotspec.cli.main import main

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"

LOOKS = """\
preset film finish {
  grain 250D 0.5
  tonemap agx
}
"""

SPEC = """\
import "looks/film.shot"

shot plate_finish {
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png"; mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m; vignetting 0.2 }
  finish { use film }
  output "renders/plate.png" { size 96x120 }
}
"""


def test_info_spec_renders_the_same_pixels_in_another_folder(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    shutil.copytree(SPECS / "examples" / "plate", project / "plate")
    (project / "looks").mkdir()
    (project / "looks" / "film.shot").write_text(LOOKS)
    (project / "shot.shot").write_text(SPEC)
    monkeypatch.chdir(project)
    sets = ["--set", "finish.grain.strength=0.2", "--set", "camera.vignetting=0.45"]
    assert main(["render", "shot.shot", "-q", *sets]) == 0
    original = project / "renders" / "plate.png"
    capsys.readouterr()

    assert main(["info", str(original), "--spec"]) == 0
    text = capsys.readouterr().out
    assert 'import "' not in text and "use film" not in text
    assert "strength 0.2\n" in text and "vignetting 0.45\n" in text     # the --set values
    assert "--set finish.grain.strength=0.2" in text                  # said in the header
    assert f'source plate "{project / "plate" / "portrait.png"}"' in text

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "copy.shot").write_text(text)
    monkeypatch.chdir(elsewhere)
    assert main(["check", "copy.shot"]) == 0
    check_out = capsys.readouterr()
    assert "warning" not in check_out.out + check_out.err
    before = original.read_bytes()
    assert main(["render", "copy.shot", "-q"]) == 0                    # no -o: its own output
    assert original.read_bytes() == before                             # the original untouched
    a, b = Image.open(original), Image.open(elsewhere / "renders" / "plate.png")
    assert (a.mode, a.size) == (b.mode, b.size) == ("RGB", (96, 120))
    assert a.tobytes() == b.tobytes()
    assert np.asarray(a).std() > 0                                     # a real image


def test_info_spec_of_an_image_whose_ir_no_longer_validates(tmp_path, capsys):
    """Then the recorded main file is the best there is, and stderr says what it lacks."""
    from PIL.PngImagePlugin import PngInfo

    meta = PngInfo()
    meta.add_text("shotspec:version", "0.0.1")
    meta.add_text("shotspec:spec", "shot x {\n  use old_rig\n}\n")
    meta.add_text("shotspec:overrides", "camera.lens=50mm")
    meta.add_text("shotspec:ir", '{"name": "x", "camera": {"lens_mm": 50}}')
    Image.new("RGB", (8, 8)).save(tmp_path / "old.png", pnginfo=meta)
    assert main(["info", str(tmp_path / "old.png"), "--spec"]) == 0
    out, err = capsys.readouterr()
    assert out == "shot x {\n  use old_rig\n}\n"
    assert "cannot read (written by 0.0.1)" in err and "without its imports" in err
    assert "--set camera.lens=50mm" in err
