"""``shot identity build PHOTOS_DIR -o NAME.identity``: check the photos, derive the identity,
write it atomically. Problems come out as diagnostics (E405 no usable photo, E406 folder
missing or empty), never as tracebacks."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from shotspec.cli.console import EXIT_DIAGNOSTICS, EXIT_OK, print_diagnostics
from shotspec.diagnostics import Diagnostic

__all__ = ["identity_build"]


def _error(console: Console, err_console: Console, code: str, message: str, hint: str,
           file: str | None = None) -> int:
    print_diagnostics([Diagnostic.of(code, message, file=file, help=hint)], {}, console=console,
                      err_console=err_console)
    return EXIT_DIAGNOSTICS


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return str(value)


def identity_build(args, console: Console, err_console: Console) -> int:
    """Build ``args.output`` from the photos in ``args.photos`` (``args.seed``: texture seed,
    None → derived from the photos). Returns 0 when written, 1 on diagnostics."""
    from shotspec.compiler.identity_file import RECOMMENDED_PHOTOS, write_identity  # noqa: PLC0415
    from shotspec.runtime.identity import build_identity  # noqa: PLC0415 - imports torch

    output = Path(args.output)
    if output.is_dir():
        return _error(console, err_console, "E406", f"output `{args.output}` is a folder",
                      "give a file name, e.g. `-o mara.identity`")
    result = build_identity(args.photos, output, getattr(args, "seed", None))
    if result.photos:
        table = Table(title=f"reference photos in {args.photos}", title_justify="left")
        table.add_column("photo")
        table.add_column("status")
        table.add_column("reasons")
        for p in result.photos:
            status = "[green]ok[/]" if p.status == "ok" else "[red]replace[/]"
            table.add_row(p.name, status, "; ".join(p.reasons) or "—")
        console.print(table)
    if result.error is not None:
        print_diagnostics([*result.warnings, result.error], {}, console=console, err_console=err_console)
        return EXIT_DIAGNOSTICS
    ident = result.identity
    params = Table(title="derived parameters", title_justify="left")
    params.add_column("parameter")
    params.add_column("value")
    params.add_column("scale")
    s = ident.skin
    params.add_row("skin tone", f"{s.tone:.2f}", "Monk 1 (lightest) – 10")
    params.add_row("undertone", s.undertone, "warm / neutral / cool")
    params.add_row("redness", f"{s.redness:.2f}", "0 – 1")
    params.add_row("freckles", "not measured" if s.freckles is None else f"{s.freckles:.2f}", "0 – 1")
    if ident.coefficients is None:
        params.add_row("face shape", "not fitted", "drawn from the seed")
    for key, value in result.face_sd.items():
        params.add_row(f"face {key}", f"{value:+.2f}", "SD from the average face (fitted)")
    params.add_row("seed", str(ident.seed), "texture seed")
    console.print(params)
    print_diagnostics(result.warnings, {}, console=console, err_console=err_console)
    try:
        write_identity(output, ident)
    except OSError as exc:
        return _error(console, err_console, "E305", f"cannot write `{args.output}`: {exc.strerror or exc}",
                      "check that the folder exists and is writable", file=args.output)
    used = len(ident.photos)
    console.print(f"wrote {args.output} from {used} of {len(result.photos)} photos"
                  + ("" if used >= RECOMMENDED_PHOTOS else f" (about {RECOMMENDED_PHOTOS} recommended)"))
    return EXIT_OK
