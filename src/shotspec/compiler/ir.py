"""The intermediate representation: validated, frozen pydantic models in SI units and radians.

The IR is the contract between the compiler (which builds it from .shot source) and everything
after it (the planner, the runtime, prompt export). Every node keeps the source span it came
from, so diagnostics raised late still point at the file. Spans never take part in content
hashes (see ``shotspec.compiler.plan``).

Conventions:
  * lengths in metres (``*_m``), angles in radians (``*_rad``), temperatures in kelvin;
  * colours are linear Rec.709/sRGB-primaries RGB triples unless the name says ``srgb``;
  * light directions are relative to the camera looking at the subject: azimuth 0 is the
    camera position, positive azimuth is camera-right, 180° is straight behind the subject;
    elevation is up from the subject's eye level.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shotspec.color_config import DEFAULT_CONFIG, GRADING_SPACE, WORKING_SPACE
from shotspec.compiler.schema import SEED_RANGE, STOPS_RANGE, PassInfo, spec
from shotspec.compiler.tables import monk_albedo
from shotspec.head_vocabulary import (EXPRESSIONS, FACE_CONTROL_SD_MM, FACE_CONTROLS,
                                      FACE_SD_LIMIT)

__all__ = [
    "Span", "IRNode", "ToneIR", "SkinIR", "LipsIR", "FaceIR", "EyesIR", "PUPIL_MM", "GazeIR",
    "PoseIR", "CharacterIR", "BrowsIR", "LashesIR", "StubbleIR", "GROOM", "FocusIR", "CameraIR",
    "LightIR", "SourceIR", "SkinEnhancePass", "UpscalePass", "GrainPass", "TonemapPass",
    "GradePass", "CdlPass", "ExposurePass", "WhiteBalancePass", "SmoothPass", "SharpenPass",
    "FinishPass",
    "OutputIR", "TrackIR", "ShotIR", "ProgramIR", "POINTWISE_OPS", "FACE_PARAMS", "PASS_MODELS",
    "TONE_SCALES", "GAZE_YAW_DEG", "GAZE_PITCH_DEG", "TURN_DEG", "TILT_DEG", "ROLL_DEG",
    "HairIR", "HAIR_STYLE_LENGTH_M", "hair_length_m",
]


class Span(BaseModel):
    """A source range, 1-based lines and columns; ``end_*`` is exclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    file: str
    line: int
    col: int
    end_line: int
    end_col: int


