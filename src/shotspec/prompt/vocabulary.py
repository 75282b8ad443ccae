"""One shot's IR turned into the words every prompt template draws from.

``shot_context(shot)`` returns the template variables (documented in docs/prompt.md): plain
strings, numbers and frozen dataclasses, computed once so every target says the same thing about
the same value. ``negative_terms`` lists what the generator should avoid, ordered and de-duplicated:
the plastic-skin failures every close-up must avoid, then terms that contradict this spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from typing import Any

from shotspec.compiler.ir import ShotIR
from shotspec.prompt.camera_words import CameraWords, camera_words
from shotspec.prompt.finish_words import FinishWords, finish_words
from shotspec.prompt.light_words import (
    LightingWords, LightWords, light_words, lighting_words, pick_key,
)
from shotspec.prompt.skin_words import CharacterWords, character_words

__all__ = ["SizeWords", "shot_context", "negative_terms", "BASE_NEGATIVE"]

# Every photoreal close-up avoids these: the "plastic AI skin" failures and optical giveaways.
BASE_NEGATIVE = (
    "airbrushed skin", "plastic skin", "waxy skin", "over-smoothed skin", "beauty filter",
    "porcelain doll skin", "CGI", "3D render", "cartoon", "illustration", "oversharpened",
    "HDR halos", "deformed iris", "asymmetric pupils", "watermark", "text",
)


@dataclass(frozen=True)
class SizeWords:
    """The spec's output size (before any target snaps it)."""

    width: int
    height: int
    aspect: str                 # "4:5"
    orientation: str            # "portrait", "landscape" or "square"


def _size(width: int, height: int) -> SizeWords:
    d = gcd(width, height)
    orientation = "square" if width == height else "portrait" if height > width else "landscape"
    return SizeWords(width=width, height=height, aspect=f"{width // d}:{height // d}",
                     orientation=orientation)


def _dedupe(terms) -> list[str]:
    seen: set[str] = set()
    out = []
    for term in terms:
        if term and term.lower() not in seen:
            seen.add(term.lower())
            out.append(term)
    return out


def negative_terms(shot: ShotIR, camera: CameraWords, key: LightWords | None,
                   lighting: LightingWords, finish: FinishWords) -> list[str]:
    """Terms for a negative prompt: the base list, then ones that contradict this spec."""
    terms = list(BASE_NEGATIVE)
    equivalent_mm = camera.focal_length_mm * camera.crop_factor
    if equivalent_mm >= 35:
        terms += ["wide-angle facial distortion", "fisheye", "distorted facial proportions"]
    if camera.shallow:
        terms += ["everything in focus", "flat deep-focus look"]
    else:
        terms += ["heavy background blur"]
    if shot.camera.focus.distance_m is None and shot.camera.focus.target == "eyes":
        terms += ["out-of-focus eyes", "blurry eyes"]
    character = shot.character
    if character is not None:
        skin = character.skin
        if skin.pores >= 0.4:
            terms += ["poreless skin", "flawless smooth skin"]
        if skin.imperfections >= 0.35 or skin.fine_lines >= 0.4:
            terms += ["retouched skin"]
        if skin.oil < 0.2:
            terms += ["shiny oily skin"]
        elif skin.oil > 0.6:
            terms += ["matte powdered skin"]
        if skin.age_years >= 40:
            terms += ["youthful unlined skin", "de-aged face"]
        elif skin.age_years < 25:
            terms += ["aged wrinkled skin"]
        terms += ["unnatural skin tone"]
    if key is not None:
        if key.quality in ("soft", "very soft"):
            terms += ["harsh on-camera flash"]
        elif key.quality in ("hard", "very hard"):
            terms += ["flat diffuse lighting"]
    if lighting.ratio_value is not None:
        if lighting.ratio_value >= 4:
            terms += ["flat overlit lighting"]
        elif lighting.ratio_value <= 2:
            terms += ["harsh deep shadows"]
    if finish.grain:
        terms += ["digital noise", "color noise", "JPEG artifacts"]
    else:
        terms += ["film grain", "noise"]
    return _dedupe(terms)


def shot_context(shot: ShotIR) -> dict[str, Any]:
    """The template variables for ``shot`` (see docs/prompt.md, "Template variables")."""
    camera = camera_words(shot.camera, shot.output)
    key_ir = pick_key(shot.lights)
    words = [light_words(lt, key_ir) for lt in shot.lights]
    # Key first, then the spec's order: stable and the way a lighting diagram is read.
    ordered = [w for w in words if w.is_key] + [w for w in words if not w.is_key]
    lighting = lighting_words(shot.lights, words)
    key = ordered[0] if ordered and ordered[0].is_key else None
    finish = finish_words(shot.finish)
    character: CharacterWords | None = (
        character_words(shot.character) if shot.character is not None else None)
    return {
        "shot": {"name": shot.name, "seed": shot.seed},
        "size": _size(shot.output.width, shot.output.height),
        "camera": camera,
        "lights": ordered,
        "key": key,
        "lighting": lighting,
        "character": character,
        "source": shot.source.kind,
        "finish": finish,
        "negative_terms": negative_terms(shot, camera, key, lighting, finish),
        "ir": shot,
    }
