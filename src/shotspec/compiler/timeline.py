"""A shot's time: its duration and frame rate, and its keyframed values resolved per frame.

``resolve_timeline(shot, state, sink, lower)`` turns a shot whose state has a ``duration``
and/or tracks (``compiler.keyframes``) into the same shot with ``duration_frames``, ``fps``,
``tracks`` (the keys as written, in frames) and ``frames``: the shot lowered at every frame
0 … N − 1. Frames whose keyframed values are equal are lowered once and share one ShotIR.
Values interpolate in the units the statement writes (metres, degrees → radians, stops of a
light, a shape's weight): ``value = a + (b − a)·ease(t)`` with ``t`` the fraction of the way
from one key's frame to the next. A focus pull between two named targets becomes
``focus.target`` / ``focus.pull_to`` / ``focus.pull`` (the runtime measures both targets).
Torch-free.
"""

from __future__ import annotations

from typing import Any, Callable

from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.compiler.ir import ShotIR, TrackIR
from shotspec.compiler.keyframes import Track
from shotspec.compiler.state import State
from shotspec.compiler.timecode import (parse_timecode, shift_timecode, timecode,
                                        timecode_problem)
from shotspec.plate_sequences import frame_count, is_moving
from shotspec.plate_tags import plate_timing

__all__ = ["resolve_timeline", "ease", "frames_of_track", "value_at", "DEFAULT_FPS",
           "timecode", "start_timecode", "frame_timecode"]

DEFAULT_FPS = 24.0


def ease(kind: str, t: float) -> float:
    """The eased fraction of a segment at ``t`` ∈ [0, 1]: ``linear`` t, ``in`` t², ``out``
    1 − (1 − t)², ``in_out`` the smoothstep 3t² − 2t³, ``hold`` 0 until the key (a step)."""
    if kind == "in":
        return t * t
    if kind == "out":
        return 1.0 - (1.0 - t) ** 2
    if kind == "in_out":
        return t * t * (3.0 - 2.0 * t)
    if kind == "hold":
        return 1.0 if t >= 1.0 else 0.0
    return t


def start_timecode(shot: ShotIR) -> str:
    """The first frame's timecode: the output's ``timecode``, else ``first_frame`` counted
    non-drop at the shot's rate (``first_frame 1001`` at 24 fps is 00:00:41:17)."""
    return shot.output.timecode or timecode(shot.output.first_frame, shot.fps)


def frame_timecode(shot: ShotIR, frame: int) -> str:
    """The timecode of frame ``frame`` (0-based) of the shot's sequence."""
    return shift_timecode(start_timecode(shot), frame, shot.fps)


def _check_timecode(state: State, fps: float, sink: DiagnosticSink, shot: ShotIR) -> bool:
    """E239 when the output's start timecode cannot label a frame at ``fps``."""
    text = state.get("output.timecode")
    tc = parse_timecode(text)[0] if text else None
    problem = timecode_problem(tc, fps) if tc is not None else None
    if problem is not None:
        setting = state.setting("output.timecode")
        sink.add("E239", problem[0], setting.span if setting else shot.span, help=problem[1])
    return problem is None


def frames_of_track(track: Track, fps: float) -> list[float]:
    """The keys' times in frames (seconds × fps; fractional frames are kept)."""
    return [t.value if t.unit == "f" else t.value * fps for t in track.times]


def _mix(a: Any, b: Any, e: float) -> Any:
    if isinstance(a, tuple):
        return (a[0], _mix(a[1], b[1], e))
    if isinstance(a, int) and isinstance(b, int):
        return round(a + (b - a) * e)
    return a + (b - a) * e


def value_at(track: Track, frames: list[float], frame: float, path: str) -> dict[str, Any]:
    """The values a track sets at ``frame``: ``{path: value}`` (a focus pull sets three)."""
    vals, i = track.values, 0
    if frame <= frames[0]:
        a, b, e = vals[0], vals[0], 0.0
    elif frame >= frames[-1]:
        a, b, e = vals[-1], vals[-1], 0.0
    else:
        while frames[i + 1] <= frame:
            i += 1
        t = (frame - frames[i]) / (frames[i + 1] - frames[i])
        a, b, e = vals[i], vals[i + 1], ease(track.eases[i + 1], t)
    if path.endswith("focus.target"):
        base = path[: -len("target")]
        moving = e > 0.0 and a != b
        return {path: a, base + "pull_to": b if moving else None,
                base + "pull": e if moving else 0.0}
    return {path: a if e == 0.0 else b if e == 1.0 else _mix(a, b, e)}


def _moving_plate(state: State) -> str | None:
    """The plate (or depth/mask) sequence or video a plate shot moves with, if any."""
    if state.get("source.kind") != "plate":
        return None
    for key in ("plate", "depth", "mask"):
        path = state.get(f"source.{key}")
        if is_moving(path):
            return path
    return None


