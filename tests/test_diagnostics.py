"""shotspec.diagnostics: the one diagnostic type, exception, printer and did-you-mean."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from shotspec.compiler.ir import Span
from shotspec.diagnostics import (Diagnostic, ShotspecError, did_you_mean, line_span,
                                  render_diagnostics)

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "shotspec"


def test_did_you_mean_is_defined_once_and_used_by_every_layer():
    defs = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
            if re.search(r"^def did_you_mean\b", p.read_text(encoding="utf-8"), re.M)]
    assert defs == ["diagnostics.py"]
    ad_hoc = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
              if "get_close_matches" in p.read_text(encoding="utf-8")]
    assert ad_hoc == ["diagnostics.py"]


def test_did_you_mean_forms():
    assert did_you_mean("lense", ["lens", "aperture"]) == "did you mean `lens`?"
    assert did_you_mean("zzz", ["b", "a"]) == "expected one of: `a`, `b`"
    assert did_you_mean("zzz", ["b", "a"], "targets") == "targets: `a`, `b`"
    assert did_you_mean("zzz", [f"k{i}" for i in range(20)]) is None
    assert did_you_mean("zzz", ["a.png"], list_max=0) is None


def test_compiler_and_prompt_suggest_alike(tmp_path):
    from shotspec.compiler import compile_source
    from shotspec.prompt import PromptError, render_prompt

    result = compile_source("shot closeup { camera { lense 85mm } }", tmp_path / "s.shot")
    assert result.errors[0].help == "did you mean `lens`?"
    program = compile_source("shot closeup { }", tmp_path / "s.shot").program
    with pytest.raises(PromptError) as err:
        render_prompt(program, shot="closup")
    assert err.value.hint == "did you mean `closeup`?"


def test_a_file_without_a_line_renders_as_a_place():
    text = render_diagnostics([Diagnostic.of("E520", "cannot read shots/a.png: file not found",
                                             file="shots/a.png", help="check the path")], {})
    assert text == ("error[E520]: cannot read shots/a.png: file not found\n"
                    " --> shots/a.png\n"
                    "  = help: check the path\n\n1 error\n")


def test_a_command_line_diagnostic_has_no_place_line():
    text = render_diagnostics([Diagnostic.of("E601", "no shot named `x`", help="did you mean `y`?")], {})
    assert text == "error[E601]: no shot named `x`\n = help: did you mean `y`?\n\n1 error\n"


def test_severity_follows_the_code():
    assert Diagnostic.of("W101", "m").severity == "warning"
    assert Diagnostic.of("E101", "m").is_error


def test_shotspec_error_reads_its_first_diagnostic_and_is_located_once():
    span = Span(file="s.shot", line=2, col=3, end_line=2, end_col=9)
    err = ShotspecError([Diagnostic.of("E520", "cannot read a.png: bad", file="a.png", help="fix"),
                         Diagnostic.of("E510", "malformed LUT: x", span=line_span("l.cube", 4, 2))])
    assert (err.code, err.message, err.hint, err.span) == ("E520", "cannot read a.png: bad", "fix", None)
    assert str(err).splitlines() == ["a.png: E520: cannot read a.png: bad", "  help: fix",
                                     "l.cube:4:2: E510: malformed LUT: x"]
    assert err.located(span) is err
    assert err.diagnostics[0].span == span and err.diagnostics[0].file == "a.png"
    assert err.diagnostics[1].span.file == "l.cube"          # already placed: kept


def test_every_area_error_is_one_shotspec_error_and_pickles():
    from shotspec.compiler.cube_file import LutError
    from shotspec.compiler.identity_file import IdentityFileError
    from shotspec.prompt import PromptError
    from shotspec.runtime.errors import RenderError
    from shotspec.runtime.io import ImageError

    errors = [RenderError("E501", "too big", hint="smaller"), ImageError("a.png", "truncated"),
              ImageError("b.png", "disk full", code="E523"), LutError("l.cube", 3, 2, "bad row"),
              LutError("l.cube", 0, 0, "cannot read the LUT"), IdentityFileError("m.identity", 4, "bad"),
              PromptError("E703", "syntax", file="t.j2", line=2)]
    for err in errors:
        assert isinstance(err, ShotspecError) and err.diagnostics
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and back.diagnostics == err.diagnostics
    assert [e.code for e in errors] == ["E501", "E520", "E523", "E510", "E510", "E402", "E703"]
    assert errors[2].message == "cannot write b.png: disk full"
    assert errors[4].span is None and errors[4].diagnostics[0].file == "l.cube"
    assert errors[6].span.line == 2 and errors[6].file == "t.j2"


def test_no_other_exception_class_carries_a_code():
    """Every error a user can see is a ShotspecError; the remaining Exception subclasses are
    internal (a decoder's own error, a broken plan invariant) and never reach the CLI."""
    internal = {"PlanError", "TiffFormatError", "PhotoLoadError"}
    found = set()
    for p in PACKAGE.rglob("*.py"):
        for name, base in re.findall(r"^class (\w+)\((\w+)\):", p.read_text(encoding="utf-8"), re.M):
            if base in ("Exception", "ValueError"):
                found.add(name)
    assert found == internal | {"ShotspecError"}
