"""The preview's renders: a compile of the spec (saved file or unsaved buffer), then its plan run
at a low resolution or in full, keeping every image the page shows.

One :class:`PreviewRenderer` lives as long as the preview, so its executor's frame cache lives
across edits exactly as watch mode's session does (``cli.session``): an edit recomputes only the
plan nodes whose content keys changed. The low-resolution phase renders the same program with
every output size scaled so its longer side is ``LOW_RES_LONG_SIDE_PX``; its nodes have their own
keys, so the low and the full frame are both cached.

The plan is optimised without ``fuse_pointwise``, so every finishing pass is its own node and the
page can compare the image before and after each one; the ``output`` nodes are dropped (a
preview writes no files), and the shade (or plate), lens and pass nodes are kept as outputs of
the run so the executor does not free them. Images are display-encoded 8-bit ``(H, W, 3)``
arrays at the output size; PNG bytes are made when the page asks for them.

A sequence is shown one frame at a time: the frame's chain is lowered as ``shot render``
lowers it (``plan.build.lower_shot`` with the frame number: its grain is that frame's), so its
nodes' keys are the sequence plan's and frames share every node that does not change.
``picture_ids`` plans a frame without running it: the playback cache (``playback``) keys each
frame's picture by ``picture_id`` of its last node.
"""

from __future__ import annotations

import io
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shotspec.cli.session import BuildResult
from shotspec.compiler import compile_file, compile_source
from shotspec.compiler.ir import ProgramIR, ShotIR, Span

__all__ = ["PreviewRenderer", "ShotView", "StageImage", "HitData", "LOW_RES_LONG_SIDE_PX",
           "PREVIEW_RULES", "span_json", "needs_low_phase", "scaled_size", "picture_id"]

LOW_RES_LONG_SIDE_PX = 128       # the fast first frame's longer side (px)
PREVIEW_RULES = ("eliminate_dead_passes", "assign_keys", "share_nodes")   # no fusion: one node a pass


def span_json(span: Span | None) -> dict | None:
    """A span as the page and an editor read it (1-based line and column)."""
    if span is None:
        return None
    return {"file": span.file, "line": span.line, "col": span.col,
            "end_line": span.end_line, "end_col": span.end_col}


@dataclass
class StageImage:
    """One picture of a shot: ``before finishing`` (the lens's output) or the frame after a
    finishing pass; ``pixels`` is display-encoded uint8 ``(H, W, 3)`` at the output size."""

    name: str
    label: str
    span: dict | None
    pixels: np.ndarray
    _png: bytes | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def png(self) -> bytes:
        """PNG bytes (made once, on first request)."""
        from PIL import Image

        with self._lock:
            if self._png is None:
                buf = io.BytesIO()
                Image.fromarray(self.pixels).save(buf, "PNG", compress_level=1)
                self._png = buf.getvalue()
            return self._png


@dataclass(frozen=True)
class HitData:
    """What the click-to-jump test reads, at the render size (before any upscale pass):
    masks ``(H, W)`` float 0–1, ``depth_m`` ``(H, W)``, ``position`` world metres ``(H, W, 3)``,
    ``normal`` camera-space unit ``(H, W, 3)``, and the shot's IR for lights and camera."""

    masks: dict[str, np.ndarray]
    depth_m: np.ndarray | None
    position: np.ndarray | None
    normal: np.ndarray | None
    focus_distance_m: float | None
    shot: ShotIR


@dataclass
class ShotView:
    """Everything the page shows of one shot after one render phase."""

    name: str
    width: int
    height: int
    stages: list[StageImage]          # [before finishing, after pass 1, …]; the last is the final
    hit: HitData | None
    render_size: tuple[int, int]
    frames: int = 0                   # a sequence's length (0: a still shot)
    frame: int = 0                    # the frame shown
    key: str = ""                     # the final picture's content id (``picture_id``)


def _scaled_program(program: ProgramIR, long_side_px: int) -> ProgramIR:
    """``program`` with every output size scaled so its longer side is at most ``long_side_px``."""
    shots = []
    for shot in program.shots:
        out = shot.output
        width, height = scaled_size(out.width, out.height, long_side_px)
        size = {"width": width, "height": height}
        shots.append(shot.model_copy(update={"output": out.model_copy(update=size)}))
    return program.model_copy(update={"shots": tuple(shots)})


def needs_low_phase(program: ProgramIR) -> bool:
    """Whether a low-resolution frame would be any smaller than the full one."""
    return any(max(s.output.width, s.output.height) > LOW_RES_LONG_SIDE_PX for s in program.shots)


