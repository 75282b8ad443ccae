"""The grammar: strict-mode clean, literal terminals, comments, several shots per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotspec.grammar import build_parser, parser

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"


def test_strict_mode_builds_without_conflicts():
    pytest.importorskip("interegular")
    build_parser(strict=True, cache=False)


@pytest.mark.parametrize("text,kind", [
    ("85mm", "QUANTITY"), ("0.75m", "QUANTITY"), ("45deg", "QUANTITY"), ("5600K", "QUANTITY"),
    ("80%", "QUANTITY"), ("2x", "QUANTITY"), ("-1.5stops", "QUANTITY"), ("f/1.8", "FNUMBER"),
    ("1:4", "RATIO"), ("1024x1280", "SIZE"), ("36x24mm", "SIZE"), ("#ffddaa", "COLOR"),
    ("250D", "TAG"), ("mara.eyes", "DOTTED"), ('"renders/a.png"', "STRING"), ("0.35", "NUMBER"),
    ("-2", "NUMBER"), ("loop", "NAME"),
])
def test_literal_terminals(text, kind):
    tree = parser().parse(text, start="args")
    atom = tree.children[0].children[0]
    assert (atom.type, str(atom)) == (kind, text)


def test_groups_split_at_commas():
    tree = parser().parse("45deg right, 30deg up", start="args")
    groups = [[str(t) for t in g.children] for g in tree.children if hasattr(g, "children")]
    assert groups == [["45deg", "right"], ["30deg", "up"]]


def test_several_shots_comments_and_semicolons():
    src = """// a comment
    /* a block
       comment */
    shot a { camera { lens 85mm; aperture f/2 } }  // trailing
    shot b extends a { seed 3 }
    preset soft lighting { key area { size 1m } }
    allow W101, W102
    """
    tree = parser().parse(src, start="start")
    kinds = [c.data for c in tree.children]
    assert kinds == ["shot_def", "shot_def", "preset_def", "allow_stmt"]


@pytest.mark.parametrize("path", sorted(SPECS.rglob("*.shot")), ids=lambda p: p.name)
def test_every_shipped_spec_parses(path):
    parser().parse(path.read_text(), start="start")
