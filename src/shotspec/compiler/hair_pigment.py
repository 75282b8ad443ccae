"""Hair colour as fibre pigment: named hair colours → melanin concentrations → absorption →
the fibre's linear albedo. Torch-free (the compiler resolves ``hair { colour … }`` with it; the
runtime's per-strand variation uses ``absorption_scaled``).

A hair fibre's colour comes from two pigments in its cortex: eumelanin (brown-black) and
pheomelanin (red-yellow). Their absorption coefficients per unit concentration (RGB, per
fibre diameter) are those of d'Eon et al. 2011 ("An energy-conserving hair reflectance model")
as used by pbrt-v3/v4 and Chiang et al. 2016: ``σa = c_eu·(0.419, 0.697, 1.37) +
c_pheo·(0.187, 0.4, 1.05)``. Chiang et al. 2016 ("A practical and controllable hair and fur
model for production path tracing", eq. 9) map absorption to the colour a fibre shows after
multiple scattering in a head of hair: ``σa = (ln c / f(βn))²`` with
``f(β) = 5.969 − 0.215β + 2.532β² − 10.73β³ + 5.574β⁴ + 0.245β⁵`` and ``βn`` the azimuthal
roughness (0.3 here); inverted, ``c = exp(−√σa · f(βn))``. Scaling the absorption by ``k``
therefore raises that colour to the power ``√k``.

The named colours' concentrations are on this mapping's scale: pbrt's guidance (eumelanin ≈ 8
black, 1.3 brown, 0.3 blonde) is for a path tracer that integrates the scattering along each
fibre, and through the mapping above gives colours far darker than measured hair swatches, so
the concentrations are set (in the same eumelanin : pheomelanin proportions) until the albedo
matches them: brown ≈ (0.07, 0.03, 0.007), blonde ≈ (0.35, 0.24, 0.13), black ≈ 0.01. An
unpigmented (grey/white) fibre keeps a trace of yellowish keratin absorption.
"""

from __future__ import annotations

import math

__all__ = ["EUMELANIN_SIGMA", "PHEOMELANIN_SIGMA", "HAIR_COLOURS", "UNPIGMENTED",
           "melanin_absorption", "absorption_colour", "colour_absorption", "melanin_colour",
           "hair_colour_albedo", "absorption_scaled", "AZIMUTHAL_ROUGHNESS"]

EUMELANIN_SIGMA = (0.419, 0.697, 1.37)
PHEOMELANIN_SIGMA = (0.187, 0.4, 1.05)
AZIMUTHAL_ROUGHNESS = 0.3

# named hair colour -> (eumelanin, pheomelanin) concentration
HAIR_COLOURS: dict[str, tuple[float, float]] = {
    "black": (1.6, 0.0),
    "dark_brown": (0.8, 0.08),
    "brown": (0.45, 0.1),
    "light_brown": (0.22, 0.1),
    "auburn": (0.3, 0.35),
    "red": (0.08, 0.45),
    "strawberry_blonde": (0.06, 0.2),
    "dark_blonde": (0.12, 0.06),
    "blonde": (0.06, 0.04),
    "light_blonde": (0.03, 0.02),
    "platinum": (0.006, 0.006),
    "grey": (0.012, 0.008),
    "gray": (0.012, 0.008),
    "white": (0.002, 0.006),
}
# a fibre with no melanin (grey/white hair): keratin's faint yellowish absorption
UNPIGMENTED = HAIR_COLOURS["white"]


def _f(beta_n: float) -> float:
    b = beta_n
    return 5.969 - 0.215 * b + 2.532 * b ** 2 - 10.73 * b ** 3 + 5.574 * b ** 4 + 0.245 * b ** 5


def melanin_absorption(eumelanin: float, pheomelanin: float) -> tuple[float, float, float]:
    """Absorption σa (RGB, per fibre diameter) of the two melanin concentrations."""
    if eumelanin < 0 or pheomelanin < 0:
        raise ValueError(f"melanin concentrations must be ≥ 0, got {eumelanin}, {pheomelanin}")
    return tuple(eumelanin * e + pheomelanin * p  # type: ignore[return-value]
                 for e, p in zip(EUMELANIN_SIGMA, PHEOMELANIN_SIGMA))


def absorption_colour(sigma_a: tuple[float, float, float],
                      beta_n: float = AZIMUTHAL_ROUGHNESS) -> tuple[float, float, float]:
    """The linear colour a fibre of absorption ``sigma_a`` shows (Chiang et al. 2016, inverted)."""
    return tuple(math.exp(-math.sqrt(max(s, 0.0)) * _f(beta_n)) for s in sigma_a)  # type: ignore


def colour_absorption(colour: tuple[float, float, float],
                      beta_n: float = AZIMUTHAL_ROUGHNESS) -> tuple[float, float, float]:
    """Absorption σa that gives the linear ``colour`` (Chiang et al. 2016, eq. 9)."""
    return tuple((math.log(min(max(c, 1e-4), 1.0)) / _f(beta_n)) ** 2  # type: ignore
                 for c in colour)


def melanin_colour(eumelanin: float, pheomelanin: float) -> tuple[float, float, float]:
    """Linear fibre albedo of the melanin concentrations, rounded to 6 places as the IR stores it."""
    return tuple(round(c, 6) for c in  # type: ignore[return-value]
                 absorption_colour(melanin_absorption(eumelanin, pheomelanin)))


def hair_colour_albedo(name: str) -> tuple[float, float, float]:
    """Linear fibre albedo of a named hair colour (``HAIR_COLOURS``)."""
    return melanin_colour(*HAIR_COLOURS[name])


def absorption_scaled(colour: float, k: float) -> float:
    """One channel of a fibre colour whose absorption is scaled by ``k``: ``colour ** √k``."""
    return colour ** math.sqrt(k)
