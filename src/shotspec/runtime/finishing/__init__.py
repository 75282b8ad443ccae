"""Film-finish passes: grain, exposure, white balance, tone mapping, LUT grading, smoothing and
sharpening. Every pass takes and returns a :class:`shotspec.runtime.frame.Frame`; see
docs/finishing.md for the chain order and conventions."""

from shotspec.runtime.finishing.film_stocks import STOCKS, FilmStock, get_stock
from shotspec.runtime.finishing.grain import film_grain
from shotspec.runtime.finishing.lut import Lut, LutError, apply_lut, parse_cube
from shotspec.runtime.finishing.sharpen import sharpen
from shotspec.runtime.finishing.smooth import smooth
from shotspec.runtime.finishing.tone import exposure, tonemap
from shotspec.runtime.finishing.white_balance import white_balance

__all__ = ["film_grain", "STOCKS", "FilmStock", "get_stock", "exposure", "white_balance",
           "tonemap", "parse_cube", "apply_lut", "Lut", "LutError", "smooth", "sharpen"]
