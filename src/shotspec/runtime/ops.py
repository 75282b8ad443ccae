"""Plan ops: thin adapters from a plan node's params onto the runtime's pure functions.

Each op registers itself with ``@op(NAME)`` and is called as ``op(inputs: list[Frame], params,
ctx: OpContext) -> Frame`` with the node's params (the plan's JSON dict, or already typed); it
reads them as the op's typed model, no defaults of its own. Heavy modules are imported inside
the op, so importing the executor stays cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from shotspec.compiler.ir import POINTWISE_OPS, CameraIR, OutputIR
from shotspec.compiler.plan.params import params_of
from shotspec.image_formats import output_format
from shotspec.runtime.frame import Frame

__all__ = ["OpContext", "OPS", "OP_COSTS", "OpCost", "op", "focus_distance", "resize_frame"]


@dataclass
class OpContext:
    device: torch.device
    node_key: str = ""
    # shot name -> provenance text chunks to embed in that shot's output file
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)
    # shot name -> output path replacing the spec's (`-o`)
    output_paths: dict[str, str] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)

    def generator(self) -> torch.Generator:
        """A CPU generator seeded from the node's content key: same node, same numbers."""
        return torch.Generator(device="cpu").manual_seed(int(self.node_key[:15] or "0", 16))


@dataclass(frozen=True)
class OpCost:
    """What the memory estimate assumes of an op (``runtime.memory``): float32 planes of its
    output frame it holds at once (``workset``, measured on the default shot) and the channels
    of that frame."""

    workset: float = 3.0
    channels: int = 16      # rgb + depth + normal + albedo + masks, after shading


def op(name: str, cost: OpCost = OpCost()
       ) -> Callable[[Callable], Callable[[list[Frame], Any, OpContext], Frame]]:
    """Register the implementation of plan op ``name``. It receives the node's params as the
    op's typed model (``shotspec.compiler.plan.params.PARAMS[name]``): only the fields the
    node's key includes exist, so reading any other is an AttributeError, never a stale image."""
    def register(fn: Callable) -> Callable[[list[Frame], Any, OpContext], Frame]:
        def run(inputs: list[Frame], params: Any, ctx: OpContext) -> Frame:
            return fn(inputs, params_of(name, params), ctx)

        run.__name__, run.__doc__, run.__wrapped__ = fn.__name__, fn.__doc__, fn
        OPS[name] = run
        OP_COSTS[name] = cost
        return run
    return register


OPS: dict[str, Callable[[list[Frame], Any, OpContext], Frame]] = {}
OP_COSTS: dict[str, OpCost] = {}


def focus_distance(camera: CameraIR, frame: Frame) -> float:
    """Metres from the lens to the plane of focus: an explicit distance, else the target's depth
    as the source measured it, else the subject distance."""
    if camera.focus.distance_m is not None:
        return camera.focus.distance_m
    fallback = frame.meta.subject_distance_m or camera.distance_m
    if camera.focus.target is not None:
        depth = frame.meta.target_depth(camera.focus.target)
        if depth is not None:
            if camera.focus.pull_to is not None and camera.focus.pull > 0.0:
                # a focus pull (docs/motion.md): linear in metres between the two targets
                to = frame.meta.target_depth(camera.focus.pull_to)
                to = fallback if to is None else to
                return depth + (to - depth) * camera.focus.pull
            return depth
    return fallback


