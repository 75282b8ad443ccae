"""Named motion-picture film stocks for the grain pass.

Each stock describes its grain on the film plane, so the grain pass can size it in pixels from
the frame's sensor width:

* ``grain_radius_um`` — effective radius of the image-forming grains (colour negative: dye
  clouds, which are several silver-halide crystals wide) in micrometres on the film plane.
* ``amplitude`` — per channel (R, G, B), the RMS of the perceptual signal u (0..1, see
  ``perceptual.py``) at mid-grey, measured through a 48 µm circular aperture on the film plane
  (the aperture of the datasheets' *diffuse RMS granularity*), at ``strength`` 1. The blue-
  sensitive layer is the grainiest and the green the finest, as on colour-negative datasheets.
* ``colour_correlation`` — fraction of the grain variance shared by the three channels (0:
  independent colour speckle, 1: monochrome grain). Real negative grain is partly correlated:
  the layers are exposed by the same light but their dye clouds form independently.

The numbers are calibrated to the relative granularity of current 35 mm camera negatives
(slower stock: finer, weaker grain), not copied from a datasheet; they are a look, not a
measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FilmStock", "STOCKS", "get_stock", "REFERENCE_APERTURE_UM"]

REFERENCE_APERTURE_UM = 48.0   # diameter of the granularity-measuring aperture


@dataclass(frozen=True)
class FilmStock:
    name: str
    description: str
    iso: int
    balance: str                               # "daylight" (5500 K) or "tungsten" (3200 K)
    grain_radius_um: float                     # film-plane grain radius, micrometres
    amplitude: tuple[float, float, float]      # perceptual RMS at mid-grey, 48 µm aperture
    colour_correlation: float                  # 0..1 shared fraction of the grain variance

    def __post_init__(self) -> None:
        if self.grain_radius_um <= 0:
            raise ValueError(f"stock {self.name}: grain radius must be > 0 µm")
        if not 0.0 <= self.colour_correlation <= 1.0:
            raise ValueError(f"stock {self.name}: colour correlation must be in 0..1")


STOCKS: dict[str, FilmStock] = {
    s.name: s for s in (
        FilmStock("50D", "fine-grain daylight negative, ISO 50", 50, "daylight",
                  grain_radius_um=5.0, amplitude=(0.010, 0.008, 0.013), colour_correlation=0.70),
        FilmStock("200T", "medium-speed tungsten negative, ISO 200", 200, "tungsten",
                  grain_radius_um=7.0, amplitude=(0.014, 0.012, 0.019), colour_correlation=0.65),
        FilmStock("250D", "medium-speed daylight negative, ISO 250", 250, "daylight",
                  grain_radius_um=7.5, amplitude=(0.015, 0.013, 0.020), colour_correlation=0.65),
        FilmStock("500T", "high-speed tungsten negative, ISO 500", 500, "tungsten",
                  grain_radius_um=10.0, amplitude=(0.022, 0.019, 0.030), colour_correlation=0.60),
    )
}


def get_stock(name: str) -> FilmStock:
    """The stock called ``name`` (case-insensitive); ValueError listing the known stocks."""
    if isinstance(name, FilmStock):
        return name
    for key, stock in STOCKS.items():
        if key.lower() == str(name).strip().lower():
            return stock
    known = ", ".join(STOCKS)
    raise ValueError(f"unknown film stock {name!r}; known stocks: {known}")
