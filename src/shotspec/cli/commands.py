"""The ``shot`` subcommands. Each returns an exit code; errors are printed as diagnostics."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from pathlib import Path

from shotspec.atomic_files import atomic_write
from shotspec.cli.console import (EXIT_DIAGNOSTICS, EXIT_OK, EXIT_USAGE, exit_code, make_console,
                                  print_diagnostics)
from shotspec.diagnostics import ALLOW_FILE, Diagnostic, ShotspecError, did_you_mean, line_span

__all__ = [f"cmd_{c}" for c in ("render", "watch", "check", "fmt", "explain", "ir", "schema",
                                 "enhance", "upscale", "info", "prompt", "identity")]


def _consoles(args):
    quiet = bool(getattr(args, "quiet", False))
    return make_console(quiet=quiet), make_console(stderr=True)


def _usage(code: str, message: str, help_: str | None = None) -> ShotspecError:
    """A command-line problem (E6xx, no place in a file): exit code 2."""
    return ShotspecError(Diagnostic.of(code, message, help=help_))


def _fail(err_console, console, *diags, sources=None, fmt="text") -> int:
    """Print diagnostics with the one printer; the exit code they mean (1 or 2)."""
    print_diagnostics(diags, sources or {}, fmt=fmt, console=console, err_console=err_console)
    return exit_code(diags)


def _bad_allow(args, console, err) -> int | None:
    """``--allow`` takes lint codes only (W…), like an `allow` statement (E112 otherwise); the
    values are the lines of the pseudo file ``<--allow>``, so the caret points at the bad one."""
    from shotspec.compiler.diagnostics import CODES

    values = list(getattr(args, "allow", ()) or ())
    for line, value in enumerate(values, 1):
        code = value.upper()
        if code not in CODES or not code.startswith("W"):
            known = sorted(c for c in CODES if c.startswith("W"))
            reason = "only warnings can be allowed" if code in CODES else f"unknown code `{code}`"
            span = line_span(ALLOW_FILE, line).model_copy(update={"end_col": len(value) + 1})
            diag = Diagnostic.of("E112", f"`--allow {code}`: {reason}", span=span,
                                 help=did_you_mean(code, known) or f"lints: {', '.join(known)}")
            return _fail(err, console, diag, sources={ALLOW_FILE: "\n".join(values)},
                         fmt=getattr(args, "format", "text"))
    return None


# --------------------------------------------------------------------------- render

def cmd_render(args) -> int:
    console, err = _consoles(args)
    if (bad := _bad_allow(args, console, err)) is not None:
        return bad
    if args.from_image:
        return _render_from_image(args, console, err)
    from shotspec.cli.main import default_spec_path
    from shotspec.cli.progress import NodeProgress
    from shotspec.cli.session import RenderSession

    spec = Path(args.file) if args.file else default_spec_path()
    output = args.output
    if not args.file and not output:
        output = str(Path.cwd() / "renders" / "closeup.png")
    progress = NodeProgress(console, quiet=args.quiet or args.format == "json")
    cache_dir = _cache_dir(args.cache_dir)
    session = RenderSession(spec, overrides=args.overrides, allow=args.allow, shots=args.shot,
                            output=output, device=args.device, cache_dir=cache_dir,
                            on_event=progress)
    on_ray = getattr(args, "executor", "local") == "ray"
    if on_ray:      # the ray package is imported here only: `shotspec[ray]`
        from shotspec.runtime.distributed.ray_executor import RayExecutor

        session.executor = RayExecutor(device=args.device, cache_dir=cache_dir,
                                       address=args.ray_address, on_event=progress,
                                       cpus_per_task=args.cpus_per_task)
        session.executor.connect()
    try:
        return _render_session(args, spec, session, progress, console, err)
    finally:
        if on_ray:
            session.executor.shutdown()


def _render_session(args, spec, session, progress, console, err) -> int:
    from shotspec.cli.progress import timing_table, written_summary

    build = session.compile()
    if not build.ok:
        return _fail(err, console, *build.diagnostics, sources=build.sources, fmt=args.format)
    if build.diagnostics and args.format == "text":
        print_diagnostics(build.diagnostics, build.sources, console=console, err_console=err)
    if not args.quiet and args.format == "text":
        console.print(f"[b]rendering[/] {spec} on {session.executor.device} "
                      f"({len(build.plan.nodes)} plan nodes)")
    warned = len(build.diagnostics)
    with progress:
        build = session.render(build)
    if not build.ok:
        return _fail(err, console, *build.diagnostics[warned:], sources=build.sources,
                     fmt=args.format)
    report = build.report
    if args.format == "json":
        sys.stdout.write(json.dumps({"written": report.written, "seconds": round(report.seconds, 3),
                                     "diagnostics": json.loads(_diagnostics_json(build.diagnostics))}) + "\n")
        return EXIT_OK
    if args.timings:
        console.print(timing_table(report))
    for line in written_summary(report, session.skipped):
        console.print(line)
    for shot, path in session.videos.items():
        console.print(f"[green]encoded[/] {path} from the frames of {shot}")
    workers = getattr(report, "workers", [])        # the Ray executor's
    if workers:
        from rich.markup import escape

        console.print(f"[dim]on {len(workers)} Ray worker node(s): "
                      f"{escape('; '.join(workers))}[/]")
    return EXIT_OK


def _diagnostics_json(diags) -> str:
    from shotspec.compiler import diagnostics_to_json

    return diagnostics_to_json(list(diags))


def _cache_dir(path: str | None, *, writing: bool = True) -> str | None:
    """``--cache-dir``: a folder that exists (or can be made) and can be written; E608 else.
    Only read (``writing=False``, `shot explain`): it need not exist, but may not be a file."""
    if path is None:
        return None
    import os
    import tempfile

    folder = Path(path)
    hint = "give a folder you can write to, e.g. `--cache-dir .shotcache`"
    if folder.exists() and not folder.is_dir():
        raise _usage("E608", f"--cache-dir {path} is a file, not a folder", hint)
    if not writing:
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _usage("E608", f"--cache-dir {path} cannot be used: {exc.strerror or exc}", hint) from None
    return path


def _render_from_image(args, console, err) -> int:
    """Re-render a shot from the IR embedded in an image's provenance: the recorded shot, as it
    was; flags that would change it (a spec file, --set, --allow) are refused (E609)."""
    from pydantic import ValidationError

    from shotspec.cli.session import earlier_frames_of, provenance_for, unknown_output_format
    from shotspec.compiler.file_checks import same_file
    from shotspec.compiler.ir import ProgramIR, ShotIR
    from shotspec.compiler.plan import build_plan, frame_key, subplan
    from shotspec.runtime.cache import FrameCache
    from shotspec.runtime.executor import Executor
    from shotspec.runtime.io import read_provenance

    source = Path(args.from_image)
    ignored = [flag for flag, given in (("a spec file", args.file), ("--set", args.overrides),
                                        ("--allow", args.allow)) if given]
    if ignored:
        raise _usage("E609", f"--from re-renders the shot recorded in {source} as it was; "
                             f"{' and '.join(ignored)} cannot change it",
                     f"to change it, take its spec: `shot info {source} --spec > shot.shot`, then "
                     "`shot render shot.shot --set …`")
    info = read_provenance(str(source))
    if "shotspec:ir" not in info:
        raise ShotspecError(Diagnostic.of(
            "E521", f"{source} carries no shotspec provenance", file=str(source),
            help="only images written by `shot render` can be re-rendered"))
    try:
        shot = ShotIR.model_validate_json(info["shotspec:ir"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ShotspecError(Diagnostic.of(
            "E522", f"the provenance in {source} does not match this shotspec version "
                    f"(written by {info.get('shotspec:version', '?')}; `{where}`: {first['msg']})",
            file=str(source),
            help=f"re-render from the spec instead: `shot info {source} --spec > shot.shot`")) from None
    program = ProgramIR(file=info.get("shotspec:file", str(source)), shots=(shot,))
    _check_shots(program, args.shot, source)
    output = Path(args.output) if args.output else source.with_name(f"{source.stem}.rerender{source.suffix}")
    if same_file(output, source):
        raise _usage("E603", f"re-rendering would overwrite the input {source}", "give another path with -o")
    if args.output and (bad := unknown_output_format(args.output)) is not None:
        raise ShotspecError(bad)
    key = shot.name
    if "shotspec:frame" in info:        # one frame of a sequence: planned as that frame
        index, count = int(info["shotspec:frame"]), int(info.get("shotspec:frames", 0))
        count = max(count, index + 1)
        earlier = (shot,) * index
        if "shotspec:earlier_frames" in info:      # a plate sequence's skin tracking reads them
            import zlib

            try:
                earlier = tuple(earlier_frames_of(info["shotspec:earlier_frames"]))[:index]
            except (ValidationError, ValueError, zlib.error) as exc:
                raise ShotspecError(Diagnostic.of(
                    "E522", f"the earlier frames recorded in {source} do not match this shotspec "
                            f"version ({type(exc).__name__})", file=str(source),
                    help=f"re-render from the spec instead: `shot info {source} --spec > shot.shot`")) from None
        program = ProgramIR(file=program.file, shots=(shot.model_copy(
            update={"frames": earlier + (shot,) * (count - len(earlier))}),))
        key = frame_key(shot.name, index, count)
    plan = build_plan(program)
    if key != shot.name:
        plan = subplan(plan, [key])
    recorded = info.get("shotspec:plan")
    provenance = {key: provenance_for(program, plan, key, info.get("shotspec:spec", ""))}
    if "shotspec:sequence" in info:     # a frame keeps the sequence it came from
        provenance[key]["shotspec:sequence"] = info["shotspec:sequence"]
    executor = Executor(device=args.device, cache=FrameCache(disk_dir=_cache_dir(args.cache_dir)))
    report = executor.run(plan, provenance=provenance, output_paths={key: str(output.resolve())})
    new_key = plan.nodes[plan.outputs[key]].key
    console.print(f"[green]wrote[/] {report.written[key]} in {report.seconds:.2f} s"
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
    return exit_code(all_diags)


def cmd_fmt(args) -> int:
    from shotspec.compiler import format_source, read_spec_text

    console, err = _consoles(args)
    status = EXIT_OK
    for file in args.files:
        path = Path(file)
        text, problem = read_spec_text(file)
        if problem is not None:
            status = max(status, _fail(err, console, problem))
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
            try:
                atomic_write(path, formatted)
            except OSError as exc:
                _fail(err, console, Diagnostic.of(
                    "E305", f"cannot write the formatted `{file}`: {exc.strerror or exc}", file=file,
                    help="make the file and its folder writable (fmt writes a temporary file "
                         "beside it, then renames it), or use `shot fmt --check`"))
                status = EXIT_DIAGNOSTICS
                continue
            console.print(f"reformatted {file}")
    return status


def _compile_or_fail(args, console, err):
    """The compiled program, or the exit code its diagnostics mean (printed already)."""
    from shotspec.compiler import compile_file

    if (bad := _bad_allow(args, console, err)) is not None:
        return bad
    result = compile_file(args.file, overrides=args.overrides, allow=args.allow)
    if not result.ok:
        return _fail(err, console, *result.diagnostics, sources=result.sources)
    if result.diagnostics:
        print_diagnostics(result.diagnostics, result.sources, console=console, err_console=err)
    return result


def _check_shots(program, wanted, spec) -> None:
    """E601 (with did-you-mean) for a ``--shot`` that names no shot of ``program``."""
    from shotspec.cli.session import unknown_shot

    names = [s.name for s in program.shots]
    for name in wanted:
        if name not in names:
            raise ShotspecError(unknown_shot(name, names, spec))


def cmd_ir(args) -> int:
    console, err = _consoles(args)
    result = _compile_or_fail(args, console, err)
    if isinstance(result, int):
        return result
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
    if isinstance(result, int):
        return result
    _check_shots(result.program, args.shot, args.file)
    return explain(result.program, console=console, shots=args.shot or None,
                   cache_dir=_cache_dir(args.cache_dir, writing=False), origins=not args.no_origins)


def cmd_prompt(args) -> int:
    from shotspec.prompt import render_prompt

    console, err = _consoles(args)
    result = _compile_or_fail(args, console, err)
    if isinstance(result, int):
        return result
    if args.shot:
        _check_shots(result.program, [args.shot], args.file)
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _usage("E607", f"`--option {item}` is not KEY=VALUE",
                         "e.g. --option steps=40 --option cfg=5.5")
        options[key.strip()] = value.strip()
    out = render_prompt(result.program, shot=args.shot, target=args.target,
                        template_dir=args.templates, checkpoint=args.checkpoint,
                        options=options or None)
    warnings = [_prompt_warning(w) for w in out.warnings]
    if options and out.workflow is None:
        warnings.insert(0, Diagnostic.of(
            "W703", f"--option is for workflow targets (comfyui); `{args.target}` ignores "
                    f"{', '.join(sorted(options))}"))
    print_diagnostics(warnings, {}, console=console, err_console=err)
    sys.stdout.write(out.text if out.text.endswith("\n") else out.text + "\n")
    return EXIT_OK


def _prompt_warning(text: str) -> Diagnostic:
    """A prompt export warning (``"W701: message"``) as a diagnostic."""
    code, _, message = text.partition(":")
    return Diagnostic.of(code.strip(), message.strip())


# --------------------------------------------------------------------------- images

def _load_for_edit(args, *, scale: int):
    """Check the output path and the result's size, then read the input image as a Frame:
    (frame, info)."""
    from shotspec.cli.session import unknown_output_format
    from shotspec.compiler.file_checks import same_file
    from shotspec.runtime.frame import Frame, FrameMeta
    from shotspec.runtime.io import read_image

    if (bad := unknown_output_format(args.output)) is not None:
        raise ShotspecError(bad)
    if same_file(args.input, args.output):
        raise _usage("E603", f"the output would overwrite the input {args.input}",
                     "write to another file; inputs are never overwritten")
    _check_edit_size(args.input, scale)
    rgb, info = read_image(args.input)
    # a damaged header (no size read before) can still decode: check what was decoded too
    _check_result_size(args.input, rgb.shape[-1], rgb.shape[-2], scale)
    aovs = {}
    if info.get("alpha") is not None:
        aovs["alpha"] = info["alpha"]
    return Frame(rgb=rgb[:, :3].contiguous(), aovs=aovs, meta=FrameMeta(source="plate")), info


def _check_result_size(path: str, width: int, height: int, scale: int) -> None:
    """E208 when an input of ``width``×``height`` scaled by ``scale`` falls outside what an image
    may be (16–16384 px a side)."""
    from shotspec.compiler.ir import OutputIR
    from shotspec.compiler.schema import key_of

    lo, hi = int(key_of(OutputIR, "width").lo), int(key_of(OutputIR, "width").hi)
    w, h = width * scale, height * scale
    if not (lo <= w <= hi and lo <= h <= hi):
        raise ShotspecError(Diagnostic.of(
            "E208", f"the result would be {w}×{h} px; an image must be {lo}–{hi} px a side",
            file=path, help=f"give an input of at least {-(-lo // scale)}×{-(-lo // scale)} px"
            + (f" and at most {hi // scale} px a side" if scale > 1 else "")))


def _check_edit_size(path: str, scale: int) -> None:
    """Before any work, from the header alone: E208 when the result would fall outside what an
    image may be (16–16384 px a side), E501 when it would not fit in the memory available."""
    from shotspec.compiler.file_checks import image_header

    header = image_header(path)
    if not header.ok:
        return                                  # the reader says what is wrong (E520)
    _check_result_size(path, header.width, header.height, scale)
    import torch

    from shotspec.runtime.memory import available_bytes, image_edit_peak_bytes

    need, have = image_edit_peak_bytes(header.width, header.height, scale), available_bytes(torch.device("cpu"))
    if need > have:
        raise ShotspecError(Diagnostic.of(
            "E501", f"this needs about {need / 2**30:.1f} GiB but only {have / 2**30:.1f} GiB is "
            f"available (a {header.width * scale}×{header.height * scale} px result)", file=path,
            help="work on a smaller image or a crop, or upscale by a smaller factor"))


def _write_edit(frame, info, args, console) -> int:
    from shotspec.compiler.ir import OutputIR
    from shotspec.image_formats import output_format
    from shotspec.runtime.io import write_image

    fmt = output_format(args.output)
    depth = int(info.get("bit_depth") or 8)
    depth = 32 if fmt == "exr" else (8 if fmt == "jpeg" else (16 if depth >= 16 else 8))
    output = OutputIR(path=str(Path(args.output).resolve()), width=frame.width, height=frame.height,
                      format=fmt, bit_depth=depth,
                      colorspace="linear" if fmt == "exr" else "srgb")
    written = write_image(frame, output, provenance={"shotspec:source": str(args.input)})
    console.print(f"[green]wrote[/] {written} ({frame.width}×{frame.height}, {depth}-bit)")
    return EXIT_OK


def _check_seed(seed: int | None) -> None:
    """E606 unless a ``--seed`` is in the schema's seed range, 0 … 2**63 − 1: what a spec's
    `seed` takes, so an identity built with it compiles, and what the texture generators and
    ComfyUI's KSampler (0 … 2**64 − 1) accept."""
    from shotspec.compiler.schema import SEED_RANGE

    lo, hi = SEED_RANGE
    if seed is not None and not lo <= seed <= hi:
        raise _usage("E606", f"--seed {seed} is out of range", f"use a whole number from {lo} to {hi}")


