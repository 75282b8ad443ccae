"""The VS Code TextMate grammar and the Lark grammar agree on every example spec.

Each shipped .shot file and each .shot code block of README.md and docs/ is tokenised by the
TextMate engine VS Code uses (vscode-textmate + vscode-oniguruma, through
editors/vscode/test/tokenize.js) and every Lark token (keyword, definition name, block name,
key, number, unit, size, ratio, f-number, tag, colour, string, name, preset, comment,
punctuation) must get its scope from tools/editor_grammar.SCOPES. The engine tests skip only
when node or the extension's npm packages are missing (`npm ci` in editors/vscode;
`tools/setup.sh --dev` runs it when npm is installed).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput

sys.path.insert(0, str(Path(__file__).parent))
from token_classes import (EXTENSION, LarkToken, doc_examples, editor_grammar,  # noqa: E402
                           example_specs, lark_tokens, mismatches, node_tokenize)

NODE = shutil.which("node")
_MISSING = [p for p in ("vscode-textmate", "vscode-oniguruma")
            if not (EXTENSION / "node_modules" / p / "package.json").exists()]

needs_engine = pytest.mark.skipif(
    NODE is None or bool(_MISSING),
    reason="node is not installed" if NODE is None else
    f"npm packages {', '.join(_MISSING)} missing: run `npm ci` in editors/vscode")


CORNERS = """\
import "a \\"quoted\\" path.shot"; allow W101, W102
/* a block comment
   over two lines */