def _display(frame, width: int, height: int, colorspace: str) -> np.ndarray:
    """A frame's picture as the browser shows it: output size, encoded, 8-bit, no dither."""
    import torch

    from shotspec.runtime.frame import Frame
    from shotspec.runtime.io.image_write import encode_transfer, quantize
    from shotspec.runtime.ops import resize_frame

    rgb = torch.nan_to_num(frame.rgb.detach().float(), nan=0.0, posinf=65504.0, neginf=0.0)
    picture = resize_frame(Frame(rgb=rgb, meta=frame.meta), width, height)
    encoded = encode_transfer(picture.rgb[0], "srgb" if colorspace == "linear" else colorspace)
    return quantize(encoded, 8, dither=False)


def _hit_data(frame, shot: ShotIR) -> HitData:
    from shotspec.runtime.ops import focus_distance

    def plane(name: str) -> np.ndarray | None:
        t = frame.aovs.get(name)
        return None if t is None else t[0].detach().float().cpu().numpy()

    masks = {k: plane(k)[0] for k in ("eyes", "skin", "lips", "brows", "subject")
             if frame.aovs.get(k) is not None}
    depth, position, normal = plane("depth"), plane("position"), plane("normal")
    focus = None
    if frame.meta.source == "render":
        focus = float(focus_distance(shot.camera, frame))
    return HitData(masks=masks, depth_m=None if depth is None else depth[0],
                   position=None if position is None else position.transpose(1, 2, 0),
                   normal=None if normal is None else normal.transpose(1, 2, 0),
                   focus_distance_m=focus, shot=shot)


