"""`shot lsp` in a real Neovim (headless), configured by editors/neovim/shot.lua exactly as a
user would: the buffer gets the filetype, the diagnostics `shot check` prints (codes, lines,
columns, messages with their help) and a hover with the key's docs. Skipped without `nvim`
(`.ci/run` installs Debian's neovim when it can)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shotspec.compiler import compile_file

ROOT = Path(__file__).resolve().parents[2]
SPEC = (ROOT / "editors" / "lint_and_typo.shot").read_text()

pytestmark = pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is missing (apt-get install -y neovim)")


def test_neovim_shows_the_diagnostics_and_hover_of_shot_check(tmp_path):
    spec = tmp_path / "portrait.shot"
    spec.write_text(SPEC)
    out = tmp_path / "out.json"
    env = dict(os.environ, SHOT_CONFIG=str(ROOT / "editors" / "neovim" / "shot.lua"), SHOT_PYTHON=sys.executable,
               SHOT_SPEC=str(spec), SHOT_OUT=str(out), SHOT_HOVER="7,11", HOME=str(tmp_path),
               XDG_RUNTIME_DIR=str(tmp_path))
    subprocess.run(["nvim", "--headless", "--clean", "-u", str(ROOT / "tests" / "editors" / "nvim_driver.lua")],
                   env=env, cwd=tmp_path, check=True, timeout=120, capture_output=True)
    result = json.loads(out.read_text())
    assert result["filetype"] == "shot"
    expected = compile_file(spec).diagnostics
    got = sorted((d["code"], d["lnum"] + 1, d["col"] + 1) for d in result["diagnostics"])
    assert got == sorted((d.code, d.span.line, d.span.col) for d in expected)
    assert {d["code"] for d in result["diagnostics"]} == {"W101", "E101"}
    unknown = next(d for d in result["diagnostics"] if d["code"] == "E101")
    assert "did you mean `exposure`" in unknown["message"] and unknown["severity"] == 1
    assert "focal length" in result["hover"] and "mm" in result["hover"]
