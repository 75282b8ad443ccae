"""``shot lsp``: the .shot language server (pygls 2 + lsprotocol, JSON-RPC over stdio).

Every open buffer is compiled on every change (not only on save) by the compiler ``shot check``
uses, on a background thread (``background.LatestWins``), newest version first; diagnostics are
published for the version they belong to. A keystroke inside one shot is answered first by a
compile of that shot alone (``incremental``), on the event loop, then by the full compile. Hover, completion, go-to-definition, references,
symbols, formatting, semantic tokens and code actions answer from the current text and the
last compile. Unsaved buffers are forwarded to a running ``shot preview`` of the same file
(``background.BufferForwarder``), and a click on that preview's picture moves the editor to
the block it names (``background.JumpFollower``, ``window/showDocument``); where the cursor
rests (``documentHighlight``) is sent to the previews, which tint what a light there lights
(``background.CursorForwarder``). Never imports torch.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from dataclasses import dataclass

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from shotspec import __version__
from shotspec.compiler.ir import Span
from shotspec.lsp import actions, completion, hover, navigation
from shotspec.lsp.analysis import Analysis, analyse
from shotspec.lsp.background import BufferForwarder, CursorForwarder, JumpFollower, LatestWins
from shotspec.lsp.incremental import quick_result
from shotspec.lsp.text import LineIndex, Token, path_to_uri, tokens, uri_to_path

__all__ = ["ShotLanguageServer", "build_server", "serve", "QUICK_DELAY_S", "FULL_COMPILE_QUIET_S"]

log = logging.getLogger(__name__)
# A keystroke's one-shot answer waits this long for newer keystrokes already on the way; the
# full compile after a keystroke waits this long on its thread for typing to pause.
QUICK_DELAY_S = 0.005
FULL_COMPILE_QUIET_S = 0.15


@dataclass
class Buffer:
    """An open document's newest text and its analyses: ``latest`` (the newest compile,
    perhaps of an older version) and ``good`` (the newest compile without errors, whose
    program hover reads origins and derived values from)."""

    uri: str
    path: str
    version: int
    text: str
    latest: Analysis | None = None
    good: Analysis | None = None
    _tokens: tuple[int, list[Token]] | None = None
    _index: tuple[int, LineIndex] | None = None

    def tokens(self) -> list[Token]:
        if self._tokens is None or self._tokens[0] != self.version:
            self._tokens = (self.version, tokens(self.text))
        return self._tokens[1]

    def index(self, encoding: str) -> LineIndex:
        if self._index is None or self._index[0] != self.version or self._index[1].encoding != encoding:
            self._index = (self.version, LineIndex(self.text, encoding))
        return self._index[1]


class ShotLanguageServer(LanguageServer):
    """The server: the open buffers, the compile queue and the preview forwarder."""

    def __init__(self) -> None:
        super().__init__("shotspec", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.buffers: dict[str, Buffer] = {}
        self.queue = LatestWins("shotspec-compile")
        self.forwarder = BufferForwarder()
        self.cursors = CursorForwarder()
        self._lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.jumps = JumpFollower(lambda: sorted({b.path for b in list(self.buffers.values())}),
                                  self._jumped)

    def markdown(self, feature: str) -> bool:
        """Whether the client renders Markdown in ``feature`` (``"hover"`` or ``"completion"``)."""
        text = self.client_capabilities.text_document
        if text is None:
            return False
        if feature == "hover":
            formats = text.hover.content_format if text.hover is not None else None
        else:
            item = text.completion.completion_item if text.completion is not None else None
            formats = item.documentation_format if item is not None else None
        return lsp.MarkupKind.Markdown in (formats or ())

    def markup(self, text: str, feature: str) -> lsp.MarkupContent:
        """``text`` as Markdown, or as plain text for a client that does not render Markdown."""
        kind = lsp.MarkupKind.Markdown if self.markdown(feature) else lsp.MarkupKind.PlainText
        return lsp.MarkupContent(kind=kind, value=text)

    @property
    def encoding(self) -> str:
        enc = self.workspace.position_encoding if self.protocol.workspace is not None else None
        return str(getattr(enc, "value", enc) or "utf-16")

    # ------------------------------------------------------------------ buffers
    def update(self, uri: str, typing: bool = False) -> Buffer:
        """Take the workspace's newest text of ``uri``, queue its compile, forward it.

        ``typing`` (a didChange): the one-shot answer (``quick_publish``) runs on the event
        loop a moment later, unless a newer change has arrived by then — a burst of
        keystrokes read from the pipe at once is answered once, for the last; the full
        compile is queued after it and waits ``FULL_COMPILE_QUIET_S`` on its thread, dropped
        when a newer version comes, so it does not compete with keystrokes for the
        interpreter."""
        doc = self.workspace.get_text_document(uri)
        version = doc.version if doc.version is not None else 0
        text = doc.source
        with self._lock:
            buf = self.buffers.get(uri)
            if buf is None:
                buf = self.buffers[uri] = Buffer(uri, uri_to_path(uri), version, text)
            else:
                buf.version, buf.text = version, text
        self.loop = self.loop or asyncio.get_running_loop()
        if typing:
            self.loop.call_later(QUICK_DELAY_S, self._typed, uri, version)
        else:
            self.queue.submit(uri, version, lambda: self._compile(uri, version, text))
        self.forwarder.send(buf.path, text, version)
        return buf

    def _typed(self, uri: str, version: int) -> None:
        """After a keystroke, unless a newer one came: the one-shot answer, then the full
        compile (queued only now, so it never runs beside the one-shot compile)."""
        log.debug("v%d typed", version)
        buf = self.buffers.get(uri)
        if buf is None or buf.version != version:
            return
        try:
            self.quick_publish(buf)
        except Exception:  # noqa: BLE001 - a bug in the shortcut must not stop the full compile
            log.exception("the one-shot compile of %s v%d failed", buf.path, version)
        text = buf.text
        self.queue.submit(uri, version,
                          lambda: self._compile(uri, version, text, FULL_COMPILE_QUIET_S))

    def recompile_dependents(self, uri: str) -> None:
        """A saved file may be imported (or used as a LUT …) by other open buffers: compile
        those again, since their compiles read it from disk."""
        saved = self.buffers.get(uri)
        if saved is None:
            return
        for other in list(self.buffers.values()):
            latest = other.latest
            if other is saved or latest is None or saved.path not in latest.result.dependencies:
                continue
            version, text = other.version, other.text
            self.queue.submit(other.uri, version,
                              lambda u=other.uri, v=version, t=text: self._compile(u, v, t))

    def quick_publish(self, buf: Buffer) -> None:
        """A keystroke inside one top-level item: recompile only that item (see
        ``incremental``) and publish at once; the full compile follows on the queue."""
        previous = buf.latest
        if previous is None or previous.version == buf.version:
            return
        started = time.perf_counter()
        quick = quick_result(previous, buf.text, buf.path)
        if quick is None:
            return
        result, toks = quick
        analysis = analyse(buf.text, buf.path, buf.version, self.encoding, result, toks)
        buf._tokens = (buf.version, toks)
        self._publish(buf.uri, analysis, final=False)
        log.debug("%s v%d: one-shot compile %.0f ms", buf.path, buf.version,
                  (time.perf_counter() - started) * 1000)

    def _compile(self, uri: str, version: int, text: str, quiet_s: float = 0.0) -> None:
        if quiet_s:
            time.sleep(quiet_s)
        buf = self.buffers.get(uri)
        if buf is None or buf.version != version or not self.queue.is_current(uri, version):
            return
        started = time.perf_counter()
        analysis = analyse(text, buf.path, version, self.encoding)
        log.debug("%s v%d: full compile %.0f ms", buf.path, version,
                  (time.perf_counter() - started) * 1000)
        if self.queue.is_current(uri, version) and self.loop is not None:
            self.loop.call_soon_threadsafe(self._publish, uri, analysis, True)

    def _publish(self, uri: str, analysis: Analysis, final: bool) -> None:
        buf = self.buffers.get(uri)
        if buf is None or analysis.version != buf.version:
            return
        if final or buf.latest is None or buf.latest.version != analysis.version:
            buf.latest = analysis
            if analysis.program is not None:
                buf.good = analysis
        buf._tokens = (analysis.version, analysis.tokens)     # lexed already: share them
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=analysis.version, diagnostics=analysis.diagnostics))

    def _jumped(self, jump: dict) -> None:
        """A click in the preview (follower thread): move the editor there, on the loop."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.show_jump, jump)

    def show_jump(self, jump: dict) -> None:
        """Ask the editor to show the place a preview click names (``window/showDocument``,
        when the editor supports it), the span's text selected."""
        window = self.client_capabilities.window
        if window is None or window.show_document is None or not window.show_document.support:
            return
        span = Span(**jump["span"])
        path = os.path.abspath(span.file)
        buf = next((b for b in self.buffers.values() if b.path == path), None)
        if buf is not None:
            rng = buf.index(self.encoding).span_range(span)
        else:
            try:
                with open(path, encoding="utf-8") as fh:
                    rng = LineIndex(fh.read(), self.encoding).span_range(span)
            except (OSError, UnicodeDecodeError):
                return
        asyncio.ensure_future(self.window_show_document_async(lsp.ShowDocumentParams(
            uri=path_to_uri(path), take_focus=True, selection=rng)))

    def close(self, uri: str) -> None:
        self.queue.forget(uri)
        self.buffers.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def build_server() -> ShotLanguageServer:
    """A server with every feature registered (not yet started)."""
    server = ShotLanguageServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ShotLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.update(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ShotLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.update(params.text_document.uri, typing=True)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ShotLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.update(params.text_document.uri)
        ls.recompile_dependents(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ShotLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: ShotLanguageServer, params: None) -> None:
        ls.queue.close()
        ls.forwarder.close()
        ls.cursors.close()
        ls.jumps.close()

    hover.register(server)
    completion.register(server)
    navigation.register(server)
    actions.register(server)
    return server


def serve() -> int:
    """Run the server on stdin/stdout until the client exits; returns the exit code."""
    logging.basicConfig(level=os.environ.get("SHOTSPEC_LSP_LOG", "WARNING"),
                        filename=os.environ.get("SHOTSPEC_LSP_LOG_FILE") or None,
                        format="%(asctime)s %(name)s %(message)s")
    server = build_server()
    server.start_io()
    return 0