class PreviewRenderer:
    """Compiles and renders one spec for the preview; not thread-safe (one worker calls it)."""

    def __init__(self, spec: str | Path, *, overrides=(), allow=(), device: str = "auto",
                 frame: int = 0):
        from shotspec.runtime.cache import FrameCache
        from shotspec.runtime.executor import Executor

        self.spec = Path(spec).resolve()
        self.frame = int(frame)        # which frame of a sequence the preview shows
        self.overrides = list(overrides)
        self.allow = list(allow)
        self.executor = Executor(device=device, cache=FrameCache())

    def compile(self, text: str | None = None) -> BuildResult:
        """Compile the saved file (``text`` None) or an unsaved buffer of it."""
        if text is None:
            result = compile_file(self.spec, overrides=self.overrides, allow=self.allow,
                                  check_outputs=False)
        else:
            result = compile_source(text, self.spec, overrides=self.overrides, allow=self.allow,
                                    check_outputs=False)
        build = BuildResult(result.program, list(result.diagnostics), dict(result.sources),
                            tuple(result.dependencies))
        if build.ok and not build.program.shots:
            from shotspec.compiler import Diagnostic

            build.diagnostics.append(Diagnostic.of(
                "E602", f"{self.spec} defines no `shot` to render", file=str(self.spec),
                help="add a `shot NAME { … }` block"))
        return build

    def render(self, program: ProgramIR, *, low_res: bool, frame: int | None = None,
               hit: bool = True) -> tuple[list[ShotView], float]:
        """Run the program's plan (scaled down when ``low_res``) at frame ``frame`` of its
        sequences (default: the preview's ``frame``); returns the shots' views and the seconds
        it took. ``hit`` False leaves out the click-to-jump data (a playback frame). Runtime
        errors raise ``ShotspecError`` as for ``shot render``."""
        from shotspec.compiler.plan.graph import Plan

        t0 = time.perf_counter()
        frame = self.frame if frame is None else int(frame)
        if low_res:
            program = _scaled_program(program, LOW_RES_LONG_SIDE_PX)
        lengths = {s.name: len(s.frames) for s in program.shots}
        program, plan = self._plan(program, frame)
        chains: dict[str, list[str]] = {}
        kept: dict[str, str] = {}
        for shot, out_id in plan.outputs.items():
            chain = plan.ancestors(plan.nodes[out_id].inputs[0])
            chains[shot] = [nid for nid in chain if plan.nodes[nid].op not in ("mesh", "groom", "geometry")]
            for nid in chains[shot]:
                kept[f"{shot}\x1f{nid}"] = nid
        nodes = {nid: n for nid, n in plan.nodes.items() if n.op != "output"}
        report = self.executor.run(Plan(nodes=nodes, outputs=kept))
        views = [self._view(program, plan, shot, chains[shot], report.frames, hit)
                 for shot in plan.outputs]
        for view in views:
            view.frames = lengths.get(view.name, 0)
            view.frame = min(frame, view.frames - 1) if view.frames else 0
        return views, time.perf_counter() - t0

    def picture_ids(self, program: ProgramIR, frame: int, *, low_res: bool) -> dict[str, str]:
        """``{shot: picture id}`` of each sequence's frame ``frame`` (planned, not run): equal
        ids are equal pictures, so a frame whose id is cached needs no render."""
        if low_res:
            program = _scaled_program(program, LOW_RES_LONG_SIDE_PX)
        sequences = {s.name for s in program.shots if s.frames}
        shown, plan = self._plan(program, frame)
        return {s.name: picture_id(plan.nodes[plan.nodes[plan.outputs[s.name]].inputs[0]].key, s.output)
                for s in shown.shots if s.name in sequences}

    def _plan(self, program: ProgramIR, frame: int | None = None):
        """``program`` as shown (each sequence as the still shot of its frame ``frame``, its last
        frame for a shorter sequence) and its checked plan, optimised without fusion
        (``PREVIEW_RULES``). A frame's chain is lowered as ``shot render`` lowers it (its grain
        is the frame's), so its nodes' keys are the sequence plan's."""
        from shotspec.compiler.plan.build import lower_shot
        from shotspec.compiler.plan.graph import Plan
        from shotspec.compiler.plan.optimizer import optimize

        frame = self.frame if frame is None else frame
        nodes: dict = {}
        outputs: dict[str, str] = {}
        shown = []
        for shot in program.shots:
            if shot.frames:
                n = len(shot.frames)
                at = min(frame, n - 1)
                still = shot.frames[at].model_copy(update={
                    "name": shot.name, "output": shot.output, "frames": (), "tracks": (),
                    "duration_frames": None})
                outputs[shot.name] = lower_shot(still, nodes, at, n)
            else:
                still = shot
                outputs[shot.name] = lower_shot(shot, nodes)
            shown.append(still)
        plan = Plan(nodes=nodes, outputs=outputs)
        plan.check()
        return (program.model_copy(update={"shots": tuple(shown)}),
                optimize(plan, rules=PREVIEW_RULES))

    def light_alone(self, program: ProgramIR, shot_name: str, index: int):
        """``(alone, whole)``: the frames light ``index`` of shot ``shot_name``'s rig makes
        alone and the whole rig makes, at the size of the preview's first frame (the
        low-resolution one when there is one), from the nodes the last render cached; None for
        a shot without a rendered head."""
        from shotspec.compiler.plan.graph import Plan
        from shotspec.runtime.head.scene import scene_of
        from shotspec.runtime.head.shade import shade
        from shotspec.runtime.head.strands import groom_of

        if needs_low_phase(program):
            program = _scaled_program(program, LOW_RES_LONG_SIDE_PX)
        _, plan = self._plan(program)
        out_id = plan.outputs.get(shot_name)
        if out_id is None:
            return None
        node = next((plan.nodes[nid] for nid in plan.ancestors(out_id) if plan.nodes[nid].op == "shade"), None)
        if node is None or not 0 <= index < len(node.params.lights):
            return None
        names = ("geometry", "mesh", "groom")
        wanted = dict(zip(names, node.inputs)) | {"shade": node.id}
        report = self.executor.run(Plan(nodes={nid: plan.nodes[nid] for nid in plan.ancestors(node.id)},
                                        outputs=wanted))
        frames = report.frames
        p = node.params
        alone = shade(frames["geometry"], scene_of(frames["mesh"]), p.character, list(p.lights),
                      p.camera, groom_of(frames["groom"]), only=index)
        return alone, frames["shade"]

    def _view(self, program: ProgramIR, plan, shot_name: str, chain: list[str], frames,
              hit: bool = True) -> ShotView:
        shot = next(s for s in program.shots if s.name == shot_name)
        out = shot.output
        source_id, stage_ids = chain[0], chain[1:]          # shade / plate, then lens, passes…
        source = frames[f"{shot_name}\x1f{source_id}"]
        stages = []
        for nid in stage_ids:
            node = plan.nodes[nid]
            frame = frames[f"{shot_name}\x1f{nid}"]
            if node.op == "lens":
                name, label = "lens", "before finishing"
            else:
                name, label = node.op, node.label
            stages.append(StageImage(name, label, span_json(node.span),
                                     _display(frame, out.width, out.height, out.colorspace)))
        final = plan.nodes[stage_ids[-1]].key if stage_ids else ""
        return ShotView(shot_name, out.width, out.height, stages,
                        _hit_data(source, shot) if hit else None, (source.width, source.height),
                        key=picture_id(final, out))


def picture_id(node_key: str, output) -> str:
    """The id of the picture a node's frame is shown as: its content key with the size and
    colour space it is displayed at (hex, 24 digits)."""
    import hashlib

    text = f"{node_key}|{output.width}x{output.height}|{output.colorspace}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def scaled_size(width: int, height: int, long_side_px: int) -> tuple[int, int]:
    """``width × height`` scaled (never up) so the longer side is at most ``long_side_px``."""
    scale = min(1.0, long_side_px / max(width, height))
    return max(16, math.floor(width * scale + 0.5)), max(16, math.floor(height * scale + 0.5))
