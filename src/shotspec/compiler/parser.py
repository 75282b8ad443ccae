"""Source text → syntax tree, with several syntax diagnostics per run.

Recovery: on a syntax error the offending statement (from the previous statement boundary to
the next one at the same brace depth) is blanked out — replaced by spaces, so every later
position is unchanged — and the file is parsed again, up to ``MAX_RECOVERIES`` times. A missing
``}`` at the end of the file is supplied. Lark reports the end of input as ``$END`` (and
``UnexpectedEOF`` with line/column −1); both become E003 at a real position.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from shotspec.compiler.diagnostics import DiagnosticSink, did_you_mean
from shotspec.compiler.ir import Span
from shotspec.compiler.lexer_hints import char_help, clip_text, unit_word
from shotspec.compiler.nodes import (AllowStmt, Atom, Block, CharacterDef, Import, Module,
                                     PresetDef, ShotDef, Stmt, span_join)
from shotspec.grammar import KEYWORDS, TERMINAL_NAMES, parser

__all__ = ["parse_module", "parse_import", "parse_args", "UNITS", "MAX_RECOVERIES", "MAX_BLOCK_DEPTH"]

MAX_RECOVERIES = 25
# Real specs nest 3 or 4 blocks deep; the limit keeps the AST builder and every later pass
# (all recursive) far from Python's recursion limit, whatever the input.
MAX_BLOCK_DEPTH = 32
UNITS = ("mm", "cm", "m", "deg", "K", "x", "stops", "stop")
_TOP_KEYWORD_TERMINALS = {"IMPORT", "CHARACTER", "SHOT", "PRESET", "ALLOW"}
_ALLOW_COMMENT = re.compile(r"//\s*shot:\s*allow\s+([A-Za-z0-9_,\s]+)")


def _tok_span(file: str, tok: Token) -> Span:
    return Span(file=file, line=tok.line, col=tok.column, end_line=tok.end_line,
                end_col=tok.end_column)


def _pos_to_linecol(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col


def _point(file: str, text: str, pos: int, length: int = 1) -> Span:
    line, col = _pos_to_linecol(text, pos)
    return Span(file=file, line=line, col=col, end_line=line, end_col=col + max(length, 1))


def _expected_list(names) -> str:
    shown = sorted({TERMINAL_NAMES.get(n, n) for n in names if not n.startswith("__")})
    if len(shown) > 8:
        shown = shown[:8] + ["…"]
    return ", ".join(shown)


# ----------------------------------------------------------------------------- recovery

def _statement_bounds(text: str, pos: int) -> tuple[int, int]:
    """The statement around ``pos``: back to the previous ``; \\n { }``, forward to the next
    boundary at the same brace depth (a nested block is skipped whole)."""
    start = pos
    while start > 0 and text[start - 1] not in ";\n{}":
        start -= 1
    depth, i, n = 0, pos, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"' or c == "\n":
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                break
            depth -= 1
        elif c in ";\n" and depth == 0:
            break
        i += 1
    return start, i


def _blank(text: str, start: int, end: int) -> str:
    middle = "".join(c if c == "\n" else " " for c in text[start:end])
    return text[:start] + middle + text[end:]


def _unclosed_braces(text: str) -> list[int]:
    """Positions of ``{`` never closed (strings and comments skipped)."""
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "{":
            stack.append(i)
        elif c == "}" and stack:
            stack.pop()
        i += 1
    return stack


def _report_eof(file: str, text: str, work: str, expected, sink: DiagnosticSink) -> str | None:
    """E003 at a real position; returns the repaired text, or None when it cannot be repaired."""
    unclosed = _unclosed_braces(work)
    if unclosed:
        pos = unclosed[-1]
        sink.add("E003", "unexpected end of file: this `{` is never closed",
                 _point(file, text, pos), help="add a `}` to close the block")
        return work + "\n" + "}" * len(unclosed)
    end = len(text.rstrip())
    pos = max(end - 1, 0)
    exp = _expected_list(expected) if expected else ""
    sink.add("E003", "unexpected end of file" + (f": expected {exp}" if exp else ""),
             _point(file, text, pos), help="the last statement is incomplete")
    start, stop = _statement_bounds(work, pos)
    if not work[start:stop].strip():
        return None
    return _blank(work, start, stop)


def _report_token(file: str, text: str, work: str, err: UnexpectedToken,
                  sink: DiagnosticSink) -> str:
    tok = err.token
    span = _tok_span(file, tok)
    expected = set(err.expected or ())
    shown = "a newline" if tok.type == "_SEP" and tok.value == "\n" else f"`{clip_text(tok.value)}`"
    if tok.type == "NAME" and expected & _TOP_KEYWORD_TERMINALS:
        sink.add("E006", f"unknown keyword `{clip_text(tok.value)}`", span,
                 help=did_you_mean(tok.value, [k for k in KEYWORDS if k != "extends"])
                 or "a file holds `import`, `character`, `shot`, `preset` and `allow` items")
    else:
        help_text = None
        if tok.type == "NAME" and "EXTENDS" in expected:
            help_text = did_you_mean(tok.value, ["extends"])
        elif tok.type == "RBRACE" and not _unclosed_braces(work[: tok.start_pos]):
            help_text = "this `}` closes nothing; remove it"
        elif "LBRACE" in expected and expected <= {"LBRACE", "EXTENDS"}:
            help_text = "this item needs a `{ ... }` block"
        sink.add("E002", f"unexpected {shown}: expected {_expected_list(expected)}", span,
                 help=help_text)
    start, stop = _statement_bounds(work, tok.start_pos)
    if not work[start:stop].strip():
        start, stop = tok.start_pos, max(tok.end_pos, tok.start_pos + 1)
    return _blank(work, start, stop)


def _report_chars(file: str, text: str, work: str, err: UnexpectedCharacters,
                  sink: DiagnosticSink) -> str:
    pos = err.pos_in_stream
    char = work[pos]
    if char == '"':
        end = work.find("\n", pos)
        end = len(work) if end < 0 else end
        sink.add("E004", "unterminated string", _point(file, text, pos, end - pos),
                 help='close the string with `"` on the same line')
        return _blank(work, pos, end)
    if work.startswith("/*", pos):
        sink.add("E005", "unterminated block comment", _point(file, text, pos, 2),
                 help="close the comment with `*/`")
        return _blank(work, pos, len(work))
    shown = repr(char)[1:-1] if not char.isprintable() else char
    help_text = char_help(work, pos)
    if help_text is None and char == "/" and work[max(pos - 1, 0)] == "f":
        help_text = "write an f-number as `f/2.8`"
    elif help_text is None and (char in "°%" or char.isdigit()):
        help_text = "units are written right after the number: `45deg`, `80%`, `85mm`"
    sink.add("E001", f"unexpected character `{shown}`", _point(file, text, pos),
             help=help_text or "remove it; text that is not a value goes in a \"string\" or a comment")
    start, stop = _statement_bounds(work, pos)
    if stop <= pos:
        stop = pos + 1
    return _blank(work, start, stop)


def _parse_tolerant(text: str, file: str, sink: DiagnosticSink) -> Tree | None:
    work = text
    for _ in range(MAX_RECOVERIES):
        try:
            return parser().parse(work, start="start")
        except UnexpectedCharacters as err:
            work = _report_chars(file, text, work, err, sink)
        except UnexpectedEOF as err:
            repaired = _report_eof(file, text, work, err.expected, sink)
            if repaired is None:
                return None
            work = repaired
        except UnexpectedToken as err:
            if err.token.type == "$END":
                repaired = _report_eof(file, text, work, err.expected, sink)
                if repaired is None:
                    return None
                work = repaired
            else:
                work = _report_token(file, text, work, err, sink)
        except UnexpectedInput as err:  # any other Lark input error
            sink.add("E002", f"syntax error: {err}", None)
            return None
    return None


# ----------------------------------------------------------------------------- tree → AST

def _merge_units(atoms: list[Atom], sink: DiagnosticSink) -> tuple[Atom, ...]:
    """``85 mm`` and ``-1.5 stops``: a NUMBER followed by a unit name is one QUANTITY.

    A unit spelled out or mis-cased (``0.75 meters``, ``5600 kelvin``) is an E201 that shows
    the short form; the atom is still merged so the statement reads as meant."""
    out: list[Atom] = []
    for atom in atoms:
        if (atom.kind == "NAME" and out and out[-1].kind == "NUMBER"
                and out[-1].span.end_line == atom.span.line):
            unit = atom.text if atom.text in UNITS else unit_word(atom.text)
            if unit is not None:
                prev = out.pop()
                span = span_join(prev.span, atom.span)
                glue = " " if unit == "stops" else ""
                if unit != atom.text:
                    sink.add("E201", f"the unit `{atom.text}` is written `{unit}`", span,
                             help=f"write `{prev.text}{glue}{unit}` (units are short and "
                                  "follow the number)")
                out.append(Atom("QUANTITY", prev.text + unit, span))
                continue
        out.append(atom)
    return tuple(out)


class _Builder:
    """Lark tree → AST. Blocks deeper than ``MAX_BLOCK_DEPTH`` are reported (E007) and dropped,
    so no later (recursive) pass ever sees them."""

    def __init__(self, file: str, sink: DiagnosticSink):
        self.file = file
        self.sink = sink

    def span(self, node) -> Span:
        if isinstance(node, Token):
            return _tok_span(self.file, node)
        m = node.meta
        return Span(file=self.file, line=m.line, col=m.column, end_line=m.end_line,
                    end_col=m.end_column)

    def args(self, tree: Tree) -> tuple[tuple[Atom, ...], ...]:
        groups = []
        for group in tree.children:
            if isinstance(group, Tree) and group.data == "group":
                atoms = [Atom(t.type, str(t), self.span(t)) for t in group.children]
                groups.append(_merge_units(atoms, self.sink))
        return tuple(groups)

    def block(self, tree: Tree, depth: int = 1) -> Block:
        if depth > MAX_BLOCK_DEPTH:
            span = self.span(tree)
            self.sink.add("E007", f"blocks nested more than {MAX_BLOCK_DEPTH} deep",
                          Span(file=span.file, line=span.line, col=span.col, end_line=span.line,
                               end_col=span.col + 1),
                          help="a spec nests a few blocks (shot → lighting → key); "
                               "close the blocks you opened")
            return Block((), span)
        stmts = tuple(self.stmt(c, depth) for c in tree.children if isinstance(c, Tree))
        return Block(stmts, self.span(tree))

    def stmt(self, tree: Tree, depth: int) -> Stmt:
        key_tok = tree.children[0].children[0]
        args: tuple = ()
        block = None
        for child in tree.children[1:]:
            if child.data == "args":
                args = self.args(child)
            elif child.data == "block":
                block = self.block(child, depth + 1)
        return Stmt(str(key_tok), self.span(key_tok), args, block, self.span(tree))

    def item(self, tree: Tree):
        kids = [c for c in tree.children]
        toks = [c for c in kids if isinstance(c, Token)]
        span = self.span(tree)
        if tree.data == "import_stmt":
            tok = toks[1]
            return Import(Atom("STRING", str(tok), self.span(tok)).string, self.span(tok), span)
        block = self.block(kids[-1]) if isinstance(kids[-1], Tree) else None
        if tree.data == "character_def":
            return CharacterDef(str(toks[1]), self.span(toks[1]), block, span)
        if tree.data == "shot_def":
            parent = toks[3] if len(toks) > 3 else None
            return ShotDef(str(toks[1]), self.span(toks[1]), str(parent) if parent else None,
                           self.span(parent) if parent else None, block, span)
        if tree.data == "preset_def":
            return PresetDef(str(toks[1]), self.span(toks[1]), str(toks[2]), self.span(toks[2]),
                             block, span)
        codes = tuple((str(t), self.span(t)) for t in toks[1:] if t.type == "NAME")
        return AllowStmt(codes, span)


def _comment_allows(text: str) -> dict[int, set[str]]:
    """``// shot: allow W101, W102`` comments, by line (a cheap scan, strings excluded)."""
    found: dict[int, set[str]] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        if "shot:" not in line:
            continue
        quote_free = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
        m = _ALLOW_COMMENT.search(quote_free)
        if m:
            found[lineno] = {c.strip().upper() for c in re.split(r"[,\s]+", m.group(1)) if c.strip()}
    return found


def parse_module(text: str, file: str, sink: DiagnosticSink) -> Module:
    """Parse one file; syntax errors go to ``sink`` and the parseable rest is returned."""
    module = Module(file=file, comment_allows=_comment_allows(text))
    tree = _parse_tolerant(text, file, sink)
    if tree is None:
        return module
    b = _Builder(file, sink)
    module.items = [b.item(c) for c in tree.children if isinstance(c, Tree)]
    return module


# Imported files (preset libraries) rarely change between compiles of the file that imports
# them (an editor's keystrokes, watch mode's saves): their parses are kept, by path and text.
_IMPORT_PARSES: OrderedDict[tuple[str, str], tuple[Module, tuple]] = OrderedDict()
IMPORT_PARSES_KEPT = 32


def parse_import(text: str, file: str, sink: DiagnosticSink) -> Module:
    """``parse_module`` for an imported file, remembered by (path, text): an unchanged file is
    parsed once per process; its syntax diagnostics are reported again each time. The module
    is shared: nothing after the parser changes a Module."""
    key = (file, text)
    hit = _IMPORT_PARSES.get(key)
    if hit is None:
        local = DiagnosticSink()
        hit = (parse_module(text, file, local), tuple(local.items))
        _IMPORT_PARSES[key] = hit
        while len(_IMPORT_PARSES) > IMPORT_PARSES_KEPT:
            _IMPORT_PARSES.popitem(last=False)
    else:
        _IMPORT_PARSES.move_to_end(key)
    for diag in hit[1]:
        sink.append(diag)
    return hit[0]


def parse_args(text: str, file: str, line: int, col_offset: int,
               sink: DiagnosticSink) -> tuple[tuple[Atom, ...], ...] | None:
    """Parse a value (``--set`` right-hand side) with the grammar's literal rules.

    Spans point into the pseudo file ``file`` at ``line``, columns shifted by ``col_offset``.
    """
    try:
        tree = parser().parse(text, start="args")
    except UnexpectedInput as err:
        pos = getattr(err, "pos_in_stream", None)
        if isinstance(err, UnexpectedToken) and err.token.type != "$END":
            pos = err.token.start_pos
        if pos is None or pos < 0:
            pos = max(len(text) - 1, 0)
        sink.add("E201", f"cannot read the value `{clip_text(text)}`",
                 Span(file=file, line=line, col=col_offset + pos + 1, end_line=line,
                      end_col=col_offset + len(text) + 1),
                 help="write it as in a .shot file, e.g. `50mm`, `f/2`, `1:4`, `512x640`")
        return None
    local = DiagnosticSink()
    groups = _Builder(file, local).args(tree)

    def shift(s: Span) -> Span:
        return Span(file=file, line=line, col=s.col + col_offset, end_line=line,
                    end_col=s.end_col + col_offset)

    for d in local.items:
        sink.add(d.code, d.message, shift(d.span), help=d.help, notes=d.notes)
    return tuple(tuple(Atom(a.kind, a.text, shift(a.span)) for a in g) for g in groups)
