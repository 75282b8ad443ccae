"""Typed parameters of plan nodes, derived from the schema's stage metadata.

A stage's view of an IR model (``stage_view(CameraIR, "geometry")``) is a frozen model with
only the fields whose ``spec(stages=...)`` names that stage, every one required: the node's
params are built by selecting exactly those fields (so its content key covers them), and the
runtime op receives the same view, so reading a field the key does not include is an
AttributeError in every test, never a stale cached image in production. ``PARAMS`` maps each
op to its params model; the runtime registers one implementation per op (a test keeps the two
sets equal).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, SerializeAsAny, create_model, model_validator

from shotspec.compiler.ir import (PASS_MODELS, CameraIR, CharacterIR, LightIR, OutputIR,
                                  SourceIR)
from shotspec.compiler.schema import stage_fields, submodel_of

__all__ = ["stage_view", "select", "PARAMS", "STAGE_VERSIONS", "OP_VERSIONS", "params_of",
           "Params"]


class Params(BaseModel):
    """Base of every node's params: frozen, nothing beyond the declared fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _annotation(model: type[BaseModel], name: str, stage: str) -> Any:
    sub = submodel_of(model, name)
    if sub is None:
        return model.model_fields[name].annotation
    view = stage_view(sub, stage)
    optional = model.model_fields[name].annotation is not sub
    return Optional[view] if optional else view


@lru_cache(maxsize=None)
def stage_view(model: type[BaseModel], stage: str) -> type[Params]:
    """``model`` as the ``stage`` sees it: only the fields the stage's key includes."""
    fields = {name: (_annotation(model, name, stage), ...) for name in stage_fields(model, stage)}
    return create_model(f"{model.__name__}[{stage}]", __base__=Params, **fields)


def select(data: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The entries of a JSON dump ``data`` named by ``stage_fields`` (recursively)."""
    return {k: data[k] if v is True or data[k] is None else select(data[k], v)
            for k, v in fields.items()}


def _params(name: str, **fields: Any) -> type[Params]:
    return create_model(name, __base__=Params, **{k: (v, ...) for k, v in fields.items()})


class PointwiseStage(Params):
    """One pass of a fused ``pointwise`` node, with the pass's own typed params."""

    op: str
    params: SerializeAsAny[Params]

    @model_validator(mode="before")
    @classmethod
    def _typed(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("params"), dict):
            return {**data, "params": params_of(data["op"], data["params"])}
        return data


PARAMS: dict[str, type[Params]] = {
    "mesh": _params("MeshParams", character=Optional[stage_view(CharacterIR, "geometry")],
                    camera=stage_view(CameraIR, "geometry")),
    "groom": _params("GroomParams", character=Optional[stage_view(CharacterIR, "geometry")]),
    "geometry": _params("GeometryParams",
                        character=Optional[stage_view(CharacterIR, "geometry")],
                        camera=stage_view(CameraIR, "geometry"), width=int, height=int),
    "shade": _params("ShadeParams", character=Optional[stage_view(CharacterIR, "shade")],
                     lights=tuple[stage_view(LightIR, "shade"), ...],
                     camera=stage_view(CameraIR, "shade")),
    "plate": _params("PlateParams", source=stage_view(SourceIR, "plate"),
                     camera=stage_view(CameraIR, "plate"), seed=int, face_scale_from_camera=bool),
    "lens": _params("LensParams", camera=stage_view(CameraIR, "lens")),
    "output": _params("OutputParams", output=stage_view(OutputIR, "output"), shot=str, seed=int),
    "pointwise": _params("PointwiseParams", ops=tuple[PointwiseStage, ...]),
    "skin_track": _params("SkinTrackParams"),
    **{op: stage_view(model, op) for op, model in PASS_MODELS.items()},
    # Grain is sized in pixels from the film plane: it resizes to the output first (build.py).
    "grain": create_model("GrainParams", __base__=stage_view(PASS_MODELS["grain"], "grain"),
                          width=(int, ...), height=(int, ...)),
}

# Version of each op's implementation; part of the key so a changed op never serves stale
# pixels. Passes declare theirs on the model (``PassInfo.version``).
STAGE_VERSIONS: dict[str, str] = {"mesh": "2", "groom": "2", "geometry": "4", "shade": "5", "plate": "2", "lens": "2",
                                  "pointwise": "1", "output": "1", "skin_track": "1"}
OP_VERSIONS: dict[str, str] = {**STAGE_VERSIONS,
                               **{op: m.PASS.version for op, m in PASS_MODELS.items()}}


def params_of(op: str, params: dict[str, Any] | Params) -> Params:
    """A node's params as its typed model (validated from the plan's JSON dict)."""
    model = PARAMS[op]
    return params if isinstance(params, model) else model.model_validate(params)
