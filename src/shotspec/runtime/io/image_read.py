"""Reading images as linear float tensors: PNG (8/16), JPEG, TIFF (8/16/float), OpenEXR.

The format is recognised from the file's first bytes, not its name. Integer images are
decoded from sRGB (or from the transfer named in our own provenance, see ``write_image``);
float TIFF and EXR are taken as linear. Every failure becomes an ``ImageError``.
"""

from __future__ import annotations

import json
import os
import struct
import zlib

import numpy as np
import torch

from shotspec.color import rec709_to_linear, srgb_to_linear
from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.exr import read_exr
from shotspec.runtime.io.png import decode_png16, read_png_text
from shotspec.runtime.io.tiff import TiffFormatError, decode_tiff

__all__ = ["read_image", "read_raw", "sniff_format", "decode_transfer"]

_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"II*\x00", "tiff"),
          (b"MM\x00*", "tiff"), (b"\x76\x2f\x31\x01", "exr"))


def sniff_format(head: bytes) -> str | None:
    """``png``/``jpeg``/``tiff``/``exr`` from a file's first bytes, or ``None``."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def decode_transfer(x: torch.Tensor, colorspace: str) -> torch.Tensor:
    """Encoded values in 0–1 → linear, for ``srgb``, ``rec709`` or ``linear``."""
    if colorspace == "srgb":
        return srgb_to_linear(x)
    if colorspace == "rec709":
        return rec709_to_linear(x)
    return x


def _pillow_read(path: str, fmt: str) -> tuple[np.ndarray, int]:
    """(H, W, C) array and bit depth through Pillow, full 16-bit precision for PNGs."""
    from PIL import Image, ImageOps  # noqa: PLC0415

    from shotspec.compiler.file_checks import MAX_PLATE_SIDE_PX

    # Pillow's own "decompression bomb" limit (179 Mpx) would refuse images `shot check`
    # accepted; ours is the side bound checked from the header first.
    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        im = Image.open(path)
    finally:
        Image.MAX_IMAGE_PIXELS = saved
    with im:
        if max(im.size) > MAX_PLATE_SIDE_PX:
            raise ImageError(path, f"{im.size[0]}x{im.size[1]} px is more than "
                             f"{MAX_PLATE_SIDE_PX} px a side", "scale the image down first")
        im.load()
        if fmt == "jpeg":
            im = ImageOps.exif_transpose(im)
        mode = im.mode
        if mode in ("I;16", "I;16B", "I;16L", "I"):
            arr = np.asarray(im).astype(np.uint16 if mode != "I" else np.int64)
            if mode == "I":
                arr = np.clip(arr, 0, 65535).astype(np.uint16)
            return arr[..., None], 16
        if mode == "F":
            return np.asarray(im, dtype=np.float32)[..., None], 32
        if fmt == "png" and mode in ("RGB", "RGBA") and _png_bit_depth(path) == 16:
            full = decode_png16(path, mode)
            if full is not None:
                return full, 16
            # 16-bit grey+alpha (or a Pillow without the raw modes): 8-bit precision.
        if mode in ("1", "L", "P", "LA", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
            has_alpha = mode in ("LA", "PA") or (mode == "P" and "transparency" in im.info)
            im = im.convert("RGBA" if has_alpha else "RGB")
        return np.asarray(im), 8


def _png_bit_depth(path: str) -> int:
    with open(path, "rb") as f:
        head = f.read(26)
    return head[24] if len(head) >= 25 else 8


def read_raw(path: str) -> tuple[np.ndarray, dict]:
    """Code values ``(H, W, C)`` float32 (integers scaled to 0–1, floats as stored) and facts
    ``{width, height, bit_depth, format, text, channels}``; no transfer decoding."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        raise ImageError(path, "file not found", "check the path") from None
    except OSError as exc:
        raise ImageError(path, f"{exc.strerror or exc}") from None
    fmt = sniff_format(head)
    if fmt is None:
        raise ImageError(path, "not a PNG, JPEG, TIFF or OpenEXR image",
                         "convert it to PNG, TIFF or EXR")
    text: dict[str, str] = {}
    named: dict[str, np.ndarray] = {}
    try:
        if fmt == "exr":
            try:
                channels, header = read_exr(path)
            except ImportError:
                raise ImageError(path, "reading OpenEXR needs the OpenEXR package",
                                 "pip install 'shotspec[exr]'") from None
            text = {k: v for k, v in header.items() if isinstance(v, str)}
            arr, bits, named = _exr_to_array(path, channels)
            is_float = True
        elif fmt == "tiff":
            with open(path, "rb") as f:
                data = f.read()
            try:
                pixels, tinfo = decode_tiff(data)
                bits = tinfo["bit_depth"]
                text = _json_text(tinfo["description"])
            except TiffFormatError as exc:
                if "not supported" not in str(exc):
                    raise
                pixels, bits = _pillow_read(path, fmt)      # e.g. JPEG-compressed or tiled
            is_float = pixels.dtype.kind == "f"
            arr = _scale(pixels)
        else:
            if fmt == "png":
                with open(path, "rb") as f:
                    text = read_png_text(f.read())
            elif fmt == "jpeg":
                text = _jpeg_comment(path)
            pixels, bits = _pillow_read(path, fmt)
            is_float = pixels.dtype.kind == "f"
            arr = _scale(pixels)
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, TiffFormatError, zlib.error, EOFError,
            struct.error) as exc:
        raise ImageError(path, f"corrupt or truncated {fmt.upper()} file ({exc})",
                         "re-export the image from its source") from None
    except Exception as exc:  # noqa: BLE001 - decoders raise many types; none may escape raw
        raise ImageError(path, f"cannot decode {fmt.upper()} file ({type(exc).__name__}: {exc})",
                         "re-export the image from its source") from None
    if arr.ndim != 3 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError(path, "the image has no pixels")
    info = {"width": int(arr.shape[1]), "height": int(arr.shape[0]), "bit_depth": int(bits),
            "format": fmt, "text": text, "channels": named, "float": is_float}
    return arr, info


