"""Mistyped characters and spelled-out units get a help line that shows the fix."""

from __future__ import annotations

import pytest

from shotspec.compiler import compile_source


def only(source: str, overrides=()):
    result = compile_source(source, "spec.shot", overrides=overrides)
    assert not result.ok
    return result.errors


@pytest.mark.parametrize("value, char, fixed", [
    ("85ｍｍ", "ｍ", "85mm"),               # full-width letters (NFKC folds them)
    ("85мм", "м", "85mm"),                 # Cyrillic em
    ("0.75м", "м", "0.75m"),
])
def test_look_alike_letters_name_the_character_and_show_the_word(value, char, fixed):
    (err,) = only(f"shot s {{ camera {{ lens {value} }} }}")
    assert err.code == "E001" and err.message == f"unexpected character `{char}`"
    assert f"U+{ord(char):04X}" in err.help and f"did you mean `{fixed}`?" in err.help


def test_curly_quotes_show_the_string_with_straight_quotes():
    (err,) = only("shot s { source plate “closeup.png” }")
    assert err.code == "E001" and err.span.col == 23
    assert '`"closeup.png"`' in err.help and "straight double quotes" in err.help


def test_a_non_breaking_space_is_named():
    (err,) = only("shot s { camera { lens\u00a085mm } }")
    assert "non-breaking space (U+00A0" in err.help and "plain space" in err.help


@pytest.mark.parametrize("colour, why", [
    ("#ggg", "`g` is not a hex digit"),
    ("#ffddzz", "`z` is not a hex digit"),
    ("#12345", "it has 5 digits"),
])
def test_bad_hex_colours_say_what_is_wrong(colour, why):
    (err,) = only(f"shot s {{ lighting {{ key area {{ color {colour} }} }} }}")
    assert err.code == "E001" and err.message == "unexpected character `#`"
    assert f"`{colour}` is not a colour: {why}" in err.help and "`#ffddaa`" in err.help


@pytest.mark.parametrize("key, number, unit, short_unit", [
    ("distance", "0.75", "meters", "m"),
    ("distance", "70", "centimetres", "cm"),
    ("lens", "85", "millimeters", "mm"),
    ("lens", "85", "MM", "mm"),
])
def test_spelled_out_units_are_one_error_with_the_short_form(key, number, unit, short_unit):
    source = f"shot s {{ camera {{ {key} {number} {unit} }} }}"
    (err,) = only(source)
    assert err.code == "E201" and err.message == f"the unit `{unit}` is written `{short_unit}`"
    assert f"write `{number}{short_unit}`" in err.help
    start = source.index(f" {number} ") + 2
    assert (err.span.col, err.span.end_col) == (start, source.index(unit) + len(unit) + 1)


def test_kelvin_spelled_out_is_one_error_not_two():
    (err,) = only("shot s { finish { white_balance 5600 kelvin } }")
    assert err.code == "E201" and "write `5600K`" in err.help


@pytest.mark.parametrize("value, fix", [("5600k", "5600K"), ("85MM", "85mm"), ("2Deg", "2deg")])
def test_mis_cased_units_glued_to_the_number(value, fix):
    key = {"5": "finish { white_balance", "8": "camera { lens", "2": "camera { lens"}[value[0]]
    errs = only(f"shot s {{ {key} {value} }} }}")
    assert errs[0].code == "E201" and f"write `{fix}`" in errs[0].help


def test_set_overrides_get_the_same_hint_at_the_right_column():
    (err,) = only("shot s { camera { lens 85mm } }", overrides=["camera.distance=0.75 meters"])
    assert err.span.file == "<--set>" and err.span.col == len("camera.distance=") + 1
    assert "write `0.75m`" in err.help


def test_a_correct_spec_is_unaffected():
    result = compile_source("shot s { camera { lens 85 mm; distance 0.75 m } "
                            "finish { exposure -1 stops } }", "spec.shot")
    assert result.ok, result.diagnostics
