"""`shot lsp` diagnostics over stdio: the codes, ranges, messages and help `shot check` gives,
on every change of the unsaved buffer, with related information for imports and extends."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from lsprotocol import types as lsp

from shotspec.compiler import compile_source
from tests.lsp.conftest import SRC, change_doc, diagnostics, open_doc, position_of

SPEC = '''import "presets/lighting.shot"

character mara {
  seed 7
}

shot closeup {
  character mara
  camera {
    lens 85mm
    distance 0.75m
  }
  lighting {
    use loop
  }
  output "out.png"
}
'''


def codes(ds):
    return sorted(str(d.code) for d in ds)


@pytest.mark.asyncio
async def test_unknown_key_has_the_code_range_message_and_help_of_shot_check(client, project):
    text = SPEC.replace("lens 85mm", "lenz 85mm")
    path = project / "broken.shot"
    uri = open_doc(client, path, text)
    ds = await diagnostics(client, uri, lambda ds: bool(ds))
    assert codes(ds) == ["E101"]
    d = ds[0]
    start = position_of(text, "lenz")
    assert d.range == lsp.Range(start=start, end=lsp.Position(line=start.line, character=start.character + 4))
    assert d.severity == lsp.DiagnosticSeverity.Error
    assert d.message == "unknown key `lenz` in `camera`\nhelp: did you mean `lens`?"
    # the same diagnostic `shot check` prints for the same text
    check = compile_source(text, str(path)).diagnostics
    assert [(c.code, c.span.line - 1, c.span.col - 1, c.help) for c in check] == \
        [(d.code, d.range.start.line, d.range.start.character, "did you mean `lens`?")]


@pytest.mark.asyncio
async def test_unsaved_change_brings_a_lint_and_fixing_it_clears_it(client, project):
    path = project / "lint.shot"
    uri = open_doc(client, path, SPEC)
    assert await diagnostics(client, uri, lambda ds: True) == []
    wide = SPEC.replace("lens 85mm", "lens 24mm")     # never saved: only the buffer changes
    change_doc(client, uri, 2, wide)
    ds = await diagnostics(client, uri, lambda ds: "W101" in codes(ds))
    w101 = next(d for d in ds if d.code == "W101")
    assert w101.severity == lsp.DiagnosticSeverity.Warning
    assert w101.message.startswith("a 24mm lens at 0.75m distorts the face")
    assert "help: use 50–135mm for a close-up" in w101.message
    assert w101.range.start == position_of(wide, "lens 24mm")
    # an incremental edit (24 → 85) inside the shot clears it
    at = position_of(wide, "24mm")
    change_doc(client, uri, 3, "85", lsp.Range(start=at, end=lsp.Position(line=at.line, character=at.character + 2)))
    assert await diagnostics(client, uri, lambda ds: "W101" not in codes(ds)) == []


@pytest.mark.asyncio
async def test_a_broken_import_is_shown_on_the_import_with_the_real_place(client, project):
    (project / "presets" / "extra.shot").write_text("preset soft lighting {\n  key area {\n    sizee 1m\n  }\n}\n")
    text = 'import "presets/extra.shot"\n' + SPEC
    uri = open_doc(client, project / "imports.shot", text)
    ds = await diagnostics(client, uri, lambda ds: bool(ds))
    d = next(d for d in ds if d.code == "E101")
    assert d.range.start == position_of(text, '"presets/extra.shot"')
    assert d.message.startswith("in imported `presets/extra.shot`: unknown key `sizee` in `light`")
    where = d.related_information[0].location
    assert where.uri == (project / "presets" / "extra.shot").resolve().as_uri()
    assert (where.range.start.line, where.range.start.character) == (2, 4)


@pytest.mark.asyncio
async def test_a_diagnostic_in_a_parent_shot_points_at_each_extends(client, project):
    text = SPEC.replace("lens 85mm", "lens 24mm") + \
        'shot wide extends closeup {\n  output "wide.png"\n}\n'
    uri = open_doc(client, project / "extends.shot", text)
    ds = await diagnostics(client, uri, lambda ds: "W101" in codes(ds))
    w101 = next(d for d in ds if d.code == "W101")
    related = [(r.message, r.location.range.start) for r in w101.related_information]
    assert ("inherited by shot `wide` (extends closeup)",
            position_of(text, "closeup {\n  output")) in related


@pytest.mark.asyncio
async def test_a_syntax_error_is_reported_and_the_rest_still_checked(client, project):
    text = SPEC.replace("distance 0.75m", "distance 0.75m }}").replace("lens 85mm", "lens 85 meters")
    uri = open_doc(client, project / "syntax.shot", text)
    ds = await diagnostics(client, uri, lambda ds: bool(ds))
    check = compile_source(text, str((project / "syntax.shot").resolve())).diagnostics
    assert codes(ds) == sorted(d.code for d in check)
    assert {"E002", "E201"} <= set(codes(ds))


def test_the_server_module_never_imports_torch():
    code = ("import sys; import shotspec.lsp.server as s; s.build_server(); "
            "import shotspec.cli.main; "
            "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_shot_lsp_is_a_subcommand():
    done = subprocess.run([sys.executable, "-m", "shotspec", "lsp", "--help"],
                          env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    assert "language server" in done.stdout


@pytest.mark.asyncio
async def test_saving_an_imported_file_rechecks_the_files_that_import_it(client, project):
    extra = project / "presets" / "extra.shot"
    extra.write_text("preset soft lighting {\n  key area {\n    sizee 1m\n  }\n}\n")
    text = 'import "presets/extra.shot"\n' + SPEC
    uri = open_doc(client, project / "main.shot", text)
    assert codes(await diagnostics(client, uri, lambda ds: bool(ds))) == ["E101"]
    fixed = "preset soft lighting {\n  key area {\n    size 1m\n  }\n}\n"
    extra_uri = open_doc(client, extra, extra.read_text())
    extra.write_text(fixed)                                   # the editor saves it
    change_doc(client, extra_uri, 2, fixed)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=extra_uri)))
    assert await diagnostics(client, uri, lambda ds: not ds) == []
