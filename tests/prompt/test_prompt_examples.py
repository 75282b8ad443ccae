"""Prompts for the shipped example specs, compiled for real, match reviewed expected files.

The files live in tests/prompt/expected/specs/<spec>.<shot>.<target>.(txt|json). After a
deliberate change (in the vocabulary, the templates, or the example specs and presets) run
``SHOTSPEC_REGEN=1 pytest tests/prompt`` and review the diff as a cinematographer would.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shotspec.compiler import compile_file
from shotspec.prompt import TARGETS, render_prompt

ROOT = Path(__file__).resolve().parents[2]
SPECS = [ROOT / "src" / "shotspec" / "specs" / "closeup.shot", *sorted((ROOT / "src" / "shotspec" / "specs" / "examples").glob("*.shot"))]
EXPECTED = Path(__file__).parent / "expected" / "specs"
REGEN = os.environ.get("SHOTSPEC_REGEN") == "1"


@pytest.fixture(scope="module")
def programs():
    out = {}
    for spec in SPECS:
        result = compile_file(str(spec))
        assert result.ok, [d.message for d in result.diagnostics]
        out[spec.stem] = result.program
    return out


def _cases():
    for spec in SPECS:
        for target in TARGETS:
            yield spec.stem, target


@pytest.mark.parametrize("stem, target", list(_cases()))
def test_example_spec_prompts_match_reviewed_files(programs, stem, target):
    program = programs[stem]
    for shot in program.shots:
        result = render_prompt(program, shot=shot.name, target=target,
                               checkpoint="sd_xl_base_1.0.safetensors")
        suffix = "json" if target == "comfyui" else "txt"
        path = EXPECTED / f"{stem}.{shot.name}.{target}.{suffix}"
        if REGEN:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(result.text, encoding="utf-8")
        assert path.exists(), f"{path} missing: run with SHOTSPEC_REGEN=1 and review it"
        assert result.text == path.read_text(encoding="utf-8"), f"{path.name} changed"


def test_default_spec_prompt_says_what_the_spec_says(programs):
    result = render_prompt(programs["closeup"], target="sdxl")
    for words in ("85mm short telephoto lens", "f/2", "focus on the eyes",
                  "soft key light 45° camera-right, above", "6:1 key-to-fill",
                  "loop lighting", "Monk scale 5 medium skin tone", "warm undertone",
                  "hazel eyes", "fine Kodak Vision3 250D film grain"):
        assert words in result.positive.split(", ") or words in result.positive, words
    assert result.seed == 1842          # the shot leaves seed at 0: the character's seed


def test_shots_of_one_character_share_seed_and_skin_words(programs):
    program = programs["two_shots"]
    close, medium = (render_prompt(program, shot=s, target="sdxl") for s in ("closeup", "medium"))
    assert close.seed == medium.seed == 77
    skin = [c for c in close.positive.split(", ") if "Monk" in c or "pores" in c]
    assert skin and all(c in medium.positive for c in skin)
    assert (medium.width, medium.height) == (960, 768)
