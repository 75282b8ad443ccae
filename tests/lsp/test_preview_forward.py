"""Unsaved buffers reach a running `shot preview`: a stub HTTP server announced through
`shotspec.preview.registry` receives the newest buffer, with its token; older versions are
dropped while a POST is in flight; a preview that is gone or failing is silent. A click in the
preview (its click-to-jump location) moves the editor there."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shotspec.lsp.background import BufferForwarder
from shotspec.preview import registry
from tests.lsp.conftest import REGISTRY, change_doc, diagnostics, open_doc, position_of


class Stub:
    """A loopback HTTP server that records POSTed JSON bodies (``delay_s`` per request)."""

    def __init__(self, status: int = 200, delay_s: float = 0.0):
        self.bodies: list[dict] = []
        self.tokens: list[str] = []
        self.jump: dict = {}                      # what GET /api/jump answers
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                body = json.dumps(stub.jump).encode("utf-8")
                self.send_response(200 if self.path == "/api/jump" else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers["Content-Length"])
                stub.tokens.append(self.headers.get("X-Shotspec-Token", ""))
                stub.bodies.append(json.loads(self.rfile.read(length)))
                time.sleep(delay_s)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def private_registry(monkeypatch):
    REGISTRY.mkdir(parents=True, exist_ok=True, mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(REGISTRY))


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.asyncio
async def test_the_server_posts_each_unsaved_buffer_to_the_preview(client, project, private_registry):
    spec = project / "live.shot"
    spec.write_text("shot a {\n  output \"a.png\"\n}\n")
    stub = Stub()
    registry.announce(spec, stub.port, "secret-token")
    try:
        uri = open_doc(client, spec, spec.read_text())
        await diagnostics(client, uri)
        edited = 'shot a {\n  camera { lens 50mm }\n  output "a.png"\n}\n'
        change_doc(client, uri, 2, edited)
        wait_for(lambda: any(b["version"] == 2 for b in stub.bodies))
        body = stub.bodies[-1]
        assert body == {"path": str(spec.resolve()), "text": edited, "version": 2}
        assert set(stub.tokens) == {"secret-token"}
    finally:
        registry.withdraw(spec)
        stub.close()


def test_older_versions_are_dropped_while_a_post_is_in_flight(tmp_path, private_registry):
    spec = tmp_path / "busy.shot"
    stub = Stub(delay_s=0.3)
    registry.announce(spec, stub.port, "t")
    forwarder = BufferForwarder()
    try:
        for version in range(1, 21):
            forwarder.send(str(spec), f"// v{version}\n", version)
        assert forwarder.idle(timeout=30)
        versions = [b["version"] for b in stub.bodies]
        assert versions[-1] == 20 and versions == sorted(versions)
        assert len(versions) < 20                   # the ones superseded while busy never went
        assert stub.bodies[-1]["text"] == "// v20\n"
    finally:
        forwarder.close()
        registry.withdraw(spec)
        stub.close()


def test_no_preview_a_failing_one_or_a_dead_port_is_silent(tmp_path, private_registry):
    forwarder = BufferForwarder()
    try:
        forwarder.send(str(tmp_path / "none.shot"), "x", 1)      # nothing announced
        assert forwarder.idle() and forwarder.sent == []
        failing = Stub(status=500)
        registry.announce(tmp_path / "bad.shot", failing.port, "t")
        forwarder.send(str(tmp_path / "bad.shot"), "x", 1)
        assert forwarder.idle() and forwarder.sent == [(str(tmp_path / "bad.shot"), 1, 500)]
        failing.close()                                             # now nobody listens there
        forwarder.send(str(tmp_path / "bad.shot"), "y", 2)
        assert forwarder.idle() and len(forwarder.sent) == 1
    finally:
        forwarder.close()
        registry.withdraw(tmp_path / "bad.shot")


@pytest.mark.asyncio
async def test_a_click_in_the_preview_moves_the_editor(client, project, private_registry):
    spec = project / "jump.shot"
    text = 'shot a {\n  lighting {\n    key area {\n      size 1m\n    }\n  }\n  output "a.png"\n}\n'
    spec.write_text(text)
    stub = Stub()
    stub.jump = {"what": "face", "name": "old", "at": 1.0,      # a click before the editor came
                 "span": {"file": str(spec), "line": 1, "col": 1, "end_line": 1, "end_col": 5}}
    registry.announce(spec, stub.port, "t")
    try:
        uri = open_doc(client, spec, text)
        await diagnostics(client, uri)
        await asyncio.sleep(1.5)                  # the follower has seen the old click
        assert client.shown_documents == []
        stub.jump = {"what": "light", "name": "key", "shot": "a", "at": 2.0,
                     "span": {"file": str(spec), "line": 3, "col": 5, "end_line": 3, "end_col": 13}}
        for _ in range(100):
            if client.shown_documents:
                break
            await asyncio.sleep(0.05)
        [shown] = client.shown_documents
        assert shown.uri == uri and shown.take_focus
        start = position_of(text, "key area")
        assert shown.selection.start == start
        assert shown.selection.end.character == start.character + len("key area")
    finally:
        registry.withdraw(spec)
        stub.close()


@pytest.mark.asyncio
async def test_the_cursor_goes_to_the_previews_and_its_name_is_highlighted(client, project, private_registry):
    spec = project / "cursor.shot"
    text = ('character mara { seed 3 }\nshot a {\n  character mara\n  lighting {\n    key area {\n'
            '      size 1m\n    }\n  }\n  output "a.png"\n}\n')
    spec.write_text(text)
    stub = Stub(status=202)
    registry.announce(spec, stub.port, "t")
    try:
        uri = open_doc(client, spec, text)
        await diagnostics(client, uri)
        from lsprotocol import types as lsp

        where = position_of(text, "mara\n  lighting")          # `character mara` in the shot
        found = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=where))
        assert sorted(h.range.start.line for h in found) == [0, 2]   # the definition and the use
        size = position_of(text, "size 1m")
        await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=size))
        wait_for(lambda: any(b.get("line") == size.line + 1 for b in stub.bodies))
        assert stub.bodies[-1] == {"path": str(spec), "line": size.line + 1, "col": size.character + 1}
        assert set(stub.tokens) == {"t"}
        sent = len(stub.bodies)
        await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(   # same line
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=size.line, character=size.character + 3)))
        await asyncio.sleep(0.3)
        assert len(stub.bodies) == sent                       # the same line is sent once
    finally:
        registry.withdraw(spec)
        stub.close()
