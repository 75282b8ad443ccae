"""Generated and mutated specs never raise: compile_source only ever returns diagnostics, and
printing, planning and formatting them never fail either."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shotspec.compiler import (compile_source, diagnostics_to_json, format_source,
                               render_diagnostics)
from shotspec.compiler.diagnostics import CODES

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
SOURCES = [p for p in sorted(SPECS.rglob("*.shot"))]
KEYWORDS = ["shot", "camera", "lens", "aperture", "lighting", "finish", "grain", "output",
            "character", "skin", "extends", "import", "use", "from", "ratio"]
JUNK = ["@", "\x00", "}", "{", '"', "/*", "::", "1:", "f/", "#zz", "\u00e9", "85", ";;", ",", "\n"]


def mutate(text: str, rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:                                  # delete a brace
        braces = [i for i, c in enumerate(text) if c in "{}"]
        if not braces:
            return text
        i = rng.choice(braces)
        return text[:i] + text[i + 1:]
    if kind == 1:                                  # misspell a keyword
        word = rng.choice(KEYWORDS)
        if word in text:
            j = rng.randrange(len(word))
            bad = word[:j] + word[j + 1:] + rng.choice("xyz")
            return text.replace(word, bad, 1)
        return text
    if kind == 2:                                  # wrong units
        for a, b in (("mm", "deg"), ("K", "m"), ("f/", ""), ("deg", "K"), ("x", "mm"), (":", "/")):
            if a in text and rng.random() < 0.5:
                return text.replace(a, b, 1)
        return text.replace("m\n", "\n", 1)
    if not text:
        return rng.choice(JUNK)
    if kind == 3:                                  # junk bytes
        i = rng.randrange(len(text))
        return text[:i] + rng.choice(JUNK) + text[i:]
    if kind == 4:                                  # truncation
        return text[: rng.randrange(len(text))]
    i, j = sorted(rng.randrange(len(text)) for _ in range(2))   # swap two slices
    return text[:i] + text[j:] + text[i:j]


def test_two_hundred_mutations_only_give_diagnostics():
    rng = random.Random(1234)
    texts = {p: p.read_text() for p in SOURCES}
    errors = 0
    for n in range(200):
        path = rng.choice(SOURCES)
        text = texts[path]
        for _ in range(rng.randint(1, 3)):
            text = mutate(text, rng)
        result = compile_source(text, path, overrides=["camera.lens=50mm"] if n % 7 == 0 else ())
        assert result.ok == (result.program is not None)
        assert result.dependencies and result.dependencies[0] == str(path)
        for d in result.diagnostics:
            assert d.code[0] in "EW" and d.message
            if d.span is not None:
                assert d.span.line >= 1 and d.span.col >= 1
        render_diagnostics(result.diagnostics, result.sources)
        diagnostics_to_json(result.diagnostics)
        format_source(text, str(path))
        errors += not result.ok
    assert errors > 100          # the mutations really break things


# ---------------------------------------------------------------------------- hypothesis
# Grammar-aware generation and mutation (tests/compiler/spec_grammar.py). A few hundred cases
# in the default run; `pytest -m slow` runs 10,000 more with fresh random seeds.



_grammar = importlib.util.spec_from_file_location("spec_grammar", Path(__file__).with_name("spec_grammar.py"))
G = importlib.util.module_from_spec(_grammar)
_grammar.loader.exec_module(G)
QUICK, MANY = G.quick(200), G.many(10_000)
ANCHORS = (SPECS / "fuzz.shot", SPECS / "examples" / "fuzz.shot")   # imports resolve from both


def never_raises(text: str, anchor: Path, overrides: list[str]) -> bool:
    """Compile, print, plan and format ``text``; every outcome is a value. True when it compiled."""
    from shotspec.compiler.plan import build_plan

    result = compile_source(text, anchor, overrides=overrides)
    assert result.ok == (result.program is not None)
    for d in result.diagnostics:
        assert d.code in CODES and d.message and d.severity in ("error", "warning"), d
        if d.span is not None:
            assert d.span.line >= 1 and d.span.col >= 1, d
    shown = render_diagnostics(result.diagnostics, result.sources)
    assert len(shown) <= 400 + 1_500 * len(result.diagnostics)      # echoes are capped
    diagnostics_to_json(result.diagnostics)
    if result.ok:
        build_plan(result.program)
    formatted, diags = format_source(text, str(anchor))
    if formatted is not None:
        again, _ = format_source(formatted, str(anchor))
        assert again == formatted, "fmt is not idempotent"
    else:
        assert any(d.is_error for d in diags)
    return result.ok


def _property(text: str, anchor: Path, overrides: list[str]) -> None:
    never_raises(text, anchor, overrides)


case = given(text=G.any_spec(), anchor=st.sampled_from(ANCHORS), overrides=G.OVERRIDES)
test_generated_specs_only_give_diagnostics = QUICK(case(_property))
test_generated_specs_only_give_diagnostics_10k = pytest.mark.slow(MANY(case(_property)))


def test_the_generator_reaches_past_the_parser():
    """Sanity of the fuzzer itself: its specs both compile and fail, in every phase."""
    codes: set[str] = set()
    compiled = []

    @settings(QUICK, max_examples=50)
    @given(G.specs())
    def collect(text):
        result = compile_source(text, ANCHORS[0])
        compiled.append(result.ok)
        codes.update(d.code[:2] for d in result.diagnostics)

    collect()
    assert 0.1 < sum(compiled) / len(compiled) < 0.9, f"{sum(compiled)} of {len(compiled)} compiled"
    assert {"E0", "E1", "E2"} <= codes
