"""Number formatting shared by every prompt word: one spelling per quantity, so prompts diff cleanly.

Every number a prompt shows passes through one of these functions; a value therefore reads the
same in every target and every clause ("f/2", "85mm", "80 cm", "45°", "5600K", "4:1").
"""

from __future__ import annotations

import math

__all__ = [
    "fmt_num", "fmt_focal", "fmt_fnumber", "fmt_length", "fmt_deg", "fmt_kelvin", "fmt_ratio",
    "fmt_percent", "deg",
]


def fmt_num(value: float, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` decimals with trailing zeros dropped: 2.0 → "2", 1.25 → "1.2".

    Rounding is half-to-even on the decimal string (Python's ``round``), never "-0".
    """
    text = f"{round(float(value), digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def deg(rad: float) -> float:
    """Radians to degrees."""
    return math.degrees(float(rad))


def fmt_focal(focal_length_m: float) -> str:
    """Focal length the way it is engraved on a lens barrel: 0.085 → "85mm", 0.0355 → "35.5mm"."""
    return f"{fmt_num(focal_length_m * 1000.0, 1)}mm"


def fmt_fnumber(f_number: float) -> str:
    """An f-stop: 2.0 → "f/2", 1.4 → "f/1.4", 11.3 → "f/11" (whole stops above f/10)."""
    return f"f/{fmt_num(f_number, 0 if f_number >= 10 else 1)}"


def fmt_length(metres: float) -> str:
    """A distance in the unit a camera crew would say: "9 mm", "4.5 cm", "80 cm", "1.5 m"."""
    m = float(metres)
    if math.isinf(m):
        return "infinity"
    if m < 0.01:
        return f"{fmt_num(m * 1000.0, 0)} mm"
    if m < 0.1:
        return f"{fmt_num(m * 100.0, 1)} cm"
    if m < 1.0:
        return f"{fmt_num(m * 100.0, 0)} cm"
    return f"{fmt_num(m, 2)} m"


def fmt_deg(degrees: float) -> str:
    """An angle in whole degrees: 45.2 → "45°"."""
    return f"{fmt_num(degrees, 0)}°"


def fmt_kelvin(kelvin: float) -> str:
    """A colour temperature in whole kelvin, no space, as printed on lamps: "5600K"."""
    return f"{fmt_num(kelvin, 0)}K"


def fmt_ratio(ratio: float) -> str:
    """A lighting ratio N:1 with one decimal at most: 4.0 → "4:1", 2.5 → "2.5:1"."""
    return f"{fmt_num(ratio, 1)}:1"


def fmt_percent(fraction: float) -> str:
    """A fraction as a whole percentage: 0.7 → "70%"."""
    return f"{fmt_num(fraction * 100.0, 0)}%"
