"""Literal values: atoms with units → SI numbers, each with a clear diagnostic when wrong.

Every reader takes an ``Atom`` and a ``DiagnosticSink`` and returns the value, or ``None``
after reporting (E201 wrong kind/unit, E202 unknown choice, E203 out of range).
"""

from __future__ import annotations

import math
import re
from typing import Iterable

from shotspec.compiler.diagnostics import DiagnosticSink, did_you_mean
from shotspec.compiler.lexer_hints import clip_text, unit_spelling_help
from shotspec.compiler.nodes import Atom
from shotspec.color import hex_to_srgb

__all__ = ["split_quantity", "read_number", "read_int", "read_fraction", "read_length",
           "read_angle", "read_kelvin", "read_fnumber", "read_stops", "read_bool",
           "read_choice", "read_color", "read_string", "read_factor", "read_size", "read_ratio",
           "LENGTH_UNITS", "BOOL_WORDS", "describe"]

LENGTH_UNITS = {"mm": 0.001, "cm": 0.01, "m": 1.0}
# Dividing by these gives the nearest double to the decimal value (70cm → 0.7, not 0.7000000000000001).
_LENGTH_DIVISORS = {"mm": 1000.0, "cm": 100.0, "m": 1.0}


def to_metres(value: float, unit: str) -> float:
    """``value`` in ``unit`` (mm, cm, m) as metres, exactly as the decimal literal reads."""
    return value / _LENGTH_DIVISORS[unit]
BOOL_WORDS = {"on": True, "true": True, "yes": True, "off": False, "false": False, "no": False}
_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$")


def split_quantity(text: str) -> tuple[float, str]:
    m = _QUANTITY.match(text)
    assert m is not None
    return float(m.group(1)), m.group(2)


def describe(atom: Atom) -> str:
    return f"`{clip_text(atom.text)}`"


def _fmt(x: float) -> str:
    return f"{x:g}"


def _range(atom: Atom, sink: DiagnosticSink, value: float, lo: float | None, hi: float | None,
           what: str, unit: str = "", help: str | None = None) -> float | None:
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            bounds = f"{_fmt(lo)}–{_fmt(hi)}{unit}"
        elif lo is not None:
            bounds = f"at least {_fmt(lo)}{unit}"
        else:
            bounds = f"at most {_fmt(hi)}{unit}"
        sink.add("E203", f"{what} {clip_text(atom.text)} is out of range: it must be {bounds}",
                 atom.span, help=help)
        return None
    return value


def _wrong(atom: Atom, sink: DiagnosticSink, what: str, example: str, help: str | None = None):
    help = help or (unit_spelling_help(atom.text) if atom.kind == "TAG" else None)
    sink.add("E201", f"{what} expects {example}, found {describe(atom)}", atom.span, help=help)
    return None


def read_number(atom: Atom, sink: DiagnosticSink, what: str, lo: float | None = None,
                hi: float | None = None) -> float | None:
    if atom.kind != "NUMBER":
        hint = None
        if atom.kind == "QUANTITY":
            hint = f"`{what}` takes a plain number; drop the unit"
        return _wrong(atom, sink, f"`{what}`", "a number", hint)
    return _range(atom, sink, float(atom.text), lo, hi, f"`{what}`")


def read_int(atom: Atom, sink: DiagnosticSink, what: str, lo: int | None = None,
             hi: int | None = None) -> int | None:
    if atom.kind != "NUMBER" or not re.fullmatch(r"[+-]?\d+", atom.text):
        return _wrong(atom, sink, f"`{what}`", "a whole number")
    value = _range(atom, sink, int(atom.text), lo, hi, f"`{what}`")
    return None if value is None else int(value)


def read_fraction(atom: Atom, sink: DiagnosticSink, what: str, lo: float = 0.0,
                  hi: float = 1.0) -> float | None:
    """A number in [lo, hi], or a percentage (``80%`` → 0.8)."""
    if atom.kind == "QUANTITY":
        value, unit = split_quantity(atom.text)
        if unit != "%":
            return _wrong(atom, sink, f"`{what}`", "a number or a percentage (0.8 or 80%)")
        value /= 100.0
    elif atom.kind == "NUMBER":
        value = float(atom.text)
    else:
        return _wrong(atom, sink, f"`{what}`", "a number or a percentage (0.8 or 80%)")
    return _range(atom, sink, value, lo, hi, f"`{what}`")


def read_length(atom: Atom, sink: DiagnosticSink, what: str, lo: float | None = 0.0,
                hi: float | None = None) -> float | None:
    """A length with a unit (mm, cm, m) → metres."""
    if atom.kind == "QUANTITY":
        value, unit = split_quantity(atom.text)
        if unit in LENGTH_UNITS:
            metres = to_metres(value, unit)
            if lo is not None and lo > 0.0 and hi is not None and not lo <= metres <= hi:
                # a bounded range (a hair length): said in the unit the value was written in
                scale = LENGTH_UNITS[unit]
                sink.add("E203", f"`{what}` {atom.text} is out of range: it must be "
                         f"{_fmt(round(lo / scale, 9))}–{_fmt(round(hi / scale, 9))}{unit}",
                         atom.span)
                return None
            if lo is not None and metres <= lo:
                sink.add("E203", f"`{what}` {atom.text} must be greater than zero", atom.span)
                return None
            if hi is not None and metres > hi:
                sink.add("E203", f"`{what}` {atom.text} is out of range: at most {_fmt(hi)}m",
                         atom.span)
                return None
            return metres
    hint = None
    if atom.kind == "NUMBER":
        hint = f"add a unit: `{atom.text}mm`, `{atom.text}cm` or `{atom.text}m`"
    return _wrong(atom, sink, f"`{what}`", "a length (85mm, 70cm, 0.7m)", hint)


