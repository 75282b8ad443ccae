"""Diagnostics for a keystroke without recompiling the whole file.

A keystroke changes one place. When that place lies inside one top-level ``shot`` (and the
edit leaves the shot's braces where they were), only that shot's diagnostics can change before
the cross-shot checks run. ``quick_result`` compiles a copy of the buffer in which every other
shot is blanked out — replaced by spaces, newlines kept, so every position is unchanged —
except the shots it ``extends``; imports, characters and presets stay. The diagnostics inside
the edited shot come from that small compile; those outside it are the previous compile's,
moved by the number of lines the edit added or removed. On a 1,000-line spec this is a tenth
of a full compile (bench/lsp_keystroke.py). The full compile still follows on the queue and
replaces this answer (it alone sees cross-shot lints such as W104 or E113).
"""

from __future__ import annotations

import bisect
import os
import re

from shotspec.compiler import CompileResult, compile_source
from shotspec.compiler.ir import Span
from shotspec.diagnostics import Diagnostic, sort_diagnostics
from shotspec.lsp.analysis import Analysis
from shotspec.lsp.scope import Item, top_items
from shotspec.lsp.text import TRIVIA, Token, tokens

__all__ = ["quick_result", "edited_item", "retokenize"]


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    lo, hi = 0, n
    while lo < hi:                       # binary search on slices: C speed on long texts
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def edited_item(old: str, new: str, old_items: list[Item],
                new_items: list[Item]) -> tuple[Item, Item] | None:
    """The (old, new) shot that holds the whole edit from ``old`` to ``new``, or None when the
    edit touches anything else or moves a shot's boundaries."""
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    old_end, new_end = len(old) - suffix, len(new) - suffix
    a = next((it for it in old_items if it.start <= prefix and old_end <= it.end), None)
    b = next((it for it in new_items if it.start <= prefix and new_end <= it.end), None)
    if a is None or b is None or a.keyword != "shot" or b.keyword != "shot":
        return None
    if not (a.closed and b.closed and a.start == b.start and len(old) - a.end == len(new) - b.end):
        return None
    if a.start == prefix or a.end == old_end:        # the edit touches the item's boundary
        return None
    if [t.text for t in a.header] != [t.text for t in b.header]:
        return None
    return a, b


def retokenize(old_toks: list[Token], old: str, new: str, old_items: list[Item]) -> list[Token] | None:
    """The tokens of ``new`` from those of ``old``: only the top-level item the edit falls in
    is lexed again, the tokens after it move by the change in length. None when the edit is not
    inside one closed item or the item's braces no longer close where it ends."""
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    item = next((it for it in old_items if it.start < prefix and len(old) - suffix < it.end), None)
    if item is None or not item.closed:
        return None
    delta = len(new) - len(old)
    end = item.end + delta
    lexed = tokens(new[item.start:end], trivia=True)
    if any(t.type == "BLOCK_COMMENT" and not t.text.endswith("*/") for t in lexed):
        return None                          # a comment opened here runs past the item
    inner = [t for t in lexed if t.type not in TRIVIA]
    depth = 0
    for tok in inner:
        depth += (tok.type == "LBRACE") - (tok.type == "RBRACE")
        if depth < 0:
            return None
    if depth != 0 or not inner or inner[-1].type != "RBRACE" or inner[-1].end != end - item.start:
        return None
    at = bisect.bisect_left([t.start for t in old_toks], item.start)
    after = bisect.bisect_left([t.start for t in old_toks], item.end)
    return (old_toks[:at] + [Token(t.type, t.text, t.start + item.start, t.end + item.start) for t in inner]
            + [Token(t.type, t.text, t.start + delta, t.end + delta) for t in old_toks[after:]])


def _ancestors(item: Item, items: list[Item]) -> set[str]:
    by_name = {it.name.text: it for it in items if it.keyword == "shot" and it.name is not None}
    out: set[str] = set()
    parent = item.parent.text if item.parent is not None else None
    while parent is not None and parent not in out and parent in by_name:
        out.add(parent)
        nxt = by_name[parent].parent
        parent = nxt.text if nxt is not None else None
    return out


def _blank(text: str, items: list[Item], keep: Item, keep_names: set[str]) -> str:
    """``text`` with every shot but ``keep`` and the shots named ``keep_names`` turned into a
    block comment of the same length and newlines (a shot holds no ``*/``: it is all tokens,
    and a comment inside it ends before the shot does)."""
    pieces, at = [], 0
    for it in items:
        if it.keyword != "shot" or it is keep or (it.name is not None and it.name.text in keep_names):
            continue
        pieces.append(text[at:it.start])
        body = text[it.start:it.end]
        # one block comment of the same length and lines: one token for the parser to skip
        blank = re.sub(r"[^\n]", " ", body)
        close = len(body) - 1
        while blank[close - 1] == "\n" or blank[close] == "\n":
            close -= 1
        pieces.append("/*" + blank[2:close - 1] + "*/" + blank[close + 1:])
        at = it.end
    pieces.append(text[at:])
    return "".join(pieces)


def _moved(d: Diagnostic, delta: int) -> Diagnostic:
    s = d.span
    span = Span(file=s.file, line=s.line + delta, col=s.col, end_line=s.end_line + delta,
                end_col=s.end_col)
    return Diagnostic(d.code, d.severity, d.message, span, d.help, d.notes, d.file)


def quick_result(previous: Analysis, text: str,
                 path: str) -> tuple[CompileResult, list[Token]] | None:
    """The diagnostics of ``text`` from a compile of the edited shot alone, merged with the
    ``previous`` analysis's elsewhere, and the tokens of ``text``; None when the edit is not
    inside one shot."""
    old = previous.text
    old_items = top_items(previous.tokens)
    new_toks = retokenize(previous.tokens, old, text, old_items)
    if new_toks is None:
        return None
    new_items = top_items(new_toks)
    pair = edited_item(old, text, old_items, new_items)
    if pair is None:
        return None
    a, b = pair
    here = os.path.abspath(path)
    first_line = old.count("\n", 0, a.start) + 1
    old_last = first_line + old.count("\n", a.start, a.end)
    delta = text.count("\n", b.start, b.end) - old.count("\n", a.start, a.end)
    sliced = _blank(text, new_items, b, _ancestors(b, new_items))
    small = compile_source(sliced, path)
    new_last = old_last + delta

    def inside(d: Diagnostic, lo: int, hi: int) -> bool:
        return (d.span is not None and os.path.abspath(d.span.file) == here
                and lo <= d.span.line <= hi)

    kept = []
    for d in previous.result.diagnostics:
        if inside(d, first_line, old_last):
            continue
        if d.span is not None and os.path.abspath(d.span.file) == here and d.span.line > old_last:
            d = _moved(d, delta)
        kept.append(d)
    fresh = [d for d in small.diagnostics if inside(d, first_line, new_last)]
    merged = sort_diagnostics(kept + fresh)
    sources = dict(small.sources)
    sources[path] = text
    return CompileResult(None, merged, sources, small.dependencies), new_toks
