"""What the files a shot reads and writes allow, checked before any rendering.

`shot check` promises everything short of rendering, so the problems a render would meet at
its first or last step are found here, from file headers and the file system alone (no pixel is
decoded, torch is never imported):

* a plate, depth or mask image that is empty, not an image, truncated (PNG chunk structure,
  JPEG end marker) or larger than the renderer takes (E520, E501);
* an output that would overwrite an input — the spec, an import, a plate, a LUT — also through
  ``..`` or a symbolic link (E603);
* an output folder that cannot be created or written, and an output format that needs an
  optional package that is not installed (E523).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Sequence

from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.plate_sequences import is_video
from shotspec.plate_tags import video_colour
from shotspec.compiler.ir import ShotIR, Span

__all__ = ["check_shot_files", "check_output_path", "same_file", "image_header", "ImageHeader", "MAX_PLATE_SIDE_PX"]

# The largest plate side the renderer takes (the same bound as an output side): a bigger image
# is refused before it is decoded, so a "decompression bomb" never reaches the allocator.
MAX_PLATE_SIDE_PX = 16384
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_EXR_MAGIC = b"\x76\x2f\x31\x01"


def openexr_installed() -> bool:
    """Whether the optional OpenEXR package (the ``exr`` extra) can be imported."""
    return importlib.util.find_spec("OpenEXR") is not None


class ImageHeader:
    """An image's size and format as its header states them, or why it cannot be read."""

    def __init__(self, width: int = 0, height: int = 0, fmt: str = "", problem: str = "",
                 hint: str = ""):
        self.width, self.height, self.format = width, height, fmt
        self.problem, self.hint = problem, hint

    @property
    def ok(self) -> bool:
        return not self.problem


def _png_structure_problem(path: str) -> str:
    """Walk a PNG's chunks (lengths and names only, no CRC or pixel work): '' when whole."""
    import struct

    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        fh.seek(8)
        pos = 8
        seen_idat = False
        while True:
            head = fh.read(8)
            if len(head) < 8:
                return "truncated PNG file (it ends before its IEND chunk)"
            length, kind = struct.unpack(">I4s", head)
            pos += 12 + length
            if pos > size:
                return f"truncated PNG file (the {kind.decode('latin-1')} chunk runs past the end)"
            if kind == b"IDAT":
                seen_idat = True
            if kind == b"IEND":
                return "" if seen_idat else "the PNG file has no image data"
            fh.seek(length + 4, os.SEEK_CUR)


def _exr_header(path: str) -> ImageHeader:
    if not openexr_installed():
        return ImageHeader(fmt="exr", problem="reading OpenEXR needs the OpenEXR package",
                           hint='install it with `pip install "shotspec[exr]"`')
    try:
        import OpenEXR

        exr = OpenEXR.InputFile(path)
        box = exr.header()["dataWindow"]
        return ImageHeader(box.max.x - box.min.x + 1, box.max.y - box.min.y + 1, "exr")
    except Exception as exc:  # noqa: BLE001 - OpenEXR raises plain exceptions for bad files
        return ImageHeader(fmt="exr", problem=f"corrupt OpenEXR file ({exc})")


