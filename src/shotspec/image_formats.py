"""The one table of image file formats: which suffixes shotspec writes, which it reads, and
which it recognises as images it cannot read.

The compiler (output formats, counting reference photos), the runtime (``-o`` re-targeting,
finding identity photos) and the CLI all ask here, so they cannot disagree. Torch-free.

HEIC/HEIF (phone photos), WebP, AVIF, BMP and GIF are recognised but not read: the decoders
(``runtime.io.image_read``) handle PNG, JPEG, TIFF and OpenEXR only, and Pillow cannot open
HEIC without the pillow-heif plugin. A folder of such photos gets a diagnostic that names
them and says how to convert them, rather than being counted and then silently skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["FORMAT_BY_SUFFIX", "VIDEO_BY_SUFFIX", "VIDEO_FORMATS", "READ_SUFFIXES", "UNREADABLE_IMAGE_SUFFIXES", "WRITE_SUFFIXES",
           "OUTPUT_SUFFIX_HINT", "CONVERT_HINT", "output_format", "is_readable_image",
           "unreadable_images", "describe_unreadable"]

# file-name suffix → the format written (an ``OutputIR.format``)
FORMAT_BY_SUFFIX: dict[str, str] = {".png": "png", ".tif": "tiff", ".tiff": "tiff", ".exr": "exr",
                                    ".jpg": "jpeg", ".jpeg": "jpeg"}
# video files a sequence can be encoded into (runtime.io.video, docs/motion.md)
VIDEO_BY_SUFFIX: dict[str, str] = {".mp4": "mp4", ".mov": "mov"}
VIDEO_FORMATS = tuple(VIDEO_BY_SUFFIX.values())
WRITE_SUFFIXES = (*FORMAT_BY_SUFFIX, *VIDEO_BY_SUFFIX)
OUTPUT_SUFFIX_HINT = ".png, .tif, .exr or .jpg"
# what the image readers decode: the same four formats
READ_SUFFIXES = frozenset(FORMAT_BY_SUFFIX)
UNREADABLE_IMAGE_SUFFIXES = frozenset({".heic", ".heif", ".avif", ".webp", ".bmp", ".gif"})


def _suffix(name: str | os.PathLike) -> str:
    return os.path.splitext(os.fspath(name))[1].lower()


def output_format(path: str | os.PathLike) -> str | None:
    """The format a file name asks for (``png``, ``tiff``, ``exr``, ``jpeg``; ``mp4``, ``mov``
    for a video), or None."""
    suffix = _suffix(path)
    return FORMAT_BY_SUFFIX.get(suffix) or VIDEO_BY_SUFFIX.get(suffix)


def _hidden(name: str | os.PathLike) -> bool:
    return os.path.basename(os.fspath(name)).startswith(".")   # also macOS ``._IMG.jpg`` forks


def is_readable_image(name: str | os.PathLike) -> bool:
    """True for a (not hidden) file name whose suffix the image readers decode."""
    return _suffix(name) in READ_SUFFIXES and not _hidden(name)


def unreadable_images(names: Iterable[str | os.PathLike]) -> list[str]:
    """The (not hidden) names among ``names`` that are images shotspec cannot read (HEIC, …)."""
    return [os.fspath(n) for n in names if _suffix(n) in UNREADABLE_IMAGE_SUFFIXES and not _hidden(n)]


def describe_unreadable(names: list[str]) -> str:
    """``25 images in a format shotspec cannot read (.heic)``, for a diagnostic."""
    kinds = ", ".join(sorted({_suffix(n) for n in names}))
    return (f"{len(names)} image{'s' if len(names) != 1 else ''} in a format shotspec cannot "
            f"read ({kinds})")


CONVERT_HINT = ("convert them to JPEG or PNG (e.g. `heif-convert IMG.heic IMG.jpg`, or "
                "`sips -s format jpeg` on macOS)")
