"""IR → .shot: every shot compiles back from its emitted spec to the same IR, with no diagnostics."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shotspec.color import hex_to_srgb
from shotspec.compiler import DEFAULT_SPEC, compile_file, compile_source
from shotspec.compiler.emit import (BLOCK_WRITERS, COVERED_BY, CUSTOM_WRITERS, GENERIC_WRITERS,
                                    angle_text, emit_shot, number_text)
from shotspec.compiler.formatter import format_source
from shotspec.compiler.identity_file import Identity, IdentitySkin, write_identity
from shotspec.compiler.ir import (PASS_MODELS, CameraIR, CharacterIR, EyesIR, FaceIR, FocusIR, GazeIR,
                                  LightIR, OutputIR, PoseIR, ShotIR, SkinIR, SourceIR, ToneIR)
from shotspec.compiler.schema import fields_of, submodel_of
from shotspec.file_hash import sha256_file
from shotspec.head_vocabulary import EXPRESSIONS
from shotspec.compiler.tables import (SENSORS_MM, fitzpatrick_albedo, monk_albedo,
                                      srgb_to_linear)

SPECS = Path(DEFAULT_SPEC).parent
EXAMPLES = sorted((SPECS / "examples").glob("*.shot"))


def _same(a, b, where: str = "shot") -> None:
    """Equal values (floats to 1e-12 relative), spans and origins left out."""
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _strip_spans(data):
    if isinstance(data, dict):
        return {k: _strip_spans(v) for k, v in data.items() if k not in ("span", "origins")}
    if isinstance(data, (list, tuple)):
        return [_strip_spans(v) for v in data]
    return data


def round_trip(shot: ShotIR, tmp_path: Path, codes: tuple[str, ...] = ()) -> str:
    """Emit, write to a file in another folder, compile it: no diagnostics (but the original's
    ``codes``), the same IR."""
    text = emit_shot(shot, "round trip")
    assert format_source(text, "x.shot")[0] == text          # already canonical
    path = tmp_path / "elsewhere" / "emitted.shot"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    result = compile_file(path, check_outputs=False)
    assert [d.code for d in result.diagnostics] == list(codes), (text, result.diagnostics)
    (back,) = result.program.shots
    _same(_strip_spans(shot.model_dump()), _strip_spans(back.model_dump()))
    return text


@pytest.mark.parametrize("spec", [Path(DEFAULT_SPEC), *EXAMPLES], ids=lambda p: p.stem)
def test_default_and_example_specs_round_trip(spec, tmp_path):
    result = compile_file(spec, check_outputs=False)
    assert result.ok
    for shot in result.program.shots:
        round_trip(shot, tmp_path)


def test_overrides_are_folded_in(tmp_path):
    result = compile_file(DEFAULT_SPEC, check_outputs=False, overrides=[
        "camera.lens=50mm", "lighting.fill.intensity=-2.5 stops", "finish.grain.strength=0",
        "character.skin.tone=fitzpatrick 4", "output.size=96x120", "camera.sensor=23.5x15.6mm",
        "lighting.rim.color=#ffaa33"])
    assert result.ok, result.diagnostics
    text = round_trip(result.program.shots[0], tmp_path)
    assert "lens 0.05m" in text and "tone fitzpatrick 4" in text and "size 96x120" not in text
    assert "width 96" in text and "sensor 23.5x15.6mm" in text and "color #ffaa33" in text
    assert "strength 0\n" in text
    fill = [ln for ln in text.splitlines() if "intensity" in ln][1]
    assert fill.split()[1] == number_text(2 ** -2.5)   # linear, relative to the key


def test_imports_and_presets_are_inlined(tmp_path):
    text = emit_shot(compile_file(DEFAULT_SPEC, check_outputs=False).program.shots[0])
    assert "import" not in text and "use " not in text
    assert "fill area {" in text and "rim spot {" in text and "key on" in text


def test_every_field_has_a_writer():
    """A field is written by its reader kind's writer, its custom reader's writer, its block's
    writer, or is set by another statement (COVERED_BY)."""
    models = [ShotIR, CharacterIR, SkinIR, ToneIR, FaceIR, GazeIR, PoseIR, CameraIR, FocusIR,
              LightIR, SourceIR,
              OutputIR, *PASS_MODELS.values()]
    missing = []
    for model in models:
        for name, k in fields_of(model):
            if (model, name) in COVERED_BY:
                continue
            if k.handler is not None:
                ok = k.handler in CUSTOM_WRITERS
            elif k.block is not None:
                ok = k.block in BLOCK_WRITERS or submodel_of(model, name) is not None
            else:
                ok = k.read in GENERIC_WRITERS
            if not ok:
                missing.append(f"{model.__name__}.{name}")
    assert missing == []


def test_an_unset_value_with_another_default_is_said_not_hidden():
    base = compile_file(DEFAULT_SPEC, check_outputs=False).program.shots[0]
    light = base.lights[0].model_copy(update={"temperature_k": None})
    text = emit_shot(base.model_copy(update={"lights": (light, *base.lights[1:])}))
    assert "// temperature: unset, which no statement can write" in text


def test_literals():
    assert number_text(0.085) == "0.085" and number_text(2.0) == "2"
    assert number_text(1e-05) == "0.00001" and number_text(-0.3) == "-0.3"
    assert number_text(0.1 + 0.2) == "0.30000000000000004"
    assert angle_text(math.radians(35.0)) == "35deg"
    assert angle_text(math.radians(-150.0)) == "-150deg"
    assert angle_text(math.radians(180.0), -180.0, 180.0) == "180deg"
    rad = 0.123456789
    assert math.isclose(math.radians(float(angle_text(rad)[:-3])), rad, rel_tol=1e-14)


def test_tone_from_a_colour_and_an_unreadable_colour(tmp_path):
    base = compile_file(DEFAULT_SPEC, check_outputs=False).program.shots[0]
    skin = base.character.skin
    hexed = skin.model_copy(update={"tone": ToneIR(scale="color", value=0.0,
                                                   albedo_srgb=hex_to_srgb("#c68863"))})
    shot = base.model_copy(update={"character": base.character.model_copy(update={"skin": hexed})})
    assert "tone #c68863" in round_trip(shot, tmp_path)
    measured = skin.model_copy(update={"tone": ToneIR(scale="monk", value=5.2,
                                                      albedo_srgb=(0.81234, 0.7, 0.55))})
    odd = base.model_copy(update={"character": base.character.model_copy(update={"skin": measured})})
    assert "tone #cfb28c  // approximately the measured colour" in emit_shot(odd)


def test_a_character_with_an_identity_round_trips(tmp_path):
    """The identity's measured tone is no swatch and no 8-bit colour: the emitted spec leaves
    it to the identity file (named by its absolute path); every other value is explicit."""
    photos = tmp_path / "refs"
    photos.mkdir()
    (photos / "p0.png").write_bytes(b"0" * 100)
    ident = Identity(version=2, seed=4242, photos_dir="refs",
                     photos=(("p0.png", sha256_file(photos / "p0.png")),),
                     skin=IdentitySkin(tone=7.0, albedo_srgb=(0.51, 0.36, 0.26), undertone="warm",
                                       redness=0.33, freckles=0.45),
                     face={"eye_spacing": -0.4, "mouth_width": 0.3})
    write_identity(tmp_path / "mara.identity", ident)
    (tmp_path / "a.shot").write_text('character mara {\n  identity "mara.identity"\n}\n'
                                     'shot a {\n  character mara\n}\n')
    result = compile_file(tmp_path / "a.shot", check_outputs=False)
    assert result.ok, result.diagnostics
    shot = result.program.shots[0]
    assert shot.character.skin.tone.albedo_srgb == (0.51, 0.36, 0.26)
    assert [d.code for d in result.diagnostics] == ["W401"]     # one photo: as the original
    text = round_trip(shot, tmp_path, codes=("W401",))
    assert f'identity "{tmp_path / "mara.identity"}"' in text
    assert "// tone: the identity's measured colour (#825c42, monk 7)" in text
    assert "seed 4242" in text and "eye_spacing -0.4" in text


# ----------------------------------------------------------------------------- generated shots

def _floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, exclude_min=True)


_HEX = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@st.composite
def _light(draw, name: str, key: bool):
    color = draw(st.none() | _HEX.map(lambda h: srgb_to_linear(hex_to_srgb(h))))
    return LightIR(
        name=name, key=key, kind=draw(st.sampled_from(["area", "spot", "point", "directional"])),
        azimuth_rad=math.radians(draw(st.floats(-360, 360))),
        elevation_rad=math.radians(draw(st.floats(-90, 90))),
        distance_m=draw(_floats(0, 100)), size_m=draw(_floats(0, 20)),
        cone_rad=math.radians(draw(st.floats(0, 90))),
        temperature_k=draw(st.floats(1000, 40000)), color=color,
        intensity=draw(st.floats(0, 2.0 ** 20)), shadows=draw(st.booleans()))


@st.composite
def _pass(draw):
    op = draw(st.sampled_from(sorted(set(PASS_MODELS) - {"grade"})))
    model = PASS_MODELS[op]
    values = {"enabled": draw(st.booleans())}
    for name, k in fields_of(model):
        if k.read in ("fraction", "number", "stops", "kelvin") and k.lo is not None:
            values[name] = draw(st.floats(k.lo, k.hi))
        elif k.read == "int" and name != "seed":
            values[name] = draw(st.integers(int(k.lo), int(k.hi)))
        elif name == "seed":
            values[name] = draw(st.none() | st.integers(0, 2 ** 63 - 1))
    if op == "upscale":
        values["factor"] = draw(st.integers(1, 8))
        values["mode"] = draw(st.sampled_from(["fidelity", "detail"]))
    if op == "grain":
        values["stock"] = draw(st.sampled_from(["50D", "200T", "250D", "500T"]))
    if op == "tonemap":
        values["operator"] = draw(st.sampled_from(["agx", "aces", "reinhard", "filmic", "none"]))
        values["look"] = draw(st.sampled_from(["none", "punchy", "golden"]))
    return model(**values)


@st.composite
def _shot(draw, base: ShotIR):
    sensor = draw(st.sampled_from([*SENSORS_MM, None]))
    if sensor is None:
        size = (draw(st.integers(10, 2000)) / 10, draw(st.integers(10, 2000)) / 10)
        sensor_m = (size[0] / 1000, size[1] / 1000)
    else:
        sensor_m = (SENSORS_MM[sensor][0] / 1000, SENSORS_MM[sensor][1] / 1000)
    focal = draw(st.floats(0.004, 0.2))
    focus = draw(st.sampled_from(["eyes", "nose", "lips", "ears", "subject", None]))
    camera = CameraIR(
        focal_length_m=focal, f_number=draw(st.floats(0.7, 64)), sensor=sensor,
        sensor_width_m=sensor_m[0], sensor_height_m=sensor_m[1],
        distance_m=draw(st.floats(0.5, 1000)),
        focus=FocusIR(target=focus, distance_m=None if focus else draw(st.floats(0.25, 1000))),
        blades=draw(st.integers(0, 32)), blade_rotation_rad=math.radians(draw(st.floats(-360, 360))),
        anamorphic=draw(st.floats(1, 2.5)), yaw_rad=math.radians(draw(st.floats(-180, 180))),
        pitch_rad=math.radians(draw(st.floats(-90, 90))),
        roll_rad=math.radians(draw(st.floats(-180, 180))), vignetting=draw(st.floats(0, 1)),
        distortion=draw(st.floats(-0.3, 1)), chromatic_aberration=draw(st.floats(0, 50)),
        macro=draw(st.booleans()))
    names = draw(st.lists(st.sampled_from(["key", "fill", "rim", "kick", "bounce"]), min_size=1,
                          max_size=4, unique=True))
    key = draw(st.sampled_from(names))
    lights = tuple(draw(_light(n, n == key)) for n in names)
    passes = draw(st.lists(_pass(), max_size=5, unique_by=lambda p: p.op))
    scale = draw(st.sampled_from(["monk", "fitzpatrick", "color"]))
    tone_value = draw(st.floats(1, 10 if scale == "monk" else 6)) if scale != "color" else 0.0
    albedo = {"monk": monk_albedo, "fitzpatrick": fitzpatrick_albedo}.get(scale)
    tone = ToneIR(scale=scale, value=tone_value,
                  albedo_srgb=albedo(tone_value) if albedo else hex_to_srgb(draw(_HEX)),
                  undertone=draw(st.sampled_from(["warm", "neutral", "cool"])))
    face = FaceIR(**{n: draw(st.none() | st.floats(-3, 3)) for n, _ in fields_of(FaceIR)})
    expression = draw(st.dictionaries(st.sampled_from(EXPRESSIONS), st.floats(0, 1), max_size=6))
    gaze = draw(st.none() | st.tuples(_floats(-35, 35), _floats(-30, 30)))
    gaze = GazeIR() if gaze is None else GazeIR(target="direction", yaw_rad=math.radians(gaze[0]),
                                                 pitch_rad=math.radians(gaze[1]))
    pose = PoseIR(turn_rad=math.radians(draw(_floats(-70, 70))),
                  tilt_rad=math.radians(draw(_floats(-40, 40))),
                  roll_rad=math.radians(draw(_floats(-35, 35))))
    character = base.character.model_copy(update={
        "seed": draw(st.integers(0, 2 ** 63 - 1)), "face": face,
        "expression": CharacterIR.model_validate({"name": "x", "expression": expression}).expression,
        "gaze": gaze, "pose": pose,
        "skin": SkinIR(tone=tone, pores=draw(st.floats(0, 1)), age_years=draw(st.floats(1, 110))),
        "eyes": EyesIR(iris_srgb=draw(st.none() | _HEX.map(hex_to_srgb)),
                       pupil_m=draw(st.none() | _floats(2, 8).map(lambda mm: mm / 1000.0)),
                       redness=draw(st.floats(0, 1)), wetness=draw(st.floats(0, 1)))})
    fmt = draw(st.sampled_from([("png", 8), ("png", 16), ("tiff", 16), ("exr", 32), ("jpeg", 8)]))
    output = OutputIR(path=f"/tmp/out/x y \"q\".{fmt[0]}", width=draw(st.integers(16, 4096)),
                      height=draw(st.integers(16, 4096)), format=fmt[0], bit_depth=fmt[1],
                      colorspace=draw(st.sampled_from(["srgb", "rec709", "linear"])),
                      dither=draw(st.booleans()))
    source = SourceIR(depth_near_m=draw(_floats(0, 10000)), depth_far_m=draw(_floats(0, 10000)))
    return base.model_copy(update={
        "camera": camera, "lights": lights, "finish": tuple(passes), "output": output,
        "character": character, "source": source, "seed": draw(st.integers(0, 2 ** 63 - 1))})


_BASE = compile_file(DEFAULT_SPEC, check_outputs=False).program.shots[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_shot(_BASE))
def test_generated_shots_round_trip(tmp_path, shot):
    text = emit_shot(shot)
    result = compile_source(text, str(tmp_path / "emitted.shot"), check_outputs=False)
    errors = [d for d in result.diagnostics if d.is_error]
    assert errors == [], (text, errors)
    (back,) = result.program.shots
    _same(_strip_spans(shot.model_dump()), _strip_spans(back.model_dump()))