def image_header(path: str) -> ImageHeader:
    """The size and format of the image at ``path`` from its header (pixels are not decoded)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        return ImageHeader(problem=f"cannot open: {exc.strerror or exc}")
    if size == 0:
        return ImageHeader(problem="the file is empty")
    if magic.startswith(_EXR_MAGIC):
        return _exr_header(path)
    from PIL import Image, UnidentifiedImageError

    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None            # the size is judged below, with a clear message
    try:
        with Image.open(path) as im:
            width, height = im.size
            fmt = (im.format or "").lower()
    except UnidentifiedImageError:
        return ImageHeader(problem="not a PNG, JPEG, TIFF or OpenEXR image",
                           hint="export the image as PNG, TIFF, JPEG or EXR")
    except (OSError, ValueError, SyntaxError) as exc:
        return ImageHeader(problem=f"corrupt image header ({exc})")
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    header = ImageHeader(width, height, fmt)
    if width <= 0 or height <= 0:
        header.problem = "the image has no pixels"
    elif magic.startswith(_PNG_MAGIC):
        header.problem = _png_structure_problem(path)
    elif fmt == "jpeg":
        with open(path, "rb") as fh:
            fh.seek(max(0, size - 2))
            if fh.read(2) != b"\xff\xd9":
                header.problem = "truncated JPEG file (no end-of-image marker)"
    if header.problem.startswith("truncated"):
        header.hint = "the file was cut short: export or copy it again"
    return header


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when two paths name one file: the same real path (``..`` and links resolved), or
    the same inode when both exist (hard links, case-insensitive file systems)."""
    a, b = os.fspath(a), os.fspath(b)
    if "\0" in a or "\0" in b:          # names no file (reported as E213 where it was written)
        return False
    if os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b)):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _writable_folder_problem(path: str) -> str:
    """'' when the folder of ``path`` exists and is writable, or can be created."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    probe = folder
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        return f"`{probe}` is a file, so the folder `{folder}` cannot be made"
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "the folder" if probe == folder else f"`{folder}` cannot be made: its parent"
        return f"{what} `{probe}` is not writable"
    if os.path.isdir(path):
        return f"`{path}` is a folder"
    return ""


def _check_plates(shot: ShotIR, sink: DiagnosticSink) -> None:
    src = shot.source
    if src.kind != "plate":
        return
    for role, path in (("plate", src.plate), ("depth", src.depth), ("mask", src.mask)):
        if role == "plate" and src.colorspace is None and path and is_video(path):
            colour = video_colour(path)    # a tag it cannot decode: refused, not read as BT.709
            if colour is not None and colour.problem:
                sink.add("E520", f"plate video `{os.path.basename(path)}`: {colour.problem}",
                         src.span or shot.span,
                         help='declare what its code values mean: `source plate "…" { '
                              'colorspace "…" }` (docs/color.md)')
        if not path or not os.path.isfile(path) or is_video(path):
            continue                       # missing files are E301 from lowering
        header = image_header(path)
        where = src.span or shot.span
        if not header.ok:
            sink.add("E520", f"{role} image `{path}`: {header.problem}", where,
                     help=header.hint or None)
        elif max(header.width, header.height) > MAX_PLATE_SIDE_PX:
            sink.add("E501", f"{role} image `{os.path.basename(path)}` is {header.width}x"
                     f"{header.height}px, more than {MAX_PLATE_SIDE_PX}px a side", where,
                     help="scale the plate down before finishing it; `upscale` adds pixels "
                          "at the end")


def check_output_path(path: str, fmt: str, inputs: Sequence[str], sink: DiagnosticSink,
                      where: Span | None, owner: str) -> None:
    """E603/E523 for one output file: not an input, its folder writable, its format writable
    with what is installed. ``owner`` names the output in messages (e.g. "shot `closeup`")."""
    for dep in inputs:
        if same_file(path, dep):
            sink.add("E603", f"output of {owner} would overwrite an input: {dep}", where,
                     help="write the render to another path (`output \"…\"` or `-o`)")
            return
    problem = _writable_folder_problem(path)
    if problem:
        sink.add("E523", f"cannot write `{path}`: {problem}", where,
                 help="choose an output folder you can write to")
    if fmt in ("mp4", "mov") and importlib.util.find_spec("av") is None:
        sink.add("E523", f"cannot write `{os.path.basename(path)}`: writing video needs PyAV",
                 where, help="install it with `pip install av`, or write an image sequence "
                             "(`.png`, `.exr`)")
    if fmt == "exr" and not openexr_installed():
        sink.add("E523", f"cannot write `{os.path.basename(path)}`: writing OpenEXR needs "
                 "the OpenEXR package", where,
                 help='install it with `pip install "shotspec[exr]"`, or write .png / .tif')


def check_shot_files(shots: Iterable[ShotIR], inputs: Sequence[str], sink: DiagnosticSink, *,
                     outputs: bool = True) -> None:
    """Add E501/E520/E523/E603 diagnostics for what each shot reads and writes.

    ``inputs`` are every file the compile read or depends on (the spec, its imports, assets).
    ``outputs=False`` when the caller writes elsewhere (``-o``) and checks those paths itself
    with ``check_output_path``.
    """
    for shot in shots:
        _check_plates(shot, sink)
        if outputs:
            check_output_path(shot.output.path, shot.output.format, inputs, sink,
                              shot.output.span or shot.span, f"shot `{shot.name}`")
