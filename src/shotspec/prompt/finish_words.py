"""The finish in a colourist's words: film stock and grain, tone curve, look, grade, exposure.

Only passes that change how the image *looks* are described. Skin enhancement, upscaling,
smoothing and sharpening are shotspec's own finishing of the generated plate, so a prompt does
not ask the generator for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shotspec.compiler.ir import (
    ExposurePass, GradePass, GrainPass, TonemapPass, WhiteBalancePass,
)
from shotspec.prompt.formatting import fmt_kelvin

__all__ = ["FinishWords", "finish_words", "film_stock_name", "FILM_STOCKS"]

# Stock names as written in a spec (folded to lower case, no spaces/dashes/underscores).
FILM_STOCKS = {
    "50d": "Kodak Vision3 50D", "5203": "Kodak Vision3 50D",
    "200t": "Kodak Vision3 200T", "5213": "Kodak Vision3 200T",
    "250d": "Kodak Vision3 250D", "5207": "Kodak Vision3 250D",
    "500t": "Kodak Vision3 500T", "5219": "Kodak Vision3 500T",
    "portra160": "Kodak Portra 160", "portra400": "Kodak Portra 400",
    "portra800": "Kodak Portra 800", "ektar100": "Kodak Ektar 100",
    "trix": "Kodak Tri-X 400", "trix400": "Kodak Tri-X 400",
    "hp5": "Ilford HP5 Plus 400", "cinestill800t": "CineStill 800T",
    "eterna500": "Fujifilm Eterna 500", "superia400": "Fujifilm Superia 400",
}
_TONEMAPS = {
    "agx": "AgX filmic tone mapping with a soft highlight roll-off",
    "aces": "ACES filmic tone curve",
    "filmic": "filmic tone curve",
    "reinhard": "gentle Reinhard tone curve",
}
_LOOKS = {"punchy": "punchy, saturated look", "golden": "warm golden look"}


@dataclass(frozen=True)
class FinishWords:
    """What a prompt says about the finish. Strings are "" when the spec has no such pass."""

    stock: str                  # "Kodak Vision3 250D"
    grain: str                  # "fine Kodak Vision3 250D film grain"
    tone: str                   # "AgX filmic tone mapping with a soft highlight roll-off"
    contrast: str               # "high contrast" / "low contrast"
    look: str                   # "warm golden look"
    grade: str                  # "color graded with a kodak 2383 LUT"
    exposure: str               # "a bright, high-key exposure"
    white_balance: str          # "white balance 3200K"
    clauses: tuple[str, ...]    # the non-empty strings above, in this order (stock excluded)


def film_stock_name(stock: str) -> str:
    """"250D" → "Kodak Vision3 250D"; an unknown stock is kept as written."""
    key = stock.lower().replace(" ", "").replace("-", "").replace("_", "")
    key = key.removeprefix("kodak").removeprefix("vision3").removeprefix("fuji")
    return FILM_STOCKS.get(key, stock)


def _grain_strength(strength: float) -> str:
    if strength < 0.15:
        return "very fine, subtle"
    if strength < 0.45:
        return "fine"
    if strength < 0.9:
        return "visible"
    return "heavy"


def finish_words(passes: tuple) -> FinishWords:
    """Describe the enabled finish passes; the last pass of each kind wins, as it would on screen."""
    last: dict[str, object] = {}
    for p in passes:
        if p.enabled:
            last[p.op] = p
    stock = grain = tone = contrast = look = grade = exposure = white_balance = ""
    g = last.get("grain")
    if isinstance(g, GrainPass) and g.strength > 0:
        stock = film_stock_name(g.stock)
        grain = f"{_grain_strength(g.strength)} {stock} film grain"
    t = last.get("tonemap")
    if isinstance(t, TonemapPass):
        tone = _TONEMAPS.get(t.operator, "")
        if t.contrast >= 1.25:
            contrast = "high contrast"
        elif t.contrast <= 0.8:
            contrast = "low contrast"
        look = _LOOKS.get(t.look, "")
    gr = last.get("grade")
    if isinstance(gr, GradePass) and gr.strength > 0:
        name = Path(gr.lut).stem.replace("_", " ").replace("-", " ")
        grade = f"{'lightly ' if gr.strength < 0.5 else ''}color graded with a {name} LUT"
    e = last.get("exposure")
    if isinstance(e, ExposurePass):
        if e.stops >= 0.5:
            exposure = "a bright, high-key exposure"
        elif e.stops <= -0.5:
            exposure = "a dark, low-key exposure"
    wb = last.get("white_balance")
    if isinstance(wb, WhiteBalancePass):
        tint = ""
        if wb.tint >= 0.1:
            tint = ", magenta tint"
        elif wb.tint <= -0.1:
            tint = ", green tint"
        white_balance = f"white balance {fmt_kelvin(wb.temperature_k)}{tint}"
    clauses = tuple(c for c in (grain, tone, contrast, look, grade, exposure, white_balance) if c)
    return FinishWords(stock=stock, grain=grain, tone=tone, contrast=contrast, look=look,
                       grade=grade, exposure=exposure, white_balance=white_balance,
                       clauses=clauses)

