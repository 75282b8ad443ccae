"""What a moving plate's tags say: a video stream's colour (ITU-T H.273 code points, as FFmpeg
reads them) — whether shotspec can take its code values to linear light — and a plate's own
frame rate and start timecode (a video's, an EXR sequence's).

A stream carries a transfer characteristic (``color_trc``), colour primaries
(``color_primaries``) and a Y'CbCr matrix (``colorspace``). :func:`stream_colour` names them:

========================  ==========  ===============================================
H.273 transfer            name        decoded as
========================  ==========  ===============================================
1, 6, 14, 15; 2 (unset)   ``rec709``  the BT.709 OETF inverted (BT.601/BT.2020 share it;
                                      xvYCC 11 and BT.1361 12 extend it outside 0–1)
13                        ``srgb``    IEC 61966-2-1
8                         ``linear``  as is
4, 5                      ``gamma22`` / ``gamma28``: BT.470 M and B/G display gammas
7                         ``smpte240m``: SMPTE 240M's OETF inverted
9, 10                     ``log100`` / ``log316``: H.273's logarithmic transfers
16                        ``pq``      SMPTE ST 2084, absolute cd/m² ÷ 203 (BT.2408 ref. white)
18                        ``hlg``     ARIB STD-B67 / BT.2100 HLG with the OOTF at 1000 cd/m²
                                      (system gamma 1.2), ÷ 203: HLG's 75 % signal is 1.0
========================  ==========  ===============================================

Primaries 1 (BT.709; 2, unset, is read as it), 5 and 6/7 (BT.601 625/525 lines), 9 (BT.2020)
and 12 (P3-D65) share the D65 white and are converted to the working space's BT.709 primaries
with a 3×3 matrix. Anything else — SMPTE ST 428 (DCI X'Y'Z'), DCI-P3 with its DCI white, CIE
XYZ primaries, a code point H.273 does not define — has ``problem`` set: the reader refuses it
rather than reading it as BT.709, and a plate that declares its ``colorspace`` (what the code
values mean, in the OpenColorIO config: ``"S-Log3 S-Gamut3.Cine"``, ``"ARRI LogC4"``,
``"Rec.2100-PQ - Display"``) is read as code values and converted by OpenColorIO instead.

Timing (:func:`plate_timing`): a video's rate is its stream's frame rate (30000/1001 as its
float) and its timecode the QuickTime ``tmcd`` track's or the container's ``timecode`` tag (as
written: ``;`` is drop-frame). An OpenEXR sequence (a scan, a plate from the cutting room)
carries the standard ``timeCode`` and ``framesPerSecond`` attributes in each file; the first
file's give the sequence's. Above 30 fps an EXR ``timeCode`` counts SMPTE frame pairs (its
frames field 0–29 and the field-phase flag on the second frame of each pair), so the label's
frames are ``2 · frame + flag``. A shot without ``fps`` runs at the plate's rate, and an output
without ``timecode`` carries the plate's (``compiler.timeline``). Torch-free: the compiler
reads all of these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from shotspec.plate_sequences import is_sequence, is_video, sequence_files

__all__ = ["StreamColour", "stream_colour", "video_colour", "PlateTiming", "plate_timing",
           "TRANSFERS", "PRIMARIES_XY", "to_rec709_matrix", "luminance_row",
           "PQ_REFERENCE_WHITE_NITS", "HLG_PEAK_NITS", "HLG_SYSTEM_GAMMA"]

# BT.2408: the reference (diffuse) white of HDR video, the working space's 1.0
PQ_REFERENCE_WHITE_NITS = 203.0
# BT.2100 Table 5: HLG's nominal display peak and the system gamma at that peak
HLG_PEAK_NITS = 1000.0
HLG_SYSTEM_GAMMA = 1.2

# xvYCC (11) and BT.1361 (12) are the BT.709 curve extended below 0 and above 1, which the
# 0–1 RGB conversion clips: read as BT.709
TRANSFERS = {1: "rec709", 6: "rec709", 14: "rec709", 15: "rec709", 2: "rec709", 0: "rec709",
             11: "rec709", 12: "rec709", 13: "srgb", 8: "linear", 4: "gamma22", 5: "gamma28",
             7: "smpte240m", 9: "log100", 10: "log316", 16: "pq", 18: "hlg"}
_TRANSFER_NAMES = {17: "SMPTE ST 428-1 (DCI X'Y'Z')"}

# xy chromaticities (R, G, B, white) of the primaries H.273 code points name
_D65 = (0.3127, 0.3290)
PRIMARIES_XY = {
    "bt709": ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060), _D65),
    "bt601_625": ((0.640, 0.330), (0.290, 0.600), (0.150, 0.060), _D65),
    "bt601_525": ((0.630, 0.340), (0.310, 0.595), (0.155, 0.070), _D65),
    "bt2020": ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046), _D65),
    "p3d65": ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), _D65),
}
_PRIMARIES = {1: "bt709", 2: "bt709", 0: "bt709", 5: "bt601_625", 6: "bt601_525",
              7: "bt601_525", 9: "bt2020", 12: "p3d65"}
_PRIMARY_NAMES = {4: "BT.470 M", 8: "generic film", 10: "SMPTE ST 428 (CIE XYZ)",
                  11: "DCI-P3 (DCI white)", 22: "EBU 3213"}


@dataclass(frozen=True)
class StreamColour:
    """A stream's transfer and primaries by name, and why it cannot be decoded (or None)."""

    transfer: str
    primaries: str
    problem: str | None = None


