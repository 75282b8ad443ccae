"""``shot identity build PHOTOS_DIR -o NAME.identity``: check the photos, derive the identity,
write it atomically. Problems come out as diagnostics (E405 no usable photo, E406 folder
missing or empty), never as tracebacks."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

__all__ = ["identity_build"]


def _error(err_console: Console, code: str, message: str, hint: str) -> int:
    from shotspec.compiler.diagnostics import Diagnostic, render_diagnostics  # noqa: PLC0415

    text = render_diagnostics([Diagnostic(code, "error", message, None, hint)], {})
    err_console.file.write(text)
    err_console.file.flush()
    return 1


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
        return _error(err_console, "E406", f"output `{args.output}` is a folder",
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
        return _error(err_console, result.error.code, result.error.message, result.error.hint)
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
    for key, value in sorted(ident.face.items()):
        params.add_row(f"face {key}", f"{value:+.2f}", "−1 – 1 (0 = average)")
    params.add_row("seed", str(ident.seed), "texture seed")
    console.print(params)
    for w in result.warnings:
        err_console.print(f"[yellow]warning[/]: {w}", markup=True, highlight=False)
    try:
        write_identity(output, ident)
    except OSError as exc:
        return _error(err_console, "E406", f"cannot write `{args.output}` ({exc.strerror})",
                      "check that the folder exists and is writable")
    used = len(ident.photos)
    console.print(f"wrote {args.output} from {used} of {len(result.photos)} photos"
                  + ("" if used >= RECOMMENDED_PHOTOS else f" (about {RECOMMENDED_PHOTOS} recommended)"))
    return 0
