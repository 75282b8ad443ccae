"""The playback frames behind `shot preview`'s play button (no browser): every frame is
rendered once in the background into the picture store, frames with equal content share one
picture, and an edit re-renders only the frames whose content it changed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from shotspec.preview.frames import PreviewRenderer
from shotspec.preview.playback import PictureStore
from shotspec.preview.worker import Job, PreviewWorker

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
SPEC = """\
shot hold {
  source plate "plate/portrait.png"
  duration 6f
  finish { exposure 0 stops @ 0f -> 1 stops @ 3f hold }
  output "out/hold.png" { size 96x120 }
}
"""


@pytest.fixture
def worker(tmp_path):
    shutil.copytree(SPECS / "examples" / "plate", tmp_path / "plate")
    (tmp_path / "shot.shot").write_text(SPEC)
    w = PreviewWorker(PreviewRenderer(tmp_path / "shot.shot", device="cpu"), lambda u: None,
                      sequences=lambda info: setattr(w, "info", info))
    return w


def _fill(w: PreviewWorker) -> list[tuple[int, bool]]:
    steps = []
    while (step := w.fill.step(w.renderer, w.store)) is not None:
        steps.append((step.frame, step.rendered))
    w.sequences(w.fill.snapshot())
    return steps


def _edit(w: PreviewWorker, text: str, version: int) -> None:
    w.run_job(Job(text, version, "buffer", time.monotonic()))


def test_frames_render_once_and_equal_frames_share_a_picture(worker):
    _edit(worker, SPEC, 1)                                   # frame 0 rendered by the edit itself
    assert worker.info["hold"]["ready"] == 0 and worker.info["hold"]["fps"] == 24.0
    assert _fill(worker) == [(0, False), (1, False), (2, False), (3, True), (4, False), (5, False)]
    info = worker.info["hold"]
    assert info["ready"] == info["total"] == 6
    assert len(set(info["urls"][:3])) == 1 and len(set(info["urls"][3:])) == 1   # the hold
    assert info["urls"][0] != info["urls"][3] and len(worker.store) == 2
    assert info["timecodes"][5] == "00:00:00:05"
    # the id is the picture's: the edit's own view of frame 0 carries the same one
    views, _ = worker.renderer.render(worker.fill.program, low_res=False, frame=3, hit=False)
    assert info["urls"][3] == f"/seq/{views[0].key}.png"


def test_an_edit_re_renders_only_the_frames_it_changed(worker):
    _edit(worker, SPEC, 1)
    _fill(worker)
    before = list(worker.info["hold"]["urls"])
    _edit(worker, SPEC.replace("1 stops @ 3f", "2 stops @ 3f"), 2)   # frames 3–5 only
    assert _fill(worker) == [(0, False), (1, False), (2, False), (3, True), (4, False), (5, False)]
    after = worker.info["hold"]["urls"]
    assert after[:3] == before[:3] and after[3] != before[3]


def test_grain_changes_every_frame_as_in_shot_render(worker):
    _edit(worker, SPEC.replace("hold }", "hold\n grain 250D 0.3 }"), 1)
    _fill(worker)
    assert len(set(worker.info["hold"]["urls"])) == 6        # film grain: no two frames alike


def test_the_store_drops_the_least_recently_used_beyond_its_bytes():
    store = PictureStore(max_bytes=10)
    store.put("a", b"1234")
    store.put("b", b"1234")
    assert store.get("a") == b"1234"                          # a is now the newest
    store.put("c", b"1234")
    assert "b" not in store and "a" in store and "c" in store
