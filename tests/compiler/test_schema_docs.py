"""docs/language.md's parameter tables are the schema's: the test fails when they drift."""

from __future__ import annotations

import re
from pathlib import Path

from shotspec.compiler.schema_docs import TABLES, update_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"


def test_language_doc_tables_equal_the_generated_ones():
    text = DOC.read_text(encoding="utf-8")
    assert update_doc(text) == text, "run `python tools/schema_tables.py` to regenerate"


def test_every_table_is_in_the_doc_once():
    names = re.findall(r"<!-- schema:(\w+) -->", DOC.read_text(encoding="utf-8"))
    assert sorted(names) == sorted(TABLES)


def test_a_changed_range_shows_up_in_the_rendered_table():
    camera = TABLES["camera"]()
    assert "| `blades` | whole number | 0…32 | `9` |" in camera
    assert "| `pitch` | angle (`45deg`) | −90…90 deg | 0 deg |" in camera
    assert "−20…20 stops" in TABLES["pass_fields"]()
