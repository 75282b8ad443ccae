"""Unreadable, corrupt and truncated images become ImageError with a clear message."""

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.compiler.ir import OutputIR
from shotspec.runtime.frame import Frame
from shotspec.runtime.io import ImageError, read_image, write_image
from shotspec.runtime.io.exr import exr_module


def _png(tmp_path):
    rgb = torch.rand(1, 3, 40, 40, generator=torch.Generator().manual_seed(1))
    return write_image(Frame(rgb=rgb), OutputIR(path=str(tmp_path / "ok.png"), format="png"))


def test_missing_file(tmp_path):
    with pytest.raises(ImageError) as e:
        read_image(tmp_path / "nope.png")
    assert e.value.reason == "file not found" and e.value.path.endswith("nope.png")
    assert e.value.code == "E520" and e.value.message.startswith("cannot read ")


def test_not_an_image(tmp_path):
    (tmp_path / "x.png").write_text("hello, I am text")
    with pytest.raises(ImageError, match="not a PNG, JPEG, TIFF or OpenEXR"):
        read_image(tmp_path / "x.png")


def test_truncated_png(tmp_path):
    data = open(_png(tmp_path), "rb").read()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError) as e:
        read_image(tmp_path / "cut.png")
    assert "corrupt or truncated PNG" in e.value.message and e.value.hint


def test_corrupt_png_data(tmp_path):
    data = bytearray(open(_png(tmp_path), "rb").read())
    start = data.index(b"IDAT") + 20
    data[start:start + 200] = bytes(200)
    (tmp_path / "bad.png").write_bytes(bytes(data))
    with pytest.raises(ImageError, match="corrupt or truncated PNG"):
        read_image(tmp_path / "bad.png")


def test_truncated_jpeg_and_tiff(tmp_path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(
        tmp_path / "a.jpg", quality=90)
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:300])
    with pytest.raises(ImageError, match="JPEG"):
        read_image(tmp_path / "cut.jpg")
    path = write_image(Frame(rgb=torch.rand(1, 3, 30, 30)),
                       OutputIR(path=str(tmp_path / "t.tif"), format="tiff", bit_depth=16))
    data = open(path, "rb").read()
    (tmp_path / "cut.tif").write_bytes(data[: len(data) - 200])
    with pytest.raises(ImageError, match="TIFF"):
        read_image(tmp_path / "cut.tif")


@pytest.mark.skipif(exr_module() is None, reason="OpenEXR not installed")
def test_truncated_exr(tmp_path):
    path = write_image(Frame(rgb=torch.rand(1, 3, 30, 30)),
                       OutputIR(path=str(tmp_path / "a.exr"), format="exr", bit_depth=32))
    data = open(path, "rb").read()
    (tmp_path / "cut.exr").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="EXR"):
        read_image(tmp_path / "cut.exr")
