"""``shot fmt``: canonical, idempotent, keeps comments, never changes meaning."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from shotspec.compiler import compile_source, format_source

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
SHIPPED = sorted(SPECS.rglob("*.shot"))


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k not in ("span", "origins")}
    if isinstance(value, (list, tuple)):
        return [strip(v) for v in value]
    return value


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_specs_are_canonical(path):
    text = path.read_text()
    out, diags = format_source(text, str(path))
    assert diags == [] and out == text


def test_messy_input_gets_the_canonical_layout():
    messy = ('character m { seed 1;skin { pores 80% } } // who\n'
             'shot a {camera{lens 85 mm ; aperture f/2}\n\n\n'
             '  lighting { key area { from 45deg right, // side\n 30deg up; intensity -1.5stops } } }\n')
    out, _ = format_source(messy, "x.shot")
    assert out == (
        "character m {\n  seed 1\n  skin {\n    pores 80%\n  }\n}  // who\n\n"
        "shot a {\n  camera {\n    lens 85mm\n    aperture f/2\n  }\n\n"
        "  lighting {\n    key area {\n      from 45deg right,  // side\n        30deg up\n"
        "      intensity -1.5 stops\n    }\n  }\n}\n")
    assert format_source(out, "x.shot")[0] == out


def test_unparseable_input_is_left_alone():
    out, diags = format_source("shot a { camera { lens 85mm }", "x.shot")
    assert out is None and [d.code for d in diags] == ["E003"]


# ---------------------------------------------------------------- generated specs

values = st.sampled_from(["85mm", "0.7 m", "f/2.8", "1:4", "45deg right, 30deg up", "5600K",
                          "#ffddaa", "250D 0.35", "2x detail", "-1 stops", "0.5", "80%", "eyes"])
keys = st.sampled_from(["lens", "aperture", "from", "ratio", "temperature", "pores", "grain"])
comments = st.sampled_from(["", "  // note", " /* c */"])
seps = st.sampled_from(["\n", "; ", "\n\n", ";\n"])


@st.composite
def blocks(draw, depth=0):
    stmts = []
    for _ in range(draw(st.integers(0, 3))):
        stmt = f"{draw(keys)} {draw(values)}"
        if depth < 2 and draw(st.booleans()):
            stmt = f"{draw(keys)} {draw(blocks(depth + 1))}"
        stmts.append(stmt + draw(comments).replace("//", "/* x */ //") if False else stmt)
    body = draw(seps).join(stmts)
    return "{" + draw(st.sampled_from([" ", "\n"])) + body + draw(st.sampled_from([" ", "\n"])) + "}"


@st.composite
def specs(draw):
    items = []
    for i in range(draw(st.integers(1, 3))):
        head = draw(st.sampled_from([f"shot s{i}", f"character c{i}", f"preset p{i} camera"]))
        items.append(f"{head} {draw(blocks())}{draw(comments)}")
    lead = draw(st.sampled_from(["", "// header\n", "/* head */\n"]))
    return lead + "\n".join(items) + "\n"


@settings(max_examples=50, deadline=None)
@given(specs())
def test_formatting_is_idempotent_and_keeps_comments(src):
    out, diags = format_source(src, "gen.shot")
    assert diags == [], src
    assert format_source(out, "gen.shot")[0] == out
    for marker in ("// note", "/* c */", "// header", "/* head */"):
        assert src.count(marker) == out.count(marker)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_formatting_keeps_the_ir(path, tmp_path):
    messy = "\n\n".join(line.strip() for line in path.read_text().splitlines())
    messy = messy.replace("mm\n", " mm\n").replace("{\n\n", "{ ")
    target = path  # same folder, so relative imports and paths still resolve
    before = compile_source(path.read_text(), target)
    after = compile_source(format_source(messy, str(path))[0], target)
    assert before.ok and after.ok
    assert strip(before.program.model_dump()) == strip(after.program.model_dump())
