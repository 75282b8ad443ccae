"""Fixed tables the compiler resolves names against: sensors, skin-tone swatches, eye colours,
light-direction words. The runtime and prompt export never need their own copies."""

from __future__ import annotations

from shotspec.color import hex_to_srgb, srgb_decode

__all__ = ["SENSORS_MM", "MONK_SWATCHES", "monk_albedo", "fitzpatrick_albedo",
           "EYE_COLORS", "HORIZONTAL_WORDS", "VERTICAL_WORDS", "srgb_to_linear",
           "fitzpatrick_to_monk"]

# Sensor sizes in millimetres (width, height).
SENSORS_MM: dict[str, tuple[float, float]] = {
    "full_frame": (36.0, 24.0),
    "aps_c": (23.6, 15.6),
    "mft": (17.3, 13.0),
    "super35": (24.89, 18.66),
    "alexa_mini": (29.90, 15.77),
    "alexa_65": (54.12, 25.58),
    "medium_format": (44.0, 33.0),
}

# The Monk Skin Tone scale's published swatches (sRGB hex), tones 1 (lightest) … 10.
MONK_SWATCHES = ("#f6ede4", "#f3e7db", "#f7ead0", "#eadaba", "#d7bd96",
                 "#a07e56", "#825c43", "#604134", "#3a312a", "#292420")


def srgb_to_linear(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """An sRGB colour decoded to linear (``shotspec.color.srgb_decode``) and rounded to 6 places,
    as the IR stores it."""
    return tuple(round(srgb_decode(c), 6) for c in rgb)  # type: ignore[return-value]


def monk_albedo(value: float) -> tuple[float, float, float]:
    """The swatch of a Monk tone 1–10; fractional tones interpolate between neighbours."""
    v = min(max(value, 1.0), 10.0)
    lo = int(v) if v < 10 else 9
    t = v - lo
    a, b = hex_to_srgb(MONK_SWATCHES[lo - 1]), hex_to_srgb(MONK_SWATCHES[min(lo, 9)])
    return tuple(round(x + (y - x) * t, 4) for x, y in zip(a, b))  # type: ignore[return-value]


def fitzpatrick_to_monk(value: float) -> float:
    """Fitzpatrick I–VI has no published colour swatch; each type maps to the Monk tone of
    comparable lightness (I → 2, III → 5, VI → 9.5)."""
    return 0.5 + 1.5 * value


def fitzpatrick_albedo(value: float) -> tuple[float, float, float]:
    return monk_albedo(fitzpatrick_to_monk(value))


# Named eye (iris) colours, sRGB-encoded.
EYE_COLORS: dict[str, tuple[float, float, float]] = {
    "dark_brown": (0.22, 0.13, 0.07),
    "brown": (0.36, 0.22, 0.11),
    "amber": (0.62, 0.42, 0.16),
    "hazel": (0.50, 0.40, 0.22),
    "green": (0.33, 0.45, 0.28),
    "blue": (0.33, 0.49, 0.66),
    "grey": (0.50, 0.55, 0.58),
    "gray": (0.50, 0.55, 0.58),
}

# Direction words → azimuth in degrees (+ = camera-right, 180 = behind the subject).
HORIZONTAL_WORDS = {"front": 0.0, "right": 90.0, "left": -90.0, "behind": 180.0, "back": 180.0}
# Direction words → elevation in degrees.
VERTICAL_WORDS = {"above": 90.0, "below": -90.0}

# Film stocks the grain pass knows (runtime/finishing/film_stocks.py holds their data; a test
# keeps the two in step).
FILM_STOCKS = ("50D", "200T", "250D", "500T")
