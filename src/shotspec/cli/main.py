"""The ``shot`` command.

Exit codes: 0 success, 1 diagnostics (the input is wrong), 2 usage (the command line is wrong),
3 internal error (a bug in shotspec: a crash report is written, never a bare traceback).
Compile-only commands (check, fmt, ir, schema, explain without --cache-dir, prompt, lsp) never import
torch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shotspec import __version__
from shotspec.cli.console import (EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exit_code, make_console,
                                  print_diagnostics)
from shotspec.diagnostics import ShotspecError
# Importing the runtime package decides the OpenMP wait policy (runtime/threads.py) before any
# command loads torch, which reads it once; the package itself imports no torch.
import shotspec.runtime  # noqa: F401

__all__ = ["main", "build_parser", "default_spec_path"]



def default_spec_path() -> Path:
    """The embedded default close-up, shipped inside the package."""
    import shotspec.specs

    return Path(shotspec.specs.__file__).resolve().parent / "closeup.shot"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _add_compile_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a spec value, e.g. camera.lens=50mm or closeup.finish.grain.strength=0.2 "
                        "(validated like the file; repeatable)")
    p.add_argument("--allow", action="append", default=[], metavar="CODE",
                   help="silence a lint, e.g. --allow W101 (repeatable)")


def _frame_number(text: str) -> int:
    """``--frame N``: a frame number, 0 or more."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a frame number (0, 1, 2, …)") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"frame {number}: frames are numbered from 0")
    return number


