"""The wheel carries every package, the grammar, the specs and the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"core": "shotspec", "grammar": "shotspec/grammar", "compiler": "shotspec/compiler",
           "runtime": "shotspec/runtime", "cli": "shotspec/cli", "specs": "shotspec/specs",
           "prompt": "shotspec/prompt"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                           str(out), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (whl,) = out.glob("shotspec-*.whl")
    return zipfile.ZipFile(whl)


def _expected_files() -> set[str]:
    """Every .py under a mapped folder that is part of a package (its folder has __init__.py)."""
    expected = set()
    for folder, pkg in FOLDERS.items():
        base = ROOT / folder
        if not (base / "__init__.py").exists():
            continue
        for py in base.rglob("*.py"):
            if "__pycache__" in py.parts:
                continue
            rel = py.relative_to(base)
            if all((base / Path(*rel.parts[:i]) / "__init__.py").exists() for i in range(len(rel.parts))):
                expected.add(f"{pkg}/{rel.as_posix()}")
    return expected


def test_wheel_has_every_module(wheel):
    names = set(wheel.namelist())
    missing = sorted(_expected_files() - names)
    assert not missing, f"modules dropped from the wheel: {missing}"


def test_wheel_has_grammar_specs_and_script(wheel):
    names = set(wheel.namelist())
    assert "shotspec/grammar/shot.lark" in names
    assert "shotspec/specs/closeup.shot" in names
    assert any(n.startswith("shotspec/specs/presets/") and n.endswith(".shot") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "shot = shotspec.cli.main:main" in wheel.read(entry).decode()
    assert not any(n.startswith(("tests/", "compiler/", "runtime/")) for n in names)
