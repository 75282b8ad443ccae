"""The ``shot`` subcommands. Each returns an exit code; errors are printed as diagnostics."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from shotspec.atomic_files import atomic_write
from shotspec.cli.console import (diagnostic_from_render_error, make_console, print_diagnostics)

__all__ = [f"cmd_{c}" for c in ("render", "watch", "check", "fmt", "explain", "ir", "schema",
                                 "enhance", "upscale", "info", "prompt", "identity")]

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_USAGE = 0, 1, 2


def _consoles(args):
    quiet = bool(getattr(args, "quiet", False))
    return make_console(quiet=quiet), make_console(stderr=True)


def _diag(code: str, message: str, help_: str | None = None, span=None):
    from shotspec.compiler import Diagnostic

    return Diagnostic(code=code, severity="error", message=message, span=span, help=help_)


def _fail(err_console, console, *diags, sources=None, fmt="text") -> int:
    print_diagnostics(diags, sources or {}, fmt=fmt, console=console, err_console=err_console)
    return EXIT_DIAGNOSTICS


def _bad_allow(args, console, err) -> int | None:
    """``--allow`` takes lint codes only (W…), like an `allow` statement (E112 otherwise)."""
    from shotspec.compiler.diagnostics import CODES, did_you_mean

    for code in getattr(args, "allow", ()) or ():
        code = code.upper()
        if code not in CODES or not code.startswith("W"):
            known = sorted(c for c in CODES if c.startswith("W"))
            reason = "only warnings can be allowed" if code in CODES else f"unknown code `{code}`"
            return _fail(err, console, _diag("E112", f"`--allow {code}`: {reason}",
                                             did_you_mean(code, known) or f"lints: {', '.join(known)}"))
    return None


def _has_errors(diags) -> bool:
    return any(d.severity == "error" for d in diags)


# --------------------------------------------------------------------------- render

def cmd_render(args) -> int:
    console, err = _consoles(args)
    if (bad := _bad_allow(args, console, err)) is not None:
        return bad
    if args.from_image:
        return _render_from_image(args, console, err)
    from shotspec.cli.main import default_spec_path
    from shotspec.cli.progress import NodeProgress, timing_table
    from shotspec.cli.session import RenderSession
    from shotspec.runtime.device import DeviceError

    spec = Path(args.file) if args.file else default_spec_path()
    output = args.output
    if not args.file and not output:
        output = str(Path.cwd() / "renders" / "closeup.png")
    progress = NodeProgress(console, quiet=args.quiet or args.format == "json")
    try:
        session = RenderSession(spec, overrides=args.overrides, allow=args.allow, shots=args.shot,
                                output=output, device=args.device, cache_dir=args.cache_dir,
                                on_event=progress)
    except DeviceError as exc:
        return _fail(err, console, _diag("E604", exc.message, exc.hint), fmt=args.format)
    build = session.compile()
    if not build.ok:
        return _fail(err, console, *build.diagnostics, sources=build.sources, fmt=args.format)
    if build.diagnostics and args.format == "text":
        print_diagnostics(build.diagnostics, build.sources, console=console, err_console=err)
    if not args.quiet and args.format == "text":
        console.print(f"[b]rendering[/] {spec} on {session.executor.device} "
                      f"({len(build.plan.nodes)} plan nodes)")
    with progress:
        build = session.render(build)
    if build.error is not None:
        return _fail(err, console, diagnostic_from_render_error(build.error), sources=build.sources,
                     fmt=args.format)
    report = build.report
    if args.format == "json":
        sys.stdout.write(json.dumps({"written": report.written, "seconds": round(report.seconds, 3),
                                     "diagnostics": json.loads(_diagnostics_json(build.diagnostics))}) + "\n")
        return EXIT_OK
    if args.timings:
        console.print(timing_table(report))
    for shot, path in report.written.items():
        frame = report.frames[shot]
        console.print(f"[green]wrote[/] {path} ({frame.width}×{frame.height}) in {report.seconds:.2f} s")
    return EXIT_OK


def _diagnostics_json(diags) -> str:
    from shotspec.compiler import diagnostics_to_json

    return diagnostics_to_json(list(diags))


def _render_from_image(args, console, err) -> int:
    """Re-render a shot from the IR embedded in an image's provenance."""
    from pydantic import ValidationError

    from shotspec.cli.session import provenance_for, same_path
    from shotspec.compiler.ir import ProgramIR, ShotIR
    from shotspec.compiler.plan import build_plan
    from shotspec.runtime.errors import RenderError
    from shotspec.runtime.executor import Executor
    from shotspec.runtime.io import ImageError, read_provenance

    source = Path(args.from_image)
    try:
        info = read_provenance(str(source))
    except ImageError as exc:
        return _fail(err, console, _diag("E520", f"cannot read {source}: {exc.message}", exc.hint))
    if "shotspec:ir" not in info:
        return _fail(err, console, _diag("E521", f"{source} carries no shotspec provenance",
                                         "only images written by `shot render` can be re-rendered"))
    try:
        shot = ShotIR.model_validate_json(info["shotspec:ir"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _fail(err, console, _diag(
            "E522", f"the provenance in {source} does not match this shotspec version "
                    f"(written by {info.get('shotspec:version', '?')}; `{where}`: {first['msg']})",
            f"re-render from the spec instead: `shot info {source} --spec > shot.shot`"))
    output = Path(args.output) if args.output else source.with_name(f"{source.stem}.rerender{source.suffix}")
    if same_path(output, source):
        return _fail(err, console, _diag("E603", f"re-rendering would overwrite the input {source}",
                                         "give another path with -o"))
    program = ProgramIR(file=info.get("shotspec:file", str(source)), shots=(shot,))
    plan = build_plan(program)
    recorded = info.get("shotspec:plan")
    provenance = {shot.name: provenance_for(program, plan, shot.name, info.get("shotspec:spec", ""))}
    try:
        report = Executor(device=args.device).run(plan, provenance=provenance,
                                                  output_paths={shot.name: str(output.resolve())})
    except RenderError as exc:
        return _fail(err, console, diagnostic_from_render_error(exc))
    new_key = plan.nodes[plan.outputs[shot.name]].key
    console.print(f"[green]wrote[/] {report.written[shot.name]} in {report.seconds:.2f} s"
                  + ("" if new_key == recorded else "  (plan differs from the recorded one: "
                     "this shotspec version renders it differently)"))
    return EXIT_OK


# --------------------------------------------------------------------------- watch

def cmd_watch(args) -> int:
    from shotspec.cli.watch import watch

    console, err = _consoles(args)
    if (bad := _bad_allow(args, console, err)) is not None:
        return bad
    return watch(args.file, output=args.output, shots=args.shot, overrides=args.overrides,
                 allow=args.allow, device=args.device, poll=args.poll, interval=args.interval,
                 console=console, err_console=err, quiet=args.quiet)


# --------------------------------------------------------------------------- compile-only

def cmd_check(args) -> int:
    from shotspec.compiler import compile_file

    console, err = _consoles(args)
    if (bad := _bad_allow(args, console, err)) is not None:
        return bad
    all_diags, sources, summaries = [], {}, []
    for file in args.files:
        result = compile_file(file, overrides=args.overrides, allow=args.allow)
        all_diags.extend(result.diagnostics)
        sources.update(result.sources)
        if result.ok:
            n = len(result.program.shots)
            summaries.append(f"[green]ok[/] {file}: {n} shot{'s' if n != 1 else ''}"
                             + (f", {sum(d.severity == 'warning' for d in result.diagnostics)} warning(s)"
                                if result.diagnostics else ""))
    print_diagnostics(all_diags, sources, fmt=args.format, console=console, err_console=err)
    if args.format == "text":
        for line in summaries:
            console.print(line)
    return EXIT_DIAGNOSTICS if _has_errors(all_diags) else EXIT_OK


def cmd_fmt(args) -> int:
    from shotspec.compiler import format_source, read_spec_text

    console, err = _consoles(args)
    status = EXIT_OK
    for file in args.files:
        path = Path(file)
        text, problem = read_spec_text(file)
        if problem is not None:
            _fail(err, console, problem)
            status = EXIT_DIAGNOSTICS
            continue
        formatted, diags = format_source(text, str(path))
        if formatted is None:
            print_diagnostics(diags, {str(path): text}, console=console, err_console=err)
            status = EXIT_DIAGNOSTICS
            continue
        if formatted == text:
            continue
        if args.check:
            console.print(f"would reformat {file}")
            status = EXIT_DIAGNOSTICS
        else:
            atomic_write(path, formatted)
            console.print(f"reformatted {file}")
    return status


def _compile_or_fail(args, console, err):
    from shotspec.compiler import compile_file

    if _bad_allow(args, console, err) is not None:
        return None
    result = compile_file(args.file, overrides=args.overrides, allow=args.allow)
    if not result.ok:
        _fail(err, console, *result.diagnostics, sources=result.sources)
        return None
    if result.diagnostics:
        print_diagnostics(result.diagnostics, result.sources, console=console, err_console=err)
    return result


def cmd_ir(args) -> int:
    console, err = _consoles(args)
    result = _compile_or_fail(args, console, err)
    if result is None:
        return EXIT_DIAGNOSTICS
    sys.stdout.write(result.program.model_dump_json(indent=2) + "\n")
    return EXIT_OK


def cmd_schema(args) -> int:
    from shotspec.compiler.ir import ProgramIR

    sys.stdout.write(json.dumps(ProgramIR.model_json_schema(), indent=2) + "\n")
    return EXIT_OK


def cmd_explain(args) -> int:
    from shotspec.cli.explain import explain

    console, err = _consoles(args)
    result = _compile_or_fail(args, console, err)
    if result is None:
        return EXIT_DIAGNOSTICS
    return explain(result.program, console=console, shots=args.shot or None, cache_dir=args.cache_dir,
                   origins=not args.no_origins)


def cmd_prompt(args) -> int:
    from shotspec.prompt import PromptError, render_prompt
    from shotspec.compiler.ir import Span

    console, err = _consoles(args)
    result = _compile_or_fail(args, console, err)
    if result is None:
        return EXIT_DIAGNOSTICS
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            return _fail(err, console, _diag("E607", f"`--option {item}` is not KEY=VALUE",
                                             "e.g. --option steps=40 --option cfg=5.5"))
        options[key.strip()] = value.strip()
    try:
        out = render_prompt(result.program, shot=args.shot, target=args.target,
                            template_dir=args.templates, checkpoint=args.checkpoint,
                            options=options or None)
    except PromptError as exc:
        span = None
        if exc.file and exc.line:
            span = Span(file=exc.file, line=exc.line, col=exc.col or 1, end_line=exc.line,
                        end_col=(exc.col or 1) + 1)
        return _fail(err, console, _diag(exc.code, exc.message, exc.hint, span))
    if options and out.workflow is None:
        err.print(f"[yellow]warning[/]: --option is for workflow targets (comfyui); "
                  f"`{args.target}` ignores {', '.join(sorted(options))}", markup=True)
    for warning in out.warnings:
        code, sep, message = warning.partition(":")
        label = f"warning[{code.strip()}]" if sep else "warning"
        err.print(f"[yellow]{label}[/]: {(message if sep else warning).strip()}", markup=True)
    sys.stdout.write(out.text if out.text.endswith("\n") else out.text + "\n")
    return EXIT_OK


# --------------------------------------------------------------------------- images

def _image_output(path: str) -> str | None:
    """The image format a file name asks for, or None."""
    from shotspec.runtime.ops import IMAGE_SUFFIXES

    return IMAGE_SUFFIXES.get(Path(path).suffix.lower())


def _load_for_edit(args, console, err):
    """Read an input image as a Frame; returns (frame, info) or an exit code."""
    from shotspec.cli.session import same_path
    from shotspec.runtime.frame import Frame, FrameMeta
    from shotspec.runtime.io import ImageError, read_image

    if _image_output(args.output) is None:
        return _fail(err, console, _diag("E605", f"cannot tell the image format of {args.output}",
                                         "use a .png, .tif, .exr or .jpg file name"))
    if same_path(args.input, args.output):
        return _fail(err, console, _diag("E603", f"the output would overwrite the input {args.input}",
                                         "write to another file; inputs are never overwritten"))
    try:
        rgb, info = read_image(args.input)
    except ImageError as exc:
        return _fail(err, console, _diag("E520", f"cannot read {args.input}: {exc.message}", exc.hint))
    aovs = {}
    if info.get("alpha") is not None:
        aovs["alpha"] = info["alpha"]
    return Frame(rgb=rgb[:, :3].contiguous(), aovs=aovs, meta=FrameMeta(source="plate")), info


def _write_edit(frame, info, args, console, err) -> int:
    from shotspec.compiler.ir import OutputIR
    from shotspec.runtime.io import ImageError, write_image

    fmt = _image_output(args.output)
    depth = int(info.get("bit_depth") or 8)
    depth = 32 if fmt == "exr" else (8 if fmt == "jpeg" else (16 if depth >= 16 else 8))
    output = OutputIR(path=str(Path(args.output).resolve()), width=frame.width, height=frame.height,
                      format=fmt, bit_depth=depth,
                      colorspace="linear" if fmt == "exr" else "srgb")
    try:
        written = write_image(frame, output, provenance={"shotspec:source": str(args.input)})
    except ImageError as exc:
        return _fail(err, console, _diag("E523", f"cannot write {args.output}: {exc.message}", exc.hint))
    console.print(f"[green]wrote[/] {written} ({frame.width}×{frame.height}, {depth}-bit)")
    return EXIT_OK


def cmd_enhance(args) -> int:
    import torch

    from shotspec.runtime.enhance import skin_enhance
    from shotspec.runtime.io import ImageError
    from shotspec.runtime.io.plate import read_mask_image

    console, err = _consoles(args)
    if args.seed < 0:
        return _fail(err, console, _diag("E606", f"--seed {args.seed} is negative",
                                         "use a whole number ≥ 0"))
    if not 0.0 <= args.strength <= 2.0:
        return _fail(err, console, _diag("E606", f"--strength {args.strength} is out of range",
                                         "use a value from 0 (no change) to 2"))
    loaded = _load_for_edit(args, console, err)
    if isinstance(loaded, int):
        return loaded
    frame, info = loaded
    if args.mask:
        try:
            mask = read_mask_image(args.mask)
        except ImageError as exc:
            return _fail(err, console, _diag("E520", f"cannot read mask {args.mask}: {exc.message}", exc.hint))
        if mask.shape[-2:] != frame.rgb.shape[-2:]:
            mask = torch.nn.functional.interpolate(mask, size=frame.rgb.shape[-2:], mode="bilinear",
                                                   align_corners=False)
        frame = frame.replace(aovs={**frame.aovs, "skin": mask.clamp(0, 1)})
    t0 = time.perf_counter()
    frame = skin_enhance(frame, strength=args.strength, seed=args.seed)
    if not args.quiet:
        console.print(f"enhanced skin in {time.perf_counter() - t0:.2f} s")
    return _write_edit(frame, info, args, console, err)


def cmd_upscale(args) -> int:
    from shotspec.runtime.upscale import upscale_frame

    console, err = _consoles(args)
    loaded = _load_for_edit(args, console, err)
    if isinstance(loaded, int):
        return loaded
    frame, info = loaded
    t0 = time.perf_counter()
    frame = upscale_frame(frame, args.scale, args.mode)
    if not args.quiet:
        console.print(f"upscaled ×{args.scale} ({args.mode}) in {time.perf_counter() - t0:.2f} s")
    return _write_edit(frame, info, args, console, err)


def cmd_info(args) -> int:
    from rich.table import Table

    from shotspec.runtime.io import ImageError, read_provenance

    console, err = _consoles(args)
    try:
        info = read_provenance(args.image)
    except ImageError as exc:
        return _fail(err, console, _diag("E520", f"cannot read {args.image}: {exc.message}", exc.hint))
    if not info:
        return _fail(err, console, _diag("E521", f"{args.image} carries no shotspec provenance",
                                         "only images written by shotspec carry it"))
    if args.spec:
        from shotspec.cli.info_spec import spec_of_image

        text, note = spec_of_image(info, args.image)
        if note is not None:
            err.print(note, markup=False)
        sys.stdout.write(text)
        return EXIT_OK
    table = Table(show_header=False, show_edge=False)
    for key in ("shotspec:version", "shotspec:shot", "shotspec:plan", "shotspec:file", "shotspec:source"):
        if key in info:
            table.add_row(key.split(":", 1)[1], info[key])
    for line in info.get("shotspec:overrides", "").splitlines():
        table.add_row("--set", line)
    console.print(table)
    if "shotspec:spec" in info:
        console.print("[b]spec[/]")
        console.print(info["shotspec:spec"], markup=False)
    return EXIT_OK


def cmd_identity(args) -> int:
    from shotspec.cli.identity_cmd import identity_build

    console, err = _consoles(args)
    if args.identity_command != "build":
        err.print("usage: shot identity build PHOTOS_DIR -o NAME.identity")
        return EXIT_USAGE
    return identity_build(args, console, err)
