"""The schema on the IR models: one declaration per field drives statements, ranges, --set and
plan parameters."""

from __future__ import annotations

import pytest

from shotspec.compiler import compile_source
from shotspec.compiler.ir import (PASS_MODELS, CameraIR, CharacterIR, LightIR, OutputIR,
                                  ShotIR, SourceIR)
from shotspec.compiler.plan.params import PARAMS, stage_view
from shotspec.compiler.schema import fields_of, stage_fields, submodel_of

STAGES = ("geometry", "shade", "plate", "lens", "output", *PASS_MODELS)


def _errors(source: str, overrides=()):
    result = compile_source(source, "/tmp/s.shot", overrides=list(overrides))
    return [(d.code, d.message, d.span.line if d.span else None, d.span.col if d.span else None,
             d.help) for d in result.diagnostics if d.severity == "error"]


@pytest.mark.parametrize("body, message, col", [
    ("finish { exposure 5000 stops }", "`exposure` 5000stops is out of range: it must be -20–20 stops", 19),
    ("lighting { key area { intensity 2000 stops } }", "`intensity` 2000stops is out of range", 33),
    ("lighting { key area { from 100deg up } }", "`from` 100deg is out of range: it must be -90–90deg", 28),
    ("lighting { key area { temperature 500K } }", "`temperature` 500K is out of range: it must be 1000–40000K", 35),
    ("finish { white_balance 90000K }", "`white_balance` 90000K is out of range", 24),
    ("camera { pitch 120deg }", "`pitch` 120deg is out of range: it must be -90–90deg", 16),
    ("finish { grain { strength 3 } }", "`strength` 3 is out of range: it must be 0–2", 27),
    ("lighting { key area { distance 500m } }", "`distance` 500m is out of range: at most 100m", 32),
])
def test_every_number_has_a_range_reported_at_the_literal(body, message, col):
    errors = _errors(f"shot s {{\n{body}\n}}\n")
    assert len(errors) == 1
    code, text, line, column, _help = errors[0]
    assert code == "E203" and message in text and (line, column) == (2, col)


def test_stops_out_of_range_has_a_hint_and_no_traceback():
    errors = _errors("shot s { finish { exposure 5000 stops } }")
    assert errors[0][4] == "each stop doubles the light: 20 stops is a factor of a million"


def test_set_uses_the_same_range():
    errors = _errors("shot s { lighting { key area { } } }", ["lighting.key.intensity=3000stops"])
    assert [(e[0], e[2], e[3]) for e in errors] == [("E203", 1, 24)]
    assert "-20–20 stops" in errors[0][1]


def test_set_walks_blocks_declared_by_the_models():
    errors = _errors("shot s { }", ["camra.lens=50mm"])
    assert errors and errors[0][0] == "E109" and "did you mean `camera`?" in errors[0][4]
    ok = compile_source("character m { seed 1 }\nshot s { character m }", "/tmp/s.shot",
                        overrides=["character.skin.pores=0.9"])
    assert ok.program.shots[0].character.skin.pores == 0.9


def _leaves(model, prefix=""):
    for name in model.model_fields:
        sub = submodel_of(model, name)
        if name == "span":
            continue
        if sub is not None and sub.__name__ != "Span":
            yield from _leaves(sub, f"{prefix}{name}.")
        else:
            yield model, name, f"{prefix}{name}"


# Fields that never change a pixel: names, the paths whose content hashes stand in for them.
NO_STAGE = {"CharacterIR.name", "CharacterIR.references", "CharacterIR.identity",
            "LightIR.name", *(f"{m.__name__}.op" for m in PASS_MODELS.values())}


@pytest.mark.parametrize("model", [CharacterIR, CameraIR, LightIR, SourceIR, OutputIR,
                                   *PASS_MODELS.values()])
def test_every_field_is_part_of_some_stage_key(model):
    """A field no stage's key includes could change without re-rendering anything."""
    for owner, name, path in _leaves(model):
        if f"{owner.__name__}.{name}" in NO_STAGE:
            continue
        covered = [s for s in STAGES if _has(stage_fields(model, s), path.split("."))]
        assert covered, f"{model.__name__}.{path} is in no plan stage"


def _has(fields, parts):
    for part in parts:
        if not isinstance(fields, dict) or part not in fields:
            return False
        fields = fields[part]
    return True


