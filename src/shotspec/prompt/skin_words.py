"""The character in a portrait photographer's words: age, skin tone on its named scale, skin
traits (pores, fine lines, imperfections, freckles, redness, oil/sheen), eye colour, face shape.

Trait amounts are the IR's 0–1 values mapped through fixed bands, so a spec change of 0.05
changes a word only where it crosses a band — prompts stay stable while a spec is tuned.
"""

from __future__ import annotations

from dataclasses import dataclass

from shotspec.color import LUMA_REC709, cie_lightness, srgb_decode
from shotspec.compiler.ir import FACE_PARAMS, CharacterIR, ToneIR
from shotspec.prompt.formatting import fmt_num

__all__ = ["CharacterWords", "character_words", "tone_words", "eye_color_words"]

_MONK = {1: "very light", 2: "very light", 3: "light", 4: "light-medium", 5: "medium",
         6: "medium-brown", 7: "brown", 8: "deep brown", 9: "very deep brown",
         10: "very deep brown"}
# CIE L* of the Monk scale's published swatches, tones 1…10: a free colour is named after the
# Monk tone of nearest lightness, so "color #d7bd96" and "monk 5" read alike.
_MONK_LIGHTNESS = (94.2, 92.3, 93.1, 87.6, 77.9, 55.1, 42.5, 30.7, 21.1, 14.6)
_FITZPATRICK = {1: ("I", "very fair"), 2: ("II", "fair"), 3: ("III", "medium-light"),
                4: ("IV", "olive medium"), 5: ("V", "brown"), 6: ("VI", "deep brown")}

# Each trait: (upper bound, words) bands; "" says nothing (the default look needs no words).
_BANDS = {
    "pores": ((0.2, "fine, barely visible pores"), (0.45, "subtle visible pores"),
              (0.7, "visible pores"), (1.01, "pronounced pores, highly detailed skin texture")),
    "fine_lines": ((0.15, ""), (0.4, "faint fine lines"), (0.7, "fine lines around the eyes"),
                   (1.01, "pronounced wrinkles and expression lines")),
    "imperfections": ((0.1, ""), (0.35, "minor natural skin imperfections"),
                      (0.7, "natural blemishes and uneven texture"),
                      (1.01, "many blemishes and marks")),
    "freckles": ((0.02, ""), (0.25, "a few light freckles"),
                 (0.6, "freckles across the nose and cheeks"), (1.01, "dense freckles")),
    "redness": ((0.08, ""), (0.3, "subtle natural redness on the cheeks and nose"),
                (0.6, "visible redness"), (1.01, "a flushed, ruddy complexion")),
    "oil": ((0.15, "a matte finish"), (0.4, "a natural satin sheen"),
            (0.7, "a dewy sheen with soft specular highlights"),
            (1.01, "an oily shine with strong specular highlights")),
}
TRAIT_ORDER = ("pores", "fine_lines", "imperfections", "freckles", "redness", "oil")

# A face control this many population SDs from the average is described; from STRIKING_SD on,
# with "very" (one person in six is 1 SD or more above the average of a measure, one in 44 is
# 2 SD above)
NOTICEABLE_SD, STRIKING_SD = 1.0, 2.0
# face parameter -> (words for a positive offset, words for a negative offset)
_FACE = {
    "face_width": ("broad face", "narrow face"),
    "face_length": ("long face", "short face"),
    "jaw_width": ("strong wide jaw", "narrow jaw"),
    "chin_length": ("long chin", "short chin"),
    "cheekbones": ("high prominent cheekbones", "soft cheekbones"),
    "brow_ridge": ("pronounced brow ridge", "smooth brow"),
    "eye_spacing": ("wide-set eyes", "close-set eyes"),
    "eye_size": ("large eyes", "small eyes"),
    "nose_length": ("long nose", "short nose"),
    "nose_width": ("broad nose", "narrow nose"),
    "nose_bridge": ("high nose bridge", "low nose bridge"),
    "lip_fullness": ("full lips", "thin lips"),
    "mouth_width": ("wide mouth", "small mouth"),
    "ear_size": ("large ears", "small ears"),
    "neck_width": ("thick neck", "slender neck"),
}


