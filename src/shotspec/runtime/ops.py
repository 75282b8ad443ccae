"""Plan ops: thin adapters from a plan node's params onto the runtime's pure functions.

Each op is ``op(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame``. Heavy modules are
imported inside the op, so importing the executor stays cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, GradePass, LightIR, OutputIR, SourceIR
from shotspec.image_formats import output_format
from shotspec.runtime.frame import Frame

__all__ = ["OpContext", "OPS", "focus_distance", "resize_frame"]


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


def _character(data: dict | None) -> CharacterIR | None:
    return None if data is None else CharacterIR.model_validate({"name": "character", **data})


def focus_distance(camera: CameraIR, frame: Frame) -> float:
    """Metres from the lens to the plane of focus: an explicit distance, else the target's depth
    as the source measured it, else the subject distance."""
    if camera.focus.distance_m is not None:
        return camera.focus.distance_m
    if camera.focus.target is not None:
        depth = frame.meta.target_depth(camera.focus.target)
        if depth is not None:
            return depth
    return frame.meta.subject_distance_m or camera.distance_m


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


def op_geometry(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.character import render_geometry

    return render_geometry(_character(params["character"]), CameraIR.model_validate(params["camera"]),
                           params["width"], params["height"], device=ctx.device)


def op_shade(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.character import shade

    lights = [LightIR.model_validate({"name": f"light{i}", **d}) for i, d in enumerate(params["lights"])]
    return shade(inputs[0], _character(params["character"]), lights,
                 CameraIR.model_validate(params["camera"]))


def op_plate(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.io import load_plate

    frame = load_plate(SourceIR.model_validate(params["source"]), CameraIR.model_validate(params["camera"]))
    frame = frame.replace(meta=dataclasses.replace(frame.meta, seed=int(params.get("seed", 0))))
    return frame.to(ctx.device)


def op_lens(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.optics import apply_lens

    camera = CameraIR.model_validate(params["camera"])
    return apply_lens(inputs[0], camera, focus_distance(camera, inputs[0]))


def op_skin_enhance(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.enhance import skin_enhance

    return skin_enhance(inputs[0], strength=params["strength"], seed=int(params["seed"]))


def op_upscale(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.upscale import upscale_frame

    return upscale_frame(inputs[0], int(params["factor"]), params["mode"])


def op_grain(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.finishing import film_grain

    return film_grain(inputs[0], stock=params["stock"], strength=params["strength"],
                      seed=int(params["seed"]), frame_index=int(params.get("frame", 0)))


def op_smooth(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.finishing import smooth

    return smooth(inputs[0], params["strength"])


def op_sharpen(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.finishing import sharpen

    return sharpen(inputs[0], params["amount"], params.get("radius_px", 1.0))


def _pointwise_stage(frame: Frame, op: str, p: dict) -> Frame:
    from shotspec.runtime import finishing

    if op == "exposure":
        return finishing.exposure(frame, p["stops"])
    if op == "white_balance":
        return finishing.white_balance(frame, p["temperature_k"], p.get("tint", 0.0))
    if op == "tonemap":
        return finishing.tonemap(frame, p["operator"], contrast=p.get("contrast", 1.0),
                                 look=p.get("look", "none"))
    if op == "grade":
        grade = GradePass.model_validate(p)
        return finishing.apply_lut(frame, finishing.parse_cube(grade.lut), grade.strength)
    raise ValueError(f"not a pointwise op: {op}")


def op_pointwise(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    frame = inputs[0]
    for stage in params["ops"]:
        frame = _pointwise_stage(frame, stage["op"], stage["params"])
    return frame


def _single_pointwise(name: str) -> Callable[[list[Frame], dict, OpContext], Frame]:
    def run(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
        return _pointwise_stage(inputs[0], name, {k: v for k, v in params.items() if k != "enabled"})

    run.__name__ = f"op_{name}"
    return run


def op_output(inputs: list[Frame], params: dict, ctx: OpContext) -> Frame:
    from shotspec.runtime.io import write_image

    output = OutputIR.model_validate(params["output"])
    frame = resize_frame(inputs[0], output.width, output.height)
    if frame.meta.source == "render" and "alpha" in frame.aovs:
        # A render includes its backdrop: the picture is opaque. The subject's coverage stays
        # available as a layer (EXR) instead of becoming the file's alpha channel.
        aovs = dict(frame.aovs)
        aovs["coverage"] = aovs.pop("alpha")
        frame = frame.replace(aovs=aovs)
    shot = params["shot"]
    path = ctx.output_paths.get(shot, output.path)
    if path != output.path:
        output = output_for_path(output, path)
    ctx.written[shot] = write_image(frame, output, provenance=ctx.provenance.get(shot), path=path)
    return frame


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


OPS: dict[str, Callable[[list[Frame], dict, OpContext], Frame]] = {
    "geometry": op_geometry,
    "shade": op_shade,
    "plate": op_plate,
    "lens": op_lens,
    "skin_enhance": op_skin_enhance,
    "upscale": op_upscale,
    "grain": op_grain,
    "smooth": op_smooth,
    "sharpen": op_sharpen,
    "pointwise": op_pointwise,
    "exposure": _single_pointwise("exposure"),
    "white_balance": _single_pointwise("white_balance"),
    "tonemap": _single_pointwise("tonemap"),
    "grade": _single_pointwise("grade"),
    "output": op_output,
}


def run_op(op: str, inputs: list[Frame], params: dict[str, Any], ctx: OpContext) -> Frame:
    return OPS[op](inputs, params, ctx)