def stream_colour(color_trc: int | None, color_primaries: int | None) -> StreamColour:
    """Name a stream's H.273 transfer and primaries code points (None: untagged, BT.709)."""
    trc, prim = int(color_trc or 2), int(color_primaries or 2)
    transfer = TRANSFERS.get(trc, f"h273-trc-{trc}")
    primaries = _PRIMARIES.get(prim, f"h273-primaries-{prim}")
    problems = []
    if trc not in TRANSFERS:
        problems.append(f"its transfer is tagged {_TRANSFER_NAMES.get(trc, 'code')} "
                        f"(H.273 transfer {trc})")
    if prim not in _PRIMARIES:
        problems.append(f"its primaries are tagged {_PRIMARY_NAMES.get(prim, 'code')} "
                        f"(H.273 primaries {prim})")
    problem = (" and ".join(problems) + ", which shotspec cannot take to linear light"
               if problems else None)
    return StreamColour(transfer, primaries, problem)


@lru_cache(maxsize=64)
def _video_colour(path: str, size: int, mtime_ns: int) -> StreamColour:
    import av  # noqa: PLC0415

    with av.open(path) as container:
        cc = container.streams.video[0].codec_context
        return stream_colour(cc.color_trc, cc.color_primaries)


def _probe(read, path: str):
    """``read(path, size, mtime)`` (cached per file version), or None when the file is missing,
    PyAV is not installed or it is not a video."""
    try:
        st = os.stat(path)
        return read(os.path.abspath(path), st.st_size, st.st_mtime_ns)
    except Exception:  # noqa: BLE001 - missing file, no PyAV or not a video
        return None


def video_colour(path: str) -> StreamColour | None:
    """The colour tags of ``path``'s first video stream (None: no PyAV, not a video)."""
    return _probe(_video_colour, path)


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
        return _probe(_video, path)
    if is_sequence(path):
        files = sequence_files(path)
        if files and files[0].lower().endswith(".exr"):
            return _probe(_exr, files[0])
    return None


def _npm(name: str) -> list[list[float]]:
    """RGB → XYZ of named primaries (SMPTE RP 177's normalised primary matrix)."""
    *rgb, (wx, wy) = PRIMARIES_XY[name]
    cols = [(x / y, 1.0, (1 - x - y) / y) for x, y in rgb]
    m = [[cols[j][i] for j in range(3)] for i in range(3)]
    white = (wx / wy, 1.0, (1 - wx - wy) / wy)
    s = _solve(m, white)
    return [[m[i][j] * s[j] for j in range(3)] for i in range(3)]


def _solve(m: list[list[float]], v) -> list[float]:
    """x with m·x = v (Cramer's rule; 3×3)."""
    def det(a):
        return (a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]))
    d = det(m)
    out = []
    for k in range(3):
        a = [[v[i] if j == k else m[i][j] for j in range(3)] for i in range(3)]
        out.append(det(a) / d)
    return out


def luminance_row(primaries: str) -> tuple[float, float, float]:
    """Y of linear RGB in ``primaries`` (BT.2020: 0.2627, 0.6780, 0.0593)."""
    return tuple(_npm(primaries)[1])


def to_rec709_matrix(primaries: str) -> list[list[float]]:
    """3×3 linear RGB in ``primaries`` → linear BT.709 RGB (same D65 white: no adaptation)."""
    src, dst = _npm(primaries), _npm("bt709")
    cols = [_solve(dst, [src[i][j] for i in range(3)]) for j in range(3)]
    return [[cols[j][i] for j in range(3)] for i in range(3)]
