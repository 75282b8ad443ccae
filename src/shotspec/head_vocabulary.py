"""The words of the morphable head (ICT-FaceKit): expression shapes, friendly aliases, face controls.

Torch-free: the compiler reads it to check and expand `expression { ... }` and `face { ... }`
statements, and the runtime reads the same names to pick its blendshapes and identity directions,
so each concept is written once, here.

* ``EXPRESSIONS``: the kit's 53 ARKit-named expression shapes in the kit's own order
  (``FaceXModel/vertex_indices.json`` → ``expressions``), then its two pupil-dilation shapes.
  A weight is 0…1 (0 = the neutral face, 1 = the full captured shape); ``_L``/``_R`` are the
  subject's own left and right (ARKit's convention: ``eyeBlink_L`` closes the subject's left
  eye, which is on the camera's right in a frontal shot).
* ``ALIASES``: friendly names → weighted mixes of ARKit shapes; ``smile 0.3`` sets each shape of
  the mix to 0.3 × its weight.
* ``FACE_CONTROLS``: named shape controls of the ``face`` block, each a direction in the model's
  identity space that the runtime fits from measured landmarks; values are in population standard
  deviations (SD) of the measure the name says.
* ``FACE_CONTROL_SD_MM``: one SD of each measure in millimetres, so a length (``jaw_width +4mm``)
  can be turned into SDs.
"""

from __future__ import annotations

__all__ = ["EXPRESSIONS", "ALIASES", "NEUTRAL", "FACE_CONTROLS", "FACE_CONTROL_SD_MM",
           "FACE_CONTROL_ALIASES", "FACE_SD_LIMIT", "expand", "side_of"]

# The kit's expression shapes, in its order (vertex_indices.json, commit da5f95a), then the two
# pupil-dilation shapes it ships as separate files.
EXPRESSIONS: tuple[str, ...] = (
    "browDown_L", "browDown_R", "browInnerUp_L", "browInnerUp_R", "browOuterUp_L",
    "browOuterUp_R", "cheekPuff_L", "cheekPuff_R", "cheekSquint_L", "cheekSquint_R",
    "eyeBlink_L", "eyeBlink_R", "eyeLookDown_L", "eyeLookDown_R", "eyeLookIn_L", "eyeLookIn_R",
    "eyeLookOut_L", "eyeLookOut_R", "eyeLookUp_L", "eyeLookUp_R", "eyeSquint_L", "eyeSquint_R",
    "eyeWide_L", "eyeWide_R", "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose",
    "mouthDimple_L", "mouthDimple_R", "mouthFrown_L", "mouthFrown_R", "mouthFunnel", "mouthLeft",
    "mouthLowerDown_L", "mouthLowerDown_R", "mouthPress_L", "mouthPress_R", "mouthPucker",
    "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthSmile_L", "mouthSmile_R", "mouthStretch_L", "mouthStretch_R", "mouthUpperUp_L",
    "mouthUpperUp_R", "noseSneer_L", "noseSneer_R",
    "PupilDilate_L", "PupilDilate_R",
)


def _both(stem: str, weight: float = 1.0) -> tuple[tuple[str, float], ...]:
    return ((f"{stem}_L", weight), (f"{stem}_R", weight))


# friendly name -> ((ARKit shape, weight), ...); each weight ≤ 1 so a mix stays within 0…1.
ALIASES: dict[str, tuple[tuple[str, float], ...]] = {
    "smile": _both("mouthSmile"),
    "frown": _both("mouthFrown"),
    "blink": _both("eyeBlink"),
    "squint": _both("eyeSquint"),
    "wide_eyes": _both("eyeWide"),
    "brows_up": _both("browInnerUp") + _both("browOuterUp"),
    "brows_down": _both("browDown"),
    "worried": _both("browInnerUp"),
    "jaw_open": (("jawOpen", 1.0),),
    "jaw_forward": (("jawForward", 1.0),),
    "pucker": (("mouthPucker", 1.0),),
    "funnel": (("mouthFunnel", 1.0),),
    "sneer": _both("noseSneer"),
    "cheek_puff": _both("cheekPuff"),
    "cheek_raise": _both("cheekSquint"),
    "dimple": _both("mouthDimple"),
    "press": _both("mouthPress"),
    "stretch": _both("mouthStretch"),
    "pupils": _both("PupilDilate"),
    # a Duchenne smile: the mouth corners and the cheeks that narrow the eyes
    "grin": _both("mouthSmile") + _both("cheekSquint", 0.6) + _both("eyeSquint", 0.3),
    # parted lips: the lower lip drops, the jaw barely moves
    "lips_apart": _both("mouthLowerDown", 0.5) + _both("mouthUpperUp", 0.3) + (("jawOpen", 0.1),),
}

# `neutral` inside an expression block clears every shape set so far (a reset, not a mix).
NEUTRAL = "neutral"


def expand(name: str, weight: float) -> tuple[tuple[str, float], ...]:
    """A shape or alias at ``weight`` (0…1) → ((ARKit shape, weight), ...). ``KeyError`` for an
    unknown name."""
    if name in ALIASES:
        return tuple((shape, weight * w) for shape, w in ALIASES[name])
    if name in EXPRESSIONS:
        return ((name, weight),)
    raise KeyError(name)


def side_of(shape: str) -> str | None:
    """``"L"``/``"R"`` for a one-sided shape, ``None`` for a central one (``jawOpen``)."""
    return shape[-1] if shape.endswith(("_L", "_R")) else None


# The face block's controls in order (the runtime fits a direction in identity space for each
# from the kit's landmarks), each with what +1 SD means.
FACE_CONTROLS: dict[str, str] = {
    "face_width": "face width (cheekbone to cheekbone)",
    "face_length": "face length (nasion to chin)",
    "jaw_width": "jaw width (gonion to gonion)",
    "chin_length": "chin length (lower lip to chin)",
    "cheekbones": "cheekbone prominence (forward projection)",
    "brow_ridge": "brow ridge prominence (forward projection)",
    "eye_spacing": "distance between the inner eye corners",
    "eye_size": "eye opening width (corner to corner)",
    "nose_length": "nose length (nasion to tip)",
    "nose_width": "nose width (alar base)",
    "nose_bridge": "nose bridge height (projection at the eyes)",
    "lip_fullness": "lip fullness (height of the red of both lips)",
    "mouth_width": "mouth width (corner to corner)",
    "ear_size": "ear length (top to lobe)",
    "neck_width": "neck width",
}

# Old names of the procedural head's parameters, still accepted.
FACE_CONTROL_ALIASES: dict[str, str] = {"head_width": "face_width", "head_height": "face_length"}

# Values (SDs) are limited to ±3: 99.7 % of a population, beyond which the linear model's
# shapes stop being plausible.
FACE_SD_LIMIT = 3.0

# ---- regenerate: population SD of each control's measure in millimetres over the
# ---- packaged head's 50 identity modes (tools/face_control_table.py).
FACE_CONTROL_SD_MM: dict[str, float] = {
    "face_width": 7.37,
    "face_length": 6.37,
    "jaw_width": 6.86,
    "chin_length": 2.61,
    "cheekbones": 5.23,
    "brow_ridge": 3.18,
    "eye_spacing": 3.38,
    "eye_size": 1.94,
    "nose_length": 3.08,
    "nose_width": 2.63,
    "nose_bridge": 3.86,
    "lip_fullness": 3.82,
    "mouth_width": 3.77,
    "ear_size": 4.97,
    "neck_width": 14.64,
}
# ---- end of the regenerated table
