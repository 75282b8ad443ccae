"""Regenerate ``FACE_CONTROL_SD_MM`` in src/shotspec/head_vocabulary.py from the packaged head.

    python tools/face_control_table.py [--check]

The compiler converts a length (``jaw_width +4mm``) to population SDs with that table and must
stay torch-free, so the values live in the vocabulary module; this script rewrites the block
between its ``---- regenerate`` and ``---- end`` markers from the gradients the head's data file
carries (one SD = the length of a measure's gradient over the identity modes). ``--check`` exits
1 when the table differs (the tests run the same comparison).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOCAB = ROOT / "src" / "shotspec" / "head_vocabulary.py"


def table_text() -> str:
    from shotspec.runtime.head.model import load_head

    head = load_head()
    sd = head.control_sd_mm()
    lines = [f"# ---- regenerate: population SD of each control's measure in millimetres over the",
             f"# ---- packaged head's {head.n_modes} identity modes (tools/face_control_table.py).",
             "FACE_CONTROL_SD_MM: dict[str, float] = {"]
    lines += [f'    "{name}": {sd[name]:.2f},' for name in head.control_names]
    lines += ["}"]
    return "\n".join(lines) + "\n"


def rewrite(text: str) -> str:
    pattern = re.compile(r"# ---- regenerate:.*?\n}\n", re.S)
    if not pattern.search(text):
        raise SystemExit("error: no regenerate block in head_vocabulary.py")
    return pattern.sub(lambda _: table_text(), text, count=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = VOCAB.read_text()
    new = rewrite(text)
    if args.check:
        return 0 if new == text else 1
    VOCAB.write_text(new)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
