"""Statements of sources and outputs: plates, output paths, size and bit depth."""

from __future__ import annotations

from shotspec.compiler import values as V
from shotspec.compiler.ir import OutputIR, SourceIR
from shotspec.compiler.schema import choices_of, key_of
from shotspec.compiler.nodes import Atom, Stmt
from shotspec.compiler.statements.core import Apply, FieldRef, _atoms, custom


@custom("source")
def _source(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`render` or `plate "file" [{ ... }]`."""
    atoms = list(stmt.atoms)
    ap.state.nodes["source"] = stmt.span
    sub = ap.sub("source.")
    if len(atoms) > 2:
        ap.sink.add("E210", f"`source` takes a kind and a path, found {len(atoms)} values",
                    atoms[2].span)
        return
    unreadable = False          # the path was given but is not one (reported where it was read)
    if atoms:
        kind = V.read_choice(atoms[0], ap.sink, "source kind", choices_of(SourceIR, "kind"))
        if kind is None:
            return
        sub.set("kind", kind, stmt.span)
        if kind == "render":
            if len(atoms) > 1:
                ap.sink.add("E210", "`source render` takes no path", atoms[1].span)
            for key in ("plate", "depth", "mask"):
                sub.set(key, None, stmt.span)
        elif len(atoms) > 1:
            path = sub.path(atoms[1], "plate")
            if path:
                sub.set("plate", path, stmt.span)
            unreadable = path is None
    if stmt.block is not None:
        ap.interp.run_block("source", stmt.block, sub)
    if ap.state.get("source.kind") == "plate" and ap.state.get("source.plate") is None and not unreadable:
        ap.sink.add("E210", "`source plate` needs the image: `source plate \"plate.png\"`",
                    stmt.key_span)


@custom("plate")
def _plate(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """path (`"plate.png"`); sets the source kind to `plate`."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        value = ap.path(atoms[0], stmt.key)
        if value is not None:
            ap.set("plate", value, stmt.span)
            ap.set("kind", "plate", stmt.span)


@custom("output")
def _output(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`"path" [{ ... }]`."""
    atoms = list(stmt.atoms)
    ap.state.nodes["output"] = stmt.span
    sub = ap.sub("output.")
    if len(atoms) > 1:
        ap.sink.add("E210", f"`output` takes one path, found {len(atoms)} values", atoms[1].span)
        return
    if atoms:
        path = sub.path(atoms[0], "output")
        if path:
            sub.set("path", path, stmt.span)
    if stmt.block is not None:
        ap.interp.run_block("output", stmt.block, sub)


@custom("size")
def _size(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """pixels (`1024x1280`): sets `width` and `height`."""
    atoms = _atoms(stmt, ap, 1, 1)
    if not atoms:
        return
    size = V.read_size(atoms[0], ap.sink, "size")
    if size is None:
        return
    w, h, unit = size
    if unit or w != int(w) or h != int(h):
        ap.sink.add("E201", f"`size` expects whole pixels (1024x1280), found `{atoms[0].text}`",
                    atoms[0].span)
        return
    if _pixels_ok(atoms[0], ap, "width", int(w)) and _pixels_ok(atoms[0], ap, "height", int(h)):
        ap.set("width", int(w), stmt.span)
        ap.set("height", int(h), stmt.span)


def _pixels_ok(atom: Atom, ap: Apply, side: str, px: int) -> bool:
    k = key_of(OutputIR, side)
    if k.lo <= px <= k.hi:
        return True
    ap.sink.add("E208", f"output {side} {px}px is outside {k.lo:g}–{k.hi:g}px", atom.span,
                help="the size is the final image; `upscale` renders at size / factor")
    return False


@custom("side")
def _side(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """whole pixels."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        v = V.read_int(atoms[0], ap.sink, f.name)
        if v is not None and _pixels_ok(atoms[0], ap, f.name, v):
            ap.set(f.name, v, stmt.span)


@custom("bit_depth")
def _bit_depth(stmt: Stmt, ap: Apply, f: FieldRef | None) -> None:
    """`8` `16` `32`."""
    atoms = _atoms(stmt, ap, 1, 1)
    if atoms:
        v = V.read_int(atoms[0], ap.sink, "depth")
        if v is None:
            return
        if v not in f.choices:
            ap.sink.add("E202", f"unknown bit depth `{atoms[0].text}`", atoms[0].span,
                        help="expected one of: " + ", ".join(f"`{c}`" for c in f.choices))
            return
        ap.set("bit_depth", v, stmt.span)
