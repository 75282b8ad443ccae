"""``shot preview`` in a real headless Chromium: the page shows the render and follows edits,
keeps the last good image under the diagnostics, and its loupe, before/after slider, shot switch
and click-to-jump work; the server refuses what it must. Plate shots keep each render ~0.1 s."""

from __future__ import annotations

import io

WAIT_MS = 30_000      # generous for a loaded CI machine; bench/preview_latency.py measures speed

MEAN_JS = """(sel) => {
  const img = document.querySelector(sel);
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
  return s / (d.length / 4 * 3);
}"""


def generation(page) -> int:
    return int(page.evaluate("document.body.dataset.generation || 0"))


def wait_full_after(page, gen: int) -> None:
    page.wait_for_function("g => +document.body.dataset.generation > g && "
                           "document.body.dataset.phase === 'full'", arg=gen, timeout=WAIT_MS)


def edit(preview, page, text: str) -> None:
    gen = generation(page)
    preview.spec.write_text(text)
    wait_full_after(page, gen)


def stage_mean(page) -> float:
    from PIL import Image
    import numpy as np

    shot = page.locator("#stage").screenshot()
    return float(np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=np.float64).mean())


def test_page_loads_and_shows_the_image(page):
    size = page.evaluate("[document.querySelector('#after').naturalWidth, "
                         "document.querySelector('#after').naturalHeight]")
    assert size == [192, 240]
    assert page.evaluate(MEAN_JS, "#after") > 20           # a picture, not a black box
    assert page.locator("#shots button").all_inner_texts() == ["portrait", "wide"]
    assert page.locator("#diagnostics").is_hidden()
    assert "full frame" in page.locator("#status").inner_text()


def test_an_edit_to_the_file_changes_the_image(preview, page):
    bright = page.evaluate(MEAN_JS, "#after")
    edit(preview, page, preview.text.replace("exposure +1.5 stops", "exposure -1.5 stops"))
    dark = page.evaluate(MEAN_JS, "#after")
    assert dark < bright - 20, (bright, dark)
    edit(preview, page, preview.text)
    assert abs(page.evaluate(MEAN_JS, "#after") - bright) < 1.0


def test_an_unsaved_buffer_renders_without_saving(preview, page):
    bright = page.evaluate(MEAN_JS, "#after")
    gen = generation(page)
    status, reply = preview.post("/api/buffer", {"path": str(preview.spec), "version": 1,
                                                 "text": preview.text.replace("+1.5 stops", "-2 stops")},
                                 token=preview.server.token)
    assert (status, reply) == (202, {"rendered": True})
    wait_full_after(page, gen)
    assert page.evaluate(MEAN_JS, "#after") < bright - 20
    assert preview.spec.read_text() == preview.text               # nothing written
    edit(preview, page, preview.text.replace("0.30", "0.31"))     # the saved file wins again
    assert abs(page.evaluate(MEAN_JS, "#after") - bright) < 2.0


def test_a_syntax_error_shows_its_diagnostic_over_the_last_good_image(preview, page):
    src = page.locator("#after").get_attribute("src")
    broken = preview.text.replace("tonemap aces\n  }\n  output \"out/portrait",
                          "tonemap aces <b>bold</b><script>alert(1)</script>\n  }\n  output \"out/portrait")
    preview.spec.write_text(broken)
    page.wait_for_selector("#diagnostics:not([hidden])", timeout=WAIT_MS)
    text = page.locator("#diagnostics").inner_text()
    assert "error[E" in text and "shot.shot:7:" in text, text
    assert page.locator("#diagnostics b, #diagnostics script").count() == 0   # escaped, not markup
    assert page.locator("#after").get_attribute("src") == src                 # the last good image
    assert "stale" in page.locator("#stage").get_attribute("class")
    assert "last good image" in page.locator("#status").inner_text()
    gen = generation(page)
    preview.spec.write_text(preview.text)
    wait_full_after(page, gen)
    assert page.locator("#diagnostics").is_hidden()


def test_the_loupe_follows_the_mouse_at_100_percent(page):
    box = page.locator("#stage").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.5)
    loupe = page.locator("#loupe")
    assert loupe.is_visible()
    assert loupe.evaluate("e => e.style.backgroundSize") == "192px 240px"   # output pixels, 1:1
    assert int(loupe.get_attribute("data-x")) == 48 and int(loupe.get_attribute("data-y")) == 120
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    assert int(loupe.get_attribute("data-x")) == 144 and int(loupe.get_attribute("data-y")) == 60
    page.mouse.move(box["x"] - 20, box["y"] - 20)
    assert loupe.is_hidden()


def test_the_before_after_slider_reveals_the_frame_before_a_pass(page):
    page.mouse.move(0, 0)
    page.select_option("#pass", label="exposure")        # before: +0 stops, after: +1.5 stops
    page.wait_for_function("() => document.querySelector('#before').getAttribute('src').endsWith('/0.png')")
    page.locator("#slider").fill("0")
    after = stage_mean(page)
    page.locator("#slider").fill("100")
    before = stage_mean(page)
    assert before < after - 15, (before, after)
    page.locator("#slider").fill("50")
    assert page.locator("#divider").is_visible()
    page.select_option("#pass", value="all")
    page.locator("#slider").fill("0")


def test_the_shot_switch_shows_the_other_shot(page):
    page.click("#shots button[data-shot='wide']")
    page.wait_for_function("() => document.querySelector('#after').naturalWidth === 240")
    assert page.evaluate("document.querySelector('#after').naturalHeight") == 120
    assert page.locator("#pass option").all_inner_texts() == ["all finishing", "tonemap"]
    page.click("#shots button[data-shot='portrait']")
    page.wait_for_function("() => document.querySelector('#after').naturalWidth === 192")


def test_click_to_jump_reports_the_controlling_block(preview, page):
    box = page.locator("#stage").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#jump.found", timeout=WAIT_MS)
    assert "shot.shot:2:3" in page.locator("#jump").inner_text()     # the plate's source line
    status, body = preview.get("/api/jump")
    assert status == 200 and b'"line": 2' in body and b'"what": "plate"' in body


def test_buffer_without_the_token_is_refused(preview):
    status, reply = preview.post("/api/buffer", {"path": str(preview.spec), "text": "x"})
    assert status == 403 and "X-Shotspec-Token" in reply["error"]
    status, _ = preview.post("/api/buffer", {"path": str(preview.spec), "text": "x"}, token="guess")
    assert status == 403


def test_paths_outside_the_project_are_refused(preview):
    token = preview.server.token
    for path in ("/etc/passwd", str(preview.spec.parent / ".." / "elsewhere.shot")):
        status, reply = preview.post("/api/buffer", {"path": path, "text": "x"}, token=token)
        assert status == 403 and "outside" in reply["error"]
    for url in ("/static/../../../etc/passwd", "/plate/portrait.png", "/shot.shot",
                "/render/../shot.shot"):
        status, _ = preview.get(url)
        assert status == 404, url


def test_the_server_listens_on_loopback_only_and_announces_itself(preview):
    from shotspec.preview import registry

    assert preview.server.server_address[0] == "127.0.0.1"
    found = registry.find_preview(preview.spec)
    assert found is not None and found.port == preview.server.server_address[1]
    assert found.token == preview.server.token
