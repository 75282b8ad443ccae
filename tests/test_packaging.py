"""The wheel carries every file of src/shotspec (modules, grammar, specs, data) and the script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "shotspec"


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
    """Every file git tracks under src/shotspec: modules, grammar, specs, templates, data."""
    proc = subprocess.run(["git", "ls-files", "src/shotspec"], cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode == 0 and proc.stdout.strip():
        files = [ROOT / line for line in proc.stdout.splitlines()]
    else:   # not a git checkout: every file but caches
        files = [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return {f"shotspec/{f.relative_to(PACKAGE).as_posix()}" for f in files}


def test_every_package_folder_has_an_init():
    """A folder of modules without ``__init__.py`` would be left out of the wheel."""
    for py in PACKAGE.rglob("*.py"):
        if "__pycache__" not in py.parts:
            assert (py.parent / "__init__.py").exists(), f"{py.parent} has no __init__.py"


def test_wheel_has_every_module(wheel):
    names = set(wheel.namelist())
    missing = sorted(_expected_files() - names)
    assert not missing, f"files dropped from the wheel: {missing}"


def test_wheel_has_grammar_specs_and_script(wheel):
    names = set(wheel.namelist())
    assert "shotspec/grammar/shot.lark" in names
    assert "shotspec/specs/closeup.shot" in names
    assert any(n.startswith("shotspec/specs/presets/") and n.endswith(".shot") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "shot = shotspec.cli.main:main" in wheel.read(entry).decode()
    assert not any(n.startswith(("tests/", "compiler/", "runtime/")) for n in names)
