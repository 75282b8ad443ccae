"""A moving plate's own frame rate and start timecode, which a shot on it inherits.

A video's rate is its stream's frame rate (30000/1001 as its float) and its timecode the
QuickTime ``tmcd`` track's or the container's ``timecode`` tag (as written: ``;`` is drop-
frame). An OpenEXR sequence (a scan, a plate from the cutting room) carries the standard
``timeCode`` and ``framesPerSecond`` attributes in each file; the first file's give the
sequence's. Above 30 fps an EXR ``timeCode`` counts SMPTE frame pairs (its frames field
0–29 and the field-phase flag on the second frame of each pair), so the label's frames are
``2 · frame + flag``. A shot without ``fps`` runs at the plate's rate, and an output without
``timecode`` carries the plate's (``compiler.timeline``). Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from shotspec.plate_sequences import is_sequence, is_video, sequence_files
from shotspec.video_tags import probe

__all__ = ["PlateTiming", "plate_timing"]


@dataclass(frozen=True)
class PlateTiming:
    """A plate's frame rate (None: not recorded) and its first frame's timecode label."""

    fps: float | None
    timecode: str | None


@lru_cache(maxsize=64)
def _video(path: str, size: int, mtime_ns: int) -> PlateTiming:
    import av  # noqa: PLC0415

    with av.open(path) as container:
        stream = container.streams.video[0]
        rate = stream.guessed_rate or stream.average_rate
        tags = [s.metadata.get("timecode") for s in container.streams]
        tc = next((t for t in tags if t), None) or container.metadata.get("timecode")
        return PlateTiming(float(rate) if rate else None, tc or None)


@lru_cache(maxsize=64)
def _exr(path: str, size: int, mtime_ns: int) -> PlateTiming:
    import OpenEXR  # noqa: PLC0415 - the `exr` extra; without it: no timing

    with OpenEXR.File(path, header_only=True) as f:    # (the header lives with the file)
        header = f.header()
        rate = header.get("framesPerSecond")
        fps = float(rate) if isinstance(rate, Fraction) and rate > 0 else None
        code, label = header.get("timeCode"), None
        if code is not None and hasattr(code, "hours"):
            frames = int(code.frame)
            if fps is not None and fps > 30:
                frames = 2 * frames + int(bool(code.fieldPhase))
            sep = ";" if code.dropFrame else ":"
            label = f"{code.hours:02d}:{code.minutes:02d}:{code.seconds:02d}{sep}{frames:02d}"
        return PlateTiming(fps, label)


def plate_timing(path: str | None) -> PlateTiming | None:
    """The rate and start timecode of a video or an EXR sequence (None: neither, or not
    readable, or nothing recorded that shotspec can read)."""
    if is_video(path):
        return probe(_video, path)
    if is_sequence(path):
        files = sequence_files(path)
        if files and files[0].lower().endswith(".exr"):
            return probe(_exr, files[0])
    return None
