"""Provenance: the text metadata shotspec stores in the images it writes, read back.

Keys written by the executor are ``shotspec:spec`` (canonical spec), ``shotspec:version``,
``shotspec:plan`` (plan hash), plus ``shotspec:colorspace`` added by ``write_image``.
"""

from __future__ import annotations

import struct

from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.image_read import _json_text, sniff_format
from shotspec.runtime.io.png import read_png_text
from shotspec.runtime.io.tiff import TiffFormatError, tiff_description

__all__ = ["read_provenance"]


def read_provenance(path) -> dict[str, str]:
    """Text metadata of an image as a dict (``{}`` when it has none).

    PNG: every tEXt/zTXt/iTXt chunk. TIFF: the ImageDescription when it is a JSON object.
    JPEG: the comment when it is a JSON object. EXR: string header attributes named
    ``shotspec:*``. Raises ``ImageError`` when the file cannot be read at all.
    """
    path = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ImageError(path, "file not found", "check the path") from None
    except OSError as exc:
        raise ImageError(path, f"{exc.strerror or exc}") from None
    fmt = sniff_format(data[:16])
    if fmt == "png":
        return read_png_text(data)
    if fmt == "tiff":
        try:
            return _json_text(tiff_description(data))
        except (TiffFormatError, struct.error):
            return {}
    if fmt == "jpeg":
        from shotspec.runtime.io.image_read import _jpeg_comment  # noqa: PLC0415

        try:
            return _jpeg_comment(path)
        except OSError:
            return {}
    if fmt == "exr":
        from shotspec.runtime.io.exr import exr_module  # noqa: PLC0415

        OpenEXR = exr_module()
        if OpenEXR is None:
            raise ImageError(path, "reading OpenEXR needs the OpenEXR package",
                             "pip install 'shotspec[exr]'")
        try:
            with OpenEXR.File(path, header_only=True) as f:
                header = dict(f.parts[0].header)
        except Exception as exc:  # noqa: BLE001 - the binding raises plain RuntimeErrors
            raise ImageError(path, f"corrupt OpenEXR file ({exc})") from None
        return {k: v for k, v in header.items() if isinstance(v, str) and k.startswith("shotspec:")}
    raise ImageError(path, "not a PNG, JPEG, TIFF or OpenEXR image")
