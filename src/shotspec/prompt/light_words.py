"""Lights in a gaffer's words: role, direction from the camera, hardness from apparent size,
color temperature, and the key-to-fill ratio.

Direction follows the IR convention: azimuth 0 is the camera position, positive azimuth is
camera-right, 180° is behind the subject; elevation is up from the subject's eye level.
Hardness comes from the source's apparent (angular) size seen from the subject,
``2·atan(size / 2·distance)``: a 50 cm softbox at 1.5 m spans 19° and reads as soft, a 5 cm
bulb at 2 m spans 1.4° and throws crisp shadows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from shotspec.compiler.ir import LightIR
from shotspec.prompt.formatting import (
    deg, fmt_deg, fmt_kelvin, fmt_length, fmt_percent, fmt_ratio,
)

__all__ = [
    "LightWords", "LightingWords", "light_words", "lighting_words", "pick_key", "hue_name",
]

_ROLE_WORDS = ("fill", "rim", "back", "hair", "kicker", "background", "bounce", "edge", "accent")
# (upper bound of apparent size in degrees, quality, shadow edge)
_QUALITIES = (
    (2.0, "very hard", "razor-sharp shadow edges"),
    (6.0, "hard", "crisp shadow edges"),
    (15.0, "semi-soft", "defined but gentle shadow edges"),
    (30.0, "soft", "soft shadow edges"),
    (math.inf, "very soft", "wraparound light with gradual shadow falloff"),
)
# (upper bound in kelvin, name)
_TEMPERATURES = (
    (2000, "candlelight"), (2800, "warm tungsten"), (3600, "tungsten"), (4500, "warm white"),
    (5200, "neutral white"), (6500, "daylight"), (8000, "cool overcast daylight"),
    (12000, "blue-hour shade"), (math.inf, "deep blue skylight"),
)


@dataclass(frozen=True)
class LightWords:
    """What a prompt says about one light."""

    name: str
    kind: str
    role: str                   # "key light", "fill light", "rim light", ...
    is_key: bool
    azimuth_deg: float
    elevation_deg: float
    side: str                   # "camera-right", "camera-left", "on the camera axis"
    height: str                 # "slightly above", "at eye level", ...
    direction: str              # "45° camera-right, slightly above"
    quality: str                # "soft"
    apparent_size: str          # "19°"
    shadows: str                # "soft shadow edges" ("" for shadowless or ambient light)
    source: str                 # "50 cm area light at 1.5 m"
    color: str                  # "daylight 5600K"
    temperature_k: float | None
    intensity: float
    level: str                  # "at 70% of the key" ("" for the key)
    ratio: str                  # "4:1 key-to-fill" for fill lights, else ""
    clause: str                 # everything above in one line


@dataclass(frozen=True)
class LightingWords:
    """What a prompt says about the rig as a whole."""

    count: int
    pattern: str                # "Rembrandt lighting" ("" when no key or not a classic pattern)
    ratio: str                  # "4:1 key-to-fill" ("" without fill)
    ratio_value: float | None
    contrast: str               # "moderate contrast"
    color_contrast: str        # "mixed color temperatures, tungsten 3200K against daylight 5600K"


def hue_name(rgb: tuple[float, float, float]) -> str:
    """A colour name for a linear or sRGB triple: "amber", "teal", "magenta", ... or "white"."""
    r, g, b = (max(0.0, float(c)) for c in rgb)
    hi, lo = max(r, g, b), min(r, g, b)
    if hi <= 0 or (hi - lo) / hi < 0.12:
        return "white"
    if hi == r:
        h = ((g - b) / (hi - lo)) % 6.0
    elif hi == g:
        h = (b - r) / (hi - lo) + 2.0
    else:
        h = (r - g) / (hi - lo) + 4.0
    h_deg = h * 60.0
    names = ((15, "red"), (40, "orange"), (52, "amber"), (70, "yellow"), (150, "green"),
             (190, "teal"), (205, "cyan"), (255, "blue"), (285, "violet"), (320, "magenta"),
             (345, "pink"), (361, "red"))
    return next(name for bound, name in names if h_deg < bound)


def _color(light: LightIR) -> str:
    if light.color is not None:
        return f"{hue_name(light.color)} gel"
    if light.temperature_k is None:
        return "neutral white"
    name = next(n for bound, n in _TEMPERATURES if light.temperature_k < bound)
    return f"{name} {fmt_kelvin(light.temperature_k)}"


def _height(el: float) -> str:
    if el >= 80:
        return "directly overhead"
    if el >= 50:
        return "high above"
    if el >= 25:
        return "above"
    if el >= 7.5:
        return "slightly above"
    if el > -7.5:
        return "at eye level"
    if el > -25:
        return "slightly below"
    return "from below"


def _side(az: float) -> str:
    if abs(az) < 5:
        return "on the camera axis"
    return "camera-right" if az > 0 else "camera-left"


def _direction(az: float, el: float) -> str:
    height = _height(el)
    if abs(az) < 5:
        where = "on the camera axis"
    elif abs(az) > 175:
        where = "from directly behind the subject"
    elif abs(az) > 100:
        where = f"{fmt_deg(abs(az))} {_side(az)}, behind the subject"
    else:
        where = f"{fmt_deg(abs(az))} {_side(az)}"
    return f"{where}, {height}" if height != "directly overhead" else height


def _role(light: LightIR, az: float) -> str:
    if light.key:
        return "key light"
    if light.kind == "environment":
        return "ambient light"
    lowered = light.name.lower()
    for word in _ROLE_WORDS:
        if word in lowered:
            return f"{word} light"
    if abs(az) > 100:
        return "rim light"
    return "fill light"


def _apparent_deg(light: LightIR) -> float:
    return deg(2.0 * math.atan(light.size_m / (2.0 * max(light.distance_m, 1e-6))))


def _source(light: LightIR) -> str:
    at = f"at {fmt_length(light.distance_m)}"
    if light.kind == "area":
        return f"{fmt_length(light.size_m)} area light {at}"
    if light.kind == "spot":
        return f"{fmt_length(light.size_m)} spotlight with a {fmt_deg(2 * deg(light.cone_rad))} beam {at}"
    if light.kind == "point":
        return f"{fmt_length(light.size_m)} bare bulb {at}"
    if light.kind == "directional":
        return "parallel directional light, like direct sun"
    if light.image:
        return f"image-based environment light ({Path(light.image).stem})"
    return "environment light from all around"


def light_words(light: LightIR, key: LightIR | None) -> LightWords:
    """Describe ``light``; ``key`` (the rig's key, possibly ``light`` itself) sets the ratio."""
    az = _azimuth_deg(light)
    el = deg(light.elevation_rad)
    role = _role(light, az)
    ambient = light.kind == "environment"
    if ambient:
        quality, shadows, apparent = "ambient", "", ""
    elif light.kind == "directional":
        quality, shadows, apparent = "hard", "crisp shadow edges", ""
    else:
        a = _apparent_deg(light)
        quality, shadows = next((q, s) for bound, q, s in _QUALITIES if a < bound)
        apparent = fmt_deg(a)
    if not light.shadows:
        shadows = ""
    level = ratio = ""
    is_fill = role in ("fill light", "bounce light") and abs(az) <= 100
    if key is not None and light is not key and key.intensity > 0:
        level = f"at {fmt_percent(light.intensity / key.intensity)} of the key"
        if is_fill and light.intensity > 0:
            ratio = f"{fmt_ratio(key.intensity / light.intensity)} key-to-fill"
    direction = "all around" if ambient else _direction(az, el)
    color = _color(light)
    parts = [f"{role} {direction}", quality + (f" ({_source(light)}, {apparent} apparent size)"
                                               if apparent else f" ({_source(light)})"), color]
    if ratio:
        parts.append(ratio)
    elif level:
        parts.append(level)
    return LightWords(
        name=light.name, kind=light.kind, role=role, is_key=light is key,
        azimuth_deg=round(az, 3), elevation_deg=round(el, 3), side=_side(az), height=_height(el),
        direction=direction, quality=quality, apparent_size=apparent, shadows=shadows,
        source=_source(light), color=color, temperature_k=light.temperature_k,
        intensity=light.intensity, level=level, ratio=ratio, clause=", ".join(parts),
    )


def _azimuth_deg(light: LightIR) -> float:
    """Azimuth in degrees folded into −180…180."""
    return (deg(light.azimuth_rad) + 180.0) % 360.0 - 180.0


def _pattern(key: LightIR) -> str:
    """The portrait pattern the key's position makes: butterfly (above the lens), loop (15–50°),
    Rembrandt (50–70°, the cheek triangle), split (70–110°), as in specs/presets/lighting.shot;
    a very large source at the side reads as soft side light rather than a hard split."""
    az, el = abs(_azimuth_deg(key)), deg(key.elevation_rad)
    if key.kind == "environment":
        return ""
    if az < 15:
        return "butterfly lighting" if el >= 20 else "flat frontal lighting"
    if az < 50:
        return "loop lighting"
    if az < 70:
        return "Rembrandt lighting"
    if az <= 110:
        soft = key.kind in ("area", "spot", "point") and _apparent_deg(key) >= 30
        return "soft side lighting" if soft else "split lighting"
    return "rim-lit silhouette"


def _contrast(ratio: float | None) -> str:
    if ratio is None:
        return "unfilled shadows, high contrast"
    if ratio <= 1.5:
        return "flat, even lighting"
    if ratio <= 3.0:
        return "low-contrast lighting"
    if ratio <= 6.0:
        return "moderate contrast"
    if ratio <= 10.0:
        return "dramatic, contrasty lighting"
    return "low-key chiaroscuro lighting"


def pick_key(lights: tuple[LightIR, ...]) -> LightIR | None:
    """The light marked ``key``; failing that the brightest non-ambient light; ``None`` if none."""
    for light in lights:
        if light.key:
            return light
    candidates = [lt for lt in lights if lt.kind != "environment"]
    return max(candidates, key=lambda lt: lt.intensity, default=None)


def lighting_words(lights: tuple[LightIR, ...], words: list[LightWords]) -> LightingWords:
    """Summarise the rig: pattern from the key's position, ratio from the strongest fill."""
    key = pick_key(lights)
    fills = [lt for lt, w in zip(lights, words) if w.ratio]
    ratio_value = None
    if key is not None and fills:
        ratio_value = key.intensity / max(lt.intensity for lt in fills)
    temps = sorted({round(lt.temperature_k) for lt in lights
                    if lt.temperature_k is not None and lt.color is None and lt.kind != "environment"})
    color_contrast = ""
    if len(temps) >= 2 and temps[-1] - temps[0] >= 1500:
        cold = next(w.color for lt, w in zip(lights, words)
                    if lt.temperature_k is not None and round(lt.temperature_k) == temps[-1])
        warm = next(w.color for lt, w in zip(lights, words)
                    if lt.temperature_k is not None and round(lt.temperature_k) == temps[0])
        color_contrast = f"mixed color temperatures, {warm} against {cold}"
    return LightingWords(
        count=len(lights),
        pattern=_pattern(key) if key is not None else "",
        ratio=f"{fmt_ratio(ratio_value)} key-to-fill" if ratio_value is not None else "",
        ratio_value=round(ratio_value, 6) if ratio_value is not None else None,
        contrast=_contrast(ratio_value) if key is not None else "",
        color_contrast=color_contrast,
    )
