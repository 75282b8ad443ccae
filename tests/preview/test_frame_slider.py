"""A sequence in the preview: the page shows a frame slider; moving it renders that frame
(brighter here: the exposure is keyframed), and the route refuses what is not a frame number."""

from __future__ import annotations

import shutil

import pytest

from .conftest import SPECS, page_on, running_preview
from .test_page import MEAN_JS, WAIT_MS, generation

SPEC = """\
shot ramp {
  source plate "plate/portrait.png"
  duration 3f
  finish { exposure -2 stops @ 0f -> +2 stops @ 2f }
  output "out/ramp.png" { size 96x120 }
}
"""


@pytest.fixture(scope="module")
def sequence_preview(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seq")
    shutil.copytree(SPECS / "examples" / "plate", folder / "plate")
    (folder / "shot.shot").write_text(SPEC)
    yield from running_preview(folder / "shot.shot", tmp_path_factory.mktemp("xdg"))


def test_the_frame_route_takes_frame_numbers_only(sequence_preview):
    token = sequence_preview.server.token
    assert sequence_preview.post("/api/frame", {"frame": 1})[0] == 403
    for bad in (-1, "2", True, 1.5):
        status, body = sequence_preview.post("/api/frame", {"frame": bad}, token=token)
        assert status == 400 and "integer" in body["error"], bad


def test_the_frame_slider_renders_the_frame_asked_for(browser, sequence_preview):
    with page_on(browser, sequence_preview, 60_000) as page:
        assert page.locator("#framebox").is_visible()
        assert page.evaluate("document.querySelector('#frame').max") == "2"
        dark = page.evaluate(MEAN_JS, "#after")
        gen = generation(page)
        page.evaluate("(() => { const f = document.querySelector('#frame'); f.value = '2';"
                      " f.dispatchEvent(new Event('change')); })()")
        page.wait_for_function("g => +document.body.dataset.generation > g && "
                               "document.body.dataset.phase === 'full'", arg=gen, timeout=WAIT_MS)
        assert page.evaluate(MEAN_JS, "#after") > dark + 40
        assert page.locator("#frameno").inner_text() == "2"
