"""Sequences end to end: numbered files, per-frame grain, a still texture, resume, provenance."""

from __future__ import annotations

import numpy as np
from PIL import Image

from shotspec.cli.main import main
from shotspec.cli.session import RenderSession
from shotspec.runtime.io import read_provenance

SPEC = """\
shot seq {
  duration 3f
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png"; mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m @ 0f -> 0.9m @ 2f }
  finish {
    skin_enhance 0.8
    GRAIN
    tonemap agx
  }
  output "renders/seq.png" { size 64x80 }
}
"""


def pixels(path):
    return np.asarray(Image.open(path)).astype(np.int32)


def test_a_sequence_writes_numbered_frames_and_resumes(plate_workdir, capsys):
    work = plate_workdir(SPEC.replace("GRAIN", "grain 250D 0.5"))
    assert main(["render", "shot.shot"]) == 0
    out = capsys.readouterr().out
    files = [work / "renders" / f"seq.{i:04d}.png" for i in range(3)]
    assert all(f.exists() for f in files)
    assert "seq#0002" in out and "wrote 3 frames of seq" in out
    info = read_provenance(files[1])
    assert info["shotspec:frame"] == "1" and info["shotspec:shot"] == "seq"
    # frames 1 and 2 focus further than 0: the lens changes, so do the pixels
    assert np.abs(pixels(files[0]) - pixels(files[2])).max() > 0

    # resume: everything on disk with the same keys is kept; a missing frame is rendered
    before = [pixels(f) for f in files]
    key = read_provenance(files[1])["shotspec:plan"]
    files[1].unlink()
    session = RenderSession(work / "shot.shot")
    build = session.render()
    assert build.ok and session.skipped == ["seq#0000", "seq#0002"]
    assert list(build.report.written) == ["seq#0001"]
    assert all(np.array_equal(pixels(f), b) for f, b in zip(files, before))   # bit-identical
    assert read_provenance(files[1])["shotspec:plan"] == key


def test_grain_changes_every_frame_and_the_skin_texture_does_not(plate_workdir):
    work = plate_workdir(SPEC.replace("GRAIN", "grain 250D 0.5")
                         .replace("focus 0.7m @ 0f -> 0.9m @ 2f", "focus 0.7m"))
    assert main(["render", "shot.shot", "-q"]) == 0
    grained = [pixels(work / "renders" / f"seq.{i:04d}.png") for i in range(3)]
    changed = [(np.abs(a - b) > 0).mean() for a, b in zip(grained, grained[1:])]
    assert min(changed) > 0.1                                 # new grain each frame

    (work / "shot.shot").write_text(SPEC.replace("GRAIN", "")
                                    .replace("focus 0.7m @ 0f -> 0.9m @ 2f", "focus 0.7m"))
    assert main(["render", "shot.shot", "-q", "-o", "still/seq.png"]) == 0
    still = [pixels(work / "still" / f"seq.{i:04d}.png") for i in range(3)]
    # a static plate sequence: the enhancer's added texture is identical on every frame
    assert np.array_equal(still[0], still[1]) and np.array_equal(still[1], still[2])


def test_explain_names_what_changes_per_frame(plate_workdir, capsys):
    plate_workdir(SPEC.replace("GRAIN", "grain 250D 0.5"))
    assert main(["explain", "shot.shot"]) == 0
    out = capsys.readouterr().out
    assert "3 frames at 24 fps" in out
    assert "computed once for every frame: plate" in out
    assert "changing per frame: lens (3 distinct)" in out
    assert "keyframed camera.focus.distance_m: 0.7m @ 0f -> 0.9m @ 2f" in out


def test_a_frame_re_renders_from_its_provenance(plate_workdir, capsys):
    work = plate_workdir(SPEC.replace("GRAIN", "grain 250D 0.5"))
    assert main(["render", "shot.shot", "-q"]) == 0
    capsys.readouterr()
    frame = work / "renders" / "seq.0002.png"
    assert read_provenance(frame)["shotspec:frames"] == "3"
    assert main(["render", "--from", str(frame), "-o", "again.png"]) == 0
    out = capsys.readouterr().out
    assert "plan differs" not in out                      # the frame's own plan, grain included
    assert np.array_equal(pixels(work / "again.png"), pixels(frame))
