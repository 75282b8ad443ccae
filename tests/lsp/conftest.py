"""The language server under test: `python -m shotspec lsp` in a subprocess, over stdio.

``client`` is a pytest-lsp client with an initialised session; ``open_doc`` sends didOpen for
a file's text and ``diagnostics`` waits until the server has published diagnostics for a URI
that satisfy a predicate (the server may publish a quick answer before the full compile's).
Each test's files live in its own temporary folder; the preview registry is private to it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

SRC = Path(__file__).resolve().parents[2] / "src"
SPECS = SRC / "shotspec" / "specs"
REGISTRY = Path(os.environ.get("TMPDIR", "/tmp")) / f"shotspec-lsp-tests-{os.getpid()}"


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env["XDG_RUNTIME_DIR"] = str(REGISTRY)
    REGISTRY.mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "shotspec", "lsp"],
                                              server_env=server_env()))
async def client(lsp_client: LanguageClient):
    markdown = [lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(
            window=lsp.WindowClientCapabilities(
                show_document=lsp.ShowDocumentClientCapabilities(support=True)),
            text_document=lsp.TextDocumentClientCapabilities(
                hover=lsp.HoverClientCapabilities(content_format=markdown),
                completion=lsp.CompletionClientCapabilities(
                    completion_item=lsp.ClientCompletionItemOptions(documentation_format=markdown)),
                document_link=lsp.DocumentLinkClientCapabilities(tooltip_support=True))),
        root_uri=None))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the packaged presets and LUTs next to where the tests write specs."""
    shutil.copytree(SPECS / "presets", tmp_path / "presets")
    shutil.copytree(SPECS / "luts", tmp_path / "luts")
    return tmp_path


def open_doc(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.resolve().as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="shot", version=version, text=text)))
    return uri


def change_doc(client: LanguageClient, uri: str, version: int, text: str,
               rng: lsp.Range | None = None) -> None:
    """Send didChange: the whole text, or ``text`` replacing ``rng`` (incremental)."""
    change = (lsp.TextDocumentContentChangeWholeDocument(text=text) if rng is None
              else lsp.TextDocumentContentChangePartial(range=rng, text=text))
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[change]))


async def diagnostics(client: LanguageClient, uri: str, predicate=lambda ds: True,
                      timeout: float = 30.0) -> list[lsp.Diagnostic]:
    """The newest diagnostics of ``uri`` once ``predicate`` holds for them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if uri in client.diagnostics and predicate(list(client.diagnostics[uri])):
            return list(client.diagnostics[uri])
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no matching diagnostics for {uri}: "
                                 f"{client.diagnostics.get(uri)}")
        try:
            await asyncio.wait_for(client.wait_for_notification("textDocument/publishDiagnostics"),
                                   remaining)
        except asyncio.TimeoutError:
            pass


def position_of(text: str, needle: str, offset: int = 0) -> lsp.Position:
    """The LSP position of ``needle``'s first character (+ ``offset``) in ``text``."""
    at = text.index(needle) + offset
    line = text.count("\n", 0, at)
    return lsp.Position(line=line, character=at - (text.rfind("\n", 0, at) + 1))


@pytest.fixture(scope="session", autouse=True)
def _remove_registry():
    yield
    shutil.rmtree(REGISTRY, ignore_errors=True)
