"""``shot preview``'s web server: loopback only, its own page and the render results, nothing else.

Routes (every response has a strict Content-Security-Policy; a request whose ``Host`` is not
``127.0.0.1:PORT`` or ``localhost:PORT`` is refused, so a DNS-rebinding page cannot read it):

* ``GET /`` — the page (package data ``preview/page/``), with the request token in a meta tag;
  ``GET /static/preview.js`` and ``/static/preview.css`` — its script and style;
* ``GET /api/state`` — the current snapshot (``state.PreviewState``); ``GET /api/events`` — the
  same, as server-sent events, one per change;
* ``GET /render/GEN/SHOT/STAGE.png`` — an image of a recent render, from memory;
  ``GET /highlight/N/I.png`` — the tint of what the light under the editor's cursor lights;
  ``GET /seq/ID.png`` — a sequence's playback frame (``playback``: its id is its content);
* ``POST /api/buffer`` ``{"path", "text", "version"}`` — an unsaved buffer (``registry``'s
  contract); ``POST /api/locate`` ``{"shot", "u", "v"}`` — click-to-jump, recorded for editors;
  ``GET /api/jump`` — the last click-to-jump location; ``POST /api/cursor`` ``{"path", "line",
  "col"}`` (1-based; ``"path": null`` clears) — the editor's cursor, whose light is highlighted;
  ``POST /api/frame`` ``{"frame"}`` — show that frame of the sequences (the page's frame slider);
  ``POST /api/play`` ``{"playing", "frame"}`` — the page plays from that frame, or paused on it
  (then that frame renders in full).

POSTs need the header ``X-Shotspec-Token`` (a random token made at start, announced only in
the private registry and in the page); paths outside the project folder (the spec's folder) are
refused with 403. Nothing is ever read from the file system but the package's own page files.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from shotspec.preview.locate import locate
from shotspec.preview.state import PreviewState

__all__ = ["PreviewServer", "TOKEN_HEADER", "MAX_BODY_BYTES", "EVENT_KEEPALIVE_S"]

TOKEN_HEADER = "X-Shotspec-Token"
MAX_BODY_BYTES = 8 << 20           # a buffer larger than 8 MiB is refused (413)
EVENT_KEEPALIVE_S = 15.0
_STATIC = {"/static/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
           "/static/preview.css": ("preview.css", "text/css; charset=utf-8")}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _page_file(name: str) -> bytes:
    return resources.files("shotspec.preview").joinpath("page", name).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: "PreviewServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        return                                           # the terminal shows renders, not requests

    # ------------------------------------------------------------------ replies

    def _send(self, status: int, body: bytes, content_type: str, *, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "private, max-age=3600" if cache else "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data).encode("utf-8"), "application/json")

    def _refuse(self, status: int, why: str) -> None:
        self._json(status, {"error": why})

    def _host_ok(self) -> bool:
        port = self.server.server_address[1]
        return self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}")

    # ------------------------------------------------------------------ GET

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if not self._host_ok():
            return self._refuse(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            page = _page_file("index.html").decode("utf-8").replace("{{TOKEN}}", self.server.token)
            return self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")
        if path in _STATIC:
            name, kind = _STATIC[path]
            return self._send(200, _page_file(name), kind)
        if path == "/api/state":
            return self._json(200, self.server.state.snapshot)
        if path == "/api/jump":
            return self._json(200, self.server.state.jump or {})
        if path == "/api/events":
            return self._events()
        if path.startswith("/render/"):
            return self._image(path)
        if path.startswith("/highlight/"):
            return self._highlight(path)
        if path.startswith("/seq/"):
            return self._playback_frame(path)
        return self._refuse(HTTPStatus.NOT_FOUND, "no such page")

    do_HEAD = do_GET

    def _image(self, path: str) -> None:
        parts = path.split("/")
        try:
            if len(parts) != 5 or not parts[4].endswith(".png"):
                raise ValueError(path)
            gen, shot, stage = int(parts[2]), int(parts[3]), int(parts[4][:-4])
        except ValueError:
            return self._refuse(HTTPStatus.NOT_FOUND, "no such image")
        image = self.server.state.image(gen, shot, stage)
        if image is None:
            return self._refuse(HTTPStatus.NOT_FOUND, "that render is gone; reload the state")
        self._send(200, image.png(), "image/png", cache=True)

    def _highlight(self, path: str) -> None:
        parts = path.split("/")
        try:
            if len(parts) != 4 or not parts[3].endswith(".png"):
                raise ValueError(path)
            number, index = int(parts[2]), int(parts[3][:-4])
        except ValueError:
            return self._refuse(HTTPStatus.NOT_FOUND, "no such highlight")
        png = self.server.state.highlight_png(number, index)
        if png is None:
            return self._refuse(HTTPStatus.NOT_FOUND, "that highlight is gone; reload the state")
        self._send(200, png, "image/png", cache=True)

    def _playback_frame(self, path: str) -> None:
        name = path[len("/seq/"):]
        pid = name[:-4] if name.endswith(".png") else ""
        png = self.server.worker.store.get(pid) if pid.isalnum() else None
        if png is None:
            return self._refuse(HTTPStatus.NOT_FOUND, "that frame is gone; reload the state")
        self._send(200, png, "image/png", cache=True)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", _CSP)
        self.end_headers()
        self.server.worker.page_opened()
        seq = -1
        try:
            while not self.server.stopping.is_set():
                snap = self.server.state.wait(seq, EVENT_KEEPALIVE_S)
                if snap["seq"] == seq:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    seq = snap["seq"]
                    self.wfile.write(b"event: state\ndata: " + json.dumps(snap).encode("utf-8") + b"\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        self.close_connection = True

    # ------------------------------------------------------------------ POST

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        if not self._host_ok():
            return self._refuse(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
        token = self.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(token.encode("utf-8"), self.server.token.encode("utf-8")):
            return self._refuse(HTTPStatus.FORBIDDEN, f"missing or wrong {TOKEN_HEADER}")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            return self._refuse(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            return self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body too large")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            return self._refuse(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        path = urlsplit(self.path).path
        if path == "/api/buffer":
            return self._buffer(body)
        if path == "/api/locate":
            return self._locate(body)
        if path == "/api/cursor":
            return self._cursor(body)
        if path == "/api/frame":
            return self._frame(body)
        if path == "/api/play":
            return self._play(body)
        return self._refuse(HTTPStatus.NOT_FOUND, "no such endpoint")

    def _buffer(self, body: dict) -> None:
        text, file, version = body.get("text"), body.get("path"), body.get("version")
        if not isinstance(text, str) or not isinstance(file, str):
            return self._refuse(HTTPStatus.BAD_REQUEST, "`path` and `text` must be strings")
        if version is not None and not isinstance(version, int):
            return self._refuse(HTTPStatus.BAD_REQUEST, "`version` must be an integer")
        where = self.server.inside_project(file)
        if where is None:
            return self._refuse(HTTPStatus.FORBIDDEN, "that path is outside the previewed project")
        if where != self.server.spec:
            return self._json(HTTPStatus.ACCEPTED, {"rendered": False,
                                                    "reason": "only the previewed spec's buffer "
                                                              "is rendered unsaved; its imports render on save"})
        if not self.server.newer_version(version):
            return self._json(HTTPStatus.ACCEPTED, {"rendered": False, "reason": "an older version"})
        self.server.worker.submit_buffer(text, version)
        return self._json(HTTPStatus.ACCEPTED, {"rendered": True})

    def _frame(self, body: dict) -> None:
        frame = body.get("frame")
        if not isinstance(frame, int) or isinstance(frame, bool) or frame < 0:
            return self._refuse(HTTPStatus.BAD_REQUEST, "`frame` must be an integer, 0 or more")
        self.server.worker.set_frame(frame)
        return self._json(HTTPStatus.ACCEPTED, {"frame": frame})

    def _play(self, body: dict) -> None:
        playing, frame = body.get("playing"), body.get("frame")
        if not isinstance(playing, bool):
            return self._refuse(HTTPStatus.BAD_REQUEST, "`playing` must be true or false")
        if not isinstance(frame, int) or isinstance(frame, bool) or frame < 0:
            return self._refuse(HTTPStatus.BAD_REQUEST, "`frame` must be an integer, 0 or more")
        self.server.worker.set_playing(playing, frame)
        return self._json(HTTPStatus.ACCEPTED, {"playing": playing, "frame": frame})

    def _cursor(self, body: dict) -> None:
        file, line, col = body.get("path"), body.get("line"), body.get("col")
        if file is None:
            self.server.worker.submit_cursor(None)
            return self._json(HTTPStatus.ACCEPTED, {"highlight": False})
        if not isinstance(file, str) or not all(isinstance(c, int) and not isinstance(c, bool)
                                                for c in (line, col)):
            return self._refuse(HTTPStatus.BAD_REQUEST, "`path` must be a string (or null), "
                                                        "`line` and `col` integers")
        self.server.worker.submit_cursor(file, line, col)       # a place, never read from disk
        return self._json(HTTPStatus.ACCEPTED, {"highlight": True})

    def _locate(self, body: dict) -> None:
        shot, u, v = body.get("shot"), body.get("u"), body.get("v")
        if not isinstance(shot, str) or not all(isinstance(c, (int, float)) for c in (u, v)):
            return self._refuse(HTTPStatus.BAD_REQUEST, "`shot` must be a string, `u` and `v` numbers")
        view, characters = self.server.state.shot_view(shot)
        if view is None:
            return self._refuse(HTTPStatus.NOT_FOUND, "no such shot on screen")
        where = locate(view.hit, float(u), float(v), characters)
        if where["span"] is not None:
            where = self.server.state.record_jump({**where, "shot": shot})
        return self._json(200, where)


class PreviewServer(ThreadingHTTPServer):
    """The HTTP server, bound to 127.0.0.1 on a free port; ``worker.PreviewWorker`` renders."""

    daemon_threads = True

    def __init__(self, spec: Path, state: PreviewState, worker, *, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.spec = spec.resolve()
        self.project = self.spec.parent
        self.state = state
        self.worker = worker
        self.token = secrets.token_urlsafe(24)
        self.stopping = threading.Event()
        self._version_lock = threading.Lock()
        self._last_version: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def inside_project(self, file: str) -> Path | None:
        """``file`` resolved, when it lies inside the project folder; else None."""
        try:
            path = Path(file).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        return path if path.is_relative_to(self.project) else None

    def newer_version(self, version: int | None) -> bool:
        """False for a buffer version older than one already taken (a late request)."""
        with self._version_lock:
            if version is None:
                return True
            if self._last_version is not None and version < self._last_version:
                return False
            self._last_version = version
            return True

    def handle_error(self, request, client_address) -> None:
        """A page that went away mid-reply (reload, a superseded image) is not an error."""
        import sys

        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

    def shutdown(self) -> None:
        self.stopping.set()
        with self.state.changed:
            self.state.changed.notify_all()
        super().shutdown()
