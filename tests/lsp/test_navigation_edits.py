"""Definitions, references, the outline, formatting, quick fixes and semantic tokens over stdio."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp

from shotspec.compiler import format_source
from tests.lsp.conftest import diagnostics, open_doc, position_of

SPEC = '''import "presets/lighting.shot"

character mara {
  seed 7
}

shot closeup {
  character mara
  camera {
    lens 85mm; distance   0.75m
    focus mara.eyes
  }
  lighting {
    use loop
  }
  finish {
    grade "luts/teal_orange.cube" 0.5
  }
  output "out.png"
}

shot wide extends closeup {
  output "wide.png"
}
'''


def doc(uri):
    return lsp.TextDocumentIdentifier(uri=uri)


async def definition(client, uri, position):
    return await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc(uri), position=position))


@pytest.mark.asyncio
async def test_definitions_of_an_import_a_preset_a_character_a_parent_and_a_lut(client, project):
    uri = open_doc(client, project / "nav.shot", SPEC)
    lighting = (project / "presets" / "lighting.shot").resolve().as_uri()
    [loc] = await definition(client, uri, position_of(SPEC, "presets/lighting", 3))
    assert (loc.uri, loc.range.start.line) == (lighting, 0)
    [loc] = await definition(client, uri, position_of(SPEC, "use loop", 5))
    assert loc.uri == lighting
    assert (loc.range.start.line, loc.range.start.character) == (5, 7)   # `preset loop lighting`
    [loc] = await definition(client, uri, position_of(SPEC, "character mara\n  camera", 11))
    assert (loc.uri, loc.range.start) == (uri, position_of(SPEC, "mara {"))
    [loc] = await definition(client, uri, position_of(SPEC, "mara.eyes", 1))
    assert loc.range.start == position_of(SPEC, "mara {")
    [loc] = await definition(client, uri, position_of(SPEC, "extends closeup", 9))
    assert loc.range.start == position_of(SPEC, "closeup {")
    [loc] = await definition(client, uri, position_of(SPEC, "teal_orange", 2))
    assert loc.uri == (project / "luts" / "teal_orange.cube").resolve().as_uri()


@pytest.mark.asyncio
async def test_references_and_outline(client, project):
    uri = open_doc(client, project / "refs.shot", SPEC)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc(uri), position=position_of(SPEC, "mara {"),
        context=lsp.ReferenceContext(include_declaration=True)))
    assert sorted((r.range.start.line, r.range.start.character) for r in refs) == \
        [(2, 10), (7, 12), (10, 10)]
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(text_document=doc(uri)))
    assert [s.name for s in symbols] == ['"presets/lighting.shot"', "mara", "closeup", "wide"]
    closeup = symbols[2]
    assert closeup.kind == lsp.SymbolKind.Function
    assert [c.name for c in closeup.children] == ["camera", "lighting", "finish"]
    assert symbols[3].detail == "shot extends closeup"


@pytest.mark.asyncio
async def test_formatting_gives_shot_fmts_output(client, project):
    uri = open_doc(client, project / "fmt.shot", SPEC)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=doc(uri), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    expected, _ = format_source(SPEC, str(project / "fmt.shot"))
    assert expected != SPEC and "    lens 85mm\n    distance 0.75m\n" in expected
    [edit] = edits
    assert edit.new_text == expected
    assert edit.range.start == lsp.Position(line=0, character=0)
    assert edit.range.end == lsp.Position(line=SPEC.count("\n"), character=0)


async def fixes(client, uri, diags):
    return await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=doc(uri), range=diags[0].range, context=lsp.CodeActionContext(diagnostics=diags)))


@pytest.mark.asyncio
async def test_quick_fixes_for_did_you_mean_and_a_wide_lens(client, project):
    text = SPEC.replace("use loop", "use lop").replace("lens 85mm", "lens 24mm")
    uri = open_doc(client, project / "fix.shot", text)
    ds = await diagnostics(client, uri, lambda ds: bool(ds))
    e102 = [d for d in ds if d.code == "E102"]
    [action] = await fixes(client, uri, e102)
    assert action.title == "Change `lop` to `loop`"
    [edit] = action.edit.changes[uri]
    assert (edit.range.start, edit.new_text) == (position_of(text, "lop"), "loop")
    fixed = text.replace("use lop", "use loop")
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)]))
    ds = await diagnostics(client, uri, lambda ds: "E102" not in [d.code for d in ds])
    actions = await fixes(client, uri, [d for d in ds if d.code == "W101"])
    assert [a.title for a in actions] == ["Use an 85mm lens (a close-up focal length)",
                                          "Allow W101 on this line"]
    [edit] = actions[0].edit.changes[uri]
    assert edit.new_text == "85mm" and edit.range.start == position_of(fixed, "24mm")
    [allow] = actions[1].edit.changes[uri]
    assert allow.new_text == "  // shot: allow W101"


@pytest.mark.asyncio
async def test_semantic_tokens_classify_keywords_keys_values_and_names(client, project):
    text = 'shot a extends b {  // note\n  camera { lens 85mm }\n  lighting { use loop }\n}\n'
    uri = open_doc(client, project / "tokens.shot", text)
    result = await client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(text_document=doc(uri)))
    legend = ["keyword", "property", "enumMember", "number", "string", "variable", "comment",
              "class", "function", "macro"]
    data, line, col, seen = result.data, 0, 0, []
    for i in range(0, len(data), 5):
        dl, dc, length, kind, _mods = data[i:i + 5]
        line, col = line + dl, (col + dc if dl == 0 else dc)
        start = sum(len(x) + 1 for x in text.split("\n")[:line]) + col
        seen.append((text[start:start + length], legend[kind]))
    assert seen == [("shot", "keyword"), ("a", "function"), ("extends", "keyword"),
                    ("b", "function"), ("// note", "comment"), ("camera", "property"),
                    ("lens", "property"), ("85mm", "number"), ("lighting", "property"),
                    ("use", "keyword"), ("loop", "macro")]


def _fixes_for(text, path):
    from shotspec.lsp.actions import quick_fixes
    from shotspec.lsp.analysis import analyse

    analysis = analyse(text, str(path), 1)
    return analysis, quick_fixes("file:///x", text, analysis.index, analysis.diagnostics)


def test_a_unit_written_out_and_a_misspelt_import_have_one_line_fixes(project):
    text = SPEC.replace("distance   0.75m", "distance 0.75 meters").replace(
        "presets/lighting.shot", "presets/lightning.shot")
    analysis, actions = _fixes_for(text, project / "units.shot")
    by_code = {a.diagnostics[0].code: a for a in actions}
    [unit] = by_code["E201"].edit.changes["file:///x"]
    assert unit.new_text == "0.75m"
    assert unit.range.start == position_of(text, "0.75 meters")
    assert by_code["E201"].title == "Write `0.75m`"
    [path] = by_code["E302"].edit.changes["file:///x"]
    assert path.new_text == '"presets/lighting.shot"'
    assert path.range.start == position_of(text, '"presets/lightning.shot"')


@pytest.mark.asyncio
async def test_rename_a_character_everywhere_and_links_to_files(client, project):
    uri = open_doc(client, project / "rename.shot", SPEC)
    at = position_of(SPEC, "mara.eyes", 1)
    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(
        text_document=doc(uri), position=at))
    assert prepared.start == position_of(SPEC, "mara.eyes")
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc(uri), position=at, new_name="ines"))
    edits = sorted(edit.changes[uri], key=lambda e: (e.range.start.line, e.range.start.character))
    renamed = SPEC
    for e in reversed(edits):
        lines = renamed.split("\n")
        line = lines[e.range.start.line]
        lines[e.range.start.line] = line[:e.range.start.character] + e.new_text + line[e.range.end.character:]
        renamed = "\n".join(lines)
    assert "mara" not in renamed
    assert "character ines {" in renamed and "  character ines\n" in renamed and "focus ines.eyes" in renamed
    links = await client.text_document_document_link_async(lsp.DocumentLinkParams(text_document=doc(uri)))
    assert sorted(l.target.rsplit("/", 1)[-1] for l in links) == ["lighting.shot", "teal_orange.cube"]
    lut = next(l for l in links if l.target.endswith("teal_orange.cube"))
    assert lut.range.start == position_of(SPEC, "luts/teal_orange.cube")