def read_angle(atom: Atom, sink: DiagnosticSink, what: str, lo: float | None = None,
               hi: float | None = None) -> float | None:
    """An angle in degrees (``45deg`` or ``45°``) → radians; ``lo``/``hi`` are degrees."""
    if atom.kind == "QUANTITY":
        value, unit = split_quantity(atom.text)
        if unit in ("deg", "°"):
            value = _range(atom, sink, value, lo, hi, f"`{what}`", "deg")
            return None if value is None else math.radians(value)
    hint = f"write `{atom.text}deg`" if atom.kind == "NUMBER" else None
    return _wrong(atom, sink, f"`{what}`", "an angle (45deg)", hint)


def read_kelvin(atom: Atom, sink: DiagnosticSink, what: str, lo: float | None = None,
                hi: float | None = None) -> float | None:
    if atom.kind == "QUANTITY":
        value, unit = split_quantity(atom.text)
        if unit == "K":
            return _range(atom, sink, value, lo, hi, f"`{what}`", "K")
    hint = f"write `{atom.text}K`" if atom.kind == "NUMBER" else None
    return _wrong(atom, sink, f"`{what}`", "a colour temperature (5600K)", hint)


def read_fnumber(atom: Atom, sink: DiagnosticSink, what: str) -> float | None:
    if atom.kind == "FNUMBER":
        return float(atom.text[2:])
    hint = f"write `f/{atom.text}`" if atom.kind == "NUMBER" else None
    return _wrong(atom, sink, f"`{what}`", "an f-number (f/1.8)", hint)


def read_stops(atom: Atom, sink: DiagnosticSink, what: str, lo: float | None = None,
               hi: float | None = None) -> float | None:
    if atom.kind == "QUANTITY":
        value, unit = split_quantity(atom.text)
        if unit in ("stops", "stop"):
            return _range(atom, sink, value, lo, hi, f"`{what}`", " stops",
                          help="each stop doubles the light: 20 stops is a factor of a million")
    hint = f"write `{atom.text} stops`" if atom.kind == "NUMBER" else None
    return _wrong(atom, sink, f"`{what}`", "stops (-1.5 stops)", hint)


def read_factor(atom: Atom, sink: DiagnosticSink, what: str) -> float | None:
    """``2x`` (or a plain number) → 2.0."""
    if atom.kind == "QUANTITY":
        value, unit = split_quantity(atom.text)
        if unit == "x":
            return value
    if atom.kind == "NUMBER":
        return float(atom.text)
    return _wrong(atom, sink, f"`{what}`", "a factor (2x)")


def read_bool(atom: Atom, sink: DiagnosticSink, what: str) -> bool | None:
    if atom.kind == "NAME" and atom.text in BOOL_WORDS:
        return BOOL_WORDS[atom.text]
    return _wrong(atom, sink, f"`{what}`", "on or off")


def read_choice(atom: Atom, sink: DiagnosticSink, what: str, choices: Iterable[str]) -> str | None:
    options = list(choices)
    if atom.kind in ("NAME", "TAG", "STRING") and (atom.string if atom.kind == "STRING"
                                                   else atom.text) in options:
        return atom.string if atom.kind == "STRING" else atom.text
    sink.add("E202", f"unknown {what} {describe(atom)}", atom.span,
             help=did_you_mean(atom.text, options))
    return None


def read_color(atom: Atom, sink: DiagnosticSink, what: str) -> tuple[float, float, float] | None:
    """``#rrggbb`` → sRGB-encoded floats in 0–1."""
    if atom.kind == "COLOR":
        return hex_to_srgb(atom.text)
    return _wrong(atom, sink, f"`{what}`", "a colour (#ffddaa)")


def read_string(atom: Atom, sink: DiagnosticSink, what: str) -> str | None:
    if atom.kind == "STRING":
        return atom.string
    return _wrong(atom, sink, f"`{what}`", 'a quoted string ("path/to/file")')


def read_size(atom: Atom, sink: DiagnosticSink, what: str) -> tuple[float, float, str] | None:
    """``1024x1280`` → (1024, 1280, ""); ``36x24mm`` → (36, 24, "mm")."""
    if atom.kind == "SIZE":
        m = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|cm|m)?", atom.text)
        if m:
            return float(m.group(1)), float(m.group(2)), m.group(3) or ""
    return _wrong(atom, sink, f"`{what}`", "a size (1024x1280)")


def read_ratio(atom: Atom, sink: DiagnosticSink, what: str) -> tuple[float, float] | None:
    if atom.kind == "RATIO":
        a, b = atom.text.split(":")
        if float(a) <= 0 or float(b) <= 0:
            sink.add("E203", f"`{what}` {atom.text} must have two positive numbers", atom.span)
            return None
        return float(a), float(b)
    return _wrong(atom, sink, f"`{what}`", "a ratio (1:4)")
