"""Watch mode with real file edits in a temporary directory.

A plate shot keeps every render small and fast; the watcher runs in a thread and reports each
iteration through ``on_status``.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from pathlib import Path

import pytest

from shotspec.cli.console import make_console
from shotspec.cli.watch import watch

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"

SPEC = """\
import "look.shot"

shot plate_finish {
  source plate "plate/portrait.png" { mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m }
  finish {
    grain 250D 0.30
    use look
  }
  output "out/plate.png" { size 96x120 }
}
"""
LOOK = 'preset look finish { tonemap agx }\n'


@pytest.fixture
def workdir(tmp_path):
    shutil.copytree(SPECS / "examples" / "plate", tmp_path / "plate")
    (tmp_path / "look.shot").write_text(LOOK)
    (tmp_path / "shot.shot").write_text(SPEC)
    return tmp_path


class Session:
    """Runs `watch` in a thread; `next()` waits for the next non-trivial status."""

    def __init__(self, spec: Path, poll: bool = False):
        self.statuses: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        quiet = make_console(quiet=True)
        self.thread = threading.Thread(target=watch, args=(str(spec),), daemon=True, kwargs=dict(
            device="cpu", poll=poll, interval=0.1, console=quiet, err_console=quiet, quiet=True,
            on_status=self.statuses.put, stop_event=self.stop))
        self.thread.start()

    def next(self, timeout: float = 60.0, skip_unchanged: bool = True):
        deadline = time.monotonic() + timeout
        while True:
            status = self.statuses.get(timeout=max(0.1, deadline - time.monotonic()))
            if status.kind != "unchanged" or not skip_unchanged:
                return status

    def quiet_for(self, seconds: float) -> list:
        """Everything reported within ``seconds``."""
        got, end = [], time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                got.append(self.statuses.get(timeout=max(0.01, end - time.monotonic())))
            except queue.Empty:
                break
        return got

    def close(self):
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "watch did not stop"


@pytest.fixture
def session(workdir):
    s = Session(workdir / "shot.shot")
    yield s
    s.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_watch_session_with_edits_errors_and_renames(workdir, session):
    spec, out = workdir / "shot.shot", workdir / "out" / "plate.png"

    first = session.next()
    assert first.kind == "rendered" and out.exists()
    assert first.ran[0] == "plate"

    # a finishing-only edit: only grain and later run
    _edit(spec, "0.30", "0.45")
    status = session.next()
    assert status.kind == "rendered"
    assert status.ran[0] == "grain" and "plate" in status.cached and "lens" in status.cached

    # a no-op save renders nothing
    spec.write_text(spec.read_text())
    assert all(s.kind == "unchanged" for s in session.quiet_for(1.0))

    # a syntax error mid-session: diagnostics, the last good image stays and is called stale
    good = out.read_bytes()
    _edit(spec, "grain 250D 0.45", "grain 250D 0.45 {{")
    status = session.next()
    assert status.kind == "error" and status.stale and status.codes
    assert status.codes[0].startswith("E0")
    assert out.read_bytes() == good

    # fix it with a save-by-rename, as vim and many IDEs do
    tmp = workdir / ".shot.shot.swp"
    tmp.write_text(spec.read_text().replace("0.45 {{", "0.40"))
    os.replace(tmp, spec)
    status = session.next()
    assert status.kind == "rendered" and status.ran[0] == "grain"

    # an edit of an imported file re-renders from the pass it changes
    (workdir / "look.shot").write_text("preset look finish { tonemap aces }\n")
    status = session.next()
    assert status.kind == "rendered"
    assert status.ran[0] in ("tonemap", "pointwise") and "grain" in status.cached

    # deletion and re-creation of the spec
    saved = spec.read_text()
    spec.unlink()
    status = session.next()
    assert status.kind == "error" and status.stale
    spec.write_text(saved)
    status = session.next()
    assert status.kind == "rendered"

    # no temporary files are left next to the output
    assert sorted(p.name for p in out.parent.iterdir()) == ["plate.png"]


def test_bursts_are_debounced_into_one_render(workdir, session):
    spec = workdir / "shot.shot"
    assert session.next().kind == "rendered"
    text = spec.read_text()
    for i in range(6):
        spec.write_text(text.replace("0.30", f"0.3{i + 1}"))
        time.sleep(0.02)
    renders = [s for s in session.quiet_for(6.0) if s.kind == "rendered"]
    assert 1 <= len(renders) <= 2


def test_a_missing_import_is_watched_until_it_exists(workdir):
    (workdir / "look.shot").unlink()
    s = Session(workdir / "shot.shot")
    try:
        status = s.next()
        assert status.kind == "error" and not status.stale
        assert any(code.startswith("E3") or code.startswith("E1") for code in status.codes)
        (workdir / "look.shot").write_text(LOOK)
        assert s.next().kind == "rendered"
    finally:
        s.close()


def test_polling_sees_edits(workdir):
    s = Session(workdir / "shot.shot", poll=True)
    try:
        assert s.next().kind == "rendered"
        _edit(workdir / "shot.shot", "0.30", "0.50")
        status = s.next()
        assert status.kind == "rendered" and status.ran[0] == "grain"
    finally:
        s.close()


def test_a_save_during_the_first_render_is_not_lost(workdir, monkeypatch):
    """An edit that lands after the inputs were hashed but before they are watched."""
    from shotspec.cli import watch as watch_module

    spec = workdir / "shot.shot"
    original = watch_module.Watcher._watch_paths
    edited = []

    def watch_paths_after_an_edit(self, files):
        if not edited:
            edited.append(True)
            spec.write_text(spec.read_text().replace("0.30", "0.55"))
        return original(self, files)

    monkeypatch.setattr(watch_module.Watcher, "_watch_paths", watch_paths_after_an_edit)
    s = Session(spec)
    try:
        assert s.next().kind == "rendered"
        status = s.next()
        assert status.kind == "rendered" and status.ran[0] == "grain"
    finally:
        s.close()


def test_unchanged_files_are_not_read_again_but_edits_are_seen(tmp_path, monkeypatch):
    from shotspec.cli import watch as watch_mod

    reads: list[str] = []
    real = watch_mod.file_digest
    monkeypatch.setattr(watch_mod, "file_digest", lambda p: reads.append(p) or real(p))
    photo = tmp_path / "ref.png"
    photo.write_bytes(b"\x89PNG first")
    old = time.time() - 60
    os.utime(photo, (old, old))
    quiet = make_console(quiet=True)
    watcher = watch_mod.Watcher(None, console=quiet, err_console=quiet)
    first = watcher._digest(str(photo))
    assert watcher._digest(str(photo)) == first and reads == [str(photo)]   # stat hit: no read
    photo.write_bytes(b"\x89PNG second, longer")                               # a real edit
    assert watcher._digest(str(photo)) != first and len(reads) == 2
    # same size and a restored mtime cannot fool it for long: a fresh mtime is always re-read
    photo.write_bytes(b"\x89PNG second, LONGER")
    assert watcher._digest(str(photo)) != first and len(reads) == 3
    photo.unlink()
    assert watcher._digest(str(photo)) is None
