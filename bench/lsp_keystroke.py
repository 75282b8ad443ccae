"""Keystroke → diagnostics latency of `shot lsp` on a 1,000-line spec.

    python bench/lsp_keystroke.py [--keystrokes 20] [--lines 1000]

Starts `python -m shotspec lsp` as an editor would (stdio), opens a generated spec of about
``--lines`` lines (a character and ~40 close-up shots using the packaged lighting presets),
then types into the value of one shot's lens in the middle of the file, one character at a
time, as incremental didChange notifications. For each keystroke it records when the first
diagnostics for that version arrive (the one-shot compile of ``shotspec.lsp.incremental``) and
when the full compile's arrive. A burst of keystrokes 30 ms apart shows that stale versions
are not compiled. The server's own log (``SHOTSPEC_LSP_LOG=DEBUG``) gives its compile times
without the client's share of a loaded machine. In-process rows time the parts: a full
compile, the one-shot compile, and the conversion to LSP diagnostics. Prints a table;
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "src" / "shotspec" / "specs"
sys.path.insert(0, str(ROOT / "src"))
_LOGGED = re.compile(r"v(\d+): (one-shot|full) compile (\d+) ms")


def big_spec(lines: int) -> str:
    """A spec of about ``lines`` lines: the embedded close-up's character and shot, repeated."""
    base = (SPECS / "closeup.shot").read_text(encoding="utf-8")
    head, _, shot = base.partition("shot closeup {")
    head = head.replace('import "presets/lighting.shot"',
                        f'import "{SPECS / "presets" / "lighting.shot"}"')
    parts, i = [head], 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(f"shot s{i} {{" + shot.replace("renders/closeup.png", f"renders/s{i}.png"))
        i += 1
    return "\n".join(parts)


def _ms(xs: list[float]) -> str:
    if not xs:
        return "-"
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    return f"{statistics.median(xs) * 1000:.0f} ms (p90 {p90 * 1000:.0f}, n={len(xs)})"


async def _editor_run(text: str, path: Path, keystrokes: int, log: Path) -> dict[str, list[float]]:
    events: list[tuple[float, int]] = []
    arrived = asyncio.Event()
    client = LanguageClient("lsp-keystroke-bench", "1")

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _published(params: lsp.PublishDiagnosticsParams) -> None:
        events.append((time.perf_counter(), params.version or 0))
        arrived.set()

    async def wait(version: int, count: int, timeout: float = 10.0) -> float | None:
        deadline = time.perf_counter() + timeout
        while True:
            hits = [t for t, v in events if v == version]
            if len(hits) >= count:
                return hits[count - 1]
            if time.perf_counter() > deadline:
                return None
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), max(0.0, deadline - time.perf_counter()))
            except asyncio.TimeoutError:
                return None

    await client.start_io(sys.executable, "-m", "shotspec", "lsp",
                          env={"PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1",
                               "PATH": "/usr/bin:/bin",
                               "SHOTSPEC_LSP_LOG": "DEBUG", "SHOTSPEC_LSP_LOG_FILE": str(log)})
    await client.initialize_async(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
    client.initialized(lsp.InitializedParams())
    uri = path.as_uri()
    t0 = time.perf_counter()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="shot", version=1, text=text)))
    opened = await wait(1, 1, 60.0)
    out: dict[str, list[float]] = {"open": [opened - t0] if opened else [], "first": [], "full": []}
    lines = text.split("\n")
    line = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].strip().startswith("lens"))
    col = lines[line].index("85mm")
    version = 1
    for k in range(keystrokes):
        version += 1
        new = "58"[k % 2]                 # 85mm → 55mm → 85mm …: always a valid lens
        rng = lsp.Range(start=lsp.Position(line=line, character=col),
                        end=lsp.Position(line=line, character=col + 1))
        sent = time.perf_counter()
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text=new)]))
        first = await wait(version, 1)
        full = await wait(version, 2, 5.0)
        if first:
            out["first"].append(first - sent)
        if full:
            out["full"].append(full - sent)
    burst_start = len(events)
    for k in range(20):
        version += 1
        rng = lsp.Range(start=lsp.Position(line=line, character=col),
                        end=lsp.Position(line=line, character=col + 1))
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text="58"[k % 2])]))
        await asyncio.sleep(0.03)
    last_sent = time.perf_counter()
    last_first = await wait(version, 1, 10.0)
    await wait(version, 2, 10.0)
    out["burst_publishes"] = [float(len(events) - burst_start)]
    out["burst_last"] = [last_first - last_sent] if last_first else []
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return out


def _in_process(text: str, path: Path, repeat: int = 5) -> dict[str, list[float]]:
    from shotspec.compiler import compile_source
    from shotspec.lsp.analysis import analyse
    from shotspec.lsp.incremental import quick_result

    previous = analyse(text, str(path), 1)
    at = text.index("lens 85mm", len(text) // 2)
    edited = text[:at] + "lens 55mm" + text[at + len("lens 85mm"):]
    rows: dict[str, list[float]] = {"compile": [], "quick": [], "convert": []}
    quick, toks = quick_result(previous, edited, str(path))
    for _ in range(repeat):
        t = time.perf_counter()
        result = compile_source(text, str(path))
        rows["compile"].append(time.perf_counter() - t)
        t = time.perf_counter()
        quick_result(previous, edited, str(path))
        rows["quick"].append(time.perf_counter() - t)
        t = time.perf_counter()
        analyse(edited, str(path), 2, result=quick, toks=toks)
        rows["convert"].append(time.perf_counter() - t)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keystrokes", type=int, default=20)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    text = big_spec(args.lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.shot"
        path.write_text(text, encoding="utf-8")
        log = Path(folder) / "server.log"
        editor = asyncio.run(_editor_run(text, path, args.keystrokes, log))
        logged = _LOGGED.findall(log.read_text(encoding="utf-8"))
        parts = _in_process(text, path)
    table = Table(title=f"shot lsp: keystroke → diagnostics, {text.count(chr(10))}-line spec "
                        f"({text.count('shot s')} shots)")
    table.add_column("measure")
    table.add_column("time", justify="right")
    table.add_row("didOpen → first diagnostics (full compile)", _ms(editor["open"]))
    table.add_row("keystroke → first diagnostics (one-shot compile)", _ms(editor["first"]))
    table.add_row("keystroke → full-compile diagnostics", _ms(editor["full"]))
    table.add_row("20 keystrokes 30 ms apart: publishes", f"{editor['burst_publishes'][0]:.0f}")
    table.add_row("20 keystrokes 30 ms apart: last keystroke → diagnostics", _ms(editor["burst_last"]))
    table.add_row("server's own log: one-shot compile + publish",
                  _ms([int(ms) / 1000 for _, kind, ms in logged if kind == "one-shot"]))
    table.add_row("server's own log: full compile",
                  _ms([int(ms) / 1000 for _, kind, ms in logged if kind == "full"]))
    table.add_row("in process: full compile", _ms(parts["compile"]))
    table.add_row("in process: one-shot compile + merge", _ms(parts["quick"]))
    table.add_row("in process: diagnostics → LSP", _ms(parts["convert"]))
    console = Console()
    console.print(table)
    try:
        from bench_env import machine_line

        console.print(machine_line())
    except ImportError:
        pass


if __name__ == "__main__":
    main()
