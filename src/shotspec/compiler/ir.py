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

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Span", "IRNode", "ToneIR", "SkinIR", "FaceIR", "CharacterIR", "FocusIR", "CameraIR",
    "LightIR", "SourceIR", "SkinEnhancePass", "UpscalePass", "GrainPass", "TonemapPass",
    "GradePass", "ExposurePass", "WhiteBalancePass", "SmoothPass", "SharpenPass", "FinishPass",
    "OutputIR", "ShotIR", "ProgramIR", "POINTWISE_OPS", "FACE_PARAMS",
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


# --------------------------------------------------------------------------- character

class ToneIR(IRNode):
    """Skin tone: on a named scale (``monk`` 1–10, ``fitzpatrick`` 1–6) or as a colour.

    ``albedo_srgb`` is always resolved by the compiler (0–1, sRGB-encoded, as the scale's
    published swatch) so the runtime and prompt export need no tables of their own.
    """

    scale: Literal["monk", "fitzpatrick", "color"] = "monk"
    value: float = 5.0
    albedo_srgb: tuple[float, float, float] = (0.843, 0.741, 0.588)
    undertone: Literal["warm", "neutral", "cool"] = "neutral"


class SkinIR(IRNode):
    """Skin traits, each 0–1 unless stated."""

    tone: ToneIR = ToneIR()
    pores: float = Field(0.6, ge=0.0, le=1.0)
    oil: float = Field(0.3, ge=0.0, le=1.0)
    freckles: float = Field(0.0, ge=0.0, le=1.0)
    redness: float = Field(0.1, ge=0.0, le=1.0)
    fine_lines: float = Field(0.3, ge=0.0, le=1.0)
    imperfections: float = Field(0.2, ge=0.0, le=1.0)
    age_years: float = Field(35.0, ge=1.0, le=110.0)


FACE_PARAMS = (
    "head_width", "head_height", "jaw_width", "chin_length", "cheekbones", "brow_ridge",
    "eye_spacing", "eye_size", "nose_length", "nose_width", "nose_bridge", "lip_fullness",
    "mouth_width", "ear_size", "neck_width",
)


class FaceIR(IRNode):
    """Face-shape parameters of the procedural head, each a signed offset in −1…1 from the
    average face (0). ``None`` means: drawn from the character's seed by the runtime."""

    head_width: float | None = Field(None, ge=-1, le=1)
    head_height: float | None = Field(None, ge=-1, le=1)
    jaw_width: float | None = Field(None, ge=-1, le=1)
    chin_length: float | None = Field(None, ge=-1, le=1)
    cheekbones: float | None = Field(None, ge=-1, le=1)
    brow_ridge: float | None = Field(None, ge=-1, le=1)
    eye_spacing: float | None = Field(None, ge=-1, le=1)
    eye_size: float | None = Field(None, ge=-1, le=1)
    nose_length: float | None = Field(None, ge=-1, le=1)
    nose_width: float | None = Field(None, ge=-1, le=1)
    nose_bridge: float | None = Field(None, ge=-1, le=1)
    lip_fullness: float | None = Field(None, ge=-1, le=1)
    mouth_width: float | None = Field(None, ge=-1, le=1)
    ear_size: float | None = Field(None, ge=-1, le=1)
    neck_width: float | None = Field(None, ge=-1, le=1)


class CharacterIR(IRNode):
    name: str
    seed: int = 0
    skin: SkinIR = SkinIR()
    face: FaceIR = FaceIR()
    eye_color_srgb: tuple[float, float, float] | None = None
    references: str | None = None          # folder of reference photos (absolute path)
    identity: str | None = None            # .identity file (absolute path)
    identity_sha256: str | None = None     # content hash of the identity file
    mesh: str | None = None                # optional asset paths (absolute)
    texture: str | None = None


# --------------------------------------------------------------------------- camera

class FocusIR(IRNode):
    """Where the lens focuses: a named target on the character or a distance."""

    target: Literal["eyes", "nose", "lips", "ears", "subject"] | None = "eyes"
    distance_m: float | None = None


class CameraIR(IRNode):
    focal_length_m: float = 0.085
    f_number: float = 2.0
    sensor: str | None = "full_frame"
    sensor_width_m: float = 0.036
    sensor_height_m: float = 0.024
    distance_m: float = 0.8                 # camera to the subject's eye plane
    focus: FocusIR = FocusIR()
    blades: int = Field(9, ge=0, le=32)     # 0 = perfectly circular aperture
    blade_rotation_rad: float = 0.0
    anamorphic: float = Field(1.0, ge=1.0, le=2.5)
    yaw_rad: float = 0.0                    # camera orbit around the head, + = camera-right
    pitch_rad: float = 0.0                  # camera orbit, + = camera above eye level
    roll_rad: float = 0.0
    vignetting: float = Field(0.3, ge=0.0, le=1.0)
    distortion: float = 0.0                 # radial k1 (negative = barrel)
    chromatic_aberration: float = Field(0.0, ge=0.0)  # lateral CA, pixels at the corner per 1000 px
    macro: bool = False


