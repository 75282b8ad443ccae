"""Baseline TIFF: a small writer (8/16-bit integer, 32-bit float; deflate + predictor) and a
reader for the strip-based files most tools write (none/deflate/LZW/PackBits compression,
horizontal and floating-point predictors, 8/16-bit integer and 16/32-bit float samples).

Pillow reads 16-bit RGB TIFFs as 8-bit and cannot write them, hence this module. Provenance
goes into the ImageDescription tag as a JSON object.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

__all__ = ["encode_tiff", "decode_tiff", "tiff_description", "TiffFormatError"]

_ROWS_PER_STRIP = 64


class TiffFormatError(ValueError):
    """The TIFF is malformed or uses a feature this reader does not support."""


def encode_tiff(pixels: np.ndarray, *, description: str | None = None) -> bytes:
    """Little-endian baseline TIFF bytes for ``pixels`` ``(H, W, C)`` (C = 1, 3 or 4;
    uint8, uint16 or float32). Integer data uses deflate with horizontal differencing."""
    h, w, c = pixels.shape
    dtype = pixels.dtype
    if dtype not in (np.uint8, np.uint16, np.float32):
        raise TiffFormatError(f"unsupported sample type {dtype}")
    bits = dtype.itemsize * 8
    is_float = dtype == np.float32
    data = np.ascontiguousarray(pixels.astype(dtype.newbyteorder("<")))
    strips = []
    for y0 in range(0, h, _ROWS_PER_STRIP):
        block = data[y0:y0 + _ROWS_PER_STRIP]
        if not is_float:      # predictor 2: horizontal differences per sample, modulo 2^bits
            block = block.copy()
            block[:, 1:] = block[:, 1:] - data[y0:y0 + _ROWS_PER_STRIP, :-1]
        strips.append(zlib.compress(block.tobytes(), 6))

    entries: list[tuple[int, int, int, bytes]] = []   # (tag, type, count, value bytes)

    def add(tag, typ, values):
        fmt = {3: "H", 4: "I", 5: "II", 2: None}[typ]
        if typ == 2:
            raw = values.encode("ascii", "replace") + b"\x00"
            entries.append((tag, 2, len(raw), raw))
        elif typ == 5:
            raw = b"".join(struct.pack("<II", *v) for v in values)
            entries.append((tag, 5, len(values), raw))
        else:
            entries.append((tag, typ, len(values), struct.pack("<" + fmt * len(values), *values)))

    add(256, 4, [w])
    add(257, 4, [h])
    add(258, 3, [bits] * c)
    add(259, 3, [8])                                  # Adobe deflate
    add(262, 3, [2 if c >= 3 else 1])                 # RGB / min-is-black
    if description:
        add(270, 2, description)
    add(273, 4, [0] * len(strips))                    # patched below
    add(277, 3, [c])
    add(278, 4, [_ROWS_PER_STRIP])
    add(279, 4, [len(s) for s in strips])
    add(282, 5, [(72, 1)])
    add(283, 5, [(72, 1)])
    add(284, 3, [1])
    add(296, 3, [2])
    add(305, 2, "shotspec")
    add(317, 3, [1 if is_float else 2])
    if c in (2, 4):
        add(338, 3, [2])                              # unassociated alpha
    add(339, 3, [3 if is_float else 1] * c)
    entries.sort()

    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    extra_offset = ifd_offset + ifd_size
    extra = bytearray()
    # Strip data goes after the out-of-line tag values.
    out_of_line = sum((len(v) + 1) & ~1 for _, _, _, v in entries if len(v) > 4)
    strip_start = extra_offset + out_of_line
    offsets, pos = [], strip_start
    for s in strips:
        offsets.append(pos)
        pos += len(s)
    ifd = bytearray(struct.pack("<H", len(entries)))
    for tag, typ, count, value in entries:
        if tag == 273:
            value = struct.pack("<" + "I" * len(offsets), *offsets)
        if len(value) <= 4:
            ifd += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")
        else:
            ifd += struct.pack("<HHII", tag, typ, count, extra_offset + len(extra))
            extra += value + (b"\x00" if len(value) % 2 else b"")
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + bytes(ifd) + bytes(extra) + b"".join(strips)


# ------------------------------------------------------------------------------------ reading

_TYPE_FMT = {1: "B", 2: "c", 3: "H", 4: "I", 5: "II", 6: "b", 7: "B", 8: "h", 9: "i", 10: "ii",
             11: "f", 12: "d", 16: "Q"}


def _tags(data: bytes, endian: str, offset: int) -> dict[int, tuple]:
    (count,) = struct.unpack_from(endian + "H", data, offset)
    tags = {}
    for i in range(count):
        tag, typ, n = struct.unpack_from(endian + "HHI", data, offset + 2 + 12 * i)
        fmt = _TYPE_FMT.get(typ)
        if fmt is None:
            continue
        size = struct.calcsize(endian + fmt) * n
        start = offset + 2 + 12 * i + 8
        if size > 4:
            (start,) = struct.unpack_from(endian + "I", data, start)
        if start + size > len(data):
            raise TiffFormatError(f"tag {tag} points past the end of the file (truncated?)")
        if typ == 2:
            tags[tag] = (data[start:start + n].split(b"\x00")[0].decode("latin-1"),)
        else:
            vals = struct.unpack_from(endian + fmt * n, data, start)
            tags[tag] = vals
    return tags


def _lzw_decode(src: bytes) -> bytes:
    """TIFF LZW (MSB-first codes, 9–12 bits, early change)."""
    out = bytearray()
    table: list[bytes] = []
    bitbuf = nbits = 0
    width = 9
    prev = b""
    pos = 0
    n = len(src)
    while True:
        while nbits < width:
            if pos >= n:
                return bytes(out)
            bitbuf = (bitbuf << 8) | src[pos]
            pos += 1
            nbits += 8
        nbits -= width
        code = (bitbuf >> nbits) & ((1 << width) - 1)
        if code == 256:
            table = [bytes([i]) for i in range(256)] + [b"", b""]
            width, prev = 9, b""
            continue
        if code == 257:
            break
        if not table:
            table = [bytes([i]) for i in range(256)] + [b"", b""]
        if code < len(table):
            entry = table[code]
            if prev:
                table.append(prev + entry[:1])
        elif code == len(table) and prev:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            raise TiffFormatError("corrupt LZW data")
        out += entry
        prev = entry
        if len(table) + 1 >= (1 << width) and width < 12:
            width += 1
    return bytes(out)


def _packbits_decode(src: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(src):
        n = src[i] if src[i] < 128 else src[i] - 256
        i += 1
        if n >= 0:
            out += src[i:i + n + 1]
            i += n + 1
        elif n != -128:
            out += src[i:i + 1] * (1 - n)
            i += 1
    return bytes(out)


def _header(data: bytes) -> tuple[str, int]:
    if data[:4] == b"II*\x00":
        endian = "<"
    elif data[:4] == b"MM\x00*":
        endian = ">"
    else:
        raise TiffFormatError("not a TIFF file (bad header)")
    (ifd,) = struct.unpack_from(endian + "I", data, 4)
    if ifd + 2 > len(data):
        raise TiffFormatError("the image directory lies past the end of the file (truncated?)")
    return endian, ifd


def tiff_description(data: bytes) -> str:
    """The ImageDescription tag of the first image ('' when absent), without decoding pixels."""
    endian, ifd = _header(data)
    return _tags(data, endian, ifd).get(270, ("",))[0]


def decode_tiff(data: bytes) -> tuple[np.ndarray, dict]:
    """Pixels ``(H, W, C)`` (uint8/uint16/float32, native byte order) and facts of the first
    image of a TIFF: ``{"bit_depth", "sample_format", "description", "extra_samples"}``."""
    endian, ifd = _header(data)
    t = _tags(data, endian, ifd)
    try:
        w, h = int(t[256][0]), int(t[257][0])
    except KeyError as exc:
        raise TiffFormatError("missing image width or height") from exc
    spp = int(t.get(277, (1,))[0])
    bits = t.get(258, (1,) * spp)
    if len(set(bits)) != 1:
        raise TiffFormatError(f"mixed bits per sample {bits} are not supported")
    bits = int(bits[0])
    fmt = int(t.get(339, (1,))[0])
    comp = int(t.get(259, (1,))[0])
    pred = int(t.get(317, (1,))[0])
    planar = int(t.get(284, (1,))[0])
    if 322 in t:
        raise TiffFormatError("tiled TIFFs are not supported")
    photometric = int(t.get(262, (2 if spp >= 3 else 1,))[0])
    if photometric not in (0, 1, 2):
        raise TiffFormatError(f"photometric interpretation {photometric} is not supported")
    kinds = {(1, 8): np.uint8, (1, 16): np.uint16, (3, 16): np.float16, (3, 32): np.float32,
             (3, 64): np.float64}
    if (fmt, bits) not in kinds:
        raise TiffFormatError(f"{bits}-bit samples of sample format {fmt} are not supported")
    dtype = np.dtype(kinds[(fmt, bits)]).newbyteorder(endian)
    offsets, counts = t.get(273), t.get(279)
    if not offsets or not counts:
        raise TiffFormatError("no strip offsets")
    rps = int(t.get(278, (h,))[0])
    chunks = []
    for off, cnt in zip(offsets, counts):
        raw = data[off:off + cnt]
        if len(raw) < cnt:
            raise TiffFormatError("strip data ends early (truncated file)")
        if comp == 1:
            chunks.append(raw)
        elif comp in (8, 32946):
            try:
                chunks.append(zlib.decompress(raw))
            except zlib.error as exc:
                raise TiffFormatError(f"corrupt deflate data ({exc})") from exc
        elif comp == 5:
            chunks.append(_lzw_decode(raw))
        elif comp == 32773:
            chunks.append(_packbits_decode(raw))
        else:
            raise TiffFormatError(f"compression {comp} is not supported")
    planes = spp if planar == 2 else 1
    per_plane = len(chunks) // planes
    samples = 1 if planar == 2 else spp
    row_bytes = w * samples * bits // 8
    arrays = []
    for p in range(planes):
        rows = []
        for i in range(per_plane):
            nrows = min(rps, h - i * rps)
            buf = chunks[p * per_plane + i][:nrows * row_bytes]
            if len(buf) < nrows * row_bytes:
                raise TiffFormatError("decoded strip is too short (corrupt or truncated)")
            rows.append(np.frombuffer(buf, dtype=np.uint8).reshape(nrows, row_bytes))
        block = np.concatenate(rows, 0)
        if pred == 3:
            # Floating-point predictor: per row the samples' bytes are stored most significant
            # first, plane by plane, then differenced byte-wise with a stride of one pixel.
            nb = bits // 8
            acc = np.cumsum(block.reshape(h, -1, samples), axis=1, dtype=np.uint8)
            planes_b = acc.reshape(h, nb, w * samples).transpose(0, 2, 1)
            big = np.dtype(kinds[(fmt, bits)]).newbyteorder(">")
            arr = np.ascontiguousarray(planes_b).view(big).reshape(h, w, samples)
        else:
            arr = block.view(dtype).reshape(h, w, samples)
            if pred == 2:
                arr = np.cumsum(arr, axis=1, dtype=dtype)
        arrays.append(arr.astype(arr.dtype.newbyteorder("=")))
    pixels = np.concatenate(arrays, axis=2) if planes > 1 else arrays[0]
    if photometric == 0:                                    # min-is-white
        pixels = (np.iinfo(pixels.dtype).max - pixels if pixels.dtype.kind == "u"
                  else 1.0 - pixels).astype(pixels.dtype)
    info = {"bit_depth": bits, "sample_format": "float" if fmt == 3 else "uint",
            "description": t.get(270, ("",))[0], "extra_samples": t.get(338, ())}
    return pixels, info
