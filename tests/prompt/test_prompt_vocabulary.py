"""How IR values become words: the numbers and bands a cinematographer would check."""

from __future__ import annotations

import math

import pytest

from shotspec.compiler.ir import (
    CameraIR, CharacterIR, FocusIR, GradePass, GrainPass, LightIR, OutputIR, SkinIR, ToneIR,
    TonemapPass, WhiteBalancePass,
)
from shotspec.prompt.camera_words import camera_words, depth_of_field_m
from shotspec.prompt.finish_words import film_stock_name, finish_words
from shotspec.prompt.formatting import fmt_fnumber, fmt_focal, fmt_kelvin, fmt_length, fmt_ratio
from shotspec.prompt.light_words import hue_name, light_words, lighting_words
from shotspec.prompt.skin_words import character_words, eye_color_words, tone_words

r = math.radians
OUT = OutputIR(path="/tmp/o.png", width=1024, height=1280)


@pytest.mark.parametrize("value, text", [(2.0, "f/2"), (1.4, "f/1.4"), (2.8, "f/2.8"),
                                         (5.6, "f/5.6"), (11.3, "f/11"), (16.0, "f/16")])
def test_f_numbers(value, text):
    assert fmt_fnumber(value) == text


def test_lengths_and_units():
    assert fmt_focal(0.085) == "85mm"
    assert fmt_focal(0.0355) == "35.5mm"
    assert [fmt_length(m) for m in (0.006, 0.057, 0.8, 1.5, 2.0)] == \
        ["6 mm", "5.7 cm", "80 cm", "1.5 m", "2 m"]
    assert fmt_kelvin(3200.4) == "3200K"
    assert fmt_ratio(4.0) == "4:1" and fmt_ratio(2.5) == "2.5:1"


def test_depth_of_field_matches_thin_lens_approximation():
    # 85mm f/2 at 0.8 m, full frame (c = 0.0288 mm): DoF ≈ 2·N·c·s·(s − f)/f² ≈ 9.1 mm,
    # the close-focus form of the thin-lens result (valid far below the 125 m hyperfocal).
    c = math.hypot(0.036, 0.024) / 1500
    dof = depth_of_field_m(0.085, 2.0, 0.8, c)
    assert dof == pytest.approx(2 * 2.0 * c * 0.8 * (0.8 - 0.085) / 0.085 ** 2, rel=0.01)
    assert 0.008 < dof < 0.010
    assert math.isinf(depth_of_field_m(0.024, 8.0, 5.0, c))      # beyond the hyperfocal (2.5 m)


def test_camera_words_for_a_classic_portrait_lens():
    words = camera_words(CameraIR(focal_length_m=0.085, f_number=2.0, distance_m=0.8), OUT)
    assert (words.focal, words.aperture, words.sensor) == ("85mm", "f/2", "full-frame")
    assert words.lens_class == "short telephoto"
    assert words.dof == "9 mm" and words.depth_of_field == "razor-thin depth of field"
    assert words.focus_phrase == "focus on the eyes"
    assert words.framing == "close-up"              # 38 cm of subject in frame height
    assert words.equivalent == ""


def test_crop_sensor_reports_full_frame_equivalent():
    cam = CameraIR(focal_length_m=0.050, f_number=2.8, sensor="alexa_mini",
                   sensor_width_m=0.0299, sensor_height_m=0.01577, distance_m=1.0)
    words = camera_words(cam, OUT)
    assert words.sensor == "ARRI Alexa Mini Super 35"
    assert words.equivalent == "about 64mm full-frame equivalent"   # crop 1.27
    assert words.lens_class == "standard"


def test_deep_focus_has_no_bokeh_and_focus_distance_is_spoken():
    cam = CameraIR(focal_length_m=0.024, f_number=11.0, distance_m=3.0,
                   focus=FocusIR(target=None, distance_m=3.0))
    words = camera_words(cam, OUT)
    assert words.depth_of_field == "deep focus" and words.bokeh == "" and words.dof == ""
    assert words.focus_phrase == "focus at 3 m"
    assert words.lens_class == "wide-angle"


KEY = LightIR(name="key", kind="area", key=True, azimuth_rad=r(45), elevation_rad=r(15),
              distance_m=1.5, size_m=0.5, temperature_k=5600)


def test_key_light_direction_quality_and_colour():
    w = light_words(KEY, KEY)
    assert w.direction == "45° camera-right, slightly above"
    assert w.apparent_size == "19°" and w.quality == "soft"          # 2·atan(0.25/1.5)
    assert w.color == "daylight 5600K"
    assert w.clause.startswith("key light 45° camera-right, slightly above, soft")


