"""Prompts per target match reviewed expected files; seed and size carry over; deterministic.

Regenerate the expected files after a deliberate wording change with
``SHOTSPEC_REGEN=1 pytest tests/prompt`` and read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shotspec.prompt import TARGETS, PromptError, render_prompt

EXPECTED = Path(__file__).parent / "expected"
REGEN = os.environ.get("SHOTSPEC_REGEN") == "1"


def _check_expected(name: str, text: str) -> None:
    path = EXPECTED / name
    if REGEN:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with SHOTSPEC_REGEN=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the reviewed file"


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("example", ["closeup", "closeup_wide", "window"])
def test_prompt_matches_reviewed_file(examples, program_of, example, target):
    result = render_prompt(program_of(examples[example]()), target=target,
                           checkpoint="sd_xl_base_1.0.safetensors" if target == "comfyui" else None)
    suffix = "json" if target == "comfyui" else "txt"
    _check_expected(f"{example}.{target}.{suffix}", result.text)


def test_first_shot_is_default_and_named_shot_is_picked(closeup_program):
    assert render_prompt(closeup_program).shot == "closeup"
    result = render_prompt(closeup_program, shot="window", target="sdxl")
    assert result.shot == "window"
    assert "35mm standard lens" in result.positive  # 53mm full-frame equivalent


@pytest.mark.parametrize("target", TARGETS)
def test_seed_carried_over(examples, program_of, target):
    result = render_prompt(program_of(examples["window"]()), target=target)
    assert result.seed == 20240611
    assert "# seed: 20240611" in result.text or result.workflow["5"]["inputs"]["seed"] == 20240611


@pytest.mark.parametrize("target, size", [
    ("generic", (1000, 1250)),      # kept as the spec says
    ("flux", (1008, 1248)),         # multiples of 16
    ("sdxl", (1024, 1280)),         # multiples of 64
    ("comfyui", (1024, 1280)),
])
def test_size_snapped_per_target(examples, program_of, target, size):
    result = render_prompt(program_of(examples["window"]()), target=target)
    assert (result.width, result.height) == size
    if target == "comfyui":
        latent = result.workflow["4"]["inputs"]
        assert (latent["width"], latent["height"]) == size
    elif size != (1000, 1250):
        assert f"# size: {size[0]}x{size[1]} (spec 1000x1250, snapped to multiples of" in result.text
    else:
        assert "# size: 1000x1250\n" in result.text


def test_sdxl_warns_far_above_native_size(make_closeup, program_of):
    from shotspec.compiler.ir import OutputIR
    big = make_closeup(output=OutputIR(path="/tmp/big.png", width=2048, height=2560))
    result = render_prompt(program_of(big), target="sdxl")
    assert (result.width, result.height) == (2048, 2560)
    assert any(w.startswith("W702") and "1024x1024" in w for w in result.warnings)
    assert not render_prompt(program_of(make_closeup()), target="sdxl").warnings


def test_flux_has_no_negative_and_says_so(make_closeup, program_of):
    result = render_prompt(program_of(make_closeup()), target="flux")
    assert result.negative is None
    assert "# none: this target does not use a negative prompt" in result.text
    assert "FLUX.1 takes no negative prompt" in result.text
    # Sentences: every clause ends with a full stop and the joined prompt is prose.
    body = result.text.split("[prompt]\n")[1].split("\n\n")[0].splitlines()
    assert all(line.endswith(".") for line in body)
    assert result.positive == " ".join(body)


def test_sdxl_text_form_pastes_to_the_same_prompt(make_closeup, program_of):
    result = render_prompt(program_of(make_closeup()), target="sdxl")
    body = result.text.split("[prompt]\n")[1].split("\n\n")[0].splitlines()
    assert " ".join(body) == result.positive
    neg = result.text.split("[negative prompt]\n")[1].strip().splitlines()
    assert " ".join(neg) == result.negative
    assert result.negative.startswith("airbrushed skin, plastic skin")


def test_spec_change_changes_one_clause(make_closeup, program_of):
    """One clause per line: a stop change shows up as exactly the lines that mention it."""
    from shotspec.compiler.ir import CameraIR
    a = render_prompt(program_of(make_closeup()), target="sdxl").text.splitlines()
    b = render_prompt(program_of(make_closeup(camera=CameraIR(
        focal_length_m=0.075, f_number=2.8, distance_m=0.6))), target="sdxl").text.splitlines()
    changed = [(x, y) for x, y in zip(a, b) if x != y]
    assert len(a) == len(b)
    assert changed == [("f/1.8,", "f/2.8,")]


def test_deterministic_across_processes(examples, program_of):
    here = {t: render_prompt(program_of(examples["closeup"]()), target=t).text for t in TARGETS}
    code = (
        "import sys, json; sys.path.insert(0, %r)\n"
        "from conftest import EXAMPLES, program\n"
        "from shotspec.prompt import render_prompt, TARGETS\n"
        "print(json.dumps({t: render_prompt(program(EXAMPLES['closeup']()), target=t).text "
        "for t in TARGETS}))\n" % str(Path(__file__).parent)
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    assert json.loads(proc.stdout) == here


def test_unknown_target_suggests_the_closest(make_closeup, program_of):
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), target="sdx")
    assert err.value.code == "E701"
    assert "did you mean `sdxl`" in err.value.hint


def test_unknown_shot_suggests_the_closest(closeup_program):
    with pytest.raises(PromptError) as err:
        render_prompt(closeup_program, shot="closup")
    assert err.value.code == "E702"
    assert err.value.file == "/tmp/example.shot"
    assert "did you mean `closeup`" in err.value.hint


def test_program_without_shots(program_of):
    with pytest.raises(PromptError) as err:
        render_prompt(program_of())
    assert err.value.code == "E702"
