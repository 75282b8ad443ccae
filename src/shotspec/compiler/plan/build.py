"""Lowering: each shot of a ProgramIR becomes a chain of plan nodes.

A render shot lowers to ``geometry → shade → lens → passes… → output``; a plate shot to
``plate → lens → passes… → output``. Each node's params hold exactly the IR values that change
its pixels — nothing more — so an edit re-runs only the nodes it touches: a new light re-runs
``shade`` and after, never ``geometry``; a new grain strength re-runs ``grain`` and after.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from shotspec.compiler.ir import CameraIR, CharacterIR, ProgramIR, ShotIR
from shotspec.compiler.plan.graph import Plan, PlanNode

__all__ = ["lower_program", "build_plan", "render_size", "strip_spans",
           "GEOMETRY_CAMERA_FIELDS", "GEOMETRY_SKIN_FIELDS"]

# Camera fields that move pixels of the traced geometry (aperture and focus do not).
GEOMETRY_CAMERA_FIELDS = ("focal_length_m", "sensor", "sensor_width_m", "sensor_height_m",
                          "distance_m", "yaw_rad", "pitch_rad", "roll_rad")
# Skin traits that are geometry (micro-relief); tone, oil, freckles, redness are shading.
GEOMETRY_SKIN_FIELDS = ("pores", "fine_lines", "imperfections", "age_years")


def strip_spans(value: Any) -> Any:
    """A JSON-able copy without ``span`` entries (spans never change pixels)."""
    if isinstance(value, dict):
        return {k: strip_spans(v) for k, v in value.items() if k != "span"}
    if isinstance(value, list):
        return [strip_spans(v) for v in value]
    return value


def _dump(model, *, exclude: set[str] | None = None) -> dict[str, Any]:
    data = strip_spans(model.model_dump(mode="json"))
    for name in exclude or ():
        data.pop(name, None)
    return data


def render_size(shot: ShotIR) -> tuple[int, int]:
    """The source resolution: the output size divided by every enabled upscale factor."""
    factor = 1
    for p in shot.finish:
        if p.op == "upscale" and p.enabled:
            factor *= p.factor
    return max(8, math.ceil(shot.output.width / factor)), max(8, math.ceil(shot.output.height / factor))


def _character_params(character: CharacterIR | None, *, geometry: bool) -> dict[str, Any] | None:
    if character is None:
        return None
    data = _dump(character, exclude={"name", "references", "identity"})
    if geometry:
        skin = data["skin"]
        data["skin"] = {k: skin[k] for k in GEOMETRY_SKIN_FIELDS}
        data.pop("eye_color_srgb", None)
    return data


def _camera_params(camera: CameraIR, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    data = _dump(camera)
    return data if fields is None else {k: data[k] for k in fields}


def _pass_params(p) -> dict[str, Any]:
    return _dump(p, exclude={"op", "enabled"})


def _shot_seed(shot: ShotIR) -> int:
    return shot.character.seed if shot.character is not None else shot.seed


def lower_shot(shot: ShotIR, nodes: dict[str, PlanNode]) -> str:
    """Append the shot's chain to ``nodes``; return the id of its output node."""
    prefix = shot.name
    width, height = render_size(shot)

    counter = iter(range(1_000_000))

    def add(op: str, params: dict[str, Any], inputs: tuple[str, ...], span, label: str = "") -> str:
        nid = f"{prefix}/{next(counter)}:{op}"
        nodes[nid] = PlanNode(id=nid, op=op, params=params, inputs=inputs, shots=(shot.name,),
                              span=span, label=label or op)
        return nid

    if shot.source.kind == "plate":
        head = add("plate", {"source": _dump(shot.source),
                             "camera": _camera_params(shot.camera, GEOMETRY_CAMERA_FIELDS),
                             "seed": _shot_seed(shot)},
                   (), shot.source.span, "plate")
    else:
        geo = add("geometry", {"character": _character_params(shot.character, geometry=True),
                               "camera": _camera_params(shot.camera, GEOMETRY_CAMERA_FIELDS),
                               "width": width, "height": height},
                  (), shot.character.span if shot.character else shot.span, "geometry")
        head = add("shade", {"character": _character_params(shot.character, geometry=False),
                             "lights": [_dump(light, exclude={"name"}) for light in shot.lights],
                             "camera": _camera_params(shot.camera, GEOMETRY_CAMERA_FIELDS)},
                   (geo,), shot.span, "shade")
    head = add("lens", {"camera": _camera_params(shot.camera)}, (head,), shot.camera.span, "lens")

    for p in shot.finish:
        params = _pass_params(p)
        params["enabled"] = p.enabled
        if p.op in ("skin_enhance", "grain") and params.get("seed") is None:
            params["seed"] = _shot_seed(shot)
        head = add(p.op, params, (head,), p.span, p.op)

    out = shot.output
    return add("output", {"output": _dump(out), "shot": shot.name, "seed": shot.seed},
               (head,), out.span, f"output {Path(out.path).name}")


def lower_program(program: ProgramIR, shots: list[str] | None = None) -> Plan:
    """The unoptimised plan: one chain per selected shot, no keys yet."""
    nodes: dict[str, PlanNode] = {}
    outputs: dict[str, str] = {}
    for shot in program.shots:
        if shots and shot.name not in shots:
            continue
        outputs[shot.name] = lower_shot(shot, nodes)
    return Plan(nodes=nodes, outputs=outputs)


def build_plan(program: ProgramIR, shots: list[str] | None = None, *, optimize_plan: bool = True) -> Plan:
    """Lower, then optimise with every rule in ``RULES``; the result has keys on every node."""
    from shotspec.compiler.plan.optimizer import optimize

    plan = lower_program(program, shots)
    plan.check()
    return optimize(plan) if optimize_plan else optimize(plan, rules=("assign_keys",))
