"""The output op: renders are written opaque, crops keep the film-plane geometry."""

from __future__ import annotations

import torch
from PIL import Image

from shotspec.compiler.ir import OutputIR
from shotspec.compiler.plan.build import stage_params
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.ops import OpContext, op_output, resize_frame


def _frame(source: str) -> Frame:
    alpha = torch.zeros(1, 1, 20, 16)
    alpha[..., 5:15, 4:12] = 1
    return Frame(rgb=torch.full((1, 3, 20, 16), 0.3), aovs={"alpha": alpha},
                 meta=FrameMeta(source=source))


def _write(frame: Frame, path) -> Image.Image:
    output = OutputIR(path=str(path), width=16, height=20)
    params = {"output": stage_params(output, "output"), "shot": "s", "seed": 0}
    op_output([frame], params, OpContext(device=torch.device("cpu")))
    return Image.open(path)


def test_a_render_with_a_backdrop_is_opaque(tmp_path):
    assert _write(_frame("render"), tmp_path / "r.png").mode == "RGB"


def test_a_plate_keeps_its_alpha(tmp_path):
    img = _write(_frame("plate"), tmp_path / "p.png")
    assert img.mode == "RGBA"
    assert img.getchannel("A").getextrema() == (0, 255)


def test_cover_crop_narrows_the_sensor():
    frame = Frame(rgb=torch.zeros(1, 3, 100, 100), meta=FrameMeta(sensor_width_m=0.036, sensor_height_m=0.036))
    out = resize_frame(frame, 50, 100)
    assert (out.width, out.height) == (50, 100)
    assert abs(out.meta.sensor_width_m - 0.018) < 1e-9 and abs(out.meta.sensor_height_m - 0.036) < 1e-9


def test_the_example_plate_depth_puts_the_face_in_front():
    from pathlib import Path

    from shotspec.runtime.io.plate import read_depth_image, read_mask_image

    plate = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs" / "examples" / "plate"
    depth = read_depth_image(str(plate / "portrait_depth.png"), 0.3, 10.0)
    skin = read_mask_image(str(plate / "portrait_mask.png")) > 0.5
    face, background = depth[skin].median().item(), depth[~skin].median().item()
    assert abs(face - 0.7) < 0.05          # the example focuses at 0.7 m
    assert background > 2.0


def test_alpha_is_never_dithered(tmp_path):
    import numpy as np

    from shotspec.compiler.ir import OutputIR
    from shotspec.runtime.io import write_image

    alpha = torch.zeros(1, 1, 32, 32)
    alpha[..., 8:24, 8:24] = 1.0
    alpha[..., 0:4, :] = 128 / 255
    frame = Frame(rgb=torch.full((1, 3, 32, 32), 0.4), aovs={"alpha": alpha}, meta=FrameMeta(source="plate"))
    for bits in (8, 16):
        path = tmp_path / f"a{bits}.png"
        write_image(frame, OutputIR(path=str(path), width=32, height=32, bit_depth=bits, dither=True))
        a = np.asarray(Image.open(path).getchannel("A")) if bits == 8 else None
        if a is not None:
            assert set(np.unique(a[4:, :])) == {0, 255}
            assert set(np.unique(a[:4, :])) == {128}
