"""The identity build's skin measurements on hold-out renders: people, views and lights that
``tools/calibrate_identity.py`` did not fit its tables on (the closed-loop tests' poses and rigs,
tests/runtime/conftest.py), several known skins each, measured through ``build_identity`` as
`shot identity build` does. Prints one row per skin: truth, recovered, error.

    PYTHONPATH=src python bench/identity_skin_holdout.py [--seeds 11 17]

About 15 s of CPU per row (nine 96×120 renders).
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
# (tone, undertone, redness): the tests' person first, then across tone, redness and undertone
SKINS = ((4.0, "warm", 0.4), (2.5, "neutral", 0.1), (6.0, "cool", 0.2), (8.0, "neutral", 0.7),
         (4.0, "cool", 0.1), (5.0, "warm", 0.8))


def _fixtures():
    """The closed-loop tests' renderer (``person``, ``render_set``: 3 poses × 3 rigs at 96×120)."""
    spec = importlib.util.spec_from_file_location("identity_fixtures", ROOT / "tests" / "runtime" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[11])
    args = ap.parse_args(argv)
    from shotspec.runtime.identity import build_identity

    fx = _fixtures()
    table = Table(title="skin on hold-out renders (3 views × 3 rigs, 96×120)")
    for col in ("seed", "truth tone / undertone / redness", "recovered", "tone err", "redness err",
                "undertone"):
        table.add_column(col)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for k, (tone, undertone, redness) in enumerate(SKINS):
                folder = Path(tmp) / f"s{seed}_{k}"
                fx.render_set(fx.person(tone=tone, undertone=undertone, redness=redness, seed=seed), folder)
                got = build_identity(folder, Path(tmp) / "x.identity", seed=1).identity
                s = got.skin
                table.add_row(str(seed), f"{tone:g} / {undertone} / {redness:g}",
                              f"{s.tone:.2f} / {s.undertone} / {s.redness:.2f} "
                              f"(index {got.stats['undertone_index']:+.3f}, {got.stats['photos_used']} photos)",
                              f"{s.tone - tone:+.2f}", f"{s.redness - redness:+.2f}",
                              "ok" if s.undertone == undertone else "WRONG")
    Console(width=160).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
