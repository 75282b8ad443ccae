"""Reading one frame of a video plate with PyAV, as the image readers read a still plate.

The frame is converted to RGB with the matrix and range the stream is tagged with (BT.709 and
limited range when untagged, as for HD video), at 16 bits, then decoded from its transfer
(BT.709, or sRGB when the stream says IEC 61966-2-1) to linear light. Frames are decoded in
order (seeking lands on key frames only): the process keeps the last few videos open where
their decoding stopped, so a sequence's plate nodes, which run in frame order, decode each
frame once; asking for an earlier frame decodes again from the start.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.image_read import decode_transfer

__all__ = ["read_video_frame", "read_video_codes", "video_transfer", "audio_stream_of"]

_SPACES = {1: "itu709", 5: "itu601", 6: "smpte170m", 7: "smpte240m", 9: "bt2020"}


class _Decoder:
    """One open video and the frames decoded so far: the next ``read`` of a later frame goes on
    from here (a sequence's plate nodes run in frame order), an earlier one starts again."""

    def __init__(self, path: str):
        import av

        self.container = av.open(path)
        self.stream = self.container.streams.video[0]
        self.frames = self.container.decode(self.stream)
        self.next_index = 0

    def read(self, index: int):
        for frame in self.frames:
            self.next_index += 1
            if self.next_index - 1 == index:
                return frame
        return None

    def close(self) -> None:
        self.container.close()


_OPEN: dict[tuple[str, int, int], _Decoder] = {}    # (path, size, mtime) -> its decoder
_KEEP = 4                                            # videos kept open per process


def _decoder(path: str, index: int) -> _Decoder:
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    dec = _OPEN.pop(key, None)
    if dec is not None and dec.next_index > index:
        dec.close()
        dec = None
    if dec is None:
        dec = _Decoder(path)
    _OPEN[key] = dec                                 # the newest last
    while len(_OPEN) > _KEEP:
        _OPEN.pop(next(iter(_OPEN))).close()
    return dec


def _drop(path: str) -> None:
    for key in [k for k in _OPEN if k[0] == os.path.abspath(path)]:
        _OPEN.pop(key).close()


def _stream_transfer(cc) -> str:
    """The transfer a stream is decoded from: sRGB when it says IEC 61966-2-1, else BT.709."""
    return "srgb" if int(cc.color_trc or 1) == 13 else "rec709"


def video_transfer(path: str) -> str:
    """The transfer curve :func:`read_video_frame` decodes ``path``'s frames from (``rec709``
    or ``srgb``), read from the stream's tags; a plate's declared colour space starts from the
    code values under it (``color_files.plate_to_working``)."""
    try:
        import av

        with av.open(path) as container:
            return _stream_transfer(container.streams.video[0].codec_context)
    except Exception:  # noqa: BLE001 - unreadable: the reader reports it with its own error
        return "rec709"


def read_video_codes(path: str, index: int) -> tuple[np.ndarray, str]:
    """Frame ``index`` (0-based) of a video as its code values, RGB ``(H, W, 3)`` float32 in
    0–1 (converted with the stream's matrix and range, at 16 bits), and the transfer they are
    encoded with (``rec709`` or ``srgb``): a mask or depth video is read as code values."""
    try:
        import av  # noqa: F401 - PyAV is what reads video
        from av.video.reformatter import Interpolation
    except ImportError:
        raise ImageError(path, "reading a video plate needs PyAV", "pip install av") from None
    if not os.path.isfile(path):
        raise ImageError(path, "file not found", "check the path")
    accurate = Interpolation.BICUBIC | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INP
    try:
        dec = _decoder(path, index)
        cc = dec.stream.codec_context
        space = _SPACES.get(int(cc.colorspace or 1), "itu709")
        full = int(cc.color_range or 1) == 2
        transfer = _stream_transfer(cc)
        frame = dec.read(index)
        if frame is None:
            count = dec.next_index
            _drop(path)
            raise ImageError(path, f"the video has no frame {index} (it has {count})",
                             "shorten the shot's `duration`")
        rgb = frame.reformat(format="rgb48le", src_colorspace=space,
                             src_color_range="JPEG" if full else "MPEG",
                             dst_color_range="JPEG", interpolation=accurate)
        return rgb.to_ndarray().astype(np.float32) / 65535.0, transfer
    except ImageError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises FFmpeg errors of many kinds
        _drop(path)
        raise ImageError(path, f"cannot decode the video ({type(exc).__name__}: {exc})",
                         "re-export it as H.264 or ProRes, or as an image sequence") from None


def read_video_frame(path: str, index: int) -> tuple[torch.Tensor, dict]:
    """Linear RGB ``(1, 3, H, W)`` of frame ``index`` (0-based) and facts like ``read_image``'s."""
    arr, transfer = read_video_codes(path, index)
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1)[None]
    rgb = decode_transfer(t.contiguous(), transfer).to(torch.float32).contiguous()
    h, w = arr.shape[:2]
    return rgb, {"width": w, "height": h, "bit_depth": 16, "format": "video",
                 "colorspace": transfer, "provenance": {}, "channels": {}}


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