def _cpus(text: str) -> float:
    """``--cpus-per-task N``: a positive number of CPUs (fractions allowed, as Ray's)."""
    try:
        cpus = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of CPUs") from None
    if not 0 < cpus <= 1024:
        raise argparse.ArgumentTypeError(f"{text}: CPUs per task must be more than 0 (at most 1024)")
    return cpus


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shot", formatter_class=_Formatter,
        description="shotspec: cinematic skin close-ups from a declarative .shot file.",
        epilog=_examples("shot render                         # the embedded default close-up",
                         "shot render specs/closeup.shot -o out.png",
                         "shot watch specs/closeup.shot      # re-render on every save",
                         "shot check specs/*.shot            # everything short of rendering"))
    parser.add_argument("--version", action="version", version=f"shotspec {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only diagnostics")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_: str, examples: tuple[str, ...]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, formatter_class=_Formatter,
                           epilog=_examples(*examples))
        p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="print only diagnostics")
        return p

    p = command("render", "render the shots of a spec to image files",
                ("shot render", "shot render specs/closeup.shot -o closeup.png",
                 "shot render film.shot --shot closeup --set camera.lens=50mm",
                 "shot render --from renders/closeup.png -o again.png   # re-render from provenance",
                 "shot render film.shot --executor ray --ray-address auto --cache-dir /mnt/shared/cache"))
    p.add_argument("file", nargs="?", help="the .shot file (default: the embedded close-up)")
    p.add_argument("-o", "--output", help="write here instead of the spec's output path")
    p.add_argument("--shot", action="append", default=[], help="render only this shot (repeatable)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default: auto)")
    p.add_argument("--cache-dir", help="keep computed nodes on disk here between runs")
    p.add_argument("--from", dest="from_image", metavar="IMAGE",
                   help="re-render the shot recorded in a PNG's provenance")
    p.add_argument("--timings", action="store_true", help="print a per-node timing table")
    p.add_argument("--format", choices=("text", "json"), default="text", help="diagnostics format")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local (this process) or ray: shots and frames as tasks on a Ray cluster "
                        "(docs/ray.md)")
    p.add_argument("--ray-address", metavar="ADDRESS",
                   help="the Ray cluster to join (default: RAY_ADDRESS, else a local cluster)")
    p.add_argument("--cpus-per-task", type=_cpus, default=1.0, metavar="N",
                   help="with --executor ray: CPUs each task takes (torch uses that many threads; "
                        "default 1)")
    _add_compile_options(p)

    p = command("watch", "render, then re-render on every save of the spec, its imports and assets",
                ("shot watch specs/closeup.shot", "shot watch film.shot -o preview.png --shot closeup",
                 "shot watch specs/closeup.shot --poll      # network file systems"))
    p.add_argument("file", help="the .shot file")
    p.add_argument("-o", "--output", help="write here instead of the spec's output path")
    p.add_argument("--shot", action="append", default=[], help="render only this shot (repeatable)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--poll", action="store_true", help="poll the files instead of file-system events")
    p.add_argument("--interval", type=float, default=0.5, help="polling interval in seconds (with --poll)")
    _add_compile_options(p)

    p = command("preview", "show the shot in a local web page that follows every save (and every "
                "unsaved edit the language server forwards)",
                ("shot preview specs/closeup.shot", "shot preview film.shot --no-browser --port 8765"))
    p.add_argument("file", help="the .shot file")
    p.add_argument("--no-browser", action="store_true", help="print the address; open no browser")
    p.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.add_argument("--poll", action="store_true", help="poll the files instead of file-system events")
    p.add_argument("--frame", type=_frame_number, default=0, metavar="N",
                   help="show frame N of each sequence (0-based; default 0)")
    _add_compile_options(p)

    p = command("check", "compile and validate without rendering (fast; no torch)",
                ("shot check specs/closeup.shot", "shot check specs/*.shot --format json",
                 "shot check shot.shot --allow W101"))
    p.add_argument("files", nargs="+", help=".shot files")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _add_compile_options(p)

    p = command("fmt", "rewrite .shot files in the one canonical style",
                ("shot fmt specs/closeup.shot", "shot fmt --check specs/*.shot   # exit 1 if any would change"))
    p.add_argument("files", nargs="+", help=".shot files")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file would change")

    p = command("explain", "print the execution plan: nodes, keys, cache status and where values came from",
                ("shot explain specs/closeup.shot", "shot explain film.shot --shot closeup --cache-dir .shotcache"))
    p.add_argument("file", help="the .shot file")
    p.add_argument("--shot", action="append", default=[], help="only this shot")
    p.add_argument("--cache-dir", help="say which nodes this disk cache would serve")
    p.add_argument("--no-origins", action="store_true", help="omit the value origins")
    _add_compile_options(p)

    p = command("ir", "print the compiled IR as JSON", ("shot ir specs/closeup.shot",
                                                        "shot ir film.shot --set camera.lens=35mm"))
    p.add_argument("file", help="the .shot file")
    _add_compile_options(p)

    command("schema", "print the JSON Schema of the IR", ("shot schema > shotspec.schema.json",))

    p = command("enhance", "restore pores and fine skin texture on an image (skin only)",
                ("shot enhance plate.png -o plate_enhanced.png",
                 "shot enhance plate.png -o out.png --strength 0.8 --seed 7 --mask skin.png"))
    p.add_argument("input", help="the image to enhance (PNG, JPEG, TIFF, EXR)")
    p.add_argument("-o", "--output", required=True, help="where to write the result")
    p.add_argument("--strength", type=float, default=0.6, help="0 (none) … 2 (default 0.6)")
    p.add_argument("--seed", type=int, default=0, help="texture seed (same seed, same pores)")
    p.add_argument("--mask", help="a skin mask image (white = skin); found automatically otherwise")
    p.add_argument("--pores", type=float, default=0.6, help="pore depth and density, 0 … 1 (default 0.6)")
    p.add_argument("--pore-size", type=float, default=1.0, help="scale of the relief, 0.5 … 2 (default 1)")
    p.add_argument("--age", type=float, default=35.0, help="years, 1 … 110: deepens the relief and the fine lines (default 35)")
    p.add_argument("--freckles", type=float, default=0.0, help="freckles added, 0 … 1 (default 0)")
    p.add_argument("--sheen", type=float, default=1.0, help="relief in the highlights, 0 … 2 (default 1)")
    p.add_argument("--fine-lines", type=float, default=0.0,
                   help="fine lines added (forehead, between the brows, crow's feet), 0 … 1 (default 0)")
    p.add_argument("--face-scale", type=float, default=None, metavar="MM",
                   help="mm of face one pixel spans (measured from the irises otherwise)")

    p = command("upscale", "upscale an image without melting its detail",
                ("shot upscale small.png -o big.png --scale 2",
                 "shot upscale small.png -o big.png --scale 4 --mode fidelity"))
    p.add_argument("input", help="the image to upscale")
    p.add_argument("-o", "--output", required=True, help="where to write the result")
    p.add_argument("--scale", type=int, choices=(2, 3, 4), default=2)
    p.add_argument("--mode", choices=("fidelity", "detail"), default="detail")
    p.add_argument("--face-scale", type=float, default=None, metavar="MM",
                   help="mm of face one input pixel spans, for detail mode's skin texture "
                        "(measured from the irises otherwise)")

    p = command("info", "print the provenance recorded in a rendered image",
                ("shot info renders/closeup.png",
                 "shot info renders/closeup.png --spec > elsewhere/closeup.shot"))
    p.add_argument("image", help="a PNG (or TIFF/EXR) written by shotspec")
    p.add_argument("--spec", action="store_true",
                   help="print the shot as one self-contained spec (imports inlined, --set "
                        "overrides folded in) that `shot render` reproduces")

    p = command("prompt", "write the generator prompt (or ComfyUI workflow) for a shot",
                ("shot prompt specs/closeup.shot", "shot prompt film.shot --shot closeup --target sdxl",
                 "shot prompt specs/closeup.shot --target comfyui --checkpoint sdxl_base.safetensors > wf.json"))
    p.add_argument("file", help="the .shot file")
    p.add_argument("--shot", help="the shot (default: the first)")
    p.add_argument("--target", default="generic", help="generic, flux, sdxl, comfyui or a custom target")
    p.add_argument("--templates", help="a directory of your own templates (DIR/TARGET/*.j2)")
    p.add_argument("--checkpoint", help="ComfyUI checkpoint file name")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="sampler option for workflow targets: steps, cfg, sampler_name, scheduler, "
                        "denoise, batch_size, filename_prefix (repeatable)")
    _add_compile_options(p)

    p = command("lsp", "run the .shot language server on stdin/stdout (for editors; no torch)",
                ("shot lsp    # started by the editor, see docs/editor.md",))
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")

    p = command("identity", "build identity files from reference photos",
                ("shot identity build refs/mara/ -o mara.identity",))
    isub = p.add_subparsers(dest="identity_command", metavar="ACTION")
    b = isub.add_parser("build", help="derive skin and face parameters from ~20 reference photos",
                        description="Check each reference photo (size, exposure, shadows, blur, "
                                    "face found), derive the character's skin tone, undertone, "
                                    "redness and face shape, and write a diffable .identity file "
                                    "that records the photos' hashes.",
                        formatter_class=_Formatter,
                        epilog=_examples("shot identity build refs/mara/ -o mara.identity"))
    b.add_argument("photos", help="folder of reference photos")
    b.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                   help="print only diagnostics")
    b.add_argument("-o", "--output", required=True, help="the .identity file to write")
    b.add_argument("--seed", type=int, default=None,
                   help="texture seed to record (default: derived from the photos' hashes)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one ``shot`` command; returns its exit code (argparse exits 2 itself on bad flags).

    Diagnostics raised from any layer (``ShotspecError``) are printed by the one printer;
    anything else is an internal error: a crash report and exit code 3, never a traceback.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "lsp":
            from shotspec.lsp import serve

            return serve()
        from shotspec.cli import commands

        if args.command == "preview":
            from shotspec.preview.command import cmd_preview

            return cmd_preview(args)
        return getattr(commands, f"cmd_{args.command}")(args)
    except ShotspecError as err:
        print_diagnostics(err.diagnostics, {}, fmt=getattr(args, "format", "text"),
                          console=make_console(), err_console=make_console(stderr=True))
        return exit_code(err.diagnostics)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place that turns a bug into a report
        from shotspec.cli.crash_report import report_internal_error

        report_internal_error(exc, argv)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