def _plate_timing(state: State) -> tuple[float, str | None]:
    """The shot's fps and a start timecode it takes from its plate (``plate_timing``: a video,
    an EXR sequence): a shot without `fps` runs at the plate's rate (an editor's 25 or 29.97
    fps plate stays so; its audio stays in sync), and an output without `timecode` carries
    the plate's (when the rate can count it)."""
    fps = state.get("fps")
    plate = state.get("source.plate") if state.get("source.kind") == "plate" else None
    timing = plate_timing(plate)
    if fps is None:
        fps = timing.fps if timing is not None and timing.fps else DEFAULT_FPS
    fps = float(fps)
    text = timing.timecode if timing is not None else None
    if text is None or state.get("output.timecode") is not None:
        return fps, None
    tc = parse_timecode(text)[0]
    return fps, str(tc) if tc is not None and timecode_problem(tc, fps) is None else None


def _duration(state: State, fps: float) -> int | None:
    d = state.get("duration_frames")
    if d is None:
        return None
    value, unit = d
    return max(1, round(value * fps)) if unit == "s" else int(value)


def _checked_frames(state: State, n: int, fps: float, sink: DiagnosticSink
                    ) -> dict[str, list[float]] | None:
    out: dict[str, list[float]] = {}
    ok = True
    end = f"the shot runs 0f … {n}f ({n / fps:.4g}s at {fps:.5g} fps)"
    for path, track in state.tracks.items():
        frames = frames_of_track(track, fps)
        for k, (time, fr) in enumerate(zip(track.times, frames)):
            if fr < 0 or fr > n:
                sink.add("E231", f"key {k + 1} at {fr:g}f is outside the shot", time.span,
                         help=f"{end}; lengthen `duration` or move the key")
                ok = False
            elif k and fr <= frames[k - 1]:
                sink.add("E232", f"key {k + 1} at {fr:g}f is not after key {k} "
                         f"({frames[k - 1]:g}f)", time.span,
                         help="write keys in time order, each later than the one before")
                ok = False
        out[path] = frames
    return out if ok else None


def resolve_timeline(shot: ShotIR, state: State, sink: DiagnosticSink,
                     lower: Callable[[State, DiagnosticSink], ShotIR | None]) -> ShotIR:
    """The shot with its timeline resolved (unchanged when it has no duration and no keys);
    errors go to ``sink`` (E231, E232, E239 a start timecode the rate cannot count; a frame
    that does not lower: its diagnostics)."""
    fps, inherited = _plate_timing(state)
    if inherited is not None:
        setting = state.setting("source.plate")
        state.set("output.timecode", inherited, setting.span if setting else shot.span, "plate")
        shot = shot.model_copy(update={"output": shot.output.model_copy(
            update={"timecode": inherited})})
    if not _check_timecode(state, fps, sink, shot):
        return shot
    n = _duration(state, fps)
    plate = _moving_plate(state)
    if plate is not None:
        count = frame_count(plate)
        setting = state.setting("source.plate")
        if count is None:
            sink.add("E237", f"cannot count the frames of the plate `{plate}`",
                     setting.span if setting else shot.span,
                     help="a sequence needs files matching its `####`; a video needs PyAV "
                          "(`pip install av`)")
            return shot
        if n is None:
            n = count                      # the shot is as long as its plate
        elif n > count:
            sink.add("E237", f"the shot is {n} frames but its plate has {count}",
                     setting.span if setting else shot.span,
                     help=f"shorten `duration` to {count}f, or extend the plate")
            return shot
    if n is None:
        if state.tracks:
            track = next(iter(state.tracks.values()))
            sink.add("E231", "keyframed values need the shot's `duration`", track.span,
                     help="add e.g. `duration 48f` (or `2s`) to the shot")
        return shot.model_copy(update={"fps": fps})
    frames_by_path = _checked_frames(state, n, fps, sink)
    if frames_by_path is None:
        return shot
    still = shot.model_copy(update={"origins": {}, "fps": fps})
    lowered: dict[str, ShotIR] = {}
    frames: list[ShotIR] = []
    for i in range(n):
        values: dict[str, Any] = {}
        for path, track in state.tracks.items():
            values.update(value_at(track, frames_by_path[path], float(i), path))
        if plate is not None:
            values["source.plate_frame"] = i
        sig = repr(sorted(values.items()))
        if sig not in lowered:
            if i == 0 and all(state.get(p, 0 if p == "source.plate_frame" else None) == v
                              for p, v in values.items()):
                lowered[sig] = still
            else:
                lowered[sig] = _lower_at(state, values, i, shot, sink, lower, fps)
        frames.append(lowered[sig])
    tracks = tuple(TrackIR(path=path, span=t.span, frames=tuple(frames_by_path[path]),
                           values=t.texts, eases=t.eases) for path, t in state.tracks.items())
    return shot.model_copy(update={"duration_frames": n, "fps": fps, "tracks": tracks,
                                   "frames": tuple(frames)})


def _lower_at(state: State, values: dict[str, Any], frame: int, shot: ShotIR,
              sink: DiagnosticSink, lower, fps: float) -> ShotIR:
    st = state.copy()
    for path, value in values.items():
        setting = state.setting(path)
        st.set(path, value, setting.span if setting else shot.span, "keyframe")
    st.tracks.clear()
    scratch = DiagnosticSink()
    out = lower(st, scratch)
    for d in scratch.items:
        if d.severity == "error":
            sink.add(d.code, f"at frame {frame}: {d.message}", d.span, help=d.help)
    if out is None:
        return shot
    return out.model_copy(update={"origins": {}, "fps": fps})
