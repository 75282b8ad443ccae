"""Lowering: each shot of a ProgramIR becomes a chain of plan nodes.

A render shot lowers to ``mesh → groom → geometry → shade → lens → passes… → output``
(``groom`` grows the character's strands on the posed mesh; ``geometry`` rasterizes the mesh
and the strands; ``shade`` also reads ``mesh`` for its shadow maps and ``groom`` to light the
strands); a plate shot to
``plate → lens → passes… → output`` (on a plate sequence, each frame's ``skin_enhance`` after
the first also reads a ``skin_track`` node chained to the frames before). Each node's params hold exactly the IR values that change
its pixels — the fields whose schema ``stages`` name the node's op, nothing more — so an edit
re-runs only the nodes it touches: a new light re-runs ``shade`` and after, never ``mesh``,
``groom`` or ``geometry``;
a new grain strength re-runs ``grain`` and after.

Grain is sized on the film plane, so it is applied at the output resolution: the passes keep
their written order, except that a ``grain`` written before an upscale moves to just after the
last upscale (W102 says so), and a grain node carries the output size and resizes to it before
adding grain. The output's own resize then has nothing left to do.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shotspec.compiler.ir import ProgramIR, ShotIR
from shotspec.compiler.lower import DEFAULT_ORIGIN
from shotspec.compiler.plan.frames import frame_file, frame_key
from shotspec.image_formats import VIDEO_FORMATS
from shotspec.compiler.plan.graph import Plan, PlanNode
from shotspec.compiler.plan.params import params_of, select
from shotspec.compiler.schema import stage_fields

__all__ = ["lower_program", "build_plan", "render_size", "stage_params", "grain_after_upscales"]


def stage_params(model: BaseModel | None, stage: str) -> dict[str, Any] | None:
    """The fields of an IR node that ``stage``'s key includes (the schema says which), as JSON."""
    if model is None:
        return None
    return select(model.model_dump(mode="json"), stage_fields(type(model), stage))


def render_size(shot: ShotIR) -> tuple[int, int]:
    """The source resolution: the output size divided by every enabled upscale factor."""
    factor = 1
    for p in shot.finish:
        if p.op == "upscale" and p.enabled:
            factor *= p.factor
    return max(8, math.ceil(shot.output.width / factor)), max(8, math.ceil(shot.output.height / factor))


def grain_after_upscales(passes) -> list:
    """``passes`` in the order they run: as written, except that each ``grain`` before the last
    enabled upscale moves to just after it (grain belongs at the output resolution)."""
    passes = list(passes)
    last = max((i for i, p in enumerate(passes) if p.op == "upscale" and p.enabled), default=-1)
    if last < 0:
        return passes
    early = [p for p in passes[:last] if p.op == "grain"]
    rest = [p for i, p in enumerate(passes) if not (i < last and p.op == "grain")]
    at = rest.index(passes[last]) + 1
    return rest[:at] + early + rest[at:]


def face_scale_from_camera(shot: ShotIR) -> bool:
    """Whether a plate's face scale (mm per pixel) may be taken from its camera: only when the
    spec states the lens's focal length and the subject's distance (the camera's `distance`,
    the source's `distance`, or a depth image). Defaults describe no real photograph (an AI
    image has none), and the skin detector's irises measure the scale better than a guess."""
    stated = lambda path: shot.origins.get(path, DEFAULT_ORIGIN) != DEFAULT_ORIGIN   # noqa: E731
    distance = (stated("camera.distance_m") or shot.source.subject_distance_m is not None
                or shot.source.depth is not None)
    return stated("camera.focal_length_m") and distance


def _shot_seed(shot: ShotIR) -> int:
    return shot.character.seed if shot.character is not None else shot.seed


def _skin_track(add, head: str, carry: dict[int, tuple[str, str | None, str]] | None, index: int,
                span) -> tuple[str, ...]:
    """The inputs of a plate sequence frame's ``skin_enhance`` node (the ``index``-th of its
    shot; a detail ``upscale`` without an enhancer's track before it: a negative index): its
    frame, and after the first frame a ``skin_track`` node that carries the texture's face
    coordinates from the previous frame (it reads this frame, the previous frame's enhancer
    input, the previous ``skin_track`` and the first frame's enhancer input: docs/motion.md).
    ``carry`` holds, per enhancer, the previous frame's (input, track) node ids and the first
    frame's input; None outside a plate sequence."""
    if carry is None:
        return (head,)
    previous = carry.get(index)
    if previous is None:
        carry[index] = (head, None, head)
        return (head,)
    prev_input, prev_track, first = previous
    extra = (prev_track, first) if prev_track else ()
    track = add("skin_track", {}, (head, prev_input) + extra, span, "skin_track")
    carry[index] = (head, track, first)
    return (head, track)