@pytest.mark.parametrize("size, distance, quality", [
    (2.0, 1.0, "very soft"), (0.5, 1.5, "soft"), (0.3, 2.0, "semi-soft"),
    (0.1, 2.0, "hard"), (0.02, 3.0, "very hard"),
])
def test_quality_from_apparent_size(size, distance, quality):
    light = LightIR(name="x", kind="area", key=True, size_m=size, distance_m=distance)
    assert light_words(light, light).quality == quality


@pytest.mark.parametrize("kelvin, words", [(1900, "candlelight 1900K"), (3200, "tungsten 3200K"),
                                           (5600, "daylight 5600K"), (4300, "warm white 4300K"),
                                           (7000, "cool overcast daylight 7000K")])
def test_temperature_words(kelvin, words):
    light = LightIR(name="k", kind="area", key=True, temperature_k=kelvin)
    assert light_words(light, light).color == words


def test_fill_ratio_and_left_side():
    fill = LightIR(name="fill", kind="area", azimuth_rad=r(-60), intensity=0.25)
    w = light_words(fill, KEY)
    assert w.side == "camera-left" and w.ratio == "4:1 key-to-fill"
    summary = lighting_words((KEY, fill), [light_words(KEY, KEY), w])
    assert summary.ratio == "4:1 key-to-fill" and summary.ratio_value == 4.0
    assert summary.pattern == "loop lighting" and summary.contrast == "moderate contrast"


@pytest.mark.parametrize("az, el, size, pattern", [
    (0, 40, 0.6, "butterfly lighting"), (0, 0, 0.6, "flat frontal lighting"),
    (40, 30, 0.9, "loop lighting"), (-55, 40, 0.7, "Rembrandt lighting"),
    (90, 10, 0.1, "split lighting"), (-80, 10, 2.0, "soft side lighting"),
    (160, 20, 0.2, "rim-lit silhouette"),
])
def test_lighting_pattern_from_key_position(az, el, size, pattern):
    key = LightIR(name="key", kind="area", key=True, azimuth_rad=r(az), elevation_rad=r(el),
                  size_m=size, distance_m=1.4)
    assert lighting_words((key,), [light_words(key, key)]).pattern == pattern


def test_rim_behind_is_not_a_fill_and_gels_are_named():
    rim = LightIR(name="back", kind="spot", azimuth_rad=r(160), elevation_rad=r(30),
                  intensity=0.5, color=(0.1, 0.3, 1.0))
    w = light_words(rim, KEY)
    assert w.role == "back light" and w.ratio == "" and w.level == "at 50% of the key"
    assert w.direction == "160° camera-right, behind the subject, above"
    assert w.color == "blue gel"
    assert hue_name((1.0, 0.0, 1.0)) == "magenta" and hue_name((1, 1, 1)) == "white"


def test_tone_words_on_each_scale():
    assert tone_words(ToneIR(scale="monk", value=5)) == "Monk scale 5 medium skin tone"
    assert tone_words(ToneIR(scale="monk", value=9.5)) == \
        "Monk scale 9.5 very deep brown skin tone"
    assert tone_words(ToneIR(scale="fitzpatrick", value=3)) == \
        "Fitzpatrick type III medium-light skin"
    assert tone_words(ToneIR(scale="color", albedo_srgb=(0.843, 0.741, 0.588))) == \
        "medium skin tone (#d7bd96)"               # the Monk 5 swatch reads as Monk 5


def test_skin_traits_and_age():
    ch = CharacterIR(name="x", skin=SkinIR(pores=0.8, oil=0.05, freckles=0.5, redness=0.0,
                                           fine_lines=0.1, imperfections=0.0, age_years=18))
    w = character_words(ch)
    assert w.subject == "an 18-year-old person"
    assert character_words(CharacterIR(name="y", skin=SkinIR(age_years=8))).subject == \
        "an 8-year-old child"
    assert w.traits == ("pronounced pores, highly detailed skin texture",
                        "freckles across the nose and cheeks", "a matte finish")
    assert eye_color_words((0.33, 0.49, 0.66)) == "blue eyes"


def test_finish_words():
    w = finish_words((GrainPass(stock="500T", strength=0.1), TonemapPass(operator="agx", look="golden"),
                      GradePass(lut="/luts/kodak_2383.cube", strength=0.4),
                      WhiteBalancePass(temperature_k=3200), GrainPass(enabled=False)))
    assert w.grain == "very fine, subtle Kodak Vision3 500T film grain"
    assert w.look == "warm golden look"
    assert w.grade == "lightly color graded with a kodak 2383 LUT"
    assert w.white_balance == "white balance 3200K"
    assert film_stock_name("Vision3 250D") == "Kodak Vision3 250D"
    assert film_stock_name("ektachrome") == "ektachrome"
