"""``shot preview FILE``: start the render loop and the loopback server, announce the server to
the language server (``registry``), open the page, and run until Ctrl-C (or ``stop_event``)."""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from shotspec.cli.console import print_diagnostics
from shotspec.preview import registry

__all__ = ["run_preview", "cmd_preview"]


def run_preview(spec: str | Path, *, browser: bool = True, overrides=(), allow=(),
                device: str = "auto", poll: bool = False, port: int = 0, frame: int = 0,
                console: Console, err_console: Console, quiet: bool = False,
                stop_event: threading.Event | None = None,
                on_ready: Callable[[object], None] | None = None) -> int:
    """Serve the preview of ``spec``; returns the exit code. ``on_ready(server)`` is called
    once the server listens (tests read its ``url`` and ``token``)."""
    from shotspec.compiler import Diagnostic, read_spec_text
    from shotspec.preview.frames import PreviewRenderer
    from shotspec.preview.server import PreviewServer
    from shotspec.preview.state import PreviewState
    from shotspec.preview.worker import PreviewWorker
    from shotspec.runtime.device import DeviceError

    spec = Path(spec).resolve()
    _, problem = read_spec_text(str(spec))
    if problem is not None:
        print_diagnostics([problem], {}, console=console, err_console=err_console)
        return 1
    try:
        renderer = PreviewRenderer(spec, overrides=overrides, allow=allow, device=device, frame=frame)
    except DeviceError as exc:
        print_diagnostics([Diagnostic("E604", "error", exc.message, None, exc.hint)], {},
                          console=console, err_console=err_console)
        return 1
    state = PreviewState(spec)
    worker = PreviewWorker(renderer, state.publish, poll=poll, highlight=state.set_highlight,
                           sequences=state.set_sequences)
    server = PreviewServer(spec, state, worker, port=port)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                               daemon=True, name="preview-http")
    stop = stop_event or threading.Event()
    try:
        worker.start()
        serving.start()
        registry.announce(spec, server.server_address[1], server.token)
        if not quiet:
            console.print(f"previewing {spec.name} at {server.url} (Ctrl-C to stop)",
                          markup=False, highlight=False)
        if browser:
            webbrowser.open(server.url)
        if on_ready is not None:
            on_ready(server)
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        registry.withdraw(spec)
        if serving.is_alive():
            server.shutdown()
        server.server_close()
        worker.stop()
    return 0


def cmd_preview(args) -> int:
    """The ``shot preview`` command (``cli.main`` parses its options)."""
    from shotspec.cli.console import make_console

    return run_preview(args.file, browser=not args.no_browser, overrides=args.overrides,
                       allow=args.allow, device=args.device, poll=args.poll, port=args.port,
                       frame=args.frame,
                       console=make_console(), err_console=make_console(stderr=True),
                       quiet=getattr(args, "quiet", False))
