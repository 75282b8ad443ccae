"""The character-language tests' helpers: compile a character `m` (the statements given) in a
shot `s`, and read back its IR or its errors. Test modules import it after putting this folder on
``sys.path`` (tests are not a package)."""

from __future__ import annotations

from shotspec.compiler import compile_source
from shotspec.compiler.ir import CharacterIR

__all__ = ["compile_character", "character", "errors"]


def compile_character(body: str, tmp_path, shot_body: str = "", overrides=()):
    """The compile result of ``character m { BODY }`` used by ``shot s { character m
    SHOT_BODY }``, with ``--set`` ``overrides``."""
    src = f"character m {{\n{body}\n}}\nshot s {{ character m {shot_body} }}\n"
    return compile_source(src, tmp_path / "spec.shot", overrides=list(overrides),
                          check_outputs=False)


def character(body: str, tmp_path, **kw) -> CharacterIR:
    """Shot `s`'s character, asserting the spec compiled without errors."""
    result = compile_character(body, tmp_path, **kw)
    assert [d for d in result.diagnostics if d.is_error] == [], result.diagnostics
    return result.program.shots[0].character


def errors(body: str, tmp_path, **kw) -> list:
    """The error diagnostics of the spec."""
    return [d for d in compile_character(body, tmp_path, **kw).diagnostics if d.is_error]
