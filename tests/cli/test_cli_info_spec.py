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


SEQUENCE = """\
shot pull {
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png"; mask "plate/portrait_mask.png" }
  duration 5f
  fps 23.976
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.5m @ 0f -> 0.6m @ 0.15s ease in_out }
  finish {
    exposure -1 stops @ 0f -> +1 stops @ 4f hold
    grain 250D 0.3
    tonemap agx
  }
  output "renders/pull.png" { size 64x80 }
}
"""


def test_info_spec_of_a_sequence_frame_gives_the_sequence_back(tmp_path, monkeypatch, capsys):
    """Frame 2 of a keyframed shot: `--spec` writes the sequence (keys, duration, fps), which
    renders that frame bit-identically."""
    project = tmp_path / "project"
    shutil.copytree(SPECS / "examples" / "plate", project / "plate")
    (project / "shot.shot").write_text(SEQUENCE)
    monkeypatch.chdir(project)
    assert main(["render", "shot.shot", "-q"]) == 0
    original = project / "renders" / "pull.0002.png"
    capsys.readouterr()

    assert main(["info", str(original), "--spec"]) == 0
    text, err = capsys.readouterr()
    assert err == ""                                                  # no note: it checked out
    assert "duration 5f\n" in text and "fps 23.976\n" in text
    assert "focus 0.5m @ 0f -> 0.6m @ 3.5964035964035967f ease in_out\n" in text  # 0.15 s
    assert "stops -1 stops @ 0f -> +1 stops @ 4f hold\n" in text      # in `exposure { }`
    assert "frame 2 (00:00:00:02) of this 5-frame sequence" in text

    # a frame re-rendered from its provenance still gives the sequence back
    again = project / "again.png"
    assert main(["render", "--from", str(original), "-o", str(again), "-q"]) == 0
    capsys.readouterr()
    assert main(["info", str(again), "--spec"]) == 0
    assert "duration 5f\n" in capsys.readouterr()[0]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "copy.shot").write_text(text)
    monkeypatch.chdir(elsewhere)
    assert main(["render", "copy.shot", "-q"]) == 0
    copies = sorted((elsewhere / "renders").glob("pull.*.png"))
    assert [p.name for p in copies] == [f"pull.{i:04d}.png" for i in range(5)]
    a, b = Image.open(original), Image.open(elsewhere / "renders" / "pull.0002.png")
    assert a.tobytes() == b.tobytes() and np.asarray(a).std() > 0
    assert Image.open(elsewhere / "renders" / "pull.0004.png").tobytes() != a.tobytes()


def test_info_spec_of_an_old_sequence_frame_is_its_still_shot(tmp_path, monkeypatch, capsys):
    """A frame written before images recorded their sequence: the frame, as a still, with a note."""
    from PIL.PngImagePlugin import PngInfo

    from shotspec.compiler import compile_source

    (tmp_path / "plate").mkdir()
    shot = compile_source(SEQUENCE.replace("plate/", str(SPECS / "examples" / "plate") + "/"),
                          str(tmp_path / "s.shot"), check_outputs=False).program.shots[0]
    meta = PngInfo()
    meta.add_text("shotspec:version", "0.1.0")
    meta.add_text("shotspec:ir", shot.frames[3].model_dump_json(exclude={"origins"}))
    meta.add_text("shotspec:frame", "3")
    meta.add_text("shotspec:frames", "5")
    Image.new("RGB", (8, 8)).save(tmp_path / "old.0003.png", pnginfo=meta)
    assert main(["info", str(tmp_path / "old.0003.png"), "--spec"]) == 0
    out, err = capsys.readouterr()
    assert "is frame 3 of `pull` but records only this frame's values" in err
    assert "duration" not in out and " @ " not in out
    assert "stops -1 stops\n" in out                      # frame 3: held until the key at 4f


HEAD_SEQUENCE = """\
character mara {
  seed 7
  expression { blink 0 @ 0f -> 1 @ 2f ease in -> 0 @ 4f ease out }
  pose { turn 0deg @ 0f -> 20deg @ 4f }
  gaze 0deg left, 0deg up @ 0f -> 10deg left, 4deg up @ 4f
}
shot s {
  character mara
  duration 6f
  camera { focus mara.eyes @ 0f -> mara.ears @ 4f; distance 0.9m @ 0f -> 0.8m @ 5f ease in_out }
  lighting { key area { intensity 0 stops @ 0f -> -2 stops @ 5f hold } }
  finish { grain 250D 0.3 @ 0f -> 250D 0.5 @ 5f }
  output "/tmp/s.png" { size 64x80 }
}
"""


def test_every_kind_of_keyframe_is_written_back_where_it_belongs():
    """Character shapes, pose, gaze, a focus pull between targets, a light, a positional pass:
    the emitted sequence compiles back to the same tracks and frame (checked, so no note)."""
    from shotspec.cli.info_spec import spec_of_image
    from shotspec.cli.session import provenance_for
    from shotspec.compiler import compile_source
    from shotspec.compiler.plan import build_plan, frame_key

    program = compile_source(HEAD_SEQUENCE, "/tmp/head_seq.shot", allow=["W131"]).program
    plan = build_plan(program)
    info = provenance_for(program, plan, frame_key("s", 3, 6), HEAD_SEQUENCE)
    assert len(info["shotspec:sequence"]) < 2 * len(info["shotspec:ir"])   # one shot, not six
    text, note = spec_of_image(info, "/tmp/s.0003.png")
    assert note is None
    for line in ("eyeBlink_L 0 @ 0f -> 1 @ 2f ease in -> 0 @ 4f ease out",
                 "turn 0deg @ 0f -> 20deg @ 4f", "gaze 0deg left, 0deg up @ 0f -> 10deg left, 4deg up @ 4f",
                 "focus mara.eyes @ 0f -> mara.ears @ 4f", "distance 0.9m @ 0f -> 0.8m @ 5f ease in_out",
                 "intensity 0 stops @ 0f -> -2 stops @ 5f hold", "grain 250D 0.3 @ 0f -> 250D 0.5 @ 5f"):
        assert f"  {line}\n" in text, line
    assert text.count("gaze ") == 1 and "distance 0.9m\n" not in text   # still statements replaced