def resize_frame(frame: Frame, width: int, height: int) -> Frame:
    """Scale to cover ``width × height`` keeping the aspect, then centre-crop (area/bilinear)."""
    if (frame.width, frame.height) == (width, height):
        return frame
    scale = max(width / frame.width, height / frame.height)
    new_w, new_h = max(width, round(frame.width * scale)), max(height, round(frame.height * scale))
    top, left = (new_h - height) // 2, (new_w - width) // 2

    def fit(t: torch.Tensor, mode: str) -> torch.Tensor:
        kwargs = {"antialias": True, "align_corners": False} if mode == "bilinear" else {}
        t = torch.nn.functional.interpolate(t, size=(new_h, new_w), mode=mode, **kwargs)
        return t[..., top:top + height, left:left + width].contiguous()

    aovs = {k: fit(v, "nearest" if k in ("depth",) or k.startswith("_") else "bilinear")
            for k, v in frame.aovs.items()}
    # The crop keeps part of the film plane: the frame now covers a narrower sensor area, and
    # each pixel still sees the same millimetres of face as before the scale.
    meta = dataclasses.replace(
        frame.meta,
        sensor_width_m=frame.meta.sensor_width_m * width / new_w,
        sensor_height_m=frame.meta.sensor_height_m * height / new_h,
        face_mm_per_px=frame.meta.face_mm_per_px / scale if frame.meta.face_mm_per_px else 0.0)
    return frame.replace(rgb=fit(frame.rgb, "bilinear"), aovs=aovs, meta=meta)


