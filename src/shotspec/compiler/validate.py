"""Physical validation of a lowered shot: optics, sensor, resolution, memory, formats.

Runs on the IR (SI units) and points each problem at the statement that set the value.
"""

from __future__ import annotations

from shotspec.compiler.color_check import check_colour
from shotspec.compiler.diagnostics import DiagnosticSink
from shotspec.compiler.ir import CameraIR, OutputIR, ShotIR, Span
from shotspec.compiler.schema import key_of
from shotspec.compiler.state import State

__all__ = ["validate_shot", "FOCAL_RANGE_MM", "F_NUMBER_RANGE", "MAX_SIDE_PX",
           "MEMORY_LIMIT_BYTES", "BYTES_PER_PIXEL", "SENSOR_RANGE_MM"]

# The physical ranges live in the schema (`spec(valid=...)` on CameraIR, the range of OutputIR).
FOCAL_RANGE_MM = key_of(CameraIR, "focal_length_m").valid[:2]
F_NUMBER_RANGE = key_of(CameraIR, "f_number").valid[:2]
SENSOR_RANGE_MM = key_of(CameraIR, "sensor").valid[:2]
MAX_SIDE_PX = int(key_of(OutputIR, "width").hi)
# Working frames: RGB + depth + normals + albedo + position + masks ≈ 20 float32 channels.
BYTES_PER_PIXEL = 80
MEMORY_LIMIT_BYTES = 8 * 1024**3
FORMAT_DEPTHS = {"png": (8, 16), "jpeg": (8,), "tiff": (8, 16, 32), "exr": (16, 32),
                 "mp4": (8, 16), "mov": (8, 16)}


def _span(state: State, path: str, fallback: Span | None) -> Span | None:
    s = state.setting(path)
    return s.span if s is not None else fallback


def validate_shot(shot: ShotIR, state: State, sink: DiagnosticSink) -> None:
    cam = shot.camera
    here = shot.span
    f_mm = cam.focal_length_m * 1000
    focal_ok = FOCAL_RANGE_MM[0] <= f_mm <= FOCAL_RANGE_MM[1]
    if not focal_ok:
        sink.add("E204", f"focal length {f_mm:g}mm is outside {FOCAL_RANGE_MM[0]:g}–"
                 f"{FOCAL_RANGE_MM[1]:g}mm", _span(state, "camera.focal_length_m", here),
                 help="portrait lenses are 50–135mm; 85mm is the classic close-up")
    if not F_NUMBER_RANGE[0] <= cam.f_number <= F_NUMBER_RANGE[1]:
        sink.add("E205", f"f-number f/{cam.f_number:g} is outside f/{F_NUMBER_RANGE[0]:g}–"
                 f"f/{F_NUMBER_RANGE[1]:g}", _span(state, "camera.f_number", here),
                 help="real lenses open to about f/0.95 and stop down to f/22–f/64")
    # (with an impossible focal length E204 already says what is wrong)
    if focal_ok and cam.distance_m <= cam.focal_length_m:
        where = _span(state, "camera.distance_m", None) or _span(state, "camera.focal_length_m", here)
        sink.add("E206", f"subject distance {cam.distance_m:g}m is not beyond the focal length "
                 f"{f_mm:g}mm: nothing can be in focus", where, help="move the camera back")
    if focal_ok and cam.focus.distance_m is not None and cam.focus.distance_m <= cam.focal_length_m:
        sink.add("E206", f"focus distance {cam.focus.distance_m:g}m is not beyond the focal "
                 f"length {f_mm:g}mm", _span(state, "camera.focus.distance_m", here),
                 help="a lens cannot focus closer than its focal length")
    for dim in ("sensor_width_m", "sensor_height_m"):
        mm = getattr(cam, dim) * 1000
        if not SENSOR_RANGE_MM[0] <= mm <= SENSOR_RANGE_MM[1]:
            sink.add("E207", f"sensor {dim.split('_')[1]} {mm:g}mm is outside "
                     f"{SENSOR_RANGE_MM[0]:g}–{SENSOR_RANGE_MM[1]:g}mm",
                     _span(state, f"camera.{dim}", here),
                     help="named sensors: full_frame, aps_c, mft, super35, alexa_mini, "
                          "alexa_65, medium_format")
    out = shot.output
    size_span = _span(state, "output.width", out.span or here)
    for side, px in (("width", out.width), ("height", out.height)):
        if not key_of(OutputIR, side).lo <= px <= MAX_SIDE_PX:
            sink.add("E208", f"output {side} {px}px is outside {key_of(OutputIR, side).lo:g}–"
                     f"{MAX_SIDE_PX}px", size_span)
    need = out.width * out.height * BYTES_PER_PIXEL
    if need > MEMORY_LIMIT_BYTES and max(out.width, out.height) <= MAX_SIDE_PX:
        sink.add("E209", f"output {out.width}x{out.height} needs about {need / 1024**3:.1f} GiB "
                 f"of working frames (limit {MEMORY_LIMIT_BYTES / 1024**3:g} GiB)", size_span,
                 help="render smaller; upscaling happens at the end, so its input is "
                      "size / factor but its output is the full size")
    if out.bit_depth not in FORMAT_DEPTHS[out.format]:
        allowed = " or ".join(str(d) for d in FORMAT_DEPTHS[out.format])
        sink.add("E212", f"{out.format} cannot store {out.bit_depth}-bit images (use {allowed})",
                 _span(state, "output.bit_depth", _span(state, "output.format", out.span)))
    owner = state.focus_owners.get("camera.focus")
    if owner is not None and cam.focus.target is not None:
        name, span = owner
        current = shot.character.name if shot.character else None
        if name != current:
            sink.add("E211", f"focus target `{name}.{cam.focus.target}` names character `{name}`,"
                     f" but this shot shows {f'`{current}`' if current else 'no character'}",
                     span, help=f"write `focus {cam.focus.target}`")
    if shot.source.kind == "plate" and shot.source.depth_far_m <= shot.source.depth_near_m:
        sink.add("E203", "plate depth `far` must be beyond `near`",
                 _span(state, "source.depth_far_m", shot.source.span))
    check_colour(shot, state, sink)