preset portrait camera { lens 85mm; aperture f/2 }
preset wide shot { camera { lens 35 mm } }
shot b extends a {
  camera { lens 85 mm; sensor 36x24mm; distance .7m } lighting { use loop }
  lighting {
    key area {
      from 45deg right,   // a comment after a continuing comma
        30deg up
      temperature 5600 K
    }
  }
  finish { exposure -0.5 stops; grain 250D 0.3; lut mara.look; tint #a0f; grade "x.cube" }
  output "renders/{b}.png" { size 512x640 }
}
"""


@pytest.fixture(scope="module")
def doc_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("doc_examples")
    files = {}
    for i, (where, text) in enumerate(doc_examples()):
        path = folder / f"example_{i:03d}.shot"
        path.write_text(text, encoding="utf-8")
        files[where] = path
    return files


def test_the_committed_grammar_is_generated_from_the_language():
    """The keyword, unit, constant and preset lists and the literal patterns come from the
    Lark grammar and the schema; the committed file is what the generator writes."""
    committed = editor_grammar.OUT.read_text(encoding="utf-8")
    assert committed == editor_grammar.render(), \
        "run `python tools/editor_grammar.py` to regenerate editors/vscode/syntaxes"


def test_the_examples_are_found():
    specs = {p.relative_to(EXTENSION.parents[1]).as_posix() for p in example_specs()}
    assert {"src/shotspec/specs/closeup.shot", "src/shotspec/specs/presets/lighting.shot",
            "src/shotspec/specs/examples/graded.shot"} <= specs
    where = [w for w, _ in doc_examples()]
    assert any(w.startswith("README.md") for w in where)
    assert sum(w.startswith("docs/language.md") for w in where) >= 8
    assert len(where) >= 40


def test_every_token_class_occurs_in_the_examples():
    """The examples (and the corner cases below, for block comments) exercise every class
    the comparison knows, so none goes untested."""
    seen = {t.cls for t in lark_tokens(CORNERS)}
    for path in example_specs():
        seen |= {t.cls for t in lark_tokens(path.read_text(encoding="utf-8"))}
    for _, text in doc_examples():
        seen |= {t.cls for t in lark_tokens(text)}
    classes = {c for c in editor_grammar.SCOPES if c not in ("number", "unit")}
    classes |= {"quantity", "size"} | {f"keyword:{k}" for k in editor_grammar.KEYWORD_SCOPES}
    assert classes - seen == set()


@needs_engine
def test_the_shipped_specs_highlight_as_lark_reads_them():
    specs = example_specs()
    assert len(specs) >= 6
    scoped = node_tokenize(NODE, specs)
    for path in specs:
        text = path.read_text(encoding="utf-8")
        tokens = lark_tokens(text)
        assert len(tokens) > 20
        assert mismatches(text, tokens, scoped[str(path)]) == [], path


@needs_engine
def test_the_docs_examples_highlight_as_lark_reads_them(doc_files):
    scoped = node_tokenize(NODE, list(doc_files.values()))
    problems = []
    for where, path in doc_files.items():
        text = path.read_text(encoding="utf-8")
        problems += [f"{where}: {m}" for m in mismatches(text, lark_tokens(text),
                                                          scoped[str(path)])]
    assert problems == []




@needs_engine
def test_corner_cases_highlight_as_lark_reads_them(tmp_path):
    """Same-line blocks, `;`, spaced units, a comma continued on the next line, escapes, a
    `{` inside a string, block comments over lines, presets of kind `shot`."""
    path = tmp_path / "corners.shot"
    path.write_text(CORNERS, encoding="utf-8")
    tokens = lark_tokens(CORNERS)
    classes = {t.text: t.cls for t in tokens}
    assert classes["K"] == "unit" and classes["stops"] == "unit" and classes["mm"] == "unit"
    assert classes["30deg"] == "quantity" and classes["up"] == "constant"
    assert classes["key"] == "block" and classes["from"] == "key"
    scoped = node_tokenize(NODE, [path])[str(path)]
    assert mismatches(CORNERS, tokens, scoped) == []


def test_a_wrong_scope_is_caught():
    """The comparison is not vacuous: a token list whose scopes are wrong is reported."""
    text = "shot s { lens 85mm }\n"
    tokens = lark_tokens(text)
    assert [t.cls for t in tokens] == ["keyword:shot", "def_shot", "lbrace", "key",
                                        "quantity", "rbrace"]
    scopes = editor_grammar.SCOPES

    def tm(unit_scope: str) -> list[list[dict]]:
        base = ["source.shot"]
        return [[
            {"start": 0, "end": 4, "scopes": base + [editor_grammar.KEYWORD_SCOPES["shot"]]},
            {"start": 5, "end": 6, "scopes": base + [scopes["def_shot"]]},
            {"start": 7, "end": 8, "scopes": base + [scopes["lbrace"]]},
            {"start": 9, "end": 13, "scopes": base + [scopes["key"]]},
            {"start": 14, "end": 16, "scopes": base + [scopes["number"]]},
            {"start": 16, "end": 18, "scopes": base + [unit_scope]},
            {"start": 19, "end": 20, "scopes": base + [scopes["rbrace"]]},
        ]]

    assert mismatches(text, tokens, tm(scopes["unit"])) == []
    problems = mismatches(text, tokens, tm(scopes["name"]))
    assert problems == ["line 1: quantity '85mm' expects keyword.other.unit.shot at 'm', "
                        "the TextMate engine gave variable.other.value.shot"]
    missing = mismatches(text, [LarkToken("string", '"x"', 0, 4, 1)], tm(scopes["unit"]))
    assert "expects string.quoted.double.shot" in missing[0]


def test_the_extension_manifest_points_at_the_grammar():
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "shot" and language["extensions"] == [".shot"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert grammar["scopeName"] == json.loads(editor_grammar.OUT.read_text())["scopeName"]
    assert (EXTENSION / grammar["path"]).resolve() == editor_grammar.OUT
    assert (EXTENSION / language["configuration"]).exists()
    assert "shotspec.server.path" in manifest["contributes"]["configuration"]["properties"]


def _load_spec_grammar():
    path = Path(__file__).resolve().parents[1] / "compiler" / "spec_grammar.py"
    spec = importlib.util.spec_from_file_location("spec_grammar", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_generated(settings, tmp_path) -> int:
    """Draw specs with ``settings``; compare each one Lark parses; how many were compared."""
    from hypothesis import given

    grammar = _load_spec_grammar()
    texts: list[str] = []

    @settings(grammar)
    @given(grammar.specs())
    def collect(text):
        texts.append(text)

    collect()
    files = {}
    for i, text in enumerate(dict.fromkeys(texts)):
        try:
            tokens = lark_tokens(text)
        except UnexpectedInput:
            continue
        path = tmp_path / f"generated_{i:04d}.shot"
        path.write_text(text, encoding="utf-8")
        files[path] = (text, tokens)
    scoped = node_tokenize(NODE, list(files))
    problems = []
    for path, (text, tokens) in files.items():
        problems += [f"{path.name}: {m}" for m in mismatches(text, tokens, scoped[str(path)])]
    assert problems[:20] == []
    return len(files)


@needs_engine
def test_generated_specs_highlight_as_lark_reads_them(tmp_path):
    """Specs built the way the grammar builds them (tests/compiler/spec_grammar.py: every key,
    block kind and literal form, same-line blocks, `;`, comma groups, any Unicode in strings),
    the same 100 every run; each one Lark parses must highlight as Lark reads it."""
    assert _check_generated(lambda g: g.quick(100), tmp_path) >= 20


@pytest.mark.slow
@needs_engine
def test_many_generated_specs_highlight_as_lark_reads_them(tmp_path):
    """`pytest -m slow`: 2,000 fresh generated specs."""
    assert _check_generated(lambda g: g.many(2000), tmp_path) >= 500