class IRNode(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    span: Span | None = None


# Plan stages (see shotspec.compiler.plan.build): which content keys a field is part of.
GEO = ("geometry", "shade")                  # the traced head and everything shaded on it
SHADE = ("shade",)
VIEW = ("geometry", "shade", "plate", "lens")  # where the camera looks from
LENS = ("lens",)
PLATE = ("plate",)
OUT = ("output",)
SEED = SEED_RANGE


# --------------------------------------------------------------------------- character

# `tone SCALE N`: the range of N on each named scale.
TONE_SCALES = {"monk": (1.0, 10.0), "fitzpatrick": (1.0, 6.0)}


class ToneIR(IRNode):
    """Skin tone: on a named scale (``monk`` 1–10, ``fitzpatrick`` 1–6) or as a colour.

    ``albedo_srgb`` is always resolved by the compiler (0–1, sRGB-encoded, as the scale's
    published swatch) so the runtime and prompt export need no tables of their own.
    """

    scale: Literal["monk", "fitzpatrick", "color"] = spec("monk", stages=SHADE)
    value: float = spec(5.0, stages=SHADE)
    # the default is the Monk 5 swatch exactly, so a character without `tone` emits `tone monk 5`
    albedo_srgb: tuple[float, float, float] = spec(monk_albedo(5.0), stages=SHADE)
    undertone: Literal["warm", "neutral", "cool"] = spec(
        "neutral", "choice", stages=SHADE, doc="the hue the skin leans to")


def _trait(default: float, doc: str, stages=SHADE):
    return spec(default, "fraction", lo=0.0, hi=1.0, stages=stages, doc=doc)


class SkinIR(IRNode):
    """Skin traits, each 0–1 unless stated."""

    tone: ToneIR = spec(ToneIR(), handler="tone", lift=True,
                        doc="Monk tones interpolate the published swatches; Fitzpatrick maps to "
                            "the Monk swatch of similar lightness (I→2, III→5, VI→9.5)")
    pores: float = _trait(0.6, "pore depth and density", GEO)
    oil: float = _trait(0.3, "sheen of the skin's oil layer")
    freckles: float = _trait(0.0, "freckle density")
    redness: float = _trait(0.1, "diffuse redness (cheeks, nose)")
    fine_lines: float = _trait(0.3, "fine lines and creases", GEO)
    imperfections: float = _trait(0.2, "blemishes, bumps and scars", GEO)
    fuzz: float = spec(0.3, "fraction", aliases=("peach_fuzz",), lo=0.0, hi=1.0,
                       stages=("geometry", "groom"),
                       doc="peach fuzz: fine, light vellus hair that catches rim light (0 none)")
    age_years: float = spec(35.0, "number", key="age", lo=1.0, hi=110.0, unit="years",
                            stages=GEO, doc="apparent age: drives the skin (wrinkles, pores, "
                                            "texture), not the head's shape")


class LipsIR(IRNode):
    """The vermilion of the lips: its colour, its wet sheen and its vertical furrows."""

    moisture: float = _trait(0.4, "wet sheen: a sharp specular lobe, strongest on the lower "
                                  "lip's centre; 0 is dry, matte lips")
    color: tuple[float, float, float] | None = spec(
        None, handler="color", aliases=("colour",), stages=SHADE,
        doc="sRGB hex, stored linear; unset: darker and redder than the skin by its tone")
    furrows: float = _trait(0.5, "depth of the fine vertical grooves across the vermilion "
                                 "(lip prints)", GEO)


def _face(name: str, aliases: tuple[str, ...] = ()):
    sd_mm = FACE_CONTROL_SD_MM[name]
    return spec(None, handler="face_sd", aliases=aliases, lo=-FACE_SD_LIMIT, hi=FACE_SD_LIMIT,
                unit=" SD", stages=GEO, doc=f"{FACE_CONTROLS[name]}; 1 SD = {sd_mm:g} mm")


class FaceIR(IRNode):
    """Named shape controls of the morphable head (``head_vocabulary.FACE_CONTROLS``), each in
    population standard deviations (SD) of the measure it names, −3…3, 0 the average face. The
    runtime turns each into a direction in the model's identity space fitted from landmarks.
    ``None`` means: left to the character's seed (the identity drawn from it)."""

    face_width: float | None = _face("face_width", ("head_width",))
    face_length: float | None = _face("face_length", ("head_height",))
    jaw_width: float | None = _face("jaw_width")
    chin_length: float | None = _face("chin_length")
    cheekbones: float | None = _face("cheekbones")
    brow_ridge: float | None = _face("brow_ridge")
    eye_spacing: float | None = _face("eye_spacing")
    eye_size: float | None = _face("eye_size")
    nose_length: float | None = _face("nose_length")
    nose_width: float | None = _face("nose_width")
    nose_bridge: float | None = _face("nose_bridge")
    lip_fullness: float | None = _face("lip_fullness")
    mouth_width: float | None = _face("mouth_width")
    ear_size: float | None = _face("ear_size")
    neck_width: float | None = _face("neck_width")


# The face controls in declaration order (= FACE_CONTROLS; the runtime draws them in it).
FACE_PARAMS = tuple(name for name in FaceIR.model_fields if name != "span")
if FACE_PARAMS != tuple(FACE_CONTROLS):
    raise RuntimeError("FaceIR must declare head_vocabulary.FACE_CONTROLS, in order")

# Gaze and pose limits in degrees (eye-in-head rotation; comfortable head rotation on the neck).
GAZE_YAW_DEG, GAZE_PITCH_DEG = 35.0, 30.0
TURN_DEG, TILT_DEG, ROLL_DEG = 70.0, 40.0, 35.0


class GazeIR(IRNode):
    """Where the eyes look. ``target == "lens"``: both eyes converge on the camera's entrance
    pupil (the default; the angles are unused and 0). ``target == "direction"``: both eyes turn
    by ``yaw_rad``/``pitch_rad`` from the head's straight-ahead direction (after ``pose``),
    parallel (no convergence); + yaw = towards camera-right (the subject's left), + pitch = up."""

    target: Literal["lens", "direction"] = spec("lens", stages=GEO)
    yaw_rad: float = spec(0.0, "angle", lo=-GAZE_YAW_DEG, hi=GAZE_YAW_DEG, unit="deg",
                          stages=GEO, doc="eyes in the head, + = camera-right")
    pitch_rad: float = spec(0.0, "angle", lo=-GAZE_PITCH_DEG, hi=GAZE_PITCH_DEG, unit="deg",
                            stages=GEO, doc="eyes in the head, + = up")


class PoseIR(IRNode):
    """The head's rotation on the neck, about the neck pivot, applied as roll · tilt · turn."""

    turn_rad: float = spec(0.0, "angle", key="turn", lo=-TURN_DEG, hi=TURN_DEG, unit="deg",
                           stages=GEO, doc="yaw; + turns the face to the subject's left "
                                           "(camera-right)")
    tilt_rad: float = spec(0.0, "angle", key="tilt", lo=-TILT_DEG, hi=TILT_DEG, unit="deg",
                           stages=GEO, doc="pitch; + lifts the chin")
    roll_rad: float = spec(0.0, "angle", key="roll", lo=-ROLL_DEG, hi=ROLL_DEG, unit="deg",
                           stages=GEO, doc="+ tilts the top of the head towards camera-right")


# `eyes { pupil N }`: the human range of the pupil's diameter, mm (E214 outside it).
PUPIL_MM = (2.0, 8.0)


class EyesIR(IRNode):
    """The eyes' look: the iris's colour (its pattern is drawn from the seed), the pupil's
    size (``None``: from the light reaching the eye), the vessels in the white of the eye and
    the tear film's shine. ``eyes hazel`` is the shorthand for ``eyes { iris hazel }``."""

    iris_srgb: tuple[float, float, float] | None = spec(
        None, handler="iris", key="iris", aliases=("colour", "color"), stages=SHADE,
        doc="iris colour, sRGB; unset: drawn from the seed")
    pupil_m: float | None = spec(
        None, handler="pupil", key="pupil", lo=PUPIL_MM[0] / 1000.0, hi=PUPIL_MM[1] / 1000.0,
        unit="m", stages=SHADE, valid=(PUPIL_MM[0], PUPIL_MM[1], "mm", "E214"),
        doc="pupil diameter; `auto` (unset): from the light at the eye "
            "(Watson & Yellott 2012)")
    redness: float = _trait(0.3, "blood vessels in the white of the eye: 0 none, 1 bloodshot")
    wetness: float = _trait(0.7, "the tear film's shine on the white of the eye and the "
                                 "tear line: 0 dry, 1 teary")

# --------------------------------------------------------------------------- facial hair
# Brows, lashes and stubble the `groom` node grows on the posed head (runtime/head/groom_*.py).
# Their fields key the strands: the groom node (which takes the geometry stage's values) and
# everything after it. Colours are sRGB-encoded: a named hair colour or `#rrggbb`
# (shotspec.hair_colours); None: the character's hair colour drawn from its seed.
GROOM = ("geometry", "groom")


def _facial_hair_colour(doc: str):
    return spec(None, handler="facial_hair_colour", key="colour", aliases=("color",), stages=GROOM,
                doc=doc)


def _facial_hair_length(default_mm: float, lo_mm: float, hi_mm: float, doc: str):
    return spec(default_mm / 1000.0, "length", lo=lo_mm / 1000.0, hi=hi_mm / 1000.0, unit="mm",
                key="length", stages=GROOM, doc=doc)


class BrowsIR(IRNode):
    """The eyebrows: hairs lying close to the skin over the brow ridge, fanning from up and in
    at the head of the brow to out and down at its tail."""

    density: float = spec(0.8, "fraction", lo=0.0, hi=1.0, stages=GROOM,
                          doc="hairs per area: 0 none (shaved), 1 a full natural brow")
    thickness: float = spec(0.5, "fraction", lo=0.0, hi=1.0, stages=GROOM,
                            doc="how tall the brow is: 0 thin (plucked), 1 bushy")
    length_m: float = _facial_hair_length(8.0, 3.0, 16.0, "hair length in the body of the brow "
                                   "(shorter at its head and tail)")
    colour_srgb: tuple[float, float, float] | None = _facial_hair_colour(
        "default: the hair colour drawn from the seed")
    shape: Literal["straight", "soft_arch", "arched", "angled"] = spec(
        "soft_arch", "choice", label="brow shape", stages=GROOM,
        doc="the brow line's arch: flat, gentle, high and round, or peaked at two thirds")


class LashesIR(IRNode):
    """The eyelashes: 2–3 irregular rows along each lid margin, curling away from the eye."""

    length_m: float = _facial_hair_length(10.0, 4.0, 16.0, "longest upper lash (outer third); lower "
                                   "lashes are 0.6×, inner corners about two thirds")
    curl: float = spec(0.5, "fraction", lo=0.0, hi=1.0, stages=GROOM,
                       doc="0 straight out from the lid … 1 curled back towards the brow")
    density: float = spec(0.8, "fraction", lo=0.0, hi=1.0, stages=GROOM,
                          doc="0 none … 1 full: 1 is about 150 upper and 80 lower lashes an eye")
    colour_srgb: tuple[float, float, float] | None = _facial_hair_colour(
        "default: the seed's hair colour, darker and less red")


class StubbleIR(IRNode):
    """Short beard growth over the jaw, chin, upper lip and lower cheeks (off by default):
    `stubble 2mm`, `stubble { length 2mm; density 0.6 }`, `stubble off`."""

    enabled: bool = spec(False, "flag", stages=GROOM, doc="`stubble LENGTH` or a block turns "
                         "it on; `off` keeps the settings but grows none")
    length_m: float = _facial_hair_length(1.5, 0.2, 6.0, "0.5mm a day's growth … 3mm a week's")
    density: float = spec(0.6, "fraction", lo=0.0, hi=1.0, stages=GROOM,
                          doc="0 none … 1 a dense, full beard area")
    colour_srgb: tuple[float, float, float] | None = _facial_hair_colour(
        "default: the hair colour drawn from the seed")




# Scalp hair: each style's length when `length` is not given (m).
HAIR_STYLE_LENGTH_M = {"none": 0.0, "buzz": 0.004, "short": 0.04, "long": 0.32,
                       "tied_back": 0.30}
# The groom node grows the strands from the geometry stage's values; the scalp shell under
# them is part of the mesh and its tint of the shading.
HAIR = ("geometry", "shade", "groom")


class HairIR(IRNode):
    """The character's scalp hair: a style, its length, how dense and what colour.

    ``colour`` is a named hair colour (``compiler.hair_pigment.HAIR_COLOURS``, resolved through
    melanin concentrations to a fibre albedo) or a colour literal; ``albedo_linear`` holds the
    resolved linear fibre albedo, ``None`` when the colour is left to the character's seed."""

    style: Literal["none", "buzz", "short", "long", "tied_back"] = spec(
        "short", "choice", label="hair style", stages=HAIR,
        doc="`none` (bald), `buzz`, `short` (combed), `long` (straight, to the shoulders), "
            "`tied_back` (a ponytail)")
    length_m: float | None = spec(None, "length", key="length", lo=0.0, hi=1.0, unit="m",
                                  stages=HAIR, doc="root to tip; default per style: buzz 4mm, "
                                  "short 4cm, long 32cm, tied_back 30cm")
    density: float = spec(0.9, "fraction", lo=0.0, hi=1.0, stages=HAIR,
                          doc="fraction of a full head of hair (1 = 200 hairs/cm²)")
    colour: str | None = spec(None, handler="hair_colour", aliases=("color",), stages=HAIR,
                              doc="a hair colour name or `#rrggbb`; default: from the seed")
    albedo_linear: tuple[float, float, float] | None = spec(None, stages=HAIR)
    grey: float = spec(0.0, "fraction", lo=0.0, hi=1.0, stages=HAIR,
                       doc="fraction of unpigmented (white) fibres")



def hair_length_m(hair: Any) -> float:
    """A ``HairIR``'s (or a stage view's) length: ``length_m``, or its style's default."""
    return HAIR_STYLE_LENGTH_M[hair.style] if hair.length_m is None else float(hair.length_m)


def _expression_pairs(value: Any) -> Any:
    """The ``expression`` field's canonical form: a mapping (as lowering builds it) or pairs →
    a tuple of ``(ARKit shape, weight)`` sorted by name, zero weights dropped; unknown names and
    weights outside 0…1 raise (pydantic reports them)."""
    pairs = value.items() if isinstance(value, dict) else value
    out = {}
    for name, weight in pairs:
        if name not in EXPRESSIONS:
            raise ValueError(f"unknown expression shape {name!r}")
        if not 0.0 <= float(weight) <= 1.0:
            raise ValueError(f"weight of {name} must be 0…1, not {weight}")
        out[name] = float(weight)
    return tuple(sorted((n, w) for n, w in out.items() if w != 0.0))


class CharacterIR(IRNode):
    name: str
    seed: int = spec(0, "int", lo=SEED[0], hi=SEED[1], stages=GEO,
                     doc="identity seed (skin texture, face shape not given)")
    skin: SkinIR = spec(SkinIR(), block="skin", lift=True,
                        doc="skin statements may also be written directly in the character")
    lips: LipsIR = spec(LipsIR(), block="lips", doc="colour, moisture and furrows of the "
                        "vermilion")
    face: FaceIR = spec(FaceIR(), block="face", doc="shape controls in SDs (`1.5`) or mm "
                        "(`+4mm`), −3…3 SD")
    expression: Annotated[tuple[tuple[str, float], ...], BeforeValidator(_expression_pairs)] = spec(
        (), block="expression", stages=GEO,
        doc="ARKit shapes and aliases, weights 0…1 (bare name: 1); later wins per shape")
    gaze: GazeIR = spec(GazeIR(), handler="gaze", doc="at the lens unless a direction is given")
    pose: PoseIR = spec(PoseIR(), block="pose", doc="head turn, tilt and roll")
    hair: HairIR = spec(HairIR(), block="hair", doc="scalp hair: style, length, density, "
                        "colour, grey")
    eyes: EyesIR = spec(EyesIR(), handler="eyes", block="eyes", aliases=("eye_color",),
                        doc="iris, pupil, vessels and tear film (see `eyes { ... }`)")
    brows: BrowsIR = spec(BrowsIR(), block="brows", doc="eyebrow density, shape and colour")
    lashes: LashesIR = spec(LashesIR(), block="lashes", doc="eyelash length, curl and density")
    stubble: StubbleIR = spec(StubbleIR(), handler="stubble", block="stubble",
                              doc="a length (`2mm`), `off`, or a block; off by default")
    references: str | None = spec(None, "path", doc="a folder of ~20 photos (W106); must be "
                                  "a folder (E301/E304)")
    identity: str | None = spec(None, "path", stages=GEO,
                                 doc=".identity file; hashed into identity_sha256")
    identity_sha256: str | None = spec(None, stages=GEO)   # content hash of the identity file
    mesh: str | None = spec(None, "path", stages=GEO, doc="optional head mesh; must exist")
    texture: str | None = spec(None, "path", stages=GEO, doc="optional texture; must exist")


# --------------------------------------------------------------------------- camera

class FocusIR(IRNode):
    """Where the lens focuses: a named target on the character or a distance."""

    target: Literal["eyes", "nose", "lips", "ears", "subject"] | None = spec("eyes", stages=LENS)
    distance_m: float | None = spec(None, "length", lo=0.0, hi=1000.0, unit="m",
                                    stages=LENS)
    # A focus pull between two targets (keyframes, docs/motion.md): the plane of focus lies
    # ``pull`` of the way from ``target``'s distance to ``pull_to``'s, linearly in metres.
    pull_to: Literal["eyes", "nose", "lips", "ears", "subject"] | None = spec(None, stages=LENS)
    pull: float = spec(0.0, lo=0.0, hi=1.0, stages=LENS)


def _angle(default: float, lo: float, hi: float, doc: str, stages=VIEW, **kw):
    return spec(default, "angle", lo=lo, hi=hi, unit="deg", stages=stages, doc=doc, **kw)


class CameraIR(IRNode):
    EXTRA_STATEMENTS: ClassVar[dict[str, str]] = {"orbit": "orbit"}

    focal_length_m: float = spec(0.085, "length", key="lens", aliases=("focal_length",), lo=0.0,
                                 unit="m", stages=VIEW, valid=(4.0, 1200.0, "mm", "E204"),
                                 doc="focal length")
    f_number: float = spec(2.0, "fnumber", key="aperture", stages=LENS,
                           valid=(0.7, 64.0, "", "E205"), doc="f-number")
    sensor: str | None = spec("full_frame", handler="sensor", stages=VIEW,
                              valid=(1.0, 200.0, "mm", "E207"), doc="either side of the sensor")
    sensor_width_m: float = spec(0.036, stages=VIEW)
    sensor_height_m: float = spec(0.024, stages=VIEW)
    distance_m: float = spec(0.8, "length", key="distance", lo=0.0, hi=1000.0, unit="m",
                             stages=VIEW, doc="camera to the eye plane; beyond the focal length (E206)")
    focus: FocusIR = spec(FocusIR(), handler="focus",
                          doc="`mara.eyes` must name the shot's character (E211)")
    blades: int = spec(9, "int", lo=0, hi=32, stages=LENS, doc="aperture blades, 0 = round")
    blade_rotation_rad: float = _angle(0.0, -360.0, 360.0, "rotation of the aperture polygon",
                                       LENS, key="blade_rotation")
    anamorphic: float = spec(1.0, handler="anamorphic", lo=1.0, hi=2.5, unit="x", stages=LENS,
                             doc="squeeze factor; `on` is 1.33x")
    yaw_rad: float = _angle(0.0, -180.0, 180.0, "orbit around the head, + = camera-right",
                            key="yaw")
    pitch_rad: float = _angle(0.0, -90.0, 90.0, "orbit, + = camera above eye level", key="pitch")
    roll_rad: float = _angle(0.0, -180.0, 180.0, "rotation about the optical axis", key="roll")
    vignetting: float = spec(0.3, "fraction", lo=0.0, hi=1.0, stages=LENS,
                             doc="corner darkening; a plate's default is 0")
    distortion: float = spec(0.0, "number", lo=-0.3, hi=1.0, stages=LENS,
                             doc="radial k1 (negative = barrel)")
    chromatic_aberration: float = spec(0.0, "number", lo=0.0, hi=50.0, unit="px", stages=LENS,
                                       doc="lateral, px at the corner per 1000 px")
    macro: bool = spec(False, "flag", stages=LENS, doc="close-focus lens")


# --------------------------------------------------------------------------- lighting

class LightIR(IRNode):
    EXTRA_STATEMENTS: ClassVar[dict[str, str]] = {"from": "from"}

    name: str
    kind: Literal["area", "spot", "point", "directional", "environment"] = spec(stages=SHADE)
    key: bool = spec(False, "flag", stages=SHADE, doc="marks this light as the key")
    azimuth_rad: float = _angle(0.0, -360.0, 360.0, "+ = camera-right, 180deg = behind",
                                SHADE, key="azimuth")
    elevation_rad: float = _angle(0.0, -90.0, 90.0, "up from eye level", SHADE, key="elevation")
    distance_m: float = spec(1.5, "length", key="distance", lo=0.0, hi=100.0, unit="m",
                             stages=SHADE, doc="to the subject")
    size_m: float = spec(0.5, "length", key="size", lo=0.0, hi=20.0, unit="m", stages=SHADE,
                         doc="area: edge length; spot/point: emitter diameter")
    cone_rad: float = _angle(0.6, 0.0, 90.0, "spot: half angle of the cone", SHADE, key="cone")
    temperature_k: float | None = spec(5600.0, "kelvin", key="temperature", lo=1000.0,
                                       hi=40000.0, unit="K", stages=SHADE, doc="colour temperature")
    color: tuple[float, float, float] | None = spec(
        None, handler="color", stages=SHADE, doc="sRGB hex, stored linear; wins over temperature")
    # Lowered: the key's 2^stops times this light's own (each within ±20 stops) ≤ 2^40.
    intensity: float = spec(1.0, handler="intensity", aliases=("ratio",), lo=0.0, hi=2.0**20,
                            le=2.0**40, stages=SHADE,
                            doc="stops (±20) and ratios are relative to the key; the range is "
                                "the linear form's")
    shadows: bool = spec(True, "flag", stages=SHADE, doc="casts shadows")
    image: str | None = spec(None, "path", stages=SHADE, doc="environment: lat-long image")


# --------------------------------------------------------------------------- source

def _length(default: float | None, key: str, doc: str, hi: float = 10000.0):
    return spec(default, "length", key=key, lo=0.0, hi=hi, unit="m", stages=PLATE, doc=doc)


class SourceIR(IRNode):
    kind: Literal["render", "plate"] = spec("render", stages=PLATE)
    plate: str | None = spec(None, handler="plate", stages=PLATE, doc="must exist (E301), as must depth and mask")
    plate_sha256: str | None = spec(None, stages=PLATE)
    # a video plate's frame (docs/motion.md); an image sequence's frame is resolved to its file
    plate_frame: int = spec(0, stages=PLATE)
    depth: str | None = spec(None, "path", stages=PLATE, doc="depth image of the plate")
    depth_sha256: str | None = spec(None, stages=PLATE)
    depth_near_m: float = _length(0.3, "near", "an integer depth image's 0 in metres")
    depth_far_m: float = _length(10.0, "far", "an integer depth image's maximum in metres")
    mask: str | None = spec(None, "path", stages=PLATE, doc="subject mask")
    mask_sha256: str | None = spec(None, stages=PLATE)
    subject_distance_m: float | None = _length(None, "distance", "plate without depth: "
                                               "assumed distance of the subject", 1000.0)
    face_scale_m: float | None = _length(None, "face_scale", "how much of the face one plate pixel spans "
                                         "(`face_scale 0.2mm`), for skin texture; unset: from the camera "
                                         "when its lens and distance are stated, else measured from the "
                                         "irises", 0.1)
    colorspace: str | None = spec(
        None, handler="ocio_name", aliases=("color_space",), stages=PLATE,
        doc="the plate's colour space in the output's config (`\"sRGB Encoded Rec.709 "
            "(sRGB)\"`, `ACEScg`, `\"S-Log3 S-Gamut3.Cine\"` …); unset: sRGB for 8/16-bit "
            "files, the working space for EXR and float TIFF")
    # the output's colour config and working space, copied by the compiler with a colorspace
    config: str = spec(DEFAULT_CONFIG, stages=PLATE)
    working: str = spec(WORKING_SPACE, stages=PLATE)


# --------------------------------------------------------------------------- finishing

class _Pass(IRNode):
    PASS: ClassVar[PassInfo]
    enabled: bool = spec(True, "flag", doc="`off` keeps the pass but skips it")


class SkinEnhancePass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("skin_enhance", version="5", identity=("strength", 0), seeded=True,
                                        doc="pore-level skin detail on the skin mask")
    op: Literal["skin_enhance"] = "skin_enhance"
    strength: float = spec(0.6, "fraction", lo=0.0, hi=2.0, pos=0, doc="0 is off")
    seed: int | None = spec(None, "int", lo=SEED[0], hi=SEED[1], doc="default: the character's")
    pores: float = spec(0.6, "fraction", lo=0.0, hi=1.0, doc="pore depth and density")
    pore_size: float = spec(1.0, "number", lo=0.5, hi=2.0, unit="x",
                            doc="scale of the relief: pores and ~1 mm pebbled cells")
    age_years: float = spec(35.0, "number", key="age", lo=1.0, hi=110.0, unit="years",
                            doc="deepens the pebbled relief and the fine lines")
    freckles: float = spec(0.0, "fraction", lo=0.0, hi=1.0,
                           doc="0 keeps the image's own freckles and adds none; 1 adds ~1 mm melanin dots")
    fine_lines: float = spec(0.0, "fraction", lo=0.0, hi=1.0,
                             doc="0 keeps the image's own lines and adds none; above, forehead lines, the "
                                 "glabella's pair and crow's feet as deep as `age` makes them (where the eyes "
                                 "are found)")
    sheen: float = spec(1.0, "number", lo=0.0, hi=2.0,
                        doc="relief added in the highlights (oily skin shows its texture there)")


class UpscalePass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("upscale", version="4", identity=("factor", 1),
                                        positional="upscale",
                                        doc="renders at size / factor, then upscales")
    op: Literal["upscale"] = "upscale"
    factor: int = spec(2, handler="upscale_factor", lo=1, hi=8, unit="x", pos=0,
                       doc="a whole factor")
    mode: Literal["fidelity", "detail"] = spec("detail", "choice", label="upscale mode", pos=1,
                                               doc="`detail` synthesises texture (on skin, the skin's relief)")


class GrainPass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("grain", version="2", identity=("strength", 0),
                                        seeded=True, positional="grain",
                                        doc="film grain of a stock")
    op: Literal["grain"] = "grain"
    stock: str = spec("250D", handler="stock", pos=0, doc="`50D 200T 250D 500T`")
    strength: float = spec(1.0, "fraction", lo=0.0, hi=2.0, pos=1,
                           doc="1: the grain of a film scan; 0 is off")
    seed: int | None = spec(None, "int", lo=SEED[0], hi=SEED[1], doc="default: the character's")
    frame: int = spec(0, "int", lo=0, hi=10**9, doc="frame number of a sequence")


class TonemapPass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("tonemap", identity=("operator", "none"),
                                        pointwise=True, doc="scene-linear → display")
    op: Literal["tonemap"] = "tonemap"
    operator: Literal["agx", "aces", "reinhard", "filmic", "none"] = spec(
        "agx", "choice", label="tone map", pos=0, doc="the curve")
    contrast: float = spec(1.0, "number", lo=0.0, hi=3.0, doc="1 is the curve's own")
    look: Literal["none", "punchy", "golden"] = spec("none", "choice", label="look", pos=1,
                                                     doc="a look on top of the curve")


class GradePass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("grade", identity=("strength", 0), pointwise=True,
                                        doc="a .cube 3D LUT")
    op: Literal["grade"] = "grade"
    lut: str = spec(..., "path", pos=0, doc="absolute path of a .cube file")
    lut_sha256: str = spec("")
    strength: float = spec(1.0, "fraction", lo=0.0, hi=1.0, pos=1, doc="mix with the input")


def _cdl_triple(default: float, lo: float, hi: float, doc: str):
    # (a range on a tuple field cannot be a pydantic bound: the reader checks it, E203)
    return spec((default,) * 3, handler="cdl_triple", valid=(lo, hi, "", "E203"), doc=doc)


class CdlPass(_Pass):
    """An ASC CDL grade, in a log grading space of the output's colour config (its
    ``color_timing`` role: ACEScct in the ACES configs), converted there from the working space
    and back, so it sits before the output's view. ``config`` and ``working`` are the output's,
    copied by the compiler."""

    PASS: ClassVar[PassInfo] = PassInfo("cdl", pointwise=True,
                                        doc="ASC CDL (slope, offset, power, saturation) in "
                                            "ACEScct")
    op: Literal["cdl"] = "cdl"
    file: str | None = spec(None, "path", pos=0, doc="a .cdl, .cc or .ccc file, read by "
                            "OpenColorIO; wins over the values")
    file_sha256: str = spec("")
    cccid: str | None = spec(None, handler="ocio_name", key="id",
                             doc="which grade of a file with several (its `id`)")
    slope: tuple[float, float, float] = _cdl_triple(1.0, 0.0, 10.0, "one number or r g b; "
                                                    "in log, a contrast around ACEScct 0")
    offset: tuple[float, float, float] = _cdl_triple(0.0, -1.0, 1.0, "one number or r g b; in "
                                                     "ACEScct 0.057 is one stop")
    power: tuple[float, float, float] = _cdl_triple(1.0, 0.1, 10.0, "one number or r g b")
    saturation: float = spec(1.0, "number", lo=0.0, hi=4.0, doc="Rec.709 luma weights; 1 "
                             "leaves colour as it is")
    space: str = spec(GRADING_SPACE, handler="ocio_name",
                      doc="the config's colour space (or role) the CDL works in")
    config: str = spec(DEFAULT_CONFIG)
    working: str = spec(WORKING_SPACE)


class ExposurePass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("exposure", identity=("stops", 0), pointwise=True,
                                        doc="multiply by 2^stops")
    op: Literal["exposure"] = "exposure"
    stops: float = spec(0.0, "stops", lo=STOPS_RANGE[0], hi=STOPS_RANGE[1], unit=" stops",
                        pos=0, doc="brighter when positive")


class WhiteBalancePass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("white_balance", pointwise=True,
                                        doc="neutralise a scene white")
    op: Literal["white_balance"] = "white_balance"
    temperature_k: float = spec(6500.0, "kelvin", key="temperature", lo=1000.0, hi=40000.0,
                                unit="K", pos=0, doc="the scene white to neutralise")
    tint: float = spec(0.0, "number", lo=-1.0, hi=1.0, pos=1, doc="green (−) to magenta (+)")


class SmoothPass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("smooth", identity=("strength", 0),
                                        doc="edge-aware skin smoothing")
    op: Literal["smooth"] = "smooth"
    strength: float = spec(0.5, "fraction", lo=0.0, hi=1.0, pos=0, doc="0 is off")


class SharpenPass(_Pass):
    PASS: ClassVar[PassInfo] = PassInfo("sharpen", identity=("amount", 0),
                                        doc="unsharp mask")
    op: Literal["sharpen"] = "sharpen"
    amount: float = spec(0.5, "number", lo=0.0, hi=3.0, pos=0, doc="0 is off")
    radius_px: float = spec(1.0, "number", key="radius", lo=0.1, hi=20.0, unit="px", pos=1,
                            doc="blur radius, a plain number of pixels")


PASS_MODELS: dict[str, type[_Pass]] = {m.PASS.op: m for m in (
    SkinEnhancePass, UpscalePass, GrainPass, TonemapPass, GradePass, CdlPass, ExposurePass,
    WhiteBalancePass, SmoothPass, SharpenPass)}

FinishPass = Annotated[
    Union[SkinEnhancePass, UpscalePass, GrainPass, TonemapPass, GradePass, CdlPass,
          ExposurePass, WhiteBalancePass, SmoothPass, SharpenPass],
    Field(discriminator="op"),
]

POINTWISE_OPS = frozenset(op for op, m in PASS_MODELS.items() if m.PASS.pointwise)


# --------------------------------------------------------------------------- output

class OutputIR(IRNode):
    EXTRA_STATEMENTS: ClassVar[dict[str, str]] = {"size": "size"}

    path: str = spec(..., "path", stages=OUT, doc="absolute path; the suffix picks the format")
    width: int = spec(1024, handler="side", lo=16, hi=16384, unit="px", stages=OUT,
                      doc="final image width")
    height: int = spec(1280, handler="side", lo=16, hi=16384, unit="px", stages=OUT,
                       doc="final image height")
    format: Literal["png", "tiff", "exr", "jpeg", "mp4", "mov"] = spec(
        "png", "choice", stages=OUT, doc="default: from the suffix; `mp4`/`mov`: a sequence's "
                                         "video (docs/motion.md)")
    first_frame: int = spec(0, "int", lo=0, hi=10**7, stages=OUT,
                            doc="a sequence's first file number (`1001` for VFX); keyframe "
                                "times stay shot-relative")
    timecode: str | None = spec(
        None, handler="timecode", stages=OUT,
        doc="the first frame's SMPTE timecode, `\"01:00:00:00\"`; `;` before the frames is "
            "drop-frame (29.97, 59.94 fps: `\"00:59:58;00\"`); unset: a moving plate's, else "
            "`first_frame` counted non-drop")
    codec: Literal["h264", "prores"] | None = spec(
        None, "choice", stages=OUT, doc="a video's codec; unset: H.264 for .mp4, ProRes 422 HQ "
                                        "for .mov")
    bit_depth: Literal[8, 16, 32] = spec(8, handler="bit_depth", key="depth",
                                         aliases=("bit_depth",), stages=OUT,
                                         doc="bits per channel; default: the format's")
    colorspace: Literal["srgb", "rec709", "linear"] = spec(
        "srgb", "choice", aliases=("color_space",), stages=OUT, doc="encoding of the file")
    dither: bool = spec(True, "flag", stages=OUT, doc="dither when quantising")
    # Colour management (OpenColorIO, docs/color.md). With a `display` or `view` the frame
    # reaching the output is scene-linear and the view maps it to the display.
    config: str = spec(DEFAULT_CONFIG, handler="ocio_config", stages=OUT,
                       doc="OpenColorIO config: a built-in `ocio://` URI or a .ocio file, "
                           "relative to the spec")
    config_sha256: str = spec("", stages=OUT)
    working: str = spec(WORKING_SPACE, handler="ocio_name", stages=OUT,
                        doc="the config's name for the renderer's working space (scene-linear, "
                            "Rec.709 primaries, D65)")
    display: str | None = spec(None, handler="ocio_name", stages=OUT,
                               doc="a display of the config; unset with a `view`: its default")
    view: str | None = spec(None, handler="ocio_name", stages=OUT,
                            doc="a view of the display (the tone mapping); unset with a "
                                "`display`: the display's first")
    look: str | None = spec(None, handler="ocio_name", stages=OUT,
                            doc="a look of the config, before the view")
    lut: str | None = spec(None, "path", stages=OUT,
                           doc="a .cube display LUT on the display's code values, after "
                               "the view")
    lut_sha256: str = spec("", stages=OUT)


# --------------------------------------------------------------------------- shot / program

class TrackIR(IRNode):
    """One keyframed value: the dotted path it sets (the statement's, e.g.
    ``camera.distance_m``, ``lights.key.intensity``), its keys (frame numbers, fractional when
    written in seconds), each key's value as the statement wrote it, and the easing of the
    motion *into* each key (the first key's is ``linear`` and unused)."""

    path: str
    frames: tuple[float, ...]
    values: tuple[str, ...]
    eases: tuple[Literal["linear", "in", "out", "in_out", "hold"], ...]


class ShotIR(IRNode):
    EXTRA_STATEMENTS: ClassVar[dict[str, str]] = {"allow": "allow"}

    name: str
    character: CharacterIR | None = spec(None, handler="character", block="character",
                                         doc="the character, optionally with overrides")
    camera: CameraIR = spec(CameraIR(), block="camera", doc="see Camera")
    lights: tuple[LightIR, ...] = spec((), key="lighting", block="lighting", doc="see Lighting")
    source: SourceIR = spec(SourceIR(), handler="source", block="source", doc="see Source")
    finish: tuple[FinishPass, ...] = spec((), block="finish", doc="see Finish")
    output: OutputIR = spec(..., handler="output", block="output", doc="see Output")
    seed: int = spec(0, "int", lo=SEED[0], hi=SEED[1], doc="the shot seed")
    duration_frames: int | None = spec(
        None, handler="duration", key="duration", lo=1, hi=10**6, unit=" frames",
        doc="`48f` or `2s`: the shot's length; a shot with one renders a numbered sequence "
            "(docs/motion.md)")
    fps: float = spec(24.0, handler="fps", lo=1.0, hi=240.0,
                      doc="frames per second: `24`, `25`, `30`, `23.976` (= 24000/1001), "
                          "`29.97`, `48`, `50`, `59.94`, `60`; unset on a moving plate: its rate")
    # Keyframed values (`distance 0.9m @ 0f -> 0.7m @ 48f ease in_out`), as written.
    tracks: tuple[TrackIR, ...] = ()
    # A shot with a duration: the shot at each frame, 0 … duration_frames − 1 (each static:
    # no tracks, no frames of its own). Frames whose values are equal are the same object.
    frames: tuple["ShotIR", ...] = ()
    # Where each value came from: dotted IR path -> "file:line:col (layer)", for `shot explain`.
    origins: dict[str, str] = Field(default_factory=dict)


class ProgramIR(IRNode):
    file: str
    shots: tuple[ShotIR, ...] = ()
    characters: tuple[CharacterIR, ...] = ()
    # Every file the compile read or will read (imports, LUTs, plates, photos, identities),
    # including ones that did not exist: watch mode re-watches exactly these.
    dependencies: tuple[str, ...] = ()
