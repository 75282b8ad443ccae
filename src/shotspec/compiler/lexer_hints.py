"""What a character the lexer cannot read, or a unit spelled out, probably meant.

Text pasted from a word processor or a chat brings curly quotes, full-width letters, Cyrillic
look-alikes, non-breaking spaces and typographic dashes; people also write ``0.75 meters`` and
``5600 kelvin``. Each gets a ``help`` line that shows the fix, e.g. "did you mean `85mm`?".
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["char_help", "unit_word", "unit_spelling_help", "UNIT_WORDS", "clip_text"]

# Spelled-out or mis-cased units → the unit the language writes right after the number.
UNIT_WORDS = {
    **dict.fromkeys(("meter", "meters", "metre", "metres", "M"), "m"),
    **dict.fromkeys(("millimeter", "millimeters", "millimetre", "millimetres", "MM", "Mm"), "mm"),
    **dict.fromkeys(("centimeter", "centimeters", "centimetre", "centimetres", "CM", "Cm"), "cm"),
    **dict.fromkeys(("kelvin", "Kelvin", "KELVIN", "k"), "K"),
    **dict.fromkeys(("degree", "degrees", "Deg", "DEG", "degs"), "deg"),
    **dict.fromkeys(("percent", "pct"), "%"),
    **dict.fromkeys(("Stops", "STOPS", "Stop", "ev", "EV"), "stops"),
}

# Letters and digits that look like ASCII but are not (the ones NFKC does not fold).
_LOOK_ALIKES = {
    # Cyrillic
    "а": "a", "в": "B", "е": "e", "к": "k", "м": "m", "н": "H", "о": "o", "р": "p", "с": "c",
    "т": "T", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "І": "I",
    # Greek
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "κ": "k", "ι": "i", "τ": "t", "μ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T",
    "Χ": "X",
    # punctuation
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "∕": "/", "⁄": "/", "：": ":", "∶": ":",
    "·": ".", "，": ",", "；": ";", "＃": "#",
}
_CURLY_QUOTES = "“”„‟«»″"
_CURLY_SINGLE = "‘’‚‛′"
_SPACES = {"\u00a0": "a non-breaking space", "\u2007": "a figure space",
           "\u202f": "a narrow no-break space", "\u3000": "an ideographic space",
           "\u200b": "a zero-width space", "\u200c": "a zero-width non-joiner",
           "\u200d": "a zero-width joiner", "\u2060": "a word joiner",
           "\ufeff": "a byte-order mark"}
_WORD_STOP = set(" \t\r\n;{},\"") | set(_SPACES) | set(_CURLY_QUOTES)
_HEX_WORD = re.compile(r"#[^\s;{},\"]*")
MAX_SHOWN = 40


def clip_text(text: str, limit: int = MAX_SHOWN) -> str:
    """``text``, or its start and end around a ``…`` when longer than ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = (limit * 2) // 3
    return text[:head] + "…" + text[len(text) - (limit - head - 1):]


def _ascii_for(char: str) -> str | None:
    if char in _LOOK_ALIKES:
        return _LOOK_ALIKES[char]
    folded = unicodedata.normalize("NFKC", char)
    if folded != char and folded.isascii() and folded.isprintable():
        return folded
    return None


def _name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNKNOWN CHARACTER')}"


def _word_around(text: str, pos: int) -> tuple[int, int]:
    start = pos
    while start > 0 and text[start - 1] not in _WORD_STOP:
        start -= 1
    end = pos + 1
    while end < len(text) and text[end] not in _WORD_STOP:
        end += 1
    return start, end


def _curly_string_help(text: str, pos: int) -> str:
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    close = next((i for i in range(pos + 1, line_end) if text[i] in _CURLY_QUOTES + '"'), None)
    if close is None:
        return 'use straight double quotes `"` around a string; curly quotes (“ ”) are not quotes here'
    inner = clip_text(text[pos + 1:close])
    return f'use straight double quotes: `"{inner}"` (curly quotes “ ” come from a word processor)'


def _hex_help(text: str, pos: int) -> str:
    word = _HEX_WORD.match(text, pos).group(0)
    digits = word[1:]
    bad = sorted({c for c in digits if c not in "0123456789abcdefABCDEF"})
    if bad:
        why = f"`{''.join(bad[:6])}` {'is not a hex digit' if len(bad) == 1 else 'are not hex digits'}"
    elif len(digits) not in (3, 6):
        why = f"it has {len(digits)} digits"
    else:
        why = "it runs into the next word"
    return (f"`{clip_text(word)}` is not a colour: {why}; write `#` and 3 or 6 hex digits "
            "(0–9, a–f), e.g. `#ffddaa`")


def char_help(text: str, pos: int) -> str | None:
    """A ``help`` line for the character at ``pos`` the lexer could not read, or None."""
    char = text[pos]
    if char in _CURLY_QUOTES:
        return _curly_string_help(text, pos)
    if char in _CURLY_SINGLE or char == "'":
        return 'strings use straight double quotes: `"like this"`'
    if char in _SPACES:
        return f"this is {_SPACES[char]} ({_name(char)}); replace it with a plain space"
    if char == "#":
        return _hex_help(text, pos)
    if _ascii_for(char) is None:
        if char.isascii():
            return None
        return (f"`{char}` ({_name(char)}) can only appear inside a \"string\" or a comment; "
                "names are ASCII letters, digits and `_`")
    start, end = _word_around(text, pos)
    word = text[start:end]
    fixed = "".join(_ascii_for(c) or c for c in word)
    return (f"`{char}` is {_name(char)}, a look-alike of `{_ascii_for(char)}`: "
            f"did you mean `{clip_text(fixed)}`?")


def unit_word(word: str) -> str | None:
    """The unit a spelled-out or mis-cased unit word stands for (``meters`` → ``m``), or None."""
    return UNIT_WORDS.get(word)


_TAG_UNIT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([A-Za-z]+)$")


def unit_spelling_help(text: str) -> str | None:
    """``5600k`` → "write `5600K`"; ``85MM`` → "write `85mm`"; None for anything else."""
    m = _TAG_UNIT.match(text)
    if not m:
        return None
    unit = unit_word(m.group(2))
    if unit is None:
        return None
    sep = " " if unit == "stops" else ""
    return f"write `{m.group(1)}{sep}{unit}` (units are case-sensitive and written short)"
