"""shotspec.compiler: .shot source → validated IR, with diagnostics as values.

    from shotspec.compiler import compile_file
    result = compile_file("specs/closeup.shot", overrides=["camera.lens=50mm"])
    if not result.ok:
        print(render_diagnostics(result.diagnostics, result.sources))

Never imports torch.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from shotspec.compiler.diagnostics import (Diagnostic, Span, diagnostics_to_json,
                                           render_diagnostics)
from shotspec.compiler.formatter import format_source
from shotspec.compiler.ir import ProgramIR

__all__ = ["compile_file", "compile_source", "read_spec_text", "CompileResult", "Diagnostic", "Span",
           "render_diagnostics", "diagnostics_to_json", "format_source", "DEFAULT_SPEC"]

# The embedded default spec (a render that needs no assets).
DEFAULT_SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "specs", "closeup.shot")


@dataclass
class CompileResult:
    """A compile's outcome: the program (None when there are errors), every diagnostic, the
    texts read (for the caret display) and the files it depends on (for watch mode)."""

    program: ProgramIR | None                 # None when there are errors
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    dependencies: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def compile_source(text: str, path: str | os.PathLike, *, overrides: Sequence[str] = (),
                   allow: Iterable[str] = (), check_outputs: bool = True) -> CompileResult:
    """Compile source text; ``path`` names it in spans and anchors relative imports/paths.
    ``check_outputs=False`` leaves the spec's output files unchecked (the caller writes
    elsewhere and checks those paths)."""
    from shotspec.compiler.resolve import compile_program

    with _cyclic_gc_paused():
        return compile_program(text, os.fspath(path), overrides=overrides, allow=allow,
                               check_outputs=check_outputs)


@contextmanager
def _cyclic_gc_paused():
    """Python's cycle collector off while compiling: a compile allocates millions of small,
    acyclic objects (tokens, tree nodes, spans), and each full collection re-scans all of them,
    which made checking a 10,000-shot file grow quadratically (and halves the time of any
    compile). Reference counting still frees everything; cycles wait for the next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compile_file(path: str | os.PathLike, *, overrides: Sequence[str] = (),
                 allow: Iterable[str] = (), check_outputs: bool = True) -> CompileResult:
    """Read and compile a .shot file (E301/E303 as diagnostics when it cannot be read)."""
    file = os.fspath(path)
    text, diag = read_spec_text(file)
    if diag is not None:
        return CompileResult(None, [diag], {}, (os.path.abspath(file),))
    return compile_source(text, file, overrides=overrides, allow=allow,
                          check_outputs=check_outputs)


def read_spec_text(file: str) -> tuple[str | None, Diagnostic | None]:
    """The text of a .shot file (a UTF-8 byte-order mark dropped), or an E301/E303 diagnostic."""
    if os.path.isdir(file):
        return None, Diagnostic("E303", "error", f"`{file}` is a folder, not a .shot file", None,
                                "give the path of a .shot file")
    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None, Diagnostic("E301", "error", f"spec file `{file}` does not exist", None,
                                "check the path")
    except OSError as err:
        return None, Diagnostic("E303", "error", f"cannot read spec file `{file}`: {err.strerror}",
                                None, "check the file's permissions")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        return None, Diagnostic("E303", "error",
                                f"`{file}` is not UTF-8 text: byte 0x{data[err.start]:02x} at line "
                                f"{line}, column {col}",
                                Span(file=file, line=line, col=col, end_line=line, end_col=col + 1),
                                "save the file as UTF-8 (a .shot file is plain text)")