# --------------------------------------------------------------------------- lighting

class LightIR(IRNode):
    name: str
    kind: Literal["area", "spot", "point", "directional", "environment"]
    key: bool = False                       # exactly one light of a rig is the key
    azimuth_rad: float = 0.0
    elevation_rad: float = 0.0
    distance_m: float = 1.5
    size_m: float = 0.5                     # area: edge length; point/spot: emitter diameter
    cone_rad: float = 0.6                   # spot: half angle of the cone
    temperature_k: float | None = 5600.0
    color: tuple[float, float, float] | None = None   # linear RGB, overrides temperature
    intensity: float = Field(1.0, ge=0.0)   # linear, relative to the key (key is 1.0 × exposure)
    shadows: bool = True
    image: str | None = None                # environment: optional lat-long image (absolute path)


# --------------------------------------------------------------------------- source

class SourceIR(IRNode):
    kind: Literal["render", "plate"] = "render"
    plate: str | None = None                # absolute paths
    plate_sha256: str | None = None
    depth: str | None = None
    depth_sha256: str | None = None
    depth_near_m: float = 0.3               # how an integer depth image maps to metres
    depth_far_m: float = 10.0
    mask: str | None = None
    mask_sha256: str | None = None
    subject_distance_m: float | None = None  # plate without depth: assumed distance of the subject


# --------------------------------------------------------------------------- finishing

class _Pass(IRNode):
    enabled: bool = True


class SkinEnhancePass(_Pass):
    op: Literal["skin_enhance"] = "skin_enhance"
    strength: float = Field(0.6, ge=0.0, le=2.0)
    seed: int | None = None                 # None: the character's seed


class UpscalePass(_Pass):
    op: Literal["upscale"] = "upscale"
    factor: int = Field(2, ge=1, le=8)
    mode: Literal["fidelity", "detail"] = "detail"


class GrainPass(_Pass):
    op: Literal["grain"] = "grain"
    stock: str = "250D"
    strength: float = Field(0.35, ge=0.0, le=2.0)
    seed: int | None = None
    frame: int = 0


class TonemapPass(_Pass):
    op: Literal["tonemap"] = "tonemap"
    operator: Literal["agx", "aces", "reinhard", "filmic", "none"] = "agx"
    contrast: float = Field(1.0, ge=0.0, le=3.0)
    look: Literal["none", "punchy", "golden"] = "none"


class GradePass(_Pass):
    op: Literal["grade"] = "grade"
    lut: str                                # absolute path of a .cube file
    lut_sha256: str = ""
    strength: float = Field(1.0, ge=0.0, le=1.0)


class ExposurePass(_Pass):
    op: Literal["exposure"] = "exposure"
    stops: float = 0.0


class WhiteBalancePass(_Pass):
    op: Literal["white_balance"] = "white_balance"
    temperature_k: float = 6500.0           # the scene white to neutralise
    tint: float = 0.0


class SmoothPass(_Pass):
    op: Literal["smooth"] = "smooth"
    strength: float = Field(0.5, ge=0.0, le=1.0)


class SharpenPass(_Pass):
    op: Literal["sharpen"] = "sharpen"
    amount: float = Field(0.5, ge=0.0, le=3.0)
    radius_px: float = 1.0


FinishPass = Annotated[
    Union[SkinEnhancePass, UpscalePass, GrainPass, TonemapPass, GradePass, ExposurePass,
          WhiteBalancePass, SmoothPass, SharpenPass],
    Field(discriminator="op"),
]

POINTWISE_OPS = frozenset({"exposure", "white_balance", "tonemap", "grade"})


# --------------------------------------------------------------------------- output

class OutputIR(IRNode):
    path: str                               # absolute path
    width: int = Field(1024, ge=16, le=16384)
    height: int = Field(1280, ge=16, le=16384)
    format: Literal["png", "tiff", "exr", "jpeg"] = "png"
    bit_depth: Literal[8, 16, 32] = 8
    colorspace: Literal["srgb", "rec709", "linear"] = "srgb"
    dither: bool = True


# --------------------------------------------------------------------------- shot / program

class ShotIR(IRNode):
    name: str
    character: CharacterIR | None = None
    camera: CameraIR = CameraIR()
    lights: tuple[LightIR, ...] = ()
    source: SourceIR = SourceIR()
    finish: tuple[FinishPass, ...] = ()
    output: OutputIR
    seed: int = 0
    # Where each value came from: dotted IR path -> "file:line:col (layer)", for `shot explain`.
    origins: dict[str, str] = Field(default_factory=dict)


class ProgramIR(IRNode):
    file: str
    shots: tuple[ShotIR, ...] = ()
    characters: tuple[CharacterIR, ...] = ()
    # Every file the compile read or will read (imports, LUTs, plates, photos, identities),
    # including ones that did not exist: watch mode re-watches exactly these.
    dependencies: tuple[str, ...] = ()
