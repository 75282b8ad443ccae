"""Unsaved buffers reach a running `shot preview`: a stub HTTP server announced through
`shotspec.preview.registry` receives the newest buffer, with its token; older versions are
dropped while a POST is in flight; a preview that is gone or failing is silent."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shotspec.lsp.background import BufferForwarder
from shotspec.preview import registry
from tests.lsp.conftest import REGISTRY, change_doc, diagnostics, open_doc


class Stub:
    """A loopback HTTP server that records POSTed JSON bodies (``delay_s`` per request)."""

    def __init__(self, status: int = 200, delay_s: float = 0.0):
        self.bodies: list[dict] = []
        self.tokens: list[str] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
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
