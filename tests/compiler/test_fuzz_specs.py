"""Mutated example specs never raise: compile_source only ever returns diagnostics."""

from __future__ import annotations

import random
from pathlib import Path

from shotspec.compiler import (compile_source, diagnostics_to_json, format_source,
                               render_diagnostics)

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
