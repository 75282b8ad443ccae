"""The syntax tree: plain dataclasses with spans, built from Lark's parse tree.

Inside blocks every statement is the uniform ``key args { block }``; ``args`` is a tuple of
comma-separated groups, each a tuple of atoms (``from 45deg right, 30deg up`` is two groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shotspec.compiler.ir import Span

__all__ = ["Atom", "Stmt", "Block", "Import", "CharacterDef", "ShotDef", "PresetDef",
           "AllowStmt", "Module", "Item", "span_join"]


def span_join(a: Span, b: Span) -> Span:
    """The span from the start of ``a`` to the end of ``b``."""
    return Span(file=a.file, line=a.line, col=a.col, end_line=b.end_line, end_col=b.end_col)


@dataclass(frozen=True)
class Atom:
    """One literal: ``kind`` is the terminal (NUMBER, QUANTITY, NAME, STRING, ...)."""

    kind: str
    text: str
    span: Span

    @property
    def string(self) -> str:
        """A STRING's contents without quotes, escapes resolved."""
        body = self.text[1:-1]
        return body.replace('\\"', '"').replace("\\\\", "\\")


@dataclass(frozen=True)
class Block:
    stmts: tuple["Stmt", ...]
    span: Span


@dataclass(frozen=True)
class Stmt:
    key: str
    key_span: Span
    args: tuple[tuple[Atom, ...], ...]
    block: Block | None
    span: Span

    @property
    def atoms(self) -> tuple[Atom, ...]:
        return tuple(a for g in self.args for a in g)


@dataclass(frozen=True)
class Import:
    path: str
    path_span: Span
    span: Span


@dataclass(frozen=True)
class CharacterDef:
    name: str
    name_span: Span
    block: Block
    span: Span


@dataclass(frozen=True)
class ShotDef:
    name: str
    name_span: Span
    parent: str | None
    parent_span: Span | None
    block: Block
    span: Span


@dataclass(frozen=True)
class PresetDef:
    name: str
    name_span: Span
    kind: str
    kind_span: Span
    block: Block
    span: Span


@dataclass(frozen=True)
class AllowStmt:
    codes: tuple[tuple[str, Span], ...]
    span: Span


Item = Import | CharacterDef | ShotDef | PresetDef | AllowStmt


@dataclass
class Module:
    """One parsed file; ``comment_allows`` maps a line to codes allowed by ``// shot: allow``."""

    file: str
    items: list[Item] = field(default_factory=list)
    comment_allows: dict[int, set[str]] = field(default_factory=dict)
