"""Plates with and without depth and mask images."""

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.compiler.ir import CameraIR, OutputIR, SourceIR
from shotspec.runtime.frame import Frame
from shotspec.runtime.io import ImageError, load_plate, read_image, write_image
from shotspec.runtime.io.exr import exr_module
from shotspec.runtime.optics import apply_lens

H, W = 32, 48
CAM = CameraIR(focal_length_m=0.085, sensor_width_m=0.036, sensor_height_m=0.024, distance_m=0.9)


def _plate(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "plate.png")
    return str(tmp_path / "plate.png")


def test_plate_without_depth_is_uniform_at_subject_distance(tmp_path):
    plate = _plate(tmp_path)
    frame = load_plate(SourceIR(kind="plate", plate=plate), CAM)
    rgb, _ = read_image(plate)
    assert torch.equal(frame.rgb, rgb) and frame.rgb.shape == (1, 3, H, W)
    assert torch.all(frame.aov("depth") == 0.9)
    m = frame.meta
    assert (m.source, m.sensor_width_m, m.focal_length_m, m.subject_distance_m) == ("plate", 0.036, 0.085, 0.9)
    assert m.face_mm_per_px == pytest.approx(0.9 * 0.036 / (0.085 * W) * 1000)
    assert m.target_depths_m == ()
    explicit = load_plate(SourceIR(kind="plate", plate=plate, subject_distance_m=1.5), CAM)
    assert torch.all(explicit.aov("depth") == 1.5) and explicit.meta.subject_distance_m == 1.5
    # Focused at the subject: the lens pass blurs nothing (only vignetting, disabled here).
    lensed = apply_lens(frame, CAM.model_copy(update={"vignetting": 0.0}), 0.9)
    assert torch.allclose(lensed.rgb, frame.rgb, atol=1e-6)


def test_plate_with_16bit_depth_map_and_half_size_mask(tmp_path):
    plate = _plate(tmp_path)
    code = np.zeros((H, W), np.uint16)
    code[:, : W // 2] = 65535                  # white = near
    code[:, W // 2:] = 32768
    Image.fromarray(code).save(tmp_path / "depth.png")
    mask = np.zeros((H // 2, W // 2), np.uint8)
    mask[:, : W // 4] = 255                    # skin on the left (near) half
    Image.fromarray(mask).save(tmp_path / "mask.png")
    src = SourceIR(kind="plate", plate=plate, depth=str(tmp_path / "depth.png"),
                   mask=str(tmp_path / "mask.png"), depth_near_m=0.5, depth_far_m=4.5)
    frame = load_plate(src, CAM)
    depth = frame.aov("depth")
    assert depth.shape == (1, 1, H, W)
    assert float(depth[0, 0, 0, 0]) == pytest.approx(0.5)
    assert float(depth[0, 0, 0, -1]) == pytest.approx(4.5 + (32768 / 65535) * (0.5 - 4.5), abs=1e-4)
    skin = frame.aov("skin")
    assert skin.shape == (1, 1, H, W)
    assert float(skin[0, 0, :, :W // 2 - 2].min()) > 0.99 and float(skin[0, 0, :, W // 2 + 2:].max()) < 0.01
    assert frame.meta.target_depth("subject") == pytest.approx(0.5)
    assert frame.meta.subject_distance_m == pytest.approx(0.5)


@pytest.mark.skipif(exr_module() is None, reason="OpenEXR not installed")
def test_plate_with_exr_depth_in_metres_and_alpha(tmp_path):
    rgba = np.random.default_rng(2).integers(0, 255, (H, W, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "plate.png")
    z = torch.linspace(0.6, 3.0, W).expand(1, 1, H, W).contiguous()
    write_image(Frame(rgb=torch.zeros(1, 3, H, W), aovs={"depth": z}),
                OutputIR(path=str(tmp_path / "d.exr"), format="exr", bit_depth=32))
    src = SourceIR(kind="plate", plate=str(tmp_path / "plate.png"), depth=str(tmp_path / "d.exr"))
    frame = load_plate(src, CAM)
    assert torch.allclose(frame.aov("depth"), z)
    assert torch.all(frame.aov("alpha") == 1.0)
    # With real depth the lens pass defocuses the far side and keeps the focus plane sharp. The
    # focus column is not untouched: its neighbour, 5 cm behind it, is blurred over a 0.37 px
    # circle and spills onto it (a slanted plane of per-pixel noise is the worst case).
    out = apply_lens(frame, CAM.model_copy(update={"vignetting": 0.0}), 0.6)
    diff = (out.rgb - frame.rgb).abs()[0].mean(dim=(0, 1))      # per column
    assert float(diff[-8:].min()) > 0.15
    assert float(diff[0]) < 0.04 and float(diff[0]) < 0.15 * float(diff[-8:].min())
    assert torch.all(diff[1:6] > diff[:5])                       # blur grows away from focus


def test_bad_depth_image_is_an_image_error(tmp_path):
    plate = _plate(tmp_path)
    (tmp_path / "depth.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    src = SourceIR(kind="plate", plate=plate, depth=str(tmp_path / "depth.png"))
    with pytest.raises(ImageError) as e:
        load_plate(src, CAM)
    assert e.value.path.endswith("depth.png")