@op("mesh", OpCost(1.0, 1))
def op_mesh(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.head.build import build_scene
    from shotspec.runtime.head.scene import scene_frame

    return scene_frame(build_scene(p.character, p.camera, device=ctx.device))


@op("groom", OpCost(1.0, 1))
def op_groom(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.head.build import DEFAULT_CHARACTER
    from shotspec.runtime.head.groom import grow_groom
    from shotspec.runtime.head.scene import scene_of
    from shotspec.runtime.head.strands import groom_frame

    groom = grow_groom(scene_of(inputs[0]), p.character or DEFAULT_CHARACTER)
    frame = groom_frame(groom)
    return frame.to(ctx.device) if groom else frame


@op("geometry", OpCost(6.0, 24))
def op_geometry(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.head.render import render_geometry
    from shotspec.runtime.head.scene import scene_of
    from shotspec.runtime.head.strands import groom_of

    frame = render_geometry(scene_of(inputs[0]), p.camera, p.width, p.height,
                            character=p.character, groom=groom_of(inputs[1]))
    seed = int(p.character.seed) if p.character is not None else 0
    return frame.replace(meta=dataclasses.replace(frame.meta, seed=seed))


@op("shade", OpCost(5.0, 27))
def op_shade(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.head.scene import scene_of
    from shotspec.runtime.head.shade import shade
    from shotspec.runtime.head.strands import groom_of

    return shade(inputs[0], scene_of(inputs[1]), p.character, list(p.lights), p.camera,
                 groom_of(inputs[2]))


@op("plate", OpCost(2.0))
def op_plate(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.io import load_plate

    frame = load_plate(p.source, p.camera, face_scale_from_camera=p.face_scale_from_camera)
    if p.source.colorspace is not None:
        from shotspec.runtime.color_files import plate_to_working

        frame = frame.with_rgb(plate_to_working(frame.rgb, p.source))
    frame = frame.replace(meta=dataclasses.replace(frame.meta, seed=p.seed))
    return frame.to(ctx.device)


@op("lens", OpCost(6.0))
def op_lens(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.optics import apply_lens

    return apply_lens(inputs[0], p.camera, focus_distance(p.camera, inputs[0]))


@op("skin_enhance", OpCost(3.0))
def op_skin_enhance(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.enhance import EnhanceControls, skin_enhance
    from shotspec.runtime.enhance.skin_track import field_of

    # a plate sequence's frame after the first also reads its skin_track node (docs/motion.md)
    return skin_enhance(inputs[0], strength=p.strength, seed=p.seed,
                        controls=EnhanceControls(p.pores, p.pore_size, p.age_years, p.freckles, p.sheen,
                                                  p.fine_lines),
                        field=field_of(inputs[1]) if len(inputs) > 1 else None)


@op("skin_track", OpCost(4.0, 2))
def op_skin_track(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.enhance.skin_track import track_step

    # this frame, the previous frame; from the third frame on, the previous frame's track and
    # the sequence's first frame
    return track_step(inputs[0], inputs[1], *inputs[2:4])


@op("upscale", OpCost(4.0))
def op_upscale(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.enhance.skin_track import field_of
    from shotspec.runtime.upscale import upscale_frame

    # a plate sequence's frame after the first also reads a skin_track node (detail mode's relief)
    return upscale_frame(inputs[0], p.factor, p.mode, field=field_of(inputs[1]) if len(inputs) > 1 else None)


@op("grain", OpCost(3.0))
def op_grain(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.finishing import film_grain

    # Grain is sized in pixels from the film plane: it must see the pixels that are written, so
    # the frame goes to the output size first (cover, then centre-crop; a no-op when it is).
    frame = resize_frame(inputs[0], p.width, p.height)
    return film_grain(frame, stock=p.stock, strength=p.strength, seed=p.seed,
                      frame_index=p.frame)


@op("smooth")
def op_smooth(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.finishing import smooth

    return smooth(inputs[0], p.strength)


@op("sharpen")
def op_sharpen(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.finishing import sharpen

    return sharpen(inputs[0], p.amount, p.radius_px)


def _pointwise_stage(frame: Frame, name: str, p) -> Frame:
    from shotspec.runtime import finishing

    if name == "exposure":
        return finishing.exposure(frame, p.stops)
    if name == "white_balance":
        return finishing.white_balance(frame, p.temperature_k, p.tint)
    if name == "tonemap":
        return finishing.tonemap(frame, p.operator, contrast=p.contrast, look=p.look)
    if name == "grade":
        return finishing.apply_lut(frame, p.lut, p.strength)
    if name == "cdl":
        from shotspec.runtime.color_management import cdl

        return frame.with_rgb(cdl(frame.rgb, p.config, p.working, p.space, p.slope, p.offset,
                                  p.power, p.saturation, path=p.file, cccid=p.cccid))
    raise ValueError(f"not a pointwise op: {name}")


@op("pointwise")
def op_pointwise(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    frame = inputs[0]
    for stage in p.ops:
        frame = _pointwise_stage(frame, stage.op, params_of(stage.op, stage.params))
    return frame


def _single_pointwise(name: str) -> None:
    def run(inputs: list[Frame], p, ctx: OpContext) -> Frame:
        return _pointwise_stage(inputs[0], name, p)

    run.__name__ = f"op_{name}"
    op(name)(run)


for _name in POINTWISE_OPS:
    _single_pointwise(_name)


@op("output", OpCost(2.5))
def op_output(inputs: list[Frame], p, ctx: OpContext) -> Frame:
    from shotspec.runtime.io import write_image
    from shotspec.runtime.color_files import display_frame

    output = p.output
    frame = resize_frame(inputs[0], output.width, output.height)
    if frame.meta.source == "render" and "alpha" in frame.aovs:
        # A render includes its backdrop: the picture is opaque. The subject's coverage stays
        # available as a layer (EXR) instead of becoming the file's alpha channel.
        aovs = dict(frame.aovs)
        aovs["coverage"] = aovs.pop("alpha")
        frame = frame.replace(aovs=aovs)
    path = ctx.output_paths.get(p.shot, output.path)
    if path != output.path:
        output = output_for_path(output, path)
    written = display_frame(frame, output)
    ctx.written[p.shot] = write_image(written, output, provenance=ctx.provenance.get(p.shot),
                                      path=path)
    return written


def output_for_path(output: OutputIR, path: str) -> OutputIR:
    """The spec's output settings, re-targeted at ``path`` (``-o``): the file name's suffix
    picks the format; a bit depth that format cannot hold becomes the nearest one it can."""
    fmt = output_format(path) or output.format
    depth = output.bit_depth
    if fmt == "jpeg":
        depth = 8
    elif fmt == "exr":
        depth = 32 if depth == 32 else 16
    elif fmt == "png" and depth == 32:
        depth = 16
    colorspace = output.colorspace
    if fmt == "exr":
        colorspace = "linear"
    elif output.format == "exr" and colorspace == "linear":
        colorspace = "srgb"
    return output.model_copy(update={"format": fmt, "bit_depth": depth, "colorspace": colorspace,
                                     "path": path})


def run_op(name: str, inputs: list[Frame], params: dict[str, Any], ctx: OpContext) -> Frame:
    return OPS[name](inputs, params, ctx)
