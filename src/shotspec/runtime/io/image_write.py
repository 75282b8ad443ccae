"""Writing frames: output transfer, quantisation with TPDF dither, format encoders, atomic
replace.

Encodings: ``srgb`` applies the IEC 61966-2-1 OETF, ``rec709`` the BT.709 OETF, ``linear``
none. Integer formats are quantised with triangular (TPDF) dither of ±1 LSB when the output
asks for it, from a fixed seed, so the same frame always gives the same bytes. A value already
within ``EXACT_LSB`` of a code is written as that code, undithered: a plate's pixels that no
pass changed decode and re-encode to within 0.008 LSB of their code (float32, 8- and 16-bit),
so the file holds the input's code values exactly there ("untouched means untouched"), while
computed values — almost never that close to a code — are dithered as before. Files are
written to a temporary file in the target directory and moved into place with
``os.replace``: a viewer or the watch loop never sees a half-written image, and a failed
write leaves the previous file untouched.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

import numpy as np
import torch

from shotspec.atomic_files import atomic_write
from shotspec.color import linear_to_rec709, linear_to_srgb
from shotspec.compiler.file_checks import same_file
from shotspec.runtime.io.errors import WRITE, ImageError
from shotspec.runtime.io.exr import encode_exr_channels, exr_module, write_exr
from shotspec.runtime.io.png import encode_png
from shotspec.runtime.io.tiff import encode_tiff

__all__ = ["write_image", "encode_transfer", "quantize", "same_file", "atomic_write_bytes",
           "DITHER_SEED", "EXACT_LSB"]

DITHER_SEED = 0x5107
EXACT_LSB = 1.0 / 32.0     # a value this close to a code (in LSB) is that code: not dithered
_VALID = {"png": (8, 16), "tiff": (8, 16, 32), "jpeg": (8,), "exr": (16, 32)}


def encode_transfer(linear: torch.Tensor, colorspace: str) -> torch.Tensor:
    """Linear light → encoded 0–1 values (``srgb``, ``rec709``) or unchanged (``linear``)."""
    if colorspace == "srgb":
        return linear_to_srgb(linear)
    if colorspace == "rec709":
        return linear_to_rec709(linear)
    if colorspace == "linear":
        return linear
    raise ValueError(f"unknown colorspace {colorspace!r}")


@lru_cache(maxsize=2)
def _dither(shape: tuple[int, ...]) -> torch.Tensor:
    """TPDF dither for a ``(C, H, W)`` image, in LSB (float32, CPU), from the fixed seed.

    The same shape always gets the same dither, so it is drawn once and reused: a re-render
    in watch mode does not pay for 2·C·H·W random numbers again. Callers must not modify it.
    """
    g = torch.Generator().manual_seed(DITHER_SEED)
    return torch.rand(shape, generator=g) - torch.rand(shape, generator=g)


def quantize(encoded: torch.Tensor, bits: int, dither: bool) -> np.ndarray:
    """Encoded ``(C, H, W)`` values in 0–1 → ``(H, W, C)`` uint8/uint16, with TPDF dither.

    The dither is the difference of two uniform variates (triangular, ±1 LSB peak, zero mean),
    drawn from a fixed seed: deterministic, and it breaks up banding in smooth gradients. It is
    skipped where a value lies within ``EXACT_LSB`` of a code: such a value is that code (an
    untouched plate pixel, a flat colour), and rounding it exactly is what the user expects.
    float32 is exact here: 16-bit codes plus a dither need 17 of its 24 mantissa bits.
    """
    top = (1 << bits) - 1
    x = encoded.detach().to("cpu", torch.float32).clamp(0, 1) * top
    if dither:
        between = (x - torch.round(x)).abs() > EXACT_LSB
        x = torch.where(between, x + _dither(tuple(x.shape)), x)
    q = x.round_().clamp_(0, top).permute(1, 2, 0).numpy()
    return np.ascontiguousarray(q.astype(np.uint8 if bits == 8 else np.uint16))


def atomic_write_bytes(path: str, write) -> None:
    """Create parent folders, call ``write(tmp_path)``, then ``os.replace`` onto ``path``."""
    parent = os.path.dirname(os.path.abspath(path)) or "."
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise ImageError(path, f"cannot create folder {parent}: {exc.strerror or exc}",
                         "choose an output path you can write to", code=WRITE) from None
    atomic_write(path, writer=write)


def _file_writer(data: bytes):
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
    return write


def write_image(frame, output, *, provenance: dict[str, str] | None = None,
                path: str | None = None) -> str:
    """Encode ``frame`` (linear RGB ``(1, 3, H, W)``, AOVs) as ``output`` asks; return the path.

    PNG 8/16 and TIFF 8/16 are integer encodings in ``output.colorspace`` (dithered when
    ``output.dither``); TIFF 32 is float in that colorspace; JPEG is 8-bit; EXR is linear
    half (16) or float (32) with every AOV as extra channels. An ``alpha`` AOV becomes the
    alpha channel. ``provenance`` is stored as text (PNG iTXt, TIFF ImageDescription JSON,
    JPEG comment JSON, EXR string attributes), with ``shotspec:colorspace`` added.
    """
    path = os.fspath(path or output.path)
    rgb = frame.rgb
    if rgb.ndim != 4 or rgb.shape[:2] != (1, 3):
        raise ImageError(path, f"expected a (1, 3, H, W) frame, got {tuple(rgb.shape)}", code=WRITE)
    fmt, bits, cs = output.format, int(output.bit_depth), output.colorspace
    if bits not in _VALID[fmt]:
        raise ImageError(path, f"{fmt.upper()} cannot be written at {bits} bits",
                         f"use depth {' or '.join(map(str, _VALID[fmt]))} for {fmt}", code=WRITE)
    if fmt == "exr":
        cs = "linear"
    text = {str(k): str(v) for k, v in (provenance or {}).items()}
    text["shotspec:colorspace"] = cs
    alpha = frame.aov("alpha")
    lin = torch.nan_to_num(rgb[0].detach().float(), nan=0.0, posinf=65504.0, neginf=0.0)

    if fmt == "exr":
        if exr_module() is None:
            raise ImageError(path, "writing OpenEXR needs the OpenEXR package",
                             "pip install 'shotspec[exr]', or write PNG/TIFF", code=WRITE)
        dtype = np.float16 if bits == 16 else np.float32
        img = lin.permute(1, 2, 0).cpu().numpy()
        aovs = {k: v[0].detach().float().permute(1, 2, 0).cpu().numpy()
                for k, v in frame.aovs.items() if v.ndim == 4 and v.shape[-2:] == rgb.shape[-2:]}
        channels = encode_exr_channels(img, aovs, dtype)
        atomic_write_bytes(path, lambda tmp: write_exr(tmp, channels, text))
        return path

    enc = encode_transfer(lin, cs)
    planes = enc if alpha is None else torch.cat([enc, alpha[0].detach().float().to(enc.device)], 0)
    if fmt == "tiff" and bits == 32:
        data = encode_tiff(np.ascontiguousarray(planes.permute(1, 2, 0).cpu().numpy(), np.float32),
                           description=json.dumps(text))
    elif fmt == "jpeg":
        data = _encode_jpeg(quantize(enc, 8, output.dither), text)
    else:
        q = quantize(enc, bits, output.dither)
        if alpha is not None:   # coverage is exact data, never dithered: 0 and 1 stay 0 and 1
            q = np.concatenate([q, quantize(alpha[0].detach().float(), bits, False)], axis=2)
        data = (encode_png(q, text=text, colorspace=cs) if fmt == "png"
                else encode_tiff(q, description=json.dumps(text)))
    try:
        atomic_write_bytes(path, _file_writer(data))
    except OSError as exc:
        raise ImageError(path, f"{exc.strerror or exc}",
                         "check the folder exists and is writable", code=WRITE) from None
    return path


def _encode_jpeg(q: np.ndarray, text: dict[str, str]) -> bytes:
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    buf = io.BytesIO()
    Image.fromarray(q, "RGB").save(buf, "JPEG", quality=95, subsampling=0,
                                   comment=json.dumps(text).encode("utf-8"))
    return buf.getvalue()
