"""SMPTE ST 12-1 timecode: frame numbers ↔ ``HH:MM:SS:FF`` (non-drop) and ``HH:MM:SS;FF``
(drop-frame), and the checks of a start timecode written in a spec.

Timecode counts frames at the *nominal* rate, the rate rounded to a whole number (23.976
counts 24 a second, 29.97 counts 30, 59.94 counts 60). At the NTSC rates 30000/1001 and
60000/1001 that count drifts from the clock by 3.6 s an hour; drop-frame timecode keeps it on
the clock by skipping frame *labels* (never frames): 00 and 01 (at 59.94: 00–03) at the start
of every minute except every tenth minute, so 00:00:59;29 is followed by 00:01:00;02, and
17982 frames (29.97) or 35964 frames (59.94) are exactly 00:10:00;00. A `;` (or `.`) before the
frames marks drop-frame, as editors write it. SMPTE ST 12-1 defines drop-frame only at those
two rates (23.976 has none: 24 does not divide into a whole number of dropped labels).
Timecode runs 00:00:00:00 … 23:59:59:FF and wraps at 24 hours. Torch-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Timecode", "parse_timecode", "timecode", "timecode_frame", "timecode_problem",
           "nominal_rate", "drop_frame_rate", "shift_timecode", "fps_fraction"]

_SYNTAX = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})")


@dataclass(frozen=True)
class Timecode:
    """A timecode label: hours, minutes, seconds, frames and whether it is drop-frame."""

    hours: int
    minutes: int
    seconds: int
    frames: int
    drop: bool

    def __str__(self) -> str:
        sep = ";" if self.drop else ":"
        return f"{self.hours:02d}:{self.minutes:02d}:{self.seconds:02d}{sep}{self.frames:02d}"


def fps_fraction(fps: float) -> Fraction:
    """The exact rate: 24000/1001 for 23.976 (stored as 24000/1001 in float), 25/1 for 25."""
    ntsc = Fraction(round(fps * 1001), 1001)
    if abs(float(ntsc) - fps) < 1e-9 and ntsc.denominator == 1001:
        return ntsc
    return Fraction(fps).limit_denominator(1001)


def nominal_rate(fps: float) -> int:
    """The whole number of frames a timecode second counts (24 for 23.976, 30 for 29.97)."""
    return max(1, round(fps))


def drop_frame_rate(fps: float) -> bool:
    """Whether ``fps`` has drop-frame timecode: 30000/1001 (29.97) or 60000/1001 (59.94)."""
    return any(abs(fps - n / 1001) < 1e-6 for n in (30000, 60000))


def _dropped(fps: float) -> int:
    """Labels dropped per minute: 2 at 29.97, 4 at 59.94."""
    return 2 * nominal_rate(fps) // 30


def parse_timecode(text: str) -> tuple[Timecode | None, str | None]:
    """``(Timecode, None)`` for a well-formed label, else ``(None, why)``: the shape
    ``HH:MM:SS:FF`` (``;`` before the frames for drop-frame), hours 0–23, minutes and
    seconds 0–59. The frames field is checked against a rate by :func:`timecode_problem`."""
    m = _SYNTAX.fullmatch(text.strip())
    if m is None:
        return None, f"`{text}` is not a timecode"
    h, mi, s, sep, f = m.groups()
    tc = Timecode(int(h), int(mi), int(s), int(f), sep in ";.,")
    if tc.hours > 23:
        return None, f"`{text}` has {tc.hours} hours: timecode runs 00–23 and wraps at 24"
    if tc.minutes > 59 or tc.seconds > 59:
        field = "minutes" if tc.minutes > 59 else "seconds"
        value = tc.minutes if tc.minutes > 59 else tc.seconds
        return None, f"`{text}` has {value} {field}: they count 00–59"
    return tc, None


def timecode_problem(tc: Timecode, fps: float) -> tuple[str, str] | None:
    """``(message, hint)`` when ``tc`` cannot label a frame at ``fps``: drop-frame at a rate
    that has none, a frames field ≥ the nominal rate, or a label drop-frame skips."""
    base = nominal_rate(fps)
    if tc.drop and not drop_frame_rate(fps):
        return (f"drop-frame timecode `{tc}` at {fps:.5g} fps: only 29.97 and 59.94 fps have "
                f"drop-frame", f"write `{str(tc).replace(';', ':')}` (non-drop), or set "
                                f"`fps 29.97` / `fps 59.94`")
    if tc.frames >= base:
        return (f"timecode `{tc}` has frame {tc.frames:02d}: at {fps:.5g} fps frames count "
                f"00–{base - 1:02d}", f"a second has {base} timecode frames: frame {base} is "
                                      f"the next second's 00")
    drop = _dropped(fps)
    if tc.drop and tc.seconds == 0 and tc.minutes % 10 and tc.frames < drop:
        first = Timecode(tc.hours, tc.minutes, 0, drop, True)
        return (f"`{tc}` does not exist in drop-frame timecode: frames 00–{drop - 1:02d} are "
                f"skipped at the start of every minute but each tenth",
                f"the minute starts at `{first}`")
    return None


def timecode_frame(tc: Timecode, fps: float) -> int:
    """The frame count of label ``tc`` from 00:00:00:00 (the inverse of :func:`timecode`)."""
    base = nominal_rate(fps)
    minutes = 60 * tc.hours + tc.minutes
    count = ((minutes * 60) + tc.seconds) * base + tc.frames
    if tc.drop:
        count -= _dropped(fps) * (minutes - minutes // 10)
    return count


def timecode(frame: int, fps: float, drop: bool = False) -> str:
    """The SMPTE label of frame count ``frame``: ``HH:MM:SS:FF`` non-drop (the nominal rate:
    23.976 counts as 24), or ``HH:MM:SS;FF`` drop-frame at 29.97/59.94 (``drop``; ignored
    at other rates). Wraps at 24 hours."""
    base = nominal_rate(fps)
    drop = drop and drop_frame_rate(fps)
    if drop:
        n = _dropped(fps)
        per_10min = base * 600 - 9 * n              # 17982 at 29.97, 35964 at 59.94
        per_min = base * 60 - n                     # 1798, 3596
        frame %= per_10min * 6 * 24
        tens, rest = divmod(frame, per_10min)
        frame += 9 * n * tens + (n * ((rest - n) // per_min) if rest > n else 0)
    frame %= base * 86400
    ff, secs = frame % base, frame // base
    return str(Timecode(secs // 3600, secs // 60 % 60, secs % 60, ff, drop))


def shift_timecode(start: str, frames: int, fps: float) -> str:
    """The label ``frames`` frames after the label ``start`` (drop-frame stays drop-frame)."""
    tc, why = parse_timecode(start)
    if tc is None:
        raise ValueError(why)
    return timecode(timecode_frame(tc, fps) + frames, fps, tc.drop)
