"""Fixtures of the preview tests: a project folder with the example plate and a two-shot spec,
a running ``shot preview`` (in a thread, no browser opened) and a headless Chromium page on it.

The browser tests need Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright``
package; they are skipped with the reason when either is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

SPEC = """\
shot portrait {
  source plate "plate/portrait.png" { mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m }
  finish {
    exposure +1.5 stops
    grain 250D 0.30
    tonemap aces
  }
  output "out/portrait.png" { size 192x240 }
}

shot wide {
  source plate "plate/portrait.png" { mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m }
  finish { tonemap aces }
  output "out/wide.png" { size 240x120 }
}
"""


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install playwright)"
    return None


class Preview:
    """A running preview: its server (``url``, ``token``), spec path and stop switch."""

    def __init__(self, spec: Path):
        self.spec = spec
        self.text = spec.read_text()
        self.server = None
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.exit_code: int | None = None

    def post(self, path: str, body: dict, *, token: str | None = None) -> tuple[int, dict]:
        req = urllib.request.Request(self.server.url.rstrip("/") + path,
                                     data=json.dumps(body).encode(), method="POST")
        if token is not None:
            req.add_header("X-Shotspec-Token", token)
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.server.url.rstrip("/") + path, timeout=10) as res:
                return res.status, res.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def start_preview(spec: Path, monkeypatch_env: dict) -> Preview:
    from shotspec.cli.console import make_console
    from shotspec.preview.command import run_preview

    preview = Preview(spec)

    def ready(server) -> None:
        preview.server = server
        preview.ready.set()

    def run() -> None:
        preview.exit_code = run_preview(spec, browser=False, device="cpu", quiet=True,
                                        console=make_console(), err_console=make_console(stderr=True),
                                        stop_event=preview.stop, on_ready=ready)
        preview.ready.set()

    threading.Thread(target=run, daemon=True).start()
    assert preview.ready.wait(60) and preview.server is not None, "the preview did not start"
    return preview


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("project")
    shutil.copytree(SPECS / "examples" / "plate", folder / "plate")
    (folder / "shot.shot").write_text(SPEC)
    return folder


def running_preview(spec: Path, runtime: Path):
    """A preview of ``spec`` announced in the private folder ``runtime`` for as long as the
    generator is suspended (a module fixture's body): ``yield from running_preview(...)``."""
    old = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    p = start_preview(spec, {})
    yield p
    p.stop.set()
    if old is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = old


@pytest.fixture(scope="module")
def preview(project, tmp_path_factory):
    yield from running_preview(project / "shot.shot", tmp_path_factory.mktemp("xdg"))


@pytest.fixture(scope="module")
def browser():
    why = chromium_missing()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@contextlib.contextmanager
def page_on(browser, preview: Preview, timeout_ms: int = 60_000):
    """A page of ``preview`` once it shows a full frame; closed afterwards."""
    page = browser.new_page(viewport={"width": 700, "height": 700})
    try:
        page.goto(preview.server.url)
        page.wait_for_selector('body[data-phase="full"]', timeout=timeout_ms)
        yield page
    finally:
        page.close()


@pytest.fixture(scope="module")
def page(browser, preview):
    page = browser.new_page(viewport={"width": 900, "height": 760})
    page.goto(preview.server.url)
    page.wait_for_selector('body[data-phase="full"]', timeout=60_000)
    yield page
    page.close()
