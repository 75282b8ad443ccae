"""The command line itself: help with examples everywhere, usage errors exit 2, schema."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shotspec.cli.main import build_parser, main

COMMANDS = ("render", "watch", "check", "fmt", "explain", "ir", "schema", "enhance", "upscale",
            "info", "prompt", "identity")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"shot {command}" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["upscale", "in.png", "-o", "out.png", "--scale", "5"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_schema_is_json_schema_of_the_ir(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "ProgramIR"
    assert "ShotIR" in schema["$defs"] and "CameraIR" in schema["$defs"]
    assert schema["$defs"]["CameraIR"]["additionalProperties"] is False


def test_version_flag():
    out = subprocess.run([sys.executable, "-m", "shotspec", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("shotspec ")


def test_parser_lists_every_command():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(COMMANDS) <= set(sub.choices)
