"""Cinematography lints: warnings (W1xx) for the known ways close-ups go wrong (the
character's expression, gaze and pose: ``expression_lints``, W110–W114).

Each lint looks at lowered shots and points at the statement responsible. They can be silenced
per file (``allow W101``), per shot (``allow`` inside the shot), per line (a
``// shot: allow W101`` comment on the line or the line above) or by the caller's ``allow`` set.
"""

from __future__ import annotations

import math

from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.compiler.expression_lints import lint_expression
from shotspec.compiler.ir import ShotIR
from shotspec.compiler.state import State
from shotspec.head_facts import AIM_DROP_M, EYE_PLANE_Z, TORSO_BOTTOM_M

__all__ = ["lint_shot", "lint_program", "frame_bottom_m", "WIDE_LENS_MM", "CLOSE_UP_M", "MIN_REFERENCES",
           "TEMPERATURE_DRIFT_K", "DIRECTION_DRIFT_DEG"]

WIDE_LENS_MM = 35.0
CLOSE_UP_M = 1.2
MIN_REFERENCES = 20
TEMPERATURE_DRIFT_K = 300.0
DIRECTION_DRIFT_DEG = 20.0


def _span(state: State, path: str, fallback):
    s = state.setting(path)
    return s.span if s is not None else fallback


def frame_bottom_m(shot: ShotIR) -> float:
    """Object-space height (m, eyes at 0) where the bottom edge of the render's frame meets
    the chest's plane (z = 0): the camera orbits the eyes at ``distance_m`` and aims
    ``AIM_DROP_M`` below them; the film height is the sensor width × H / W."""
    cam = shot.camera
    film_h = cam.sensor_width_m * shot.output.height / shot.output.width
    half = math.atan(0.5 * film_h / cam.focal_length_m)
    y_cam = cam.distance_m * math.sin(cam.pitch_rad)
    z_cam = EYE_PLANE_Z + cam.distance_m * math.cos(cam.pitch_rad) * math.cos(cam.yaw_rad)
    down = math.atan2(y_cam + AIM_DROP_M, z_cam - EYE_PLANE_Z) + half      # below horizontal
    if down <= 0.0:
        return math.inf                                                   # looking up: no floor
    return y_cam - z_cam * math.tan(min(down, 1.5))


def lint_shot(shot: ShotIR, state: State, sink: DiagnosticSink, n_references: int | None) -> None:
    cam = shot.camera
    # (a lens outside E204's range is already an error: no framing to judge)
    if shot.source.kind == "render" and abs(cam.roll_rad) < 1e-9 and cam.focal_length_m >= 0.004:
        bottom = frame_bottom_m(shot)
        if bottom < TORSO_BOTTOM_M:
            sink.add("W115", f"the frame reaches {-bottom:.2f}m below the eyes, past the end of "
                     f"the character's bust ({-TORSO_BOTTOM_M:.2f}m): its flat end shows",
                     _span(state, "camera.distance_m", cam.span or shot.span),
                     help="move closer or use a longer lens (a close-up frames the head and "
                          "shoulders), or `allow W115` when the end is out of focus or cropped")
    f_mm = cam.focal_length_m * 1000
    if f_mm < WIDE_LENS_MM and cam.distance_m < CLOSE_UP_M:
        sink.add("W101", f"a {f_mm:g}mm lens at {cam.distance_m:g}m distorts the face "
                 "(big nose, shrunken ears)",
                 _span(state, "camera.focal_length_m", cam.span or shot.span),
                 help="use 50–135mm for a close-up, or move back and crop")
    ops = [p.op for p in shot.finish if p.enabled]
    passes = [p for p in shot.finish if p.enabled]
    if "grain" in ops and "upscale" in ops and ops.index("grain") < ops.index("upscale"):
        grain = passes[ops.index("grain")]
        sink.add("W102", "grain is written before the upscale; it is applied after the upscale, "
                 "at the output size (grain before a resize would be enlarged and smeared)",
                 grain.span, help="move `grain` after `upscale` so the spec reads as it renders")
    if "skin_enhance" in ops:
        after = passes[ops.index("skin_enhance") + 1:]
        for p in after:
            if p.op == "smooth":
                sink.add("W103", "smoothing after skin enhancement erases the pores it added",
                         p.span, help="remove `smooth`, or put it before `skin_enhance`")
            elif p.op == "upscale" and p.mode != "detail":
                sink.add("W103", "a fidelity upscale after skin enhancement softens the skin "
                         "texture", p.span, help="use `upscale 2x detail`")
    if shot.character is not None:
        lint_expression(shot.character, state, sink, "character.", shot.character.span or shot.span)
    if n_references is not None and n_references < MIN_REFERENCES and shot.character:
        sink.add("W106", f"the references folder has {n_references} photo"
                 f"{'s' if n_references != 1 else ''}; about {MIN_REFERENCES} are recommended "
                 "for a stable identity",
                 _span(state, "character.references", shot.character.span or shot.span),
                 help="add photos with varied angles and light, or drop `references`")


def _key(shot: ShotIR):
    for light in shot.lights:
        if light.key:
            return light
    return None


def _direction(light) -> tuple[float, float, float]:
    ce = math.cos(light.elevation_rad)
    return (ce * math.sin(light.azimuth_rad), math.sin(light.elevation_rad),
            ce * math.cos(light.azimuth_rad))


def lint_program(shots: list[tuple[ShotIR, State]], sink: DiagnosticSink) -> None:
    """Lints across shots: the key light of one character should not drift between shots."""
    first: dict[str, tuple[ShotIR, State]] = {}
    for shot, state in shots:
        if shot.character is None or _key(shot) is None:
            continue
        name = shot.character.name
        if name not in first:
            first[name] = (shot, state)
            continue
        ref, _ = first[name]
        a, b = _key(ref), _key(shot)
        note = (f"shot `{ref.name}` lights `{name}` with key `{a.name}`: "
                f"{a.temperature_k or 0:g}K from {math.degrees(a.azimuth_rad):.0f}° azimuth, "
                f"{math.degrees(a.elevation_rad):.0f}° elevation",)
        if (a.temperature_k is not None and b.temperature_k is not None
                and abs(a.temperature_k - b.temperature_k) > TEMPERATURE_DRIFT_K):
            sink.add("W104", f"the key light of `{name}` is {b.temperature_k:g}K here but "
                     f"{a.temperature_k:g}K in shot `{ref.name}`",
                     _span(state, f"lights.{b.name}.temperature_k", b.span or shot.span),
                     help="keep one character's key colour consistent across shots",
                     notes=note)
        da, db = _direction(a), _direction(b)
        cos = max(-1.0, min(1.0, sum(x * y for x, y in zip(da, db))))
        angle = math.degrees(math.acos(cos))
        if angle > DIRECTION_DRIFT_DEG:
            sink.add("W105", f"the key light of `{name}` comes from {angle:.0f}° away from its "
                     f"direction in shot `{ref.name}`",
                     _span(state, f"lights.{b.name}.azimuth_rad", b.span or shot.span),
                     help="keep the key direction consistent, or `allow W105` if the move is "
                          "intended", notes=note)
