"""Reading one frame of a video plate with PyAV, as the image readers read a still plate.

The frame is converted to RGB with the matrix and range the stream is tagged with (BT.709 and
limited range when untagged, as for HD video), at 16 bits, then taken to linear light by its
transfer and primaries tags (``shotspec.plate_tags`` names them; a tag it cannot decode is
refused, E520). A plate with a declared colour space is read as code values instead.

``linearise(code, colour)`` takes RGB code values ``(B, 3, H, W)`` in 0–1 (after the Y'CbCr
matrix) and the stream's ``plate_tags.StreamColour`` and gives linear light in BT.709
primaries, the renderer's working space (scene-linear Rec.709, D65):

* ``rec709``, ``srgb``, ``linear`` — the image readers' own curves (``image_read``), bit for
  bit what a BT.709 or sRGB plate gave before;
* ``gamma22`` / ``gamma28`` — V^2.2 / V^2.8 (BT.470 M, B/G); ``smpte240m`` — SMPTE 240M's
  OETF inverted;
* ``log100`` / ``log316`` — H.273's logarithmic transfers: L = 10^(2(V − 1)) and
  10^(2.5(V − 1)); code 0 is black;
* ``pq`` — the SMPTE ST 2084 EOTF in cd/m², divided by 203 cd/m², the reference white of
  ITU-R BT.2408: diffuse white is 1.0, an HDR highlight of 1000 cd/m² is 4.93;
* ``hlg`` — BT.2100 HLG: the inverse OETF (scene light E in 0–1), then the reference OOTF
  F = Lw · Ys^(γ − 1) · E with Lw = 1000 cd/m² and system gamma γ = 1.2 (BT.2100 Table 5;
  Ys the luminance of E in the stream's primaries), divided by 203 cd/m² like PQ: the 75 %
  HLG reference white is 1.0 (1.0005), and a PQ and an HLG master of one picture agree.

Then primaries other than BT.709 (BT.2020, P3-D65, BT.601) are converted with the 3×3 matrix
between them (all D65; BT.2020 → BT.709 is BT.2087's). Out-of-gamut colours come out negative
and HDR highlights above 1, as a scene-linear working space holds them. Computed in float64,
returned as float32.

The process keeps its last few videos open where their decoding stopped (``_Decoder``): a
sequence's plate nodes, which run in frame order, decode each frame once; a frame further
ahead or behind seeks to the key frame at or before it and decodes forward to it, bit for bit
the frame a sequential decode gives.
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch

from shotspec.plate_tags import (HLG_PEAK_NITS, HLG_SYSTEM_GAMMA, PQ_REFERENCE_WHITE_NITS,
                                 StreamColour, luminance_row, stream_colour, to_rec709_matrix,
                                 video_colour)
from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.image_read import decode_transfer

__all__ = ["read_video_frame", "read_video_codes", "video_transfer", "audio_stream_of",
           "linearise", "pq_eotf_nits", "hlg_inverse_oetf"]

_SPACES = {1: "itu709", 5: "itu601", 6: "smpte170m", 7: "smpte240m", 9: "bt2020"}

# SMPTE ST 2084 constants
_M1, _M2 = 2610 / 16384, 2523 / 4096 * 128
_C1, _C2, _C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
# ARIB STD-B67 / BT.2100 HLG constants
_A = 0.17883277
_B = 1 - 4 * _A
_C = 0.5 - _A * math.log(4 * _A)


def pq_eotf_nits(v: torch.Tensor) -> torch.Tensor:
    """SMPTE ST 2084: PQ code values 0–1 → display luminance in cd/m² (0–10000)."""
    p = v.clamp(0, 1) ** (1 / _M2)
    return 10000.0 * ((p - _C1).clamp(min=0) / (_C2 - _C3 * p)) ** (1 / _M1)


def hlg_inverse_oetf(v: torch.Tensor) -> torch.Tensor:
    """BT.2100 HLG: code values 0–1 → normalised scene light E in 0–1."""
    v = v.clamp(0, 1)
    return torch.where(v <= 0.5, v * v / 3, (torch.exp((v - _C) / _A) + _B) / 12)


def _hlg_display(v: torch.Tensor, primaries: str) -> torch.Tensor:
    """HLG code values → display light in cd/m² through the reference OOTF."""
    e = hlg_inverse_oetf(v)
    row = torch.tensor(luminance_row(primaries), dtype=e.dtype, device=e.device)
    ys = torch.einsum("c,bchw->bhw", row, e)[:, None].clamp(min=0)
    return HLG_PEAK_NITS * ys ** (HLG_SYSTEM_GAMMA - 1) * e


def _decode(x: torch.Tensor, colour: StreamColour) -> torch.Tensor:
    t = colour.transfer
    if t == "gamma22":
        return x.clamp(min=0) ** 2.2
    if t == "smpte240m":                  # V = 1.1115 L^0.45 − 0.1115, 4 L below L = 0.0228
        return torch.where(x < 4 * 0.0228, x / 4,
                           ((x.clamp(min=0) + 0.1115) / 1.1115) ** (1 / 0.45))
    if t == "gamma28":
        return x.clamp(min=0) ** 2.8
    if t in ("log100", "log316"):
        span = 2.0 if t == "log100" else 2.5
        return torch.where(x > 0, 10.0 ** (span * (x - 1)), torch.zeros_like(x))
    if t == "pq":
        return pq_eotf_nits(x) / PQ_REFERENCE_WHITE_NITS
    if t == "hlg":
        return _hlg_display(x, colour.primaries) / PQ_REFERENCE_WHITE_NITS
    raise ValueError(f"no decoding for the transfer {t!r}")


def linearise(code: torch.Tensor, colour: StreamColour) -> torch.Tensor:
    """Code values ``(B, 3, H, W)`` → linear BT.709-primaries light, float32 (see the module
    docstring). Raises ValueError for a stream ``plate_tags`` marks with a problem."""
    if colour.problem:
        raise ValueError(colour.problem)
    if colour.transfer in ("rec709", "srgb", "linear") and colour.primaries == "bt709":
        return decode_transfer(code.contiguous(), colour.transfer).to(torch.float32)
    x = code.to(torch.float64)
    if colour.transfer in ("rec709", "srgb", "linear"):
        lin = decode_transfer(x, colour.transfer)
    else:
        lin = _decode(x, colour)
    if colour.primaries != "bt709":
        m = torch.tensor(to_rec709_matrix(colour.primaries), dtype=lin.dtype, device=lin.device)
        lin = torch.einsum("rc,bchw->brhw", m, lin)
    return lin.to(torch.float32)


class _Decoder:
    """One open video and where its decoding stands. ``read(index)`` goes on decoding from
    there when the frame is a little ahead (within one key-frame interval: a sequence's plate
    nodes run in frame order); otherwise it seeks to the key frame at or before the frame and
    decodes forward to it, so a late frame (a Ray worker's, a render resumed mid-clip) costs
    at most one group of pictures. Frames are found by presentation time: frame ``i`` of a
    constant-rate stream has ``pts ≈ start + i / (rate · time_base)`` (to half a frame). A
    stream that is not constant-rate (its average and frame rates or its duration and frame
    count disagree), or a seek that misses the frame's pts, is decoded from the start and
    counted instead (never a wrong frame)."""

    def __init__(self, path: str):
        self.path = path
        self.container = None
        self._restart()
        self.gop = 1                          # longest key-frame interval seen so far
        self._since_key = 0
        st = self.stream
        rate, tb = st.guessed_rate, st.time_base           # r_frame_rate: the frame rate
        self.step = float(1 / (rate * tb)) if rate and tb else 0.0     # pts per frame
        self.start = int(st.start_time or 0)
        # seek only where the frame <-> pts arithmetic holds: a constant rate (the average
        # rate is the frame rate) and a known length that is whole frames at that rate
        self.seekable = bool(self.step and st.frames and st.duration and st.average_rate and
                             abs(float(st.average_rate / rate) - 1) < 1e-6 and
                             abs(st.duration / self.step - st.frames) < 0.5)
        self.seeks = 0                        # for tests and the bench: seeks made and
        self.decoded = 0                      # frames decoded since the video was opened

    def _restart(self) -> None:
        """Open (again) at the start: the sequential decode every other read must equal."""
        import av

        if self.container is not None:
            self.container.close()
        self.container = av.open(self.path)
        self.stream = self.container.streams.video[0]
        # the tags as the container and the stream's headers give them, read before any
        # decoding: a decoder may overwrite them from its own frame headers (ProRes keeps
        # only the transfers its header has a code for)
        cc = self.stream.codec_context
        self.colour = stream_colour(cc.color_trc, cc.color_primaries)
        self.space = _SPACES.get(int(cc.colorspace or 1), "itu709")
        self.full_range = int(cc.color_range or 1) == 2
        self.frames = self.container.decode(self.stream)
        self.next_index = 0

    def _pts(self, index: int) -> int:
        return self.start + round(index * self.step)

    def _next(self):
        frame = next(self.frames, None)
        if frame is not None:
            self.decoded += 1
            self._since_key = 0 if frame.key_frame else self._since_key + 1
            self.gop = max(self.gop, self._since_key + 1)
        return frame

    def read(self, index: int):
        """Frame ``index`` (0-based) as PyAV decoded it, or None past the end."""
        if self.seekable and index >= self.stream.frames:
            return None
        gap = index - self.next_index
        if self.seekable and not 0 <= gap <= self.gop:
            frame = self._seek(index)
            if frame is not None:
                return frame
        if index < self.next_index:
            self._restart()
        while True:
            frame = self._next()
            if frame is None:
                return None
            self.next_index += 1
            if self.next_index - 1 == index:
                return frame

    def _seek(self, index: int):
        """Seek to the key frame at or before ``index`` and decode to it; None (and decoding
        restarted from the start) when no frame lands within half a frame of its pts."""
        target = self._pts(index)
        back = 0
        while True:
            self.seeks += 1
            self.container.seek(max(self.start, target - back), stream=self.stream,
                                backward=True, any_frame=False)
            self.frames = self.container.decode(self.stream)
            self._since_key = 0
            frame = self._next()
            # a key frame's decode time can precede its presentation: the demuxer may land on
            # a key frame shown after the wanted one; step back a GOP at a time until it does not
            if frame is not None and frame.pts is not None and \
                    frame.pts > target + self.step / 2 and target - back > self.start:
                back = max(2 * back, round(self.gop * self.step))
                continue
            break
        half = self.step / 2                  # pts are rounded to the time base: the nearest
        while frame is not None and frame.pts is not None and frame.pts < target - half:
            frame = self._next()
        if frame is None or frame.pts is None or abs(frame.pts - target) >= half:
            self._restart()
            return None
        self.next_index = index + 1
        return frame

    def close(self) -> None:
        self.container.close()


_OPEN: dict[tuple[str, int, int], _Decoder] = {}    # (path, size, mtime) -> its decoder
_KEEP = 4                                            # videos kept open per process


def _decoder(path: str) -> _Decoder:
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    dec = _OPEN.pop(key, None)
    if dec is None:
        dec = _Decoder(path)
    _OPEN[key] = dec                                 # the newest last
    while len(_OPEN) > _KEEP:
        _OPEN.pop(next(iter(_OPEN))).close()
    return dec


def _drop(path: str) -> None:
    for key in [k for k in _OPEN if k[0] == os.path.abspath(path)]:
        _OPEN.pop(key).close()


def video_transfer(path: str) -> str:
    """The transfer :func:`read_video_frame` decodes ``path``'s frames from, by the name
    ``shotspec.plate_tags`` gives the stream's tag (``rec709`` when unreadable or untagged)."""
    colour = video_colour(path)
    return colour.transfer if colour is not None else "rec709"


def read_video_codes(path: str, index: int) -> tuple[np.ndarray, str]:
    """Frame ``index`` (0-based) of a video as its code values, RGB ``(H, W, 3)`` float32 in
    0–1 (converted with the stream's matrix and range, at 16 bits), and the transfer they are
    encoded with (``shotspec.plate_tags`` names): a mask or depth video is read as code
    values."""
    arr, colour = _read_codes(path, index)
    return arr, colour.transfer


def _read_codes(path: str, index: int) -> tuple[np.ndarray, StreamColour]:
    try:
        import av  # noqa: F401 - PyAV is what reads video
        from av.video.reformatter import Interpolation
    except ImportError:
        raise ImageError(path, "reading a video plate needs PyAV", "pip install av") from None
    if not os.path.isfile(path):
        raise ImageError(path, "file not found", "check the path")
    accurate = Interpolation.BICUBIC | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INP
    try:
        dec = _decoder(path)
        space, full, colour = dec.space, dec.full_range, dec.colour
        frame = dec.read(index)
        if frame is None:
            count = dec.stream.frames if dec.seekable else dec.next_index
            _drop(path)
            raise ImageError(path, f"the video has no frame {index} (it has {count})",
                             "shorten the shot's `duration`")
        rgb = frame.reformat(format="rgb48le", src_colorspace=space,
                             src_color_range="JPEG" if full else "MPEG",
                             dst_color_range="JPEG", interpolation=accurate)
        return rgb.to_ndarray().astype(np.float32) / 65535.0, colour
    except ImageError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises FFmpeg errors of many kinds
        _drop(path)
        raise ImageError(path, f"cannot decode the video ({type(exc).__name__}: {exc})",
                         "re-export it as H.264 or ProRes, or as an image sequence") from None


def read_video_frame(path: str, index: int, *, linear: bool = True) -> tuple[torch.Tensor, dict]:
    """RGB ``(1, 3, H, W)`` of frame ``index`` (0-based) and facts like ``read_image``'s:
    linear light in BT.709 primaries (:func:`linearise`), or with ``linear=False`` the code
    values themselves (a plate that declares its ``colorspace``: OpenColorIO converts them).

    Raises ImageError (E520) for a linear read of a stream whose colour tags cannot be decoded
    (``plate_tags.stream_colour``'s ``problem``) rather than reading it as BT.709."""
    arr, colour = _read_codes(path, index)
    if linear and colour.problem:
        raise ImageError(path, colour.problem,
                         'declare what its code values mean: `source plate "…" { colorspace '
                         '"…" }` (a colour space of the config, docs/color.md), or re-export it '
                         "tagged BT.709, BT.2100 PQ or HLG")
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1)[None].contiguous()
    rgb = linearise(t, colour) if linear else t
    h, w = arr.shape[:2]
    return rgb.contiguous(), {"width": w, "height": h, "bit_depth": 16, "format": "video",
                              "colorspace": colour.transfer if linear else "code",
                              "primaries": colour.primaries, "provenance": {}, "channels": {}}


def audio_stream_of(path: str | None) -> bool:
    """Whether ``path`` is a file with an audio stream PyAV can read."""
    if not path or not os.path.isfile(path):
        return False
    try:
        import av

        with av.open(path) as container:
            return bool(container.streams.audio)
    except Exception:  # noqa: BLE001 - not a media file
        return False
