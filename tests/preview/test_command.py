"""``shot preview`` on the command line: a missing spec is a diagnostic (exit 1), the help names
the flags, and the announcement is withdrawn when the preview stops."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from shotspec.cli.main import build_parser, main
from shotspec.preview import registry

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"


def test_a_missing_spec_is_a_diagnostic(tmp_path, capsys):
    assert main(["preview", str(tmp_path / "nope.shot"), "--no-browser"]) == 1
    err = capsys.readouterr().err
    assert "E301" in err and "nope.shot" in err


def test_the_help_names_the_flags():
    sub = build_parser()._subparsers._group_actions[0].choices["preview"]
    text = sub.format_help()
    assert "--no-browser" in text and "--port" in text and "--set" in text


def test_stopping_withdraws_the_announcement(tmp_path, monkeypatch):
    from shotspec.cli.console import make_console
    from shotspec.preview.command import run_preview

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    shutil.copytree(SPECS / "examples" / "plate", tmp_path / "plate")
    spec = tmp_path / "shot.shot"
    spec.write_text('shot p {\n  source plate "plate/portrait.png"\n  output "o.png" { size 32x40 }\n}\n')
    stop, seen = threading.Event(), {}

    def ready(server):
        seen["found"] = registry.find_preview(spec)
        seen["port"] = server.server_address[1]
        stop.set()

    quiet = make_console(quiet=True)
    code = run_preview(spec, browser=False, device="cpu", quiet=True, console=quiet,
                       err_console=quiet, stop_event=stop, on_ready=ready)
    assert code == 0
    assert seen["found"] is not None and seen["found"].port == seen["port"]
    assert registry.find_preview(spec) is None
