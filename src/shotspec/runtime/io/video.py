"""Encoding a rendered image sequence into a video file with PyAV (FFmpeg's libraries).

``encode_video(frames, path, fps=…, codec=…, colorspace=…)`` reads the sequence's frame files
(the PNGs a video output's frames are written to, ``compiler.plan.frames.frame_file``) in order
and writes ``path``:

* ``h264`` — libx264, 8-bit 4:2:0 (``yuv420p``), CRF 16 (visually lossless for a film
  finish), ``.mp4`` with ``+faststart`` so players start before the download ends;
* ``prores`` — prores_ks profile 3 (ProRes 422 HQ), 10-bit 4:2:2 (``yuv422p10le``), ``.mov``.

Colour: the frames are BT.709-encoded (``colorspace rec709``, the default of a video output) or
sRGB-encoded; the RGB → Y'CbCr conversion uses the BT.709 matrix into limited ("MPEG", 16–235)
range, and the stream is tagged with BT.709 primaries, matrix and range and with the transfer
the frames were encoded with (BT.709, or IEC 61966-2-1 for sRGB), so players and editors decode
the colours the render made. The frame rate is exact (24000/1001 for 23.976). The file is
written to a temporary name next to ``path`` and renamed into place.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from shotspec.compiler.timecode import fps_fraction
from shotspec.runtime.errors import RenderError

__all__ = ["encode_video", "codec_of", "VIDEO_CODECS", "video_available"]

# codec → (FFmpeg encoder, pixel format, encoder options)
VIDEO_CODECS = {
    "h264": ("libx264", "yuv420p", {"crf": "16", "preset": "medium"}),
    "prores": ("prores_ks", "yuv422p10le", {"profile": "3", "vendor": "apl0"}),
}
# H.273 code points of the tags
_BT709 = 1
_TRC = {"rec709": 1, "srgb": 13}
_RANGE_MPEG = 1


def codec_of(path: str, codec: str | None) -> str:
    """The codec written: the output's ``codec``, else H.264 for .mp4, ProRes for .mov."""
    if codec is not None:
        return codec
    return "prores" if path.lower().endswith(".mov") else "h264"


def video_available(codec: str) -> str | None:
    """None when PyAV and the codec's encoder are installed, else what is missing."""
    try:
        import av
    except ImportError:
        return "writing video needs PyAV (`pip install av`)"
    encoder = VIDEO_CODECS[codec][0]
    try:
        av.codec.Codec(encoder, "w")
    except Exception:  # noqa: BLE001 - PyAV raises UnknownCodecError or ValueError
        return f"this FFmpeg (PyAV {av.__version__}) has no `{encoder}` encoder for {codec}"
    return None


def _read_rgb16(path: str) -> np.ndarray:
    from shotspec.runtime.io.image_read import read_raw

    arr, _ = read_raw(path)
    rgb = arr[..., :3] if arr.shape[2] >= 3 else np.repeat(arr[..., :1], 3, axis=2)
    return np.ascontiguousarray(np.round(np.clip(rgb, 0.0, 1.0) * 65535.0).astype(np.uint16))


def _copy_audio(src, inp, out, seconds: float, container) -> None:
    """Remux the audio stream ``inp`` of the open plate ``src`` into ``out`` (no re-encoding),
    cut at ``seconds``: the sound of a video plate stays with the finished picture."""
    for packet in src.demux(inp):
        if packet.dts is None:
            continue
        if packet.pts is not None and float(packet.pts * inp.time_base) >= seconds:
            break
        packet.stream = out
        container.mux(packet)


def encode_video(frames: list[str], path: str, *, fps: float, codec: str,
                 colorspace: str = "rec709", metadata: dict[str, str] | None = None,
                 audio_from: str | None = None, timecode: str | None = None) -> str:
    """Encode the frame files ``frames`` (in order) into ``path``; returns ``path``. With
    ``audio_from`` (a video plate), its audio is copied in, as long as the picture;
    ``timecode`` (``HH:MM:SS:FF``, drop-frame ``HH:MM:SS;FF`` at 29.97/59.94) is the first
    frame's, written as a QuickTime timecode track (drop-frame flagged) and as the container's
    ``timecode`` tag.

    Raises RenderError E530 when PyAV or the encoder is missing, the colour encoding cannot be
    tagged (``linear``), or a 4:2:0 codec is given an odd frame size."""
    problem = video_available(codec)
    if problem:
        raise RenderError("E530", f"cannot write `{os.path.basename(path)}`: {problem}",
                          hint="`pip install av`, or write an image sequence (.png, .exr)")
    if colorspace not in _TRC:
        raise RenderError("E530", f"a video cannot carry `{colorspace}` light",
                          hint="use `colorspace rec709` (the default) or `srgb` for a video")
    import av

    from av.video.reformatter import Interpolation

    # swscale's fast paths round each step: accurate rounding and full chroma input keep a
    # decoded frame within a code of the render (tests/cli/test_video_output.py)
    accurate = Interpolation.BICUBIC | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INP
    encoder, pix_fmt, options = VIDEO_CODECS[codec]
    first = _read_rgb16(frames[0])
    height, width = first.shape[:2]
    if pix_fmt == "yuv420p" and (width % 2 or height % 2):
        raise RenderError("E530", f"H.264 4:2:0 needs an even width and height, not {width}×{height}",
                          hint="make the output size even, or write ProRes (.mov)")
    rate = fps_fraction(fps)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.stem}.partial{target.suffix}")
    container_options = {"movflags": "+faststart"} if target.suffix.lower() == ".mp4" else {}
    audio_src = av.open(audio_from) if audio_from else None
    try:
        with av.open(str(tmp), "w", options=container_options) as container:
            for key, value in (metadata or {}).items():
                container.metadata[key] = value
            if timecode:                   # the muxer writes a QuickTime timecode (tmcd) track
                container.metadata["timecode"] = timecode
            stream = container.add_stream(encoder, rate=rate, options=dict(options))
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            ctx = stream.codec_context
            ctx.color_primaries, ctx.colorspace = _BT709, _BT709
            ctx.color_trc, ctx.color_range = _TRC[colorspace], _RANGE_MPEG
            stream.time_base = 1 / rate
            audio_in = audio_out = None
            if audio_src is not None and audio_src.streams.audio:
                # (every stream exists before the first packet is written)
                audio_in = audio_src.streams.audio[0]
                audio_out = container.add_stream_from_template(audio_in)
            for i, name in enumerate(frames):
                rgb = first if i == 0 else _read_rgb16(name)
                if rgb.shape[:2] != (height, width):
                    raise RenderError("E530", f"frame {name} is {rgb.shape[1]}×{rgb.shape[0]}, "
                                      f"the sequence {width}×{height}")
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb48le")
                frame = frame.reformat(format=pix_fmt, dst_colorspace="itu709",
                                       src_color_range="JPEG", dst_color_range="MPEG",
                                       dst_color_trc=_TRC[colorspace],
                                       dst_color_primaries=_BT709, interpolation=accurate)
                frame.pts = i
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
            if audio_out is not None:
                _copy_audio(audio_src, audio_in, audio_out, len(frames) / float(rate), container)
        os.replace(tmp, target)
    finally:
        if audio_src is not None:
            audio_src.close()
        if tmp.exists():
            tmp.unlink()
    return str(target)
