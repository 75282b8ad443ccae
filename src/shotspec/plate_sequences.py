"""Moving plates: an image sequence (``"shot.####.png"``, ``"shot.%04d.png"``) or a video file
(``"clip.mp4"``, ``.mov``) as a per-frame source, and the same for depth and mask sequences.

Frame ``i`` of a shot is the ``i``-th image of the sequence in frame-number order (a plate
numbered from 1001 starts the shot at 1001), or the ``i``-th decoded picture of a video. The
compiler counts the frames (a shot without ``duration`` takes the plate's length) and hashes
each frame's file; the runtime reads the frame. Torch-free: PyAV is imported only for a video.
"""

from __future__ import annotations

import glob
import os
import re
from functools import lru_cache

__all__ = ["is_sequence", "is_video", "is_moving", "sequence_files", "frame_source",
           "frame_count", "VIDEO_PLATE_SUFFIXES"]

VIDEO_PLATE_SUFFIXES = (".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm")
_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%0?(\d*)d")


def is_sequence(path: str | None) -> bool:
    """A numbered image sequence pattern: ``####`` (one ``#`` a digit) or ``%04d``."""
    return bool(path) and bool(_HASHES.search(os.path.basename(path))
                               or _PRINTF.search(os.path.basename(path)))


def is_video(path: str | None) -> bool:
    return bool(path) and os.path.splitext(path)[1].lower() in VIDEO_PLATE_SUFFIXES


def is_moving(path: str | None) -> bool:
    return is_sequence(path) or is_video(path)


def _regex(pattern: str) -> re.Pattern:
    name = os.path.basename(pattern)
    out, pos = "", 0
    for m in re.finditer(r"#+|%0?(\d*)d", name):
        out += re.escape(name[pos:m.start()])
        width = len(m.group(0)) if m.group(0).startswith("#") else int(m.group(1) or 1)
        out += rf"(\d{{{width},}})"
        pos = m.end()
    return re.compile(out + re.escape(name[pos:]) + "$")


def sequence_files(pattern: str) -> list[str]:
    """The files of an image sequence, in frame-number order."""
    folder = os.path.dirname(pattern) or "."
    rx = _regex(pattern)
    found = []
    for path in glob.glob(os.path.join(glob.escape(folder), "*")):
        m = rx.match(os.path.basename(path))
        if m and os.path.isfile(path):
            found.append((int(m.group(1)), path))
    return [p for _, p in sorted(found)]


@lru_cache(maxsize=64)
def _video_frames(path: str, mtime_ns: int) -> int:
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        if stream.frames:
            return int(stream.frames)
        return sum(1 for _ in container.decode(stream))


def frame_count(path: str) -> int | None:
    """Frames in a sequence or a video (None when unreadable: no frames, no PyAV)."""
    if is_sequence(path):
        return len(sequence_files(path)) or None
    try:
        return _video_frames(path, os.stat(path).st_mtime_ns)
    except Exception:  # noqa: BLE001 - missing file, no PyAV or not a video
        return None


def frame_source(path: str, index: int) -> str | None:
    """The file holding frame ``index`` of an image sequence (None past its end); a video (or
    a still image) is its own file."""
    if not is_sequence(path):
        return path
    files = sequence_files(path)
    return files[index] if 0 <= index < len(files) else None
