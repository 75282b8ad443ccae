"""Playing a sequence in the preview, in headless Chromium: space plays (the frame number,
timecode and picture advance at the shot's rate from the background-rendered low-resolution
frames), space again pauses on a frame (which then renders in full), the arrow keys step; an
edit during playback re-renders the frames and playback goes on; a broken spec shows its
diagnostic over the last good picture. The routes refuse what is not a play state."""

from __future__ import annotations

import shutil

import pytest

from .conftest import SPECS, page_on, running_preview
from .test_page import MEAN_JS, WAIT_MS

FRAMES = 8
SPEC = f"""\
shot ramp {{
  source plate "plate/portrait.png"
  duration {FRAMES}f
  fps 12
  finish {{ exposure -2 stops @ 0f -> +2 stops @ {FRAMES - 1}f }}
  output "out/ramp.png" {{ size 160x200 }}
}}
"""
SHOWN_JS = "() => document.querySelector('#after').getAttribute('src')"


@pytest.fixture(scope="module")
def playing_preview(tmp_path_factory):
    folder = tmp_path_factory.mktemp("play")
    shutil.copytree(SPECS / "examples" / "plate", folder / "plate")
    (folder / "shot.shot").write_text(SPEC)
    yield from running_preview(folder / "shot.shot", tmp_path_factory.mktemp("xdg"))


def _all_ready(page) -> None:
    page.wait_for_function(f"() => +document.body.dataset.ready === {FRAMES}", timeout=WAIT_MS)


def _frame(page) -> int:
    return int(page.evaluate("document.body.dataset.frame"))


def test_the_play_route_takes_a_play_state_and_a_frame(playing_preview):
    token = playing_preview.server.token
    assert playing_preview.post("/api/play", {"playing": True, "frame": 0})[0] == 403
    for body in ({"playing": "yes", "frame": 0}, {"playing": True, "frame": -1},
                 {"playing": False, "frame": 1.5}, {"frame": 2}):
        status, reply = playing_preview.post("/api/play", body, token=token)
        assert status == 400 and "`" in reply["error"], body
    assert playing_preview.get("/seq/0123abcd.png")[0] == 404
    assert playing_preview.get("/seq/..%2Fshot.shot")[0] == 404


def test_space_plays_the_sequence_and_pauses_on_a_full_frame(browser, playing_preview):
    with page_on(browser, playing_preview) as page:
        _all_ready(page)
        assert page.locator("#timecode").inner_text() == "00:00:00:00"
        dark = page.evaluate(MEAN_JS, "#after")
        page.keyboard.press(" ")
        assert page.evaluate("document.body.dataset.playing") == "1"
        page.wait_for_function("() => +document.body.dataset.frame >= 4", timeout=WAIT_MS)
        assert page.evaluate(SHOWN_JS).startswith("/seq/")             # the playback pictures
        sample = (f"() => [+document.body.dataset.frame, document.querySelector('#after').src,"
                  f" ({MEAN_JS})('#after')]")
        f1, src1, mean1 = page.evaluate(sample)
        page.wait_for_function("f => +document.body.dataset.frame !== f", arg=f1, timeout=WAIT_MS)
        f2, src2, mean2 = page.evaluate(sample)
        assert f2 != f1 and src2 != src1 and abs(mean2 - mean1) > 1     # the picture moves on
        assert page.evaluate("document.querySelector('#after').naturalWidth") == 102   # low res
        page.keyboard.press(" ")
        assert page.evaluate("document.body.dataset.playing") == "0"
        stopped = _frame(page)
        page.wait_for_timeout(600)                                     # 7 frames at 12 fps
        assert _frame(page) == stopped
        assert page.locator("#frameno").inner_text() == str(stopped)
        assert page.locator("#timecode").inner_text() == f"00:00:00:{stopped:02d}"
        # paused: that frame in full (160 × 200), brighter than frame 0 (exposure ramps up)
        page.wait_for_function("() => document.querySelector('#after').getAttribute('src').startsWith('/render/')"
                               " && document.querySelector('#after').naturalWidth === 160", timeout=WAIT_MS)
        if stopped > 1:
            assert page.evaluate(MEAN_JS, "#after") > dark + 10
        page.keyboard.press("ArrowRight")
        assert _frame(page) == (stopped + 1) % FRAMES
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        assert _frame(page) == (stopped - 1) % FRAMES
        assert page.locator("#timecode").inner_text() == f"00:00:00:{(stopped - 1) % FRAMES:02d}"


def test_an_edit_during_playback_renders_again_and_keeps_playing(browser, playing_preview):
    with page_on(browser, playing_preview) as page:
        _all_ready(page)
        darkest = page.evaluate(MEAN_JS, "#after")                     # frame 0: -2 stops
        old_urls = page.evaluate("window.previewSequenceUrls()")
        assert len(old_urls) == FRAMES
        page.keyboard.press(" ")
        page.wait_for_function("() => +document.body.dataset.frame >= 2", timeout=WAIT_MS)
        playing_preview.spec.write_text(SPEC.replace("-2 stops @ 0f -> +2 stops", "-6 stops @ 0f -> -4 stops"))
        try:
            page.wait_for_function("urls => { const a = document.querySelector('#after'), s = a.getAttribute('src');"
                                   " return s.startsWith('/seq/') && !urls.includes(s) && a.complete"
                                   " && a.naturalWidth > 0; }",
                                   arg=old_urls, timeout=WAIT_MS)
            assert page.evaluate(MEAN_JS, "#after") < darkest - 10     # every new frame is darker
            at = _frame(page)
            page.wait_for_function("f => +document.body.dataset.frame !== f", arg=at, timeout=WAIT_MS)
            assert page.evaluate("document.body.dataset.playing") == "1"
        finally:
            playing_preview.spec.write_text(SPEC)


def test_a_broken_spec_during_playback_shows_its_diagnostic_over_the_last_good_picture(browser, playing_preview):
    with page_on(browser, playing_preview) as page:
        _all_ready(page)
        page.keyboard.press(" ")
        page.wait_for_function("() => +document.body.dataset.frame >= 1", timeout=WAIT_MS)
        playing_preview.spec.write_text(SPEC.replace("duration", "duratoin"))
        try:
            page.wait_for_selector("#diagnostics:not([hidden])", timeout=WAIT_MS)
            assert "duratoin" in page.locator("#diagnostics").inner_text()
            assert page.evaluate(SHOWN_JS).startswith("/seq/")          # the last good picture …
            assert page.evaluate("document.querySelector('#stage').classList.contains('stale')")
            assert page.evaluate(MEAN_JS, "#after") > 20               # … still there, dimmed
        finally:
            playing_preview.spec.write_text(SPEC)
