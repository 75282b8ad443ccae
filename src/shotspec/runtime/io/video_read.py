"""Reading one frame of a video plate with PyAV, as the image readers read a still plate.

The frame is converted to RGB with the matrix and range the stream is tagged with (BT.709 and
limited range when untagged, as for HD video), at 16 bits, then taken to linear light in BT.709
primaries by its transfer and primaries tags (``shotspec.video_tags`` names them,
``video_linear.linearise`` decodes them: BT.709, sRGB, PQ, HLG, log, BT.2020 …); a tag it
cannot decode is refused (E520). A plate with a declared colour space is read as code values.

The process keeps its last few videos open where their decoding stopped (``_Decoder``): a
sequence's plate nodes, which run in frame order, decode each frame once; a frame further
ahead or behind seeks to the key frame at or before it and decodes forward to it, bit for bit
the frame a sequential decode gives.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.video_linear import linearise
from shotspec.video_tags import StreamColour, stream_colour, video_colour

__all__ = ["read_video_frame", "read_video_codes", "video_transfer", "audio_stream_of"]

_SPACES = {1: "itu709", 5: "itu601", 6: "smpte170m", 7: "smpte240m", 9: "bt2020"}


class _Decoder:
    """One open video and where its decoding stands. ``read(index)`` goes on decoding from
    there when the frame is a little ahead (within one key-frame interval: a sequence's plate
    nodes run in frame order); otherwise it seeks to the key frame at or before the frame and
    decodes forward to it, so a late frame (a Ray worker's, a render resumed mid-clip) costs
    at most one group of pictures. Frames are found by presentation time: frame ``i`` of a
    constant-rate stream has ``pts ≈ start + i / (rate · time_base)`` (to half a frame). A stream that is not
    constant-rate (its duration and frame count disagree), or a seek that misses the frame's
    pts, is decoded from the start and counted instead (never a wrong frame)."""

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
        restarted from the start) when the frame's pts is not met exactly."""
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
    ``shotspec.video_tags`` gives the stream's tag (``rec709`` when unreadable or untagged)."""
    colour = video_colour(path)
    return colour.transfer if colour is not None else "rec709"


def read_video_codes(path: str, index: int) -> tuple[np.ndarray, str]:
    """Frame ``index`` (0-based) of a video as its code values, RGB ``(H, W, 3)`` float32 in
    0–1 (converted with the stream's matrix and range, at 16 bits), and the transfer they are
    encoded with (``shotspec.video_tags`` names): a mask or depth video is read as code
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
    (``video_tags.stream_colour``'s ``problem``) rather than reading it as BT.709."""
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
