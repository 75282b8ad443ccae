"""Named motion-picture film stocks for the grain pass.

Each stock describes its grain on the film plane, so the grain pass can size it in pixels from
the frame's sensor width:

* ``grain_radius_um`` — effective radius of the image-forming grains (colour negative: dye
  clouds, which are several silver-halide crystals wide) in micrometres on the film plane.
* ``amplitude`` — per channel (R, G, B), the RMS of the perceptual signal u (0..1, see
  ``perceptual.py``) at mid-grey, measured through a 48 µm circular aperture on the film plane
  (the aperture of the datasheets' *diffuse RMS granularity*), at ``strength`` 1. Red is
  1.2× and blue 1.05× the green, the ratios measured in the scans' flat areas (green finest).
* ``colour_correlation`` — fraction of each channel's grain variance carried by the shared
  luminance component (0: independent colour speckle, 1: monochrome grain). Scanned negative
  grain is strongly luminance-dominant: its channels correlate 0.85–0.9.

Calibration (bench/grain_scans.py, estimator in ``grain_measure.py``): 250D and 200T at
strength 1 match the mean grain of two 35 mm scans at 47 µm per pixel (kodim04, kodim15) in
amplitude, neighbour correlation and channel correlation; 50D and 500T keep the relative
granularity of current camera negatives (slower stock: finer, weaker grain). The scans' stocks
are not known, so the per-stock numbers are a calibrated look, not datasheet values.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FilmStock", "STOCKS", "get_stock", "REFERENCE_APERTURE_UM", "SCAN_SPREAD_PX"]

REFERENCE_APERTURE_UM = 48.0   # diameter of the granularity-measuring aperture
# Standard deviation, in output pixels, of the Gaussian point spread of the scan that turned the
# film into pixels (its optics and resampling filter, matched to its pitch). Fitted to the
# neighbour correlation of 35 mm scans at 47 µm per pixel (kodim04, kodim15: bench/grain_scans.py),
# where the grain itself (7.5 µm radius) is far below a pixel and all of the correlation is the scan's.
SCAN_SPREAD_PX = 0.40


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
                  grain_radius_um=5.0, amplitude=(0.0178, 0.0149, 0.0157), colour_correlation=0.89),
        FilmStock("200T", "medium-speed tungsten negative, ISO 200", 200, "tungsten",
                  grain_radius_um=7.0, amplitude=(0.0268, 0.0224, 0.0235), colour_correlation=0.87),
        FilmStock("250D", "medium-speed daylight negative, ISO 250", 250, "daylight",
                  grain_radius_um=7.5, amplitude=(0.0290, 0.0243, 0.0255), colour_correlation=0.87),
        FilmStock("500T", "high-speed tungsten negative, ISO 500", 500, "tungsten",
                  grain_radius_um=10.0, amplitude=(0.0424, 0.0354, 0.0371), colour_correlation=0.85),
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