def _check_face_scale(mm: float | None) -> None:
    """E606 unless ``--face-scale`` (mm of face a pixel spans) is unset or 0.001 … 100."""
    if mm is not None and not (math.isfinite(mm) and 0.001 <= mm <= 100):
        raise _usage("E606", f"--face-scale {mm:g} is out of range",
                     "give the millimetres of face one pixel spans, 0.001 … 100 (a portrait: 0.1 … 1)")


def _with_face_scale(frame, mm: float | None):
    """``frame`` with ``--face-scale`` as its face scale (unchanged when it is unset)."""
    if mm is None:
        return frame
    return frame.replace(meta=dataclasses.replace(frame.meta, face_mm_per_px=float(mm)))


def cmd_enhance(args) -> int:
    import torch

    from shotspec.runtime.enhance import EnhanceControls, skin_enhance, texture_summary
    from shotspec.runtime.enhance.enhancer import cached_plan
    from shotspec.runtime.io.plate import read_mask_image

    console, err = _consoles(args)
    _check_seed(args.seed)
    if not 0.0 <= args.strength <= 2.0:
        raise _usage("E606", f"--strength {args.strength} is out of range",
                     "use a value from 0 (no change) to 2")
    try:
        controls = EnhanceControls(args.pores, args.pore_size, args.age, args.freckles, args.sheen,
                                   args.fine_lines)
    except ValueError as e:
        raise _usage("E606", str(e).replace("skin_enhance ", "--").replace("age_years", "age")
                     .replace("pore_size", "pore-size").replace("fine_lines", "fine-lines"),
                     "see `shot enhance --help` for each range")
    _check_face_scale(args.face_scale)
    frame, info = _load_for_edit(args, scale=1)
    frame = _with_face_scale(frame, args.face_scale)
    if args.mask:
        mask = read_mask_image(args.mask)
        if mask.shape[-2:] != frame.rgb.shape[-2:]:
            mask = torch.nn.functional.interpolate(mask, size=frame.rgb.shape[-2:], mode="bilinear",
                                                   align_corners=False)
        frame = frame.replace(aovs={**frame.aovs, "skin": mask.clamp(0, 1)})
    t0 = time.perf_counter()
    enhanced = skin_enhance(frame, strength=args.strength, seed=args.seed, controls=controls)
    if not args.quiet:
        console.print(f"enhanced skin in {time.perf_counter() - t0:.2f} s")
        if args.strength > 0:       # the plan the enhancer made (cached): its mask and scale
            console.print(texture_summary(cached_plan(frame)), markup=False)
    return _write_edit(enhanced, info, args, console)


def cmd_upscale(args) -> int:
    from shotspec.runtime.upscale import upscale_frame

    console, _ = _consoles(args)
    _check_face_scale(args.face_scale)
    frame, info = _load_for_edit(args, scale=args.scale)
    frame = _with_face_scale(frame, args.face_scale)
    t0 = time.perf_counter()
    frame = upscale_frame(frame, args.scale, args.mode)
    if not args.quiet:
        console.print(f"upscaled ×{args.scale} ({args.mode}) in {time.perf_counter() - t0:.2f} s")
    return _write_edit(frame, info, args, console)


def cmd_info(args) -> int:
    from rich.table import Table

    from shotspec.runtime.io import read_provenance

    console, err = _consoles(args)
    info = read_provenance(args.image)
    if not info:
        return _fail(err, console, Diagnostic.of("E521", f"{args.image} carries no shotspec provenance",
                                                 file=args.image,
                                                 help="only images written by shotspec carry it"))
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
    _check_seed(args.seed)
    return identity_build(args, console, err)
