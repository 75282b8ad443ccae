"""The render loop: a low frame then the full one; a newer edit skips the older edit's full
frame; a broken spec publishes diagnostics and no images; an unchanged save renders nothing."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from shotspec.preview.frames import LOW_RES_LONG_SIDE_PX, PreviewRenderer
from shotspec.preview.worker import Job, PreviewWorker

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
SPEC = """\
shot portrait {
  source plate "plate/portrait.png"
  finish { exposure +1 stops }
  output "out/portrait.png" { size 160x200 }
}
"""


@pytest.fixture
def worker(tmp_path):
    shutil.copytree(SPECS / "examples" / "plate", tmp_path / "plate")
    (tmp_path / "shot.shot").write_text(SPEC)
    updates = []
    w = PreviewWorker(PreviewRenderer(tmp_path / "shot.shot", device="cpu"), updates.append)
    w.updates = updates
    return w


def _job(text=None):
    return Job(text, 1, "buffer" if text else "save", time.monotonic())


def test_low_frame_first_then_the_full_frame(worker):
    worker.run_job(_job())
    assert [u.phase for u in worker.updates] == ["low", "full"]
    low, full = (u.views[0] for u in worker.updates)
    assert max(low.width, low.height) == LOW_RES_LONG_SIDE_PX and (low.width, low.height) == (102, 128)
    assert (full.width, full.height) == (160, 200)
    assert full.stages[-1].pixels.shape == (200, 160, 3)
    assert [s.label for s in full.stages] == ["before finishing", "exposure"]


def test_a_newer_edit_supersedes_the_full_frame(worker):
    worker.submit(_job(SPEC.replace("+1 stops", "+2 stops")))
    worker.run_job(_job())
    assert [u.phase for u in worker.updates] == ["low"]      # the full frame is left to the next edit
    assert worker.has_pending()


def test_a_broken_spec_publishes_its_diagnostics(worker):
    worker.run_job(_job(SPEC.replace("{ exposure", "{ exposur")))
    (update,) = worker.updates
    assert update.phase == "error" and update.views is None
    assert [d.code for d in update.diagnostics if d.severity == "error"]


def test_the_same_text_again_renders_nothing(worker):
    worker.run_job(_job(SPEC))
    worker.run_job(_job())                                   # the save of the buffer just shown
    assert [u.phase for u in worker.updates] == ["low", "full"]


def test_a_sequence_previews_the_frame_asked_for(tmp_path):
    shutil.copytree(SPECS / "examples" / "plate", tmp_path / "plate")
    spec = tmp_path / "shot.shot"
    spec.write_text(SPEC.replace("  finish { exposure +1 stops }",
                                 "  duration 3f\n  finish { exposure -2 stops @ 0f -> +2 stops @ 2f }"))
    means = []
    for frame in (0, 2, 9):                              # 9: past the end shows the last frame
        updates = []
        w = PreviewWorker(PreviewRenderer(spec, device="cpu", frame=frame), updates.append)
        w.run_job(_job())
        assert updates[-1].phase == "full", [d.message for d in updates[-1].diagnostics]
        means.append(float(updates[-1].views[0].stages[-1].pixels.mean()))
    assert means[1] > means[0] + 40 and means[2] == means[1]
