"""Reading one frame of a video plate with PyAV, as the image readers read a still plate.

The frame is converted to RGB with the matrix and range the stream is tagged with (BT.709 and
limited range when untagged, as for HD video), at 16 bits, then decoded from its transfer
(BT.709, or sRGB when the stream says IEC 61966-2-1) to linear light. Frames are decoded from
the start up to the one asked for (seeking lands on key frames only): a plate node costs
O(frame index) decodes, fine for shots of seconds.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.image_read import decode_transfer

__all__ = ["read_video_frame", "audio_stream_of"]

_SPACES = {1: "itu709", 5: "itu601", 6: "smpte170m", 7: "smpte240m", 9: "bt2020"}


def read_video_frame(path: str, index: int) -> tuple[torch.Tensor, dict]:
    """Linear RGB ``(1, 3, H, W)`` of frame ``index`` (0-based) and facts like ``read_image``'s."""
    try:
        import av
        from av.video.reformatter import Interpolation
    except ImportError:
        raise ImageError(path, "reading a video plate needs PyAV", "pip install av") from None
    if not os.path.isfile(path):
        raise ImageError(path, "file not found", "check the path")
    accurate = Interpolation.BICUBIC | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INP
    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            cc = stream.codec_context
            space = _SPACES.get(int(cc.colorspace or 1), "itu709")
            full = int(cc.color_range or 1) == 2
            transfer = "srgb" if int(cc.color_trc or 1) == 13 else "rec709"
            for i, frame in enumerate(container.decode(stream)):
                if i == index:
                    rgb = frame.reformat(format="rgb48le", src_colorspace=space,
                                         src_color_range="JPEG" if full else "MPEG",
                                         dst_color_range="JPEG", interpolation=accurate)
                    arr = rgb.to_ndarray().astype(np.float32) / 65535.0
                    break
            else:
                raise ImageError(path, f"the video has no frame {index} (it has {i + 1 if index else 0})",
                                 "shorten the shot's `duration`")
    except ImageError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises FFmpeg errors of many kinds
        raise ImageError(path, f"cannot decode the video ({type(exc).__name__}: {exc})",
                         "re-export it as H.264 or ProRes, or as an image sequence") from None
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
