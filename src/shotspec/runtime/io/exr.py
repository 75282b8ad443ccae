"""OpenEXR files through the optional ``OpenEXR`` package (pip ``OpenEXR`` ≥ 3.2).

Channel names follow the usual compositing conventions: ``R G B A`` for the beauty, ``Z`` for
depth (metres), ``N.X N.Y N.Z`` for normals, ``albedo.R/G/B``, ``P.X/P.Y/P.Z`` for positions
and ``mask.<name>`` for masks. String header attributes carry provenance; a sequence frame's
timecode and rate also go into the standard ``timeCode`` and ``framesPerSecond`` attributes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exr_module", "encode_exr_channels", "write_exr", "read_exr", "aov_channel_names"]

_VECTOR_AOVS = {"normal": ("N", "XYZ"), "position": ("P", "XYZ"), "rest": ("Pref", "XYZ"),
                "albedo": ("albedo", "RGB")}


def exr_module():
    """The ``OpenEXR`` module, or ``None`` when it is not installed."""
    try:
        import OpenEXR  # noqa: PLC0415 - optional dependency
    except ImportError:
        return None
    return OpenEXR


def aov_channel_names(name: str, channels: int) -> list[str]:
    """EXR channel names for an AOV: depth → Z, normal → N.X/N.Y/N.Z, skin → mask.skin, …"""
    if name == "depth" and channels == 1:
        return ["Z"]
    if name == "alpha" and channels == 1:
        return ["A"]
    if name in _VECTOR_AOVS and channels == 3:
        prefix, comps = _VECTOR_AOVS[name]
        return [f"{prefix}.{c}" for c in comps]
    if channels == 1:
        return [f"mask.{name}"]
    return [f"{name}.{i}" for i in range(channels)]


def encode_exr_channels(rgb: np.ndarray, aovs: dict[str, np.ndarray], dtype) -> dict[str, np.ndarray]:
    """Channel dict for ``rgb`` ``(H, W, 3)`` and AOVs ``(H, W, C)``, as ``dtype`` arrays."""
    out = {c: np.ascontiguousarray(rgb[..., i].astype(dtype)) for i, c in enumerate("RGB")}
    for name, arr in aovs.items():
        for i, cname in enumerate(aov_channel_names(name, arr.shape[-1])):
            out[cname] = np.ascontiguousarray(arr[..., i].astype(dtype))
    return out


def _time_attributes(OpenEXR, attributes: dict[str, str]) -> dict:
    """A sequence frame's ``timecode`` (``HH:MM:SS:FF``, ``;`` drop-frame) and ``frame_rate``
    (``30000/1001``) as the standard typed attributes ``timeCode`` and ``framesPerSecond``."""
    from fractions import Fraction  # noqa: PLC0415

    from shotspec.compiler.timecode import parse_timecode  # noqa: PLC0415

    out: dict = {}
    rate = Fraction(attributes["frame_rate"]) if "frame_rate" in attributes else None
    tc = parse_timecode(attributes["timecode"])[0] if "timecode" in attributes else None
    if tc is not None:
        # SMPTE ST 12-1 counts frame *pairs* above 30 fps: the frames field 0–29 and the
        # field-phase flag marking the pair's second frame (59.94 frame 45 is pair 22, flag 1)
        pairs = rate is not None and rate > 30
        code = OpenEXR.TimeCode()
        code.hours, code.minutes, code.seconds = tc.hours, tc.minutes, tc.seconds
        code.frame = tc.frames // 2 if pairs else tc.frames
        code.fieldPhase = bool(pairs and tc.frames % 2)
        code.dropFrame = tc.drop
        out["timeCode"] = code
    if rate is not None:
        out["framesPerSecond"] = rate
    return out


def write_exr(path: str, channels: dict[str, np.ndarray], attributes: dict[str, str]) -> None:
    """Write a single-part ZIP-compressed scanline EXR (raises ImportError without OpenEXR)."""
    OpenEXR = exr_module()
    if OpenEXR is None:
        raise ImportError("OpenEXR")
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    header.update({k: str(v) for k, v in attributes.items()})
    header.update(_time_attributes(OpenEXR, attributes))
    with OpenEXR.File(header, channels) as f:
        f.write(path)


def read_exr(path: str) -> tuple[dict[str, np.ndarray], dict]:
    """All channels of the first part as ``(H, W)`` arrays (half, float or uint as stored),
    and its header."""
    OpenEXR = exr_module()
    if OpenEXR is None:
        raise ImportError("OpenEXR")
    with OpenEXR.File(path, separate_channels=True) as f:
        part = f.parts[0]
        channels = {name: np.array(ch.pixels) for name, ch in part.channels.items()}
        header = dict(part.header)
    return channels, header