def test_geometry_sees_only_what_its_key_includes():
    view = stage_view(CharacterIR, "geometry")
    character = view.model_validate({
        "seed": 3, "identity": None, "identity_sha256": None, "mesh": None, "texture": None,
        "skin": {"pores": 0.5, "fine_lines": 0.2, "imperfections": 0.1, "age_years": 30.0,
                 "fuzz": 0.3},
        "lips": {"furrows": 0.5},
        "face": {name: None for name in stage_fields(CharacterIR, "geometry")["face"]},
        "expression": [["mouthSmile_L", 0.4]],
        "gaze": {"target": "lens", "yaw_rad": 0.0, "pitch_rad": 0.0},
        "pose": {"turn_rad": 0.1, "tilt_rad": 0.0, "roll_rad": 0.0},
        "hair": {"style": "short", "length_m": None, "density": 0.9, "colour": None,
                 "albedo_linear": None, "grey": 0.0},

        # the facial hair keys the strands, which the groom node grows from the geometry's values
        **{name: getattr(CharacterIR(name="m"), name).model_dump(exclude={"span"})
           for name in ("brows", "lashes", "stubble")}})
    assert character.skin.pores == 0.5
    assert character.expression == (("mouthSmile_L", 0.4),) and character.pose.turn_rad == 0.1
    with pytest.raises(AttributeError):
        character.skin.oil          # shading, not geometry: not in the geometry key
    with pytest.raises(AttributeError):
        character.lips.moisture     # the lips' sheen is shading; their furrows are relief
    with pytest.raises(AttributeError):
        stage_view(CameraIR, "geometry").model_validate(
            {k: getattr(CameraIR(), k) for k in stage_fields(CameraIR, "geometry")}).f_number


def test_params_have_no_invented_defaults():
    with pytest.raises(ValueError):
        PARAMS["sharpen"].model_validate({"enabled": True, "amount": 0.5})   # radius_px missing


def test_each_pass_declares_its_op_once():
    for op, model in PASS_MODELS.items():
        assert model.model_fields["op"].default == op == model.PASS.op
        positions = sorted(k.pos for _, k in fields_of(model) if k.pos is not None)
        assert positions == list(range(len(positions))), op


def test_block_statements_come_from_the_models():
    from shotspec.compiler.statements import BLOCK_KINDS, keys_of

    assert {"lens", "focal_length", "aperture", "orbit", "macro"} <= set(BLOCK_KINDS["camera"])
    assert {"depth", "bit_depth", "colorspace", "color_space", "size"} <= set(BLOCK_KINDS["output"])
    assert set(keys_of("pass:sharpen")) == {"amount", "radius", "enabled", "use"}
    assert set(BLOCK_KINDS["finish"]) == set(PASS_MODELS)
    assert set(BLOCK_KINDS["shot"]) == {"character", "camera", "lighting", "source", "finish",
                                        "output", "seed", "allow", "duration", "fps"}
    assert ShotIR.model_fields["lights"].json_schema_extra.statement_keys("lights") == ("lighting",)


def test_plan_nodes_carry_typed_params_limited_to_their_key():
    from shotspec.compiler.ir import ProgramIR, SkinIR
    from shotspec.compiler.plan import build_plan

    shot = ShotIR(name="s", character=CharacterIR(name="m", skin=SkinIR(oil=0.7)),
                  output=OutputIR(path="/tmp/s.png"))
    nodes = {n.op: n for n in build_plan(ProgramIR(file="/tmp/s.shot", shots=(shot,))).nodes.values()}
    assert nodes["shade"].params.character.skin.oil == 0.7
    with pytest.raises(AttributeError):
        nodes["geometry"].params.character.skin.oil
    assert nodes["lens"].params.camera.f_number == 2.0
    with pytest.raises(AttributeError):
        nodes["shade"].params.camera.f_number       # aperture changes the lens, not shading


def test_every_declared_reader_exists_and_every_range_is_ordered():
    from shotspec.compiler.statements import BLOCK_MODELS, CUSTOM

    readers = {"fraction", "number", "int", "length", "angle", "kelvin", "stops", "fnumber",
               "choice", "path", "flag", None}
    models = {*BLOCK_MODELS.values(), *(submodel_of(m, n) for m in BLOCK_MODELS.values()
                                        for n in m.model_fields if submodel_of(m, n))}
    for model in models:
        for name, k in fields_of(model):
            assert k.read in readers, f"{model.__name__}.{name}: unknown reader {k.read!r}"
            assert k.handler is None or k.handler in CUSTOM, f"{model.__name__}.{name}"
            if k.lo is not None and k.hi is not None:
                assert k.lo < k.hi, f"{model.__name__}.{name}"
            if k.read in ("number", "int", "fraction", "length", "angle", "kelvin", "stops"):
                assert k.lo is not None and k.hi is not None or k.read == "length", \
                    f"{model.__name__}.{name} has no range"
