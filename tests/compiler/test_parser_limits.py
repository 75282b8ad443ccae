"""Inputs at the edges: deep nesting is a diagnostic, a huge line echoes a window, many shots
check in linear time."""

from __future__ import annotations

from shotspec.compiler import compile_source, format_source, render_diagnostics
from shotspec.compiler import resolve
from shotspec.diagnostics import MAX_SOURCE_CHARS, Diagnostic, DiagnosticSink
from shotspec.compiler.parser import MAX_BLOCK_DEPTH


def nested(depth: int) -> str:
    return "shot s {\n" + "x {\n" * depth + "}\n" * depth + "}\n"


def test_thousands_of_nested_blocks_are_one_e007_not_a_recursion_error():
    for depth in (MAX_BLOCK_DEPTH + 1, 400, 5000):
        result = compile_source(nested(depth), "deep.shot")
        e007 = [d for d in result.diagnostics if d.code == "E007"]
        assert len(e007) == 1 and e007[0].span.line == MAX_BLOCK_DEPTH + 1   # the 33rd `{`
        assert "nested more than 32 deep" in e007[0].message
        formatted, diags = format_source(nested(depth), "deep.shot")
        assert formatted is None and [d.code for d in diags] == ["E007"]


def test_nesting_up_to_the_limit_has_no_e007():
    result = compile_source(nested(MAX_BLOCK_DEPTH - 1), "deep.shot")
    assert "E007" not in {d.code for d in result.diagnostics}


def test_a_one_megabyte_line_prints_a_window_around_the_caret():
    source = "shot a { camera { lens " + "8" * 1_000_000 + " } }"
    result = compile_source(source, "long.shot")
    text = render_diagnostics(result.diagnostics, result.sources)
    assert len(text) < 2_000
    assert [d.code for d in result.errors] == ["E201"]
    src_line = next(line for line in text.splitlines() if line.startswith("1 |"))
    caret_line = next(line for line in text.splitlines() if line.strip(" |").startswith("^"))
    assert src_line.endswith("…") and len(src_line) <= MAX_SOURCE_CHARS + 10
    # the caret still sits under the value: `lens ` is in the window, then the digits
    caret_col = caret_line.index("^")
    assert src_line[caret_col - len("lens "):caret_col] == "lens " and src_line[caret_col] == "8"


def test_the_window_moves_to_a_caret_far_into_a_long_line():
    source = "shot a { " + "seed 1; " * 20_000 + "bogus 1 }"
    result = compile_source(source, "long.shot")
    text = render_diagnostics(result.diagnostics, result.sources)
    assert len(text) < 2_000 and "E101" in text
    src_line = next(line for line in text.splitlines() if line.startswith("1 |"))
    caret_line = next(line for line in text.splitlines() if line.strip(" |").startswith("^"))
    assert src_line.startswith("1 | …")
    at = caret_line.index("^")
    assert src_line[at:at + 5] == "bogus" and caret_line.count("^") == len("bogus")


def test_short_lines_are_echoed_unchanged():
    result = compile_source("shot a { camera { lens 85 } }", "s.shot")
    text = render_diagnostics(result.diagnostics, result.sources)
    assert "1 | shot a { camera { lens 85 } }\n  |                        ^^\n" in text


def test_the_sink_drops_duplicates_even_after_direct_appends():
    sink = DiagnosticSink()
    first = sink.add("W101", "m", None)
    sink.items.append(Diagnostic("W102", "warning", "n", None))     # as some passes do
    assert not sink.append(Diagnostic("W102", "warning", "n", None))
    assert sink.add("W101", "m", None) == first and len(sink.items) == 2


def many_shots(n: int) -> str:
    head = ('character ines { seed 1 }\n'
            'preset rig lighting { key area { from 40deg right, 30deg up; temperature 5600K } }\n')
    return head + "".join(
        f'shot s{i} {{\n  character ines\n  camera {{ lens 85mm; distance 0.8m; focus ines.eyes }}\n'
        f'  lighting {{ use rig; key area {{ temperature {3000 + (i % 7) * 400}K }} }}\n'
        f'  finish {{ grain 250D 0.3; upscale 2x detail }}\n  output "out/s{i}.png" {{ size 64x80 }}\n}}\n'
        for i in range(n))


def test_cross_shot_lints_look_up_each_diagnostic_once(monkeypatch):
    """W104 between hundreds of shots: one span check per diagnostic, not one per shot."""
    calls = []
    real = resolve._within
    monkeypatch.setattr(resolve, "_within", lambda a, b: calls.append(1) or real(a, b))
    result = compile_source(many_shots(300), "many.shot")
    w104 = [d for d in result.diagnostics if d.code == "W104"]
    assert result.ok and len(w104) > 200
    assert len(calls) <= len([d for d in result.diagnostics if d.code in ("W104", "W105")])


def test_diagnostics_are_not_compared_pairwise(monkeypatch):
    eq_calls = []
    real = Diagnostic.__eq__
    monkeypatch.setattr(Diagnostic, "__eq__", lambda a, b: eq_calls.append(1) or real(a, b))
    result = compile_source(many_shots(300), "many.shot")
    assert len(result.diagnostics) > 500
    assert len(eq_calls) < len(result.diagnostics)
