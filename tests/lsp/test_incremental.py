"""The keystroke path: an edit inside one shot recompiles that shot alone; its diagnostics
match a full compile's, and the other shots' move with the lines the edit added."""

from __future__ import annotations

from pathlib import Path

from shotspec.compiler import compile_source
from shotspec.lsp.analysis import analyse
from shotspec.lsp.incremental import quick_result
from shotspec.lsp.text import tokens

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"


def spec(n_shots: int, lens: dict[int, str]) -> str:
    parts = [f'import "{SPECS / "presets" / "lighting.shot"}"\n\ncharacter mara {{\n  seed 3\n}}\n']
    for i in range(n_shots):
        parts.append(f'shot s{i} {{\n  character mara\n  camera {{\n    lens {lens.get(i, "85mm")}\n'
                     f'    distance 0.75m\n  }}\n  lighting {{\n    use loop\n  }}\n'
                     f'  output "s{i}.png"\n}}\n')
    return "\n".join(parts)


def keyed(diags):
    return [(d.code, d.span and (d.span.line, d.span.col), d.file, d.message) for d in diags]


def test_an_edit_inside_a_shot_gives_the_full_compiles_diagnostics(tmp_path):
    path = str(tmp_path / "many.shot")
    before = spec(12, {2: "24mm", 9: "24mm"})
    previous = analyse(before, path, 1)
    assert [d.code for d in previous.result.diagnostics].count("W101") == 2
    # shot 5 gains a wrong key and two lines: shot 9's warning moves down by two lines
    after = before.replace('shot s5 {\n  character mara\n',
                           'shot s5 {\n  character mara\n  seed 4\n\n  lenz 3\n')
    quick, toks = quick_result(previous, after, path)
    full = compile_source(after, path)
    assert toks == tokens(after)          # only shot 5 was lexed again
    assert keyed(quick.diagnostics) == keyed(full.diagnostics)
    assert [d.code for d in quick.diagnostics if d.code != "W115"] == ["W101", "E101", "W101"]
    assert quick.program is None          # hover keeps reading the last full compile


def test_edits_outside_one_shot_need_the_full_compile(tmp_path):
    path = str(tmp_path / "many.shot")
    before = spec(3, {})
    previous = analyse(before, path, 1)
    assert quick_result(previous, before.replace("seed 3", "seed 4"), path) is None   # character
    opened = before.replace("lens 85mm", "lens 85mm {", 1)                           # braces moved
    assert quick_result(previous, opened, path) is None
    two = before.replace("lens 85mm", "lens 50mm")                                     # every shot
    assert quick_result(previous, two, path) is None


def test_an_unchanged_import_is_parsed_once_and_its_errors_still_reported(tmp_path, monkeypatch):
    from shotspec.compiler import parser

    (tmp_path / "lib.shot").write_text("preset p lighting {\n  key area {\n    size 1m }}\n}\n")
    main = 'import "lib.shot"\nshot a {\n  output "a.png"\n}\n'
    calls = []
    real = parser.parse_module
    monkeypatch.setattr(parser, "parse_module", lambda *a: calls.append(a[1]) or real(*a))
    first = compile_source(main, str(tmp_path / "main.shot"))
    second = compile_source(main.replace("a.png", "b.png"), str(tmp_path / "main.shot"))
    assert calls.count(str(tmp_path / "lib.shot")) == 1
    assert [d.code for d in first.diagnostics] == [d.code for d in second.diagnostics] == ["E002"]
    (tmp_path / "lib.shot").write_text("preset p lighting {\n  key area {\n    size 1m\n  }\n}\n")
    assert compile_source(main, str(tmp_path / "main.shot")).ok           # the new text is read


def test_random_edits_get_the_full_compiles_diagnostics_and_tokens():
    """Single-character edits anywhere in an example with two shots and an extends: whenever
    the one-shot path answers, its diagnostics and tokens equal a full compile's."""
    import random

    path = str(SPECS / "examples" / "two_shots.shot")
    text = Path(path).read_text(encoding="utf-8")
    previous = analyse(text, path, 1)
    rng = random.Random(3)
    answered = 0
    for i in range(80):
        at = rng.randrange(len(text))
        new = (text[:at] + rng.choice("az09.{}\n \"#mK") + text[at:] if rng.random() < 0.5
               else text[:at] + text[at + 1:])
        quick = quick_result(previous, new, path)
        full = compile_source(new, path)
        if quick is not None:
            answered += 1
            assert keyed(quick[0].diagnostics) == keyed(full.diagnostics), (i, new[at - 20:at + 20])
            assert quick[1] == tokens(new)
        previous, text = analyse(new, path, i + 2, result=full), new
    assert answered >= 20
