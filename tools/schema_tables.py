"""Re-render the parameter tables of docs/language.md from the schema on the IR models.

    python tools/schema_tables.py          # rewrite the doc
    python tools/schema_tables.py --check  # exit 1 when the doc drifts from the schema
"""

from __future__ import annotations

import sys
from pathlib import Path

from shotspec.compiler.schema_docs import update_doc

DOC = Path(__file__).resolve().parents[1] / "docs" / "language.md"


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    fresh = update_doc(text)
    if "--check" in argv:
        return 0 if fresh == text else 1
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
