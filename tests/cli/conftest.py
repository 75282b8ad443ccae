"""Shared fixtures of the CLI tests: a working folder with the example plate and a spec."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"


@pytest.fixture
def plate_workdir(tmp_path, monkeypatch):
    """``make(spec_text)``: tmp_path with ``plate/`` (the example plate) and ``shot.shot``,
    made the current folder."""
    def make(spec: str) -> Path:
        shutil.copytree(SPECS / "examples" / "plate", tmp_path / "plate")
        (tmp_path / "shot.shot").write_text(spec)
        monkeypatch.chdir(tmp_path)
        return tmp_path
    return make
