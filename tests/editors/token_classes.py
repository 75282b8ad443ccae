"""The Lark side of the editor-grammar tests: every token of a .shot text with the TextMate
scope it must get, the example specs the project ships, and the comparison.

``lark_tokens(text)`` lexes with the real Lark lexer (comments and ``;`` included) and reads the
parse tree for what a token is (a definition's name, a key that opens a block, a value, a unit
merged after a number); ``expected_scopes`` turns each token into character ranges with the
scope from ``tools/editor_grammar.SCOPES``; ``mismatches`` compares them with the scopes the
TextMate engine printed (editors/vscode/test/tokenize.js) and says where they differ.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lark import Token, Tree

from shotspec.compiler.parser import UNITS
from shotspec.grammar import KEYWORDS, parser

__all__ = ["ROOT", "EXTENSION", "editor_grammar", "LarkToken", "lark_tokens", "expected_scopes",
           "mismatches", "example_specs", "doc_examples", "node_tokenize"]

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"


def _load_editor_grammar():
    spec = importlib.util.spec_from_file_location("editor_grammar",
                                                  ROOT / "tools" / "editor_grammar.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


editor_grammar = _load_editor_grammar()
_PRESETS = frozenset(editor_grammar.preset_names())
_CONSTANTS = frozenset(editor_grammar.value_words())
_KEYWORD_TYPES = {w.upper(): w for w in KEYWORDS}
_BY_TYPE = {"LBRACE": "lbrace", "RBRACE": "rbrace", "COMMA": "comma", "COMMENT": "comment",
            "BLOCK_COMMENT": "block_comment", "STRING": "string", "NUMBER": "number",
            "RATIO": "ratio", "FNUMBER": "fnumber", "TAG": "tag", "COLOR": "colour",
            "DOTTED": "dotted", "AT": "keyframe", "ARROW": "keyframe"}
_NUMBER_PART = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_SIZE_UNIT = re.compile(r"(mm|cm|m)$")


@dataclass(frozen=True)
class LarkToken:
    """One Lark token: its text, offsets into the source (``end`` exclusive) and class."""

    cls: str            # a key of SCOPES, or "keyword:<word>", or "quantity"/"size"
    text: str
    start: int
    end: int
    line: int


def _value_class(atoms: list[Token], roles: dict[int, str]) -> None:
    prev = None
    for tok in atoms:
        if tok.type == "NAME":
            if (prev is not None and prev.type == "NUMBER" and prev.end_line == tok.line
                    and tok.value in UNITS):
                roles[tok.start_pos] = "unit"      # parser._merge_units: `-0.5 stops`
            elif tok.value in _PRESETS:
                roles[tok.start_pos] = "preset"
            elif tok.value in _CONSTANTS:
                roles[tok.start_pos] = "constant"
            else:
                roles[tok.start_pos] = "name"
        prev = tok


def _block_roles(block: Tree, roles: dict[int, str]) -> None:
    for stmt in block.children:
        if not isinstance(stmt, Tree):
            continue
        key = stmt.children[0].children[0]
        inner = [c for c in stmt.children[1:] if isinstance(c, Tree)]
        if key.type == "NAME":
            roles[key.start_pos] = "block" if any(c.data == "block" for c in inner) else "key"
        for child in inner:
            if child.data == "args":
                for group in child.children:
                    if isinstance(group, Tree):
                        _value_class([t for t in group.children if isinstance(t, Token)], roles)
            else:
                _block_roles(child, roles)


def _roles(tree: Tree) -> dict[int, str]:
    """Start offset → class, for every token whose class depends on where it stands."""
    roles: dict[int, str] = {}
    for item in tree.children:
        if not isinstance(item, Tree):
            continue
        toks = [c for c in item.children if isinstance(c, Token)]
        if item.data == "character_def":
            roles[toks[1].start_pos] = "def_character"
        elif item.data == "shot_def":
            roles[toks[1].start_pos] = "def_shot"
            if len(toks) > 3:
                roles[toks[3].start_pos] = "extends_name"
        elif item.data == "preset_def":
            roles[toks[1].start_pos] = "def_preset"
            if toks[2].type == "NAME":
                roles[toks[2].start_pos] = "block"
        elif item.data == "allow_stmt":
            for t in toks[1:]:
                if t.type == "NAME":
                    roles[t.start_pos] = "code"
        for child in item.children:
            if isinstance(child, Tree) and child.data == "block":
                _block_roles(child, roles)
    return roles


def lark_tokens(text: str) -> list[LarkToken]:
    """Every token of ``text`` (which must parse) with its class; whitespace and newlines
    are left out, ``;`` is kept (the separator the post-lexer inserts after ``}`` is not)."""
    roles = _roles(parser().parse(text, start="start"))
    out = []
    for tok in parser().lex(text, dont_ignore=True):
        if tok.type == "WS" or (tok.type == "_SEP" and text[tok.start_pos] != ";"):
            continue
        if tok.type == "_SEP":
            cls = "separator"
        elif tok.type in _KEYWORD_TYPES:
            cls = "keyword:" + _KEYWORD_TYPES[tok.type]
        elif tok.start_pos in roles:
            cls = roles[tok.start_pos]
        elif tok.type in ("QUANTITY", "SIZE"):
            cls = tok.type.lower()
        elif tok.type in _BY_TYPE:
            cls = _BY_TYPE[tok.type]
        else:
            raise AssertionError(f"no class for the {tok.type} token {tok.value!r} "
                                 f"at line {tok.line}")
        out.append(LarkToken(cls, tok.value, tok.start_pos, tok.end_pos, tok.line))
    return out


def expected_scopes(tok: LarkToken) -> list[tuple[int, int, str]]:
    """``(start, end, scope)`` ranges the TextMate scopes must cover for this token."""
    scopes = editor_grammar.SCOPES
    if tok.cls.startswith("keyword:"):
        return [(tok.start, tok.end, editor_grammar.KEYWORD_SCOPES[tok.cls[8:]])]
    if tok.cls == "quantity":
        cut = tok.start + _NUMBER_PART.match(tok.text).end()
        return [(tok.start, cut, scopes["number"]), (cut, tok.end, scopes["unit"])]
    if tok.cls == "size":
        ranges = [(tok.start, tok.end, scopes["size"])]
        unit = _SIZE_UNIT.search(tok.text)
        if unit:
            ranges.append((tok.start + unit.start(), tok.end, scopes["unit"]))
        return ranges
    return [(tok.start, tok.end, scopes[tok.cls])]


def _scopes_by_offset(text: str, tm_lines: list[list[dict]]) -> dict[int, list[str]]:
    """Source offset → the TextMate scopes of that character (columns are UTF-16 units)."""
    out: dict[int, list[str]] = {}
    offset = 0
    for line, tokens in zip(text.split("\n"), tm_lines):
        units = []                       # UTF-16 unit index → offset in the line
        for i, ch in enumerate(line):
            units.extend([i] * (2 if ord(ch) > 0xFFFF else 1))
        for t in tokens:
            for u in range(t["start"], min(t["end"], len(units))):
                out[offset + units[u]] = t["scopes"]
        offset += len(line) + 1
    return out


def mismatches(text: str, tokens: list[LarkToken], tm_lines: list[list[dict]]) -> list[str]:
    """One message per Lark token some character of which lacks its expected scope."""
    scoped = _scopes_by_offset(text, tm_lines)
    problems = []
    for tok in tokens:
        for start, end, scope in expected_scopes(tok):
            bad = [i for i in range(start, end) if not text[i].isspace()
                   and scope not in scoped.get(i, ())]
            if bad:
                got = scoped.get(bad[0], ["(no token)"])
                problems.append(f"line {tok.line}: {tok.cls} {tok.text!r} expects {scope} at "
                                f"{text[bad[0]]!r}, the TextMate engine gave {got[-1]}")
                break
    return problems


def example_specs() -> list[Path]:
    """The .shot files the project ships (the repository's tracked .shot files)."""
    proc = subprocess.run(["git", "ls-files", "*.shot"], cwd=ROOT, capture_output=True,
                          text=True)
    if proc.returncode == 0 and proc.stdout.strip():
        return [ROOT / p for p in sorted(proc.stdout.split())]
    # Not a git checkout: the package's specs.
    return sorted((ROOT / "src" / "shotspec" / "specs").rglob("*.shot"))


def _fences(path: Path):
    current, tag, start = None, "", 0
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("```"):
            if current is None:
                current, tag, start = [], line[3:].strip(), lineno
            else:
                yield start, tag, "\n".join(current) + "\n"
                current = None
        elif current is not None:
            current.append(line)


def doc_examples() -> list[tuple[str, str]]:
    """``(where, text)`` for each code block of README.md and docs/*.md that is .shot source:
    an untagged or ``shot`` block that parses as a file, or as the body of a shot block (a
    fragment such as ``output "x.png" { … }``, wrapped in ``shot example { … }``)."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for start, tag, block in _fences(path):
            if tag not in ("", "shot"):
                continue
            for text in (block, "shot example {\n" + block + "}\n"):
                try:
                    parser().parse(text, start="start")
                except Exception:   # noqa: BLE001 — any Lark error: not this shape
                    continue
                found.append((f"{path.relative_to(ROOT)}:{start}", text))
                break
    return found


def node_tokenize(node: str, files: list[Path]) -> dict[str, list[list[dict]]]:
    """Run editors/vscode/test/tokenize.js on ``files``; its JSON by file name."""
    import json

    run = subprocess.run([node, str(EXTENSION / "test" / "tokenize.js"), *map(str, files)],
                         cwd=EXTENSION, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise AssertionError(f"tokenize.js failed ({run.returncode}): {run.stderr}")
    return json.loads(run.stdout)
