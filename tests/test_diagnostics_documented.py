"""Every diagnostic code the project can emit is listed in docs/diagnostics.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "shotspec"
CODE = re.compile(r"""["'`]([EW][0-9]{3})["'`]""")


def _emitted_codes() -> set[str]:
    codes: set[str] = set()
    for py in PACKAGE.rglob("*.py"):
        codes.update(CODE.findall(py.read_text(encoding="utf-8")))
    return codes


def test_every_emitted_code_is_documented():
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\b([EW][0-9]{3})\b", doc))
    missing = sorted(_emitted_codes() - documented)
    assert not missing, f"codes used in the source but missing from docs/diagnostics.md: {missing}"


def test_the_scan_finds_codes_from_every_layer():
    codes = _emitted_codes()
    assert {"E001", "E201", "E501", "E603"} <= codes
