"""shotspec.compiler: .shot source → validated IR, with diagnostics as values.

    from shotspec.compiler import compile_file
    result = compile_file("specs/closeup.shot", overrides=["camera.lens=50mm"])
    if not result.ok:
        print(render_diagnostics(result.diagnostics, result.sources))

Never imports torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from shotspec.compiler.diagnostics import (Diagnostic, Span, diagnostics_to_json,
                                           render_diagnostics)
from shotspec.compiler.formatter import format_source
from shotspec.compiler.ir import ProgramIR

__all__ = ["compile_file", "compile_source", "CompileResult", "Diagnostic", "Span",
           "render_diagnostics", "diagnostics_to_json", "format_source", "DEFAULT_SPEC"]

# The embedded default spec (a render that needs no assets).
DEFAULT_SPEC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "specs", "closeup.shot")


@dataclass
class CompileResult:
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
                   allow: Iterable[str] = ()) -> CompileResult:
    """Compile source text; ``path`` names it in spans and anchors relative imports/paths."""
    from shotspec.compiler.resolve import compile_program

    out = compile_program(text, os.fspath(path), overrides=overrides, allow=allow)
    return CompileResult(out.program, out.diagnostics, out.sources, out.dependencies)


def compile_file(path: str | os.PathLike, *, overrides: Sequence[str] = (),
                 allow: Iterable[str] = ()) -> CompileResult:
    """Read and compile a .shot file (E301/E303 as diagnostics when it cannot be read)."""
    file = os.fspath(path)
    try:
        with open(file, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return _unreadable(file, "E301", f"spec file `{file}` does not exist")
    except (OSError, UnicodeDecodeError) as err:
        return _unreadable(file, "E303", f"cannot read spec file `{file}`: {err}")
    return compile_source(text, file, overrides=overrides, allow=allow)


def _unreadable(file: str, code: str, message: str) -> CompileResult:
    diag = Diagnostic(code, "error", message, None, "check the path")
    return CompileResult(None, [diag], {}, (os.path.abspath(file),))
