"""Lints of what breaks across a shot's frames (W101 per frame, W130, W131, W132).

* W130: a focus pull faster than a focus puller can turn. The rate is measured where a follow
  focus works, in dioptres (1 / metres) per second between consecutive frames: a cine lens's
  ring spreads its marks about evenly in dioptres, and a full throw from infinity to 0.5 m
  (2 dioptres) in half a second — ``MAX_PULL_DIOPTRES_PER_S`` = 4 — is the fastest a focus
  puller turns it and lands on a mark. A named target's distance is estimated from the
  camera distance and ``TARGET_OFFSET_M`` (the average head; the render measures it).
* W101 per frame: a push-in or a zoom that reaches a wide lens at close-up distance mid-shot
  (the still-frame lint sees frame 0 only).
* W131: grain strength keyframed. Film grain is the stock's: a changing strength reads as a
  grade pumping, and a strength crossing 0 switches the grain on mid-shot.
* W132: a shot on a video plate at another `fps` than the plate's: the plate's frames play
  faster or slower and its audio (copied as it is) falls out of sync.
Torch-free.
"""

from __future__ import annotations

import os

from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.compiler.ir import ShotIR
from shotspec.compiler.lints import CLOSE_UP_M, WIDE_LENS_MM
from shotspec.compiler.state import State
from shotspec.plate_tags import plate_timing

__all__ = ["lint_timeline", "MAX_PULL_DIOPTRES_PER_S", "TARGET_OFFSET_M", "focus_estimate_m"]

MAX_PULL_DIOPTRES_PER_S = 4.0
# Depth of each focus target behind the eye plane on the average head, metres.
TARGET_OFFSET_M = {"eyes": 0.0, "nose": -0.022, "lips": -0.012, "ears": 0.085, "subject": 0.0}


def focus_estimate_m(shot: ShotIR) -> float:
    """The compiler's estimate of a frame's focus distance (metres from the lens)."""
    cam = shot.camera
    focus = cam.focus
    if focus.distance_m is not None:
        return focus.distance_m
    d = cam.distance_m + TARGET_OFFSET_M.get(focus.target or "eyes", 0.0)
    if focus.pull_to is not None:
        d_to = cam.distance_m + TARGET_OFFSET_M.get(focus.pull_to, 0.0)
        d += (d_to - d) * focus.pull
    return max(d, 1e-3)


def _track_span(shot: ShotIR, *paths: str):
    for t in shot.tracks:
        if any(t.path.endswith(p) for p in paths):
            return t.span
    return shot.span


def lint_timeline(shot: ShotIR, state: State, sink: DiagnosticSink) -> None:
    frames = shot.frames
    if len(frames) < 2:
        return
    focus_moves = any(".focus." in t.path or t.path.endswith("camera.distance_m")
                      for t in shot.tracks)
    if focus_moves:
        worst, at = 0.0, 0
        dioptres = [1.0 / focus_estimate_m(f) for f in frames]
        for i in range(1, len(frames)):
            rate = abs(dioptres[i] - dioptres[i - 1]) * shot.fps
            if rate > worst:
                worst, at = rate, i
        if worst > MAX_PULL_DIOPTRES_PER_S:
            sink.add("W130", f"the focus moves {worst:.1f} dioptres per second at frame {at}, "
                     f"faster than a focus puller turns a lens ({MAX_PULL_DIOPTRES_PER_S:g})",
                     _track_span(shot, ".focus.target", ".focus.distance_m", "camera.distance_m"),
                     help="spread the pull over more frames, or ease it in and out")
    first_wide = frames[0].camera.focal_length_m * 1000 < WIDE_LENS_MM and \
        frames[0].camera.distance_m < CLOSE_UP_M
    if not first_wide:
        for i, f in enumerate(frames):
            f_mm = f.camera.focal_length_m * 1000
            if f_mm < WIDE_LENS_MM and f.camera.distance_m < CLOSE_UP_M:
                sink.add("W101", f"at frame {i} a {f_mm:.3g}mm lens at {f.camera.distance_m:.3g}m "
                         "distorts the face (big nose, shrunken ears)",
                         _track_span(shot, "camera.distance_m", "camera.focal_length_m"),
                         help="end the push further away, or on a longer lens")
                break
    _lint_plate_rate(shot, state, sink)
    for t in shot.tracks:
        if t.path.startswith("finish.grain.") and t.path.endswith("strength"):
            sink.add("W131", "grain strength is keyframed: film grain belongs to the stock, and "
                     "a changing strength reads as the picture pumping", t.span,
                     help="keep one grain strength for the shot")


def _lint_plate_rate(shot: ShotIR, state: State, sink: DiagnosticSink) -> None:
    """W132: an `fps` other than the video plate's own rate."""
    setting = state.setting("fps")
    plate = shot.source.plate if shot.source.kind == "plate" else None
    timing = plate_timing(plate) if setting is not None else None
    if timing is None or not timing.fps or abs(timing.fps - shot.fps) < 1e-6:
        return
    speed = timing.fps / shot.fps
    name = os.path.basename(plate)
    sink.add("W132", f"the shot runs at {shot.fps:.5g} fps but its plate `{name}` "
             f"was shot at {timing.fps:.5g}: its frames play at {speed:.3g}× speed and its audio "
             f"falls out of sync", setting.span,
             help="remove `fps` to take the plate's rate (conform the plate first if the change "
                  "of speed is wanted)")
