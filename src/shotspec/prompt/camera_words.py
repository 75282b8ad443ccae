"""Camera and lens in a cinematographer's words: focal length, stop, format, framing, depth of field.

Depth of field uses the thin-lens hyperfocal formulas with the usual circle of confusion of the
format's diagonal / 1500 (0.029 mm on full frame). Framing is judged from the height of the
field the frame covers at the subject (thin-lens magnification ``f / (d − f)``): about 25 cm is
a face filling the frame, about 70 cm is head and shoulders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shotspec.compiler.ir import CameraIR, OutputIR
from shotspec.prompt.formatting import (
    deg, fmt_deg, fmt_fnumber, fmt_focal, fmt_length, fmt_num,
)

__all__ = ["CameraWords", "camera_words", "depth_of_field_m", "SENSOR_NAMES"]

FULL_FRAME_DIAGONAL_M = math.hypot(0.036, 0.024)

# Sensor / film format names as a camera crew says them. Keys are the IR's `sensor` names with
# dashes and spaces folded to underscores.
SENSOR_NAMES = {
    "full_frame": "full-frame",
    "ff": "full-frame",
    "35mm": "full-frame 35mm",
    "aps_c": "APS-C",
    "apsc": "APS-C",
    "mft": "Micro Four Thirds",
    "micro_four_thirds": "Micro Four Thirds",
    "m43": "Micro Four Thirds",
    "super35": "Super 35",
    "super_35": "Super 35",
    "s35": "Super 35",
    "alexa_mini": "ARRI Alexa Mini Super 35",
    "alexa_65": "ARRI Alexa 65 large-format",
    "medium_format": "medium-format",
    "gfx": "medium-format",
}

# (upper bound of the full-frame-equivalent focal length in mm, lens class)
_LENS_CLASSES = (
    (24.0, "ultra-wide"), (35.0, "wide-angle"), (70.0, "standard"),
    (135.0, "short telephoto"), (300.0, "telephoto"), (math.inf, "super-telephoto"),
)
# (upper bound of total depth of field in metres, words)
_DOF_WORDS = (
    (0.02, "razor-thin depth of field"), (0.05, "very shallow depth of field"),
    (0.20, "shallow depth of field"), (1.0, "moderate depth of field"),
    (math.inf, "deep focus"),
)
# (upper bound of the field height at the subject in metres, framing, what fills the frame)
_FRAMINGS = (
    (0.15, "extreme close-up", "the eyes and nose fill the frame"),
    (0.28, "tight close-up", "the face fills the frame"),
    (0.45, "close-up", "head and neck in frame"),
    (0.80, "medium close-up", "head and shoulders in frame"),
    (1.30, "medium shot", "framed from the waist up"),
    (math.inf, "wide shot", "full figure in frame"),
)


@dataclass(frozen=True)
class CameraWords:
    """What a prompt says about the camera. Strings are empty when there is nothing to say."""

    focal: str                  # "85mm"
    focal_length_mm: float
    equivalent: str             # "" on full frame, else "about 60mm full-frame equivalent"
    crop_factor: float
    lens_class: str             # "short telephoto"
    aperture: str               # "f/2"
    f_number: float
    sensor: str                 # "full-frame"
    sensor_size: str            # "36×24 mm"
    distance: str               # "80 cm"
    distance_m: float
    framing: str                # "close-up"
    framing_detail: str         # "head and neck in frame"
    field_height: str           # "38 cm"
    dof: str                    # "9 mm" ("" when focus reaches infinity)
    dof_m: float
    depth_of_field: str         # "razor-thin depth of field"
    shallow: bool               # depth of field under 20 cm
    focus: str                  # "the eyes" or "1.2 m"
    focus_phrase: str           # "focus on the eyes"
    bokeh: str                  # "round bokeh from a 9-blade aperture" ("" in deep focus)
    angle: str                  # "eye level"
    angle_phrase: str           # "at eye level", "from a slightly high angle"
    view: str                   # "facing the camera", "in three-quarter view", "in profile"
    extras: tuple[str, ...]     # macro, anamorphic, vignetting, distortion, CA, Dutch angle


def depth_of_field_m(focal_length_m: float, f_number: float, focus_m: float, coc_m: float) -> float:
    """Total depth of field (far − near limit) in metres; ``inf`` at or beyond the hyperfocal."""
    f = focal_length_m
    hyperfocal = f * f / (f_number * coc_m) + f
    if focus_m <= f:
        return 0.0
    near = focus_m * (hyperfocal - f) / (hyperfocal + focus_m - 2.0 * f)
    if focus_m >= hyperfocal:
        return math.inf
    far = focus_m * (hyperfocal - f) / (hyperfocal - focus_m)
    return far - near


def _sensor_words(camera: CameraIR) -> str:
    if camera.sensor:
        key = camera.sensor.strip().lower().replace("-", "_").replace(" ", "_")
        if key in SENSOR_NAMES:
            return SENSOR_NAMES[key]
        return camera.sensor.replace("_", " ")
    return "custom-format"


def _first(table, value):
    """The words of the first band whose upper bound exceeds ``value`` (the last band takes
    everything up to and including infinity)."""
    for bound, *words in table:
        if value < bound or math.isinf(bound):
            return words if len(words) > 1 else words[0]
    raise AssertionError("tables end with inf")


def _angle(pitch_deg: float) -> str:
    if pitch_deg >= 30:
        return "high angle looking down"
    if pitch_deg >= 10:
        return "slightly high angle"
    if pitch_deg <= -30:
        return "low angle looking up"
    if pitch_deg <= -10:
        return "slightly low angle"
    return "eye level"


def _angle_phrase(angle: str) -> str:
    return "at eye level" if angle == "eye level" else f"from a {angle}"


def _view(yaw_deg: float) -> str:
    a = abs(yaw_deg)
    if a < 10:
        return "facing the camera"
    if a < 30:
        return "turned slightly from the camera"
    if a < 60:
        return "in three-quarter view"
    if a < 110:
        return "in profile"
    return "seen from behind"


def _bokeh(camera: CameraIR) -> str:
    if camera.blades == 0:
        shape = "perfectly round bokeh"
    elif camera.blades < 7:
        shape = f"polygonal bokeh from a {camera.blades}-blade aperture"
    else:
        shape = f"round bokeh from a {camera.blades}-blade aperture"
    if camera.anamorphic > 1.0:
        shape = "oval anamorphic bokeh"
    return shape


def _extras(camera: CameraIR) -> tuple[str, ...]:
    out: list[str] = []
    if camera.macro:
        out.append("macro lens")
    if camera.anamorphic > 1.0:
        out.append(f"anamorphic lens, {fmt_num(camera.anamorphic, 2)}x squeeze")
    if abs(deg(camera.roll_rad)) >= 5:
        out.append(f"Dutch angle tilted {fmt_deg(abs(deg(camera.roll_rad)))}")
    if camera.vignetting >= 0.5:
        out.append("visible lens vignetting")
    elif camera.vignetting >= 0.2:
        out.append("subtle natural vignetting")
    if camera.distortion <= -0.05:
        out.append("slight barrel distortion")
    elif camera.distortion >= 0.05:
        out.append("slight pincushion distortion")
    if camera.chromatic_aberration >= 0.5:
        out.append("subtle chromatic aberration at the frame edges")
    return tuple(out)


def camera_words(camera: CameraIR, output: OutputIR) -> CameraWords:
    """Describe ``camera`` as it frames ``output`` (the frame width covers the sensor width)."""
    diagonal = math.hypot(camera.sensor_width_m, camera.sensor_height_m)
    crop = FULL_FRAME_DIAGONAL_M / diagonal
    f_mm = camera.focal_length_m * 1000.0
    equivalent_mm = f_mm * crop
    equivalent = "" if abs(crop - 1.0) < 0.05 else f"about {fmt_num(equivalent_mm, 0)}mm full-frame equivalent"
    focus_m = camera.focus.distance_m if camera.focus.distance_m else camera.distance_m
    dof_m = depth_of_field_m(camera.focal_length_m, camera.f_number, focus_m, diagonal / 1500.0)
    span = max(camera.distance_m - camera.focal_length_m, 1e-6)
    field_height_m = camera.sensor_width_m * (output.height / output.width) * span / camera.focal_length_m
    framing, framing_detail = _first(_FRAMINGS, field_height_m)
    depth_words = _first(_DOF_WORDS, dof_m)
    shallow = dof_m < 0.20
    if camera.focus.distance_m:
        focus = fmt_length(camera.focus.distance_m)
        focus_phrase = f"focus at {focus}"
    else:
        target = camera.focus.target or "eyes"
        focus = "the subject" if target == "subject" else f"the {target}"
        focus_phrase = f"focus on {focus}"
    return CameraWords(
        focal=fmt_focal(camera.focal_length_m),
        focal_length_mm=round(f_mm, 3),
        equivalent=equivalent,
        crop_factor=round(crop, 3),
        lens_class=_first(_LENS_CLASSES, equivalent_mm),
        aperture=fmt_fnumber(camera.f_number),
        f_number=camera.f_number,
        sensor=_sensor_words(camera),
        sensor_size=(f"{fmt_num(camera.sensor_width_m * 1000, 1)}×"
                     f"{fmt_num(camera.sensor_height_m * 1000, 1)} mm"),
        distance=fmt_length(camera.distance_m),
        distance_m=camera.distance_m,
        framing=framing,
        framing_detail=framing_detail,
        field_height=fmt_length(field_height_m),
        dof="" if math.isinf(dof_m) else fmt_length(dof_m),
        dof_m=dof_m,
        depth_of_field=depth_words,
        shallow=shallow,
        focus=focus,
        focus_phrase=focus_phrase,
        bokeh=_bokeh(camera) if shallow else "",
        angle=_angle(deg(camera.pitch_rad)),
        angle_phrase=_angle_phrase(_angle(deg(camera.pitch_rad))),
        view=_view(deg(camera.yaw_rad)),
        extras=_extras(camera),
    )