def _scale(pixels: np.ndarray) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return pixels.astype(np.float32) / 255.0
    if pixels.dtype == np.uint16:
        return pixels.astype(np.float32) / 65535.0
    return pixels.astype(np.float32)


def _json_text(description: str) -> dict[str, str]:
    try:
        data = json.loads(description) if description.startswith("{") else None
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _jpeg_comment(path: str) -> dict[str, str]:
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as im:
        comment = im.info.get("comment", b"")
    if isinstance(comment, bytes):
        comment = comment.decode("utf-8", "replace")
    return _json_text(comment)


def _exr_to_array(path, channels: dict[str, np.ndarray]):
    names = set(channels)
    if {"R", "G", "B"} <= names:
        base = ["R", "G", "B"]
    elif "Y" in names:
        base = ["Y", "Y", "Y"]
    elif "Z" in names:
        base = ["Z", "Z", "Z"]
    elif names:
        first = sorted(names)[0]
        base = [first] * 3
    else:
        raise ImageError(path, "the EXR file has no channels")
    stack = [channels[n] for n in base]
    if "A" in names:
        stack.append(channels["A"])
    named = {n: a.astype(np.float32) for n, a in channels.items() if n not in ("R", "G", "B", "A")}
    bits = 16 if all(channels[n].dtype == np.float16 for n in base) else 32
    return np.stack(stack, axis=-1).astype(np.float32), bits, named


def read_image(path) -> tuple[torch.Tensor, dict]:
    """Linear RGB ``(1, 3, H, W)`` float32 and facts about the file.

    The dict has ``width``, ``height``, ``bit_depth``, ``format``, ``colorspace`` (the
    transfer that was decoded), ``alpha`` (``(1, 1, H, W)``, only when the file has one),
    ``provenance`` (text metadata) and, for EXR, ``channels``: every other channel by name as
    ``(1, 1, H, W)`` (e.g. ``Z``, ``N.X``, ``mask.skin``). Greyscale files are expanded to RGB.
    Raises ``ImageError`` for missing, unsupported, corrupt or truncated files.
    """
    arr, info = read_raw(path)
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1)[None]
    c = t.shape[1]
    rgb = t[:, :1].expand(1, 3, *t.shape[-2:]) if c in (1, 2) else t[:, :3]
    alpha = t[:, 1:2] if c == 2 else (t[:, 3:4] if c >= 4 else None)
    if info["format"] == "exr":
        colorspace = "linear"
    else:
        default = "linear" if info["float"] else "srgb"
        colorspace = info["text"].get("shotspec:colorspace", default)
        if colorspace not in ("srgb", "rec709", "linear"):
            colorspace = default
    rgb = decode_transfer(rgb.contiguous(), colorspace).to(torch.float32).contiguous()
    out = {"width": info["width"], "height": info["height"], "bit_depth": info["bit_depth"],
           "format": info["format"], "colorspace": colorspace, "provenance": info["text"],
           "channels": {n: torch.from_numpy(a)[None, None] for n, a in info["channels"].items()}}
    if alpha is not None:
        out["alpha"] = alpha.contiguous().float()
    return rgb, out
