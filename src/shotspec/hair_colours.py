"""Named hair colours: one table for every kind of hair a character grows (scalp hair, brows,
lashes, stubble), shared by the compiler (which resolves a name to a colour) and the renderer.

Torch-free. Each colour is the fibre's diffuse appearance, sRGB-encoded 0–1: the linear
albedo that ``compiler.hair_pigment`` derives from the name's melanin concentrations (the scalp's
``hair { colour }`` resolves through the same table), so `brows { colour auburn }` and
`hair { colour auburn }` are one colour. A facial hair left without a colour takes the character's hair
colour drawn from its seed (``runtime.head.skin_albedo.hair_albedo``).
"""

from __future__ import annotations

from shotspec.color import SRGB_ENCODE_KNEE, SRGB_GAMMA, SRGB_LINEAR_SLOPE, SRGB_OFFSET, SRGB_SCALE
from shotspec.compiler.hair_pigment import HAIR_COLOURS as PIGMENTS, hair_colour_albedo

__all__ = ["HAIR_COLOURS", "hair_colour_name"]


def _srgb(linear: float) -> float:
    """The sRGB encoding of one linear value (IEC 61966-2-1), rounded to 4 places."""
    c = linear * SRGB_LINEAR_SLOPE if linear <= SRGB_ENCODE_KNEE else (
        SRGB_SCALE * linear ** (1 / SRGB_GAMMA) - SRGB_OFFSET)
    return round(c, 4)


# name -> the fibre's sRGB colour: the melanin table's linear albedo, encoded
HAIR_COLOURS: dict[str, tuple[float, float, float]] = {
    name: tuple(_srgb(c) for c in hair_colour_albedo(name)) for name in PIGMENTS}


def hair_colour_name(srgb: tuple[float, float, float]) -> str | None:
    """The name of a table colour (the first, for ``grey``/``gray``), or None."""
    for name, rgb in HAIR_COLOURS.items():
        if tuple(rgb) == tuple(srgb):
            return name
    return None
