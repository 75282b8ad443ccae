"""Named hair colours: one table for every kind of hair a character grows (scalp hair, brows,
lashes, stubble), shared by the compiler (which resolves a name to a colour) and the renderer.

Torch-free. Each colour is the fibre's diffuse appearance, sRGB-encoded 0–1 (what a swatch of
the hair looks like under white light, before the fibre's specular shine): natural shades from
eumelanin-dark to pheomelanin-red to unpigmented grey/white, spaced like a colourist's chart
(levels 1–10: black, dark brown, brown, light brown, dark blonde, blonde, light/platinum
blonde), plus the red family and grey. A facial hair left without a colour takes the character's hair
colour drawn from its seed (``runtime.head.skin_albedo.hair_albedo``).
"""

from __future__ import annotations

__all__ = ["HAIR_COLOURS", "hair_colour_name"]

HAIR_COLOURS: dict[str, tuple[float, float, float]] = {
    "black": (0.045, 0.040, 0.036),
    "dark_brown": (0.13, 0.085, 0.060),
    "brown": (0.25, 0.16, 0.10),
    "light_brown": (0.40, 0.28, 0.18),
    "auburn": (0.40, 0.17, 0.09),
    "red": (0.56, 0.25, 0.12),
    "strawberry_blonde": (0.72, 0.50, 0.33),
    "dark_blonde": (0.55, 0.42, 0.27),
    "blonde": (0.78, 0.64, 0.42),
    "light_blonde": (0.86, 0.76, 0.56),
    "platinum": (0.90, 0.85, 0.74),
    "grey": (0.62, 0.61, 0.58),
    "gray": (0.62, 0.61, 0.58),
    "white": (0.88, 0.87, 0.84),
}

def hair_colour_name(srgb: tuple[float, float, float]) -> str | None:
    """The name of a table colour (the first, for ``grey``/``gray``), or None."""
    for name, rgb in HAIR_COLOURS.items():
        if tuple(rgb) == tuple(srgb):
            return name
    return None