def lower_shot(shot: ShotIR, nodes: dict[str, PlanNode], frame: int | None = None,
               n_frames: int = 0, carry: dict[int, tuple[str, str | None, str]] | None = None) -> str:
    """Append the shot's chain to ``nodes``; return the id of its output node. ``frame``: the
    chain of one frame of an animated shot (``shot`` is that frame's ShotIR): its grain is the
    frame's and its output the sequence's file for it. ``carry``: a plate sequence's
    skin-tracking state from the previous frame (see ``_skin_track``), updated in place."""
    out_key = shot.name if frame is None else frame_key(shot.name, frame, n_frames)
    prefix = out_key
    width, height = render_size(shot)

    counter = iter(range(1_000_000))

    def add(op: str, params: dict[str, Any], inputs: tuple[str, ...], span, label: str = "") -> str:
        nid = f"{prefix}/{next(counter)}:{op}"
        nodes[nid] = PlanNode(id=nid, op=op, params=params_of(op, params), inputs=inputs,
                              shots=(out_key,),
                              span=span, label=label or op)
        return nid

    if shot.source.kind == "plate":
        head = add("plate", {"source": stage_params(shot.source, "plate"),
                             "camera": stage_params(shot.camera, "plate"),
                             "seed": _shot_seed(shot),
                             "face_scale_from_camera": face_scale_from_camera(shot)},
                   (), shot.source.span, "plate")
    else:
        char_span = shot.character.span if shot.character else shot.span
        mesh = add("mesh", {"character": stage_params(shot.character, "geometry"),
                            "camera": stage_params(shot.camera, "geometry")},
                   (), char_span, "mesh")
        groom = add("groom", {"character": stage_params(shot.character, "geometry")},
                    (mesh,), char_span, "groom")
        geo = add("geometry", {"character": stage_params(shot.character, "geometry"),
                               "camera": stage_params(shot.camera, "geometry"),
                               "width": width, "height": height},
                  (mesh, groom), char_span, "geometry")
        head = add("shade", {"character": stage_params(shot.character, "shade"),
                             "lights": [stage_params(light, "shade") for light in shot.lights],
                             "camera": stage_params(shot.camera, "shade")},
                   (geo, mesh, groom), shot.span, "shade")
    head = add("lens", {"camera": stage_params(shot.camera, "lens")}, (head,), shot.camera.span,
               "lens")

    enhancers = iter(range(1_000_000))
    upscales = iter(range(-1, -1_000_000, -1))     # their own tracks' keys in ``carry``
    track = None                                   # this frame's latest enhancer's skin_track node
    for p in grain_after_upscales(shot.finish):
        params = stage_params(p, p.op)
        if p.op == "grain":
            params.update(width=shot.output.width, height=shot.output.height)
            if frame is not None:                       # film grain changes every frame
                params["frame"] = params["frame"] + frame
        if p.PASS.seeded and params["seed"] is None:
            params["seed"] = _shot_seed(shot)
        inputs = (head,)
        if p.op == "skin_enhance":
            inputs = _skin_track(add, head, carry, next(enhancers), p.span)
            track = inputs[1] if len(inputs) > 1 else None
        elif p.op == "upscale" and params["mode"] == "detail" and carry is not None:
            # detail mode draws skin relief on a plate's skin: in a sequence it is placed by the
            # skin's tracked coordinates (the enhancer's track, else one of its own), as the
            # enhancer's texture is, so it does not jitter with each frame's face detection
            inputs = (head, track) if track else _skin_track(add, head, carry, next(upscales), p.span)
        head = add(p.op, params, inputs, p.span, p.op)

    out = shot.output
    if frame is not None:           # a frame's file (a video's frames are PNGs it is made of)
        update = {"path": frame_file(out.path, frame + out.first_frame, n_frames + out.first_frame)}
        if out.format in VIDEO_FORMATS:
            update.update(format="png", codec=None)
        out = out.model_copy(update=update)
    return add("output", {"output": stage_params(out, "output"), "shot": out_key,
                          "seed": shot.seed}, (head,), out.span, f"output {Path(out.path).name}")


def lower_program(program: ProgramIR, shots: list[str] | None = None) -> Plan:
    """The unoptimised plan: one chain per selected shot, or per frame of an animated shot
    (outputs ``SHOT#NNNN``, ``plan.frames``), no keys yet."""
    nodes: dict[str, PlanNode] = {}
    outputs: dict[str, str] = {}
    for shot in program.shots:
        if shots and shot.name not in shots:
            continue
        if shot.frames:
            n = len(shot.frames)
            carry = {} if shot.source.kind == "plate" else None     # the enhancer's skin tracking
            for i, frame_shot in enumerate(shot.frames):
                outputs[frame_key(shot.name, i, n)] = lower_shot(frame_shot, nodes, i, n, carry)
        else:
            outputs[shot.name] = lower_shot(shot, nodes)
    return Plan(nodes=nodes, outputs=outputs)


def build_plan(program: ProgramIR, shots: list[str] | None = None, *, optimize_plan: bool = True) -> Plan:
    """Lower, then optimise with every rule in ``RULES``; the result has keys on every node."""
    from shotspec.compiler.plan.optimizer import optimize

    plan = lower_program(program, shots)
    plan.check()
    return optimize(plan) if optimize_plan else optimize(plan, rules=("assign_keys",))
