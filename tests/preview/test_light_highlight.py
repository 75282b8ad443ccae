"""The editor's cursor on a light tints what that light lights: the light found from the
cursor's place (its block, or a statement that changes it), its share of the image (strong on
its own side of the face, nothing elsewhere), the route that takes the cursor, and the tint on
the real page in headless Chromium."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from shotspec.compiler import compile_source
from shotspec.preview.frames import PreviewRenderer
from shotspec.preview.light_highlight import HIGHLIGHT_ALPHA, lights_at, overlay_png
from shotspec.preview.worker import Job, PreviewWorker

from .conftest import page_on, running_preview

SPEC = """\
character mara { seed 3 }

shot portrait {
  character mara
  camera { lens 85mm; aperture f/8; distance 0.9m; focus mara.eyes }
  lighting {
    key area { from 70deg right, 20deg up; size 50cm; distance 1.2m }
    rim spot { from 150deg left, 20deg up; size 20cm; distance 1.5m; cone 25deg; ratio 1:2 }
  }
  output "out/p.png" { size 96x120 }
}
"""
KEY_LINE, RIM_LINE, CAMERA_LINE = 7, 8, 5


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("lit") / "shot.shot"
    path.write_text(SPEC)
    return path


PRESET = """\
preset mine lighting {
  key area { from 45deg right, 30deg up; size 60cm; distance 1.4m }
  fill area { from 45deg left; size 1.2m; distance 1.8m; ratio 1:4 }
}
"""


def test_the_light_under_the_cursor_is_its_block_or_a_statement_that_changes_it(tmp_path):
    path = tmp_path / "a.shot"
    text = PRESET + SPEC.replace(
        "  lighting {\n    key area", "  lighting {\n    use mine\n    fill { intensity 0.5 }\n    key2 area")
    path.write_text(text)
    result = compile_source(text, path)
    assert result.program is not None, result.diagnostics
    program = result.program
    lines = text.splitlines()

    def line_of(snippet: str) -> int:
        return next(i for i, t in enumerate(lines, 1) if snippet in t)

    assert [(lit.shot, lit.light) for lit in lights_at(program, str(path), line_of("fill {"), 12)] == \
        [("portrait", "fill")]
    assert [lit.light for lit in lights_at(program, str(path), line_of("key2 area"), 5)] == ["key2"]
    assert [lit.light for lit in lights_at(program, str(path), line_of("key area { from 45deg"), 9)] == ["key"]
    assert lights_at(program, str(path), line_of("camera {"), 5) == []
    assert lights_at(program, str(tmp_path / "other.shot"), line_of("key2 area"), 5) == []


def test_the_tint_is_the_share_of_light_on_its_side_of_the_face(spec):
    found = []
    worker = PreviewWorker(PreviewRenderer(spec, device="cpu"), lambda update: None, highlight=found.append)
    worker.run_job(Job(None, None, "start", time.monotonic()))
    shares = {}
    for line in (KEY_LINE, RIM_LINE):
        worker.submit_cursor(str(spec), line, 5)
        worker.run_highlight()
        (hit,) = found[-1]
        alpha = np.asarray(Image.open(io.BytesIO(hit.png)))[..., 3] / (255.0 * HIGHLIGHT_ALPHA)
        assert alpha.shape == (120, 96)
        shares[hit.light] = alpha
    key, rim = shares["key"], shares["rim"]
    face = (slice(40, 80), slice(30, 66))                 # the face's middle rows and columns
    right, left = key[face][:, 20:].mean(), key[face][:, :16].mean()
    assert right > 0.8 and right > left + 0.2, (left, right)   # key from camera-right
    assert (key + rim <= 1.0 + 2.0 / (255 * HIGHLIGHT_ALPHA)).all()    # two 8-bit steps
    assert rim[face].mean() < 0.15                         # the rim adds little to the face's front
    # the cursor leaves the lights: the tint goes
    worker.submit_cursor(str(spec), CAMERA_LINE, 5)
    worker.run_highlight()
    assert found[-1] == []


def test_overlay_is_the_tint_at_the_shares_opacity():
    png = overlay_png(np.array([[0.0, 0.5], [1.0, 2.0]], dtype=np.float32))
    rgba = np.asarray(Image.open(io.BytesIO(png)))
    assert rgba.shape == (2, 2, 4)
    assert rgba[..., 3].tolist() == [[0, round(127.5 * HIGHLIGHT_ALPHA)], [round(255 * HIGHLIGHT_ALPHA)] * 2]


@pytest.fixture(scope="module")
def head_preview(spec, tmp_path_factory):
    yield from running_preview(spec, tmp_path_factory.mktemp("xdg"))


def test_the_cursor_route_takes_places_and_refuses_bad_bodies(head_preview):
    token = head_preview.server.token
    assert head_preview.post("/api/cursor", {"path": "x", "line": 1, "col": 1})[0] == 403
    status, body = head_preview.post("/api/cursor", {"path": "x", "line": "1", "col": 1}, token=token)
    assert status == 400 and "integers" in body["error"]
    assert head_preview.post("/api/cursor", {"path": None}, token=token) == (202, {"highlight": False})
    assert head_preview.get("/highlight/999/0.png")[0] == 404


def test_the_page_tints_what_the_light_under_the_cursor_lights(browser, head_preview):
    with page_on(browser, head_preview, 120_000) as page:
        assert page.locator("#highlight").is_hidden()
        token = head_preview.server.token
        assert head_preview.post("/api/cursor", {"path": str(head_preview.spec), "line": RIM_LINE, "col": 5},
                                 token=token)[0] == 202
        page.wait_for_selector('body[data-highlight="rim"]', timeout=60_000)
        page.wait_for_function("document.querySelector('#highlight').naturalWidth > 0", timeout=30_000)
        assert page.locator("#highlight").is_visible()
        assert page.locator("#lit").inner_text() == "tinted: what rim lights"
        assert page.evaluate("document.querySelector('#highlight').naturalWidth") == 96
        head_preview.post("/api/cursor", {"path": str(head_preview.spec), "line": CAMERA_LINE, "col": 5},
                          token=token)
        page.wait_for_selector('body[data-highlight=""]', timeout=30_000)
        assert page.locator("#highlight").is_hidden()
