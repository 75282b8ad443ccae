"""Watch mode with real file edits in a temporary directory.

A plate shot keeps every render small and fast; the watcher runs in a thread and reports each
iteration through ``on_status``.
"""

from __future__ import annotations

import io
import os
import queue
import shutil
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

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

    def __init__(self, spec: Path, poll: bool = False, interval: float = 0.1, talk: bool = False):
        """``talk``: print as a user sees it into ``self.output`` (else silent)."""
        self.statuses: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.output = io.StringIO()
        console = (Console(file=self.output, width=200, no_color=True, highlight=False,
                           soft_wrap=True) if talk else make_console(quiet=True))
        self.thread = threading.Thread(target=watch, args=(str(spec),), daemon=True, kwargs=dict(
            device="cpu", poll=poll, interval=interval, console=console, err_console=console,
            quiet=not talk, on_status=self.statuses.put, stop_event=self.stop))
        self.thread.start()

    def next(self, timeout: float = 60.0, skip_unchanged: bool = True):
        deadline = time.monotonic() + timeout
        while True:
            status = self.statuses.get(timeout=max(0.1, deadline - time.monotonic()))
            if status.kind not in ("unchanged", "superseded") or not skip_unchanged:
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


# ---------------------------------------------------------------------------- nothing ends it

def test_any_exception_from_a_build_is_an_internal_error_and_watching_goes_on(workdir, monkeypatch):
    """An OverflowError (as `exposure 5000 stops` raised) deep in a render: one E999 line,
    no traceback, the last good image kept, and the next save renders."""
    from shotspec.runtime.executor import Executor

    real_run = Executor.run
    broken = threading.Event()

    def run(self, *args, **kwargs):
        if broken.is_set():
            raise OverflowError(34, "Numerical result out of range")
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(Executor, "run", run)
    spec, out = workdir / "shot.shot", workdir / "out" / "plate.png"
    s = Session(spec, talk=True)
    try:
        assert s.next().kind == "rendered"
        good = out.read_bytes()
        broken.set()
        _edit(spec, "0.30", "0.45")
        status = s.next()
        assert status.kind == "error" and status.codes == ["E999"] and status.stale
        assert out.read_bytes() == good
        text = s.output.getvalue()
        assert "error[E999]: internal error: OverflowError: (34, 'Numerical result out of range')" in text
        assert "Traceback" not in text and "keeping the last good image" in text
        broken.clear()
        _edit(spec, "0.45", "0.50")
        assert s.next().kind == "rendered"
    finally:
        s.close()


def test_a_decompression_bomb_plate_does_not_end_the_watch(workdir):
    """A plate whose header claims 100000×100000 pixels (a few hundred bytes on disk)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    plate = workdir / "plate" / "portrait.png"
    good_plate = plate.read_bytes()
    s = Session(workdir / "shot.shot", talk=True)
    try:
        assert s.next().kind == "rendered"
        plate.write_bytes(b"\x89PNG\r\n\x1a\n"
                          + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
                          + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
        status = s.next()
        assert status.kind == "error" and status.stale and status.codes
        assert "Traceback" not in s.output.getvalue()
        plate.write_bytes(good_plate)
        assert s.next().kind == "rendered"
    finally:
        s.close()


def test_a_truncate_then_write_save_is_not_reported(workdir, session):
    """`cat new > shot.shot` from a slow script: the file is empty for longer than the debounce."""
    spec = workdir / "shot.shot"
    assert session.next().kind == "rendered"
    text = spec.read_text().replace("0.30", "0.42")
    with open(spec, "w") as fh:                 # truncate …
        fh.flush()
        time.sleep(0.4)                         # … longer than the 50 ms debounce …
        fh.write(text)                          # … then write
    statuses = session.quiet_for(4.0)
    kinds = [st.kind for st in statuses if st.kind not in ("unchanged", "superseded")]
    assert kinds == ["rendered"], [(st.kind, st.codes) for st in statuses]


def test_a_spec_that_stays_empty_is_reported(workdir, session):
    spec = workdir / "shot.shot"
    assert session.next().kind == "rendered"
    spec.write_text("")
    t0 = time.monotonic()
    status = session.next()
    assert status.kind == "error" and status.codes == ["E602"] and status.stale
    assert time.monotonic() - t0 >= 0.9            # it waited for the rest of a save first


def test_progress_lines_say_what_changed_and_which_nodes_ran(workdir):
    s = Session(workdir / "shot.shot", talk=True)
    try:
        assert s.next().kind == "rendered"
        (workdir / "look.shot").write_text("preset look finish { tonemap aces }\n")
        status = s.next()
        assert status.kind == "rendered"
        lines = s.output.getvalue().splitlines()
        start = max(i for i, line in enumerate(lines) if "rendering (look.shot changed)" in line)
        after = "\n".join(lines[start:])
        assert f"✓ {status.ran[0]} [plate_finish]" in after              # ran, with its shot
        assert "· plate [plate_finish]" in after                            # cached
        assert "rendered" in lines[-1]
    finally:
        s.close()


def test_a_zero_poll_interval_is_clamped_and_idle_costs_no_cpu(workdir):
    from shotspec.cli.watch import MIN_POLL_INTERVAL_S, Watcher, clamp_interval

    assert clamp_interval(0) == clamp_interval(-3) == clamp_interval(float("nan")) == MIN_POLL_INTERVAL_S
    quiet = make_console(quiet=True)
    assert Watcher(None, console=quiet, err_console=quiet, poll=True, interval=0).interval == 0.1
    s = Session(workdir / "shot.shot", poll=True, interval=0, talk=True)
    try:
        assert s.next().kind == "rendered"
        assert "--interval 0 is outside 0.1–3600 s; polling every 0.1 s" in s.output.getvalue()
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(2.0)
        cpu = time.process_time() - cpu0
        assert cpu < 0.5 * (time.monotonic() - wall0), f"{cpu:.2f} s of CPU while idle"
        _edit(workdir / "shot.shot", "0.30", "0.50")
        assert s.next().kind == "rendered"             # and it still sees edits
    finally:
        s.close()


def test_an_unknown_device_is_a_diagnostic_not_a_traceback(workdir):
    out = io.StringIO()
    console = Console(file=out, width=200, no_color=True)
    assert watch(str(workdir / "shot.shot"), device="tpu", console=console, err_console=console) == 1
    assert "error[E604]: unknown device `tpu`" in out.getvalue()