@dataclass(frozen=True)
class CharacterWords:
    """What a prompt says about the person. Trait strings are "" where the spec needs no words."""

    age: str                    # "35-year-old"
    age_years: float
    subject: str                # "a 35-year-old person"
    tone: str                   # "Monk scale 5 medium skin tone"
    undertone: str              # "neutral undertone"
    pores: str
    fine_lines: str
    imperfections: str
    freckles: str
    redness: str
    oil: str
    traits: tuple[str, ...]     # the non-empty trait strings in TRAIT_ORDER
    eyes: str                   # "brown eyes" ("" when the spec leaves eye colour to the seed)
    face: tuple[str, ...]       # "high prominent cheekbones", ...


def _band(name: str, value: float) -> str:
    return next(words for bound, words in _BANDS[name] if value < bound)


def _lightness(srgb: tuple[float, float, float]) -> float:
    """CIE L* (0–100) of an sRGB-encoded colour."""
    lin = [srgb_decode(c) for c in srgb]
    return cie_lightness(LUMA_REC709[0] * lin[0] + LUMA_REC709[1] * lin[1] + LUMA_REC709[2] * lin[2])


def tone_words(tone: ToneIR) -> str:
    """"Monk scale 5 medium skin tone", "Fitzpatrick type III medium-light skin", or a colour."""
    if tone.scale == "monk":
        step = min(10, max(1, round(tone.value)))
        return f"Monk scale {fmt_num(tone.value, 1)} {_MONK[step]} skin tone"
    if tone.scale == "fitzpatrick":
        roman, words = _FITZPATRICK[min(6, max(1, round(tone.value)))]
        return f"Fitzpatrick type {roman} {words} skin"
    lightness = _lightness(tone.albedo_srgb)
    nearest = min(range(10), key=lambda i: abs(_MONK_LIGHTNESS[i] - lightness))
    words = _MONK[nearest + 1]
    hexcode = "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in tone.albedo_srgb)
    return f"{words} skin tone ({hexcode})"


def eye_color_words(srgb: tuple[float, float, float] | None) -> str:
    """Iris colour in everyday words, from an sRGB triple; "" when unset."""
    if srgb is None:
        return ""
    r, g, b = srgb
    hi, lo = max(srgb), min(srgb)
    if hi <= 0 or (hi - lo) / hi < 0.2:
        return "grey eyes" if hi > 0.35 else "dark eyes"
    if b >= r and b >= g:
        return "blue eyes"
    if g >= r and g >= b:
        return "green eyes"
    if hi < 0.3:
        return "dark brown eyes"
    if g > 0.75 * r and g > 1.3 * b:
        return "hazel eyes"
    if r > 0.5 and g > 0.6 * r and b < 0.4 * r:
        return "amber eyes"
    return "brown eyes"


def _face(character: CharacterIR) -> tuple[str, ...]:
    """Words for the face controls a viewer would notice: ``NOTICEABLE_SD`` from the average
    face or more, "very" from ``STRIKING_SD`` (the controls are in population SDs)."""
    out = []
    for name in FACE_PARAMS:
        value = getattr(character.face, name)
        if value is None or abs(value) < NOTICEABLE_SD:
            continue
        words = _FACE[name][0 if value > 0 else 1]
        out.append(f"very {words}" if abs(value) >= STRIKING_SD else words)
    return tuple(out)


def _article(number_words: str) -> str:
    """"an" before numbers spoken with a vowel sound (8, 11, 18, 80–89), else "a"."""
    digits = number_words.split("-")[0]
    return "an" if digits.startswith("8") or digits in ("11", "18") else "a"


def character_words(character: CharacterIR) -> CharacterWords:
    """Describe ``character``'s age, skin and face."""
    skin = character.skin
    age = f"{fmt_num(skin.age_years, 0)}-year-old"
    noun = "child" if skin.age_years < 13 else "teenager" if skin.age_years < 18 else "person"
    traits = {name: _band(name, getattr(skin, name)) for name in TRAIT_ORDER}
    return CharacterWords(
        age=age,
        age_years=skin.age_years,
        subject=f"{_article(age)} {age} {noun}",
        tone=tone_words(skin.tone),
        undertone=f"{skin.tone.undertone} undertone",
        traits=tuple(t for t in (traits[n] for n in TRAIT_ORDER) if t),
        eyes=eye_color_words(character.eyes.iris_srgb),
        face=_face(character),
        **traits,
    )
