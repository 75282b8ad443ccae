"""The VS Code extension's client side: how it finds `shot`, and that what it starts answers.

editors/vscode/server_path.js picks the executable (setting, workspace .venv, PATH); its node
tests run here. test/lsp_smoke.js then starts the server exactly as extension.js does (that
executable, argument `lsp`, LSP over stdio) in a workspace whose .venv/bin/shot is this
checkout's shotspec, opens a spec with an unknown key and must get the compiler's E101.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from token_classes import EXTENSION, ROOT  # noqa: E402

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@needs_node
def test_the_server_path_rules():
    run = subprocess.run([NODE, "--test", "test/server_path.test.js"], cwd=EXTENSION,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# pass 5" in run.stdout and "# fail 0" in run.stdout


@needs_node
def test_the_extension_code_parses():
    for name in ("extension.js", "server_path.js", "test/tokenize.js", "test/lsp_smoke.js"):
        run = subprocess.run([NODE, "--check", name], cwd=EXTENSION, capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0, f"{name}: {run.stderr}"


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.skipif(not (EXTENSION / "node_modules" / "vscode-languageserver-protocol").exists(),
                    reason="npm packages missing: run `npm ci` in editors/vscode")
@pytest.mark.skipif(importlib.util.find_spec("shotspec.lsp") is None
                    or importlib.util.find_spec("pygls") is None,
                    reason="this shotspec has no `shot lsp` (shotspec.lsp and pygls)")
def test_the_extension_starts_shot_lsp_from_the_workspace_venv(tmp_path):
    shot = tmp_path / ".venv" / "bin" / "shot"
    shot.parent.mkdir(parents=True)
    shot.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT / "src"}" exec "{sys.executable}" '
                    '-m shotspec "$@"\n')
    shot.chmod(0o755)
    spec = tmp_path / "bad.shot"
    spec.write_text("shot s {\n  camera { lense 85mm }\n}\n")
    run = subprocess.run([NODE, "test/lsp_smoke.js", str(tmp_path), str(spec)], cwd=EXTENSION,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["command"] == str(shot)
    assert result["server"]["name"] == "shotspec"
    assert [(d["code"], d["line"]) for d in result["diagnostics"]] == [("E101", 1)]
    assert "did you mean `lens`" in result["diagnostics"][0]["message"]


def test_the_language_configuration_matches_the_grammar():
    """Comment markers are the Lark grammar's; on every shipped spec the indentation rules
    indent after exactly the lines that leave a `{` open and outdent the lines that start
    with `}`."""
    import re

    from token_classes import example_specs, lark_tokens

    config = json.loads((EXTENSION / "language-configuration.json").read_text(encoding="utf-8"))
    assert config["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}
    assert config["brackets"] == [["{", "}"]]
    increase = re.compile(config["indentationRules"]["increaseIndentPattern"])
    decrease = re.compile(config["indentationRules"]["decreaseIndentPattern"])
    checked = 0
    for path in example_specs():
        text = path.read_text(encoding="utf-8")
        depth_change: dict[int, list[int]] = {}
        for tok in lark_tokens(text):
            if tok.cls in ("lbrace", "rbrace"):
                depth_change.setdefault(tok.line, []).append(1 if tok.cls == "lbrace" else -1)
        for lineno, line in enumerate(text.splitlines(), start=1):
            opened = 0
            for step in depth_change.get(lineno, []):
                opened = max(opened + step, 0) if step < 0 else opened + step
            assert bool(increase.search(line)) == (opened > 0), f"{path.name}:{lineno}: {line}"
            assert bool(decrease.search(line)) == line.lstrip().startswith("}"), line
            checked += 1
    assert checked > 300
