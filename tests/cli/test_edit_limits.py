"""`shot enhance` / `shot upscale` refuse what cannot work before reading a pixel: a result
outside 16–16384 px a side (E208) or one that would not fit in memory (E501)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from shotspec.cli.main import main
from shotspec.runtime.memory import EDIT_PLANES, image_edit_peak_bytes


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "in.png"
    Image.fromarray(np.full((48, 40, 3), 128, np.uint8)).save(path)
    return path


def test_the_estimate_is_planes_of_the_result():
    assert image_edit_peak_bytes(1000, 500, 2) == 2000 * 1000 * EDIT_PLANES * 4


def test_a_result_that_would_not_fit_in_memory_is_e501_before_any_work(image, tmp_path,
                                                                        monkeypatch, capsys):
    monkeypatch.setattr("shotspec.runtime.memory.available_bytes", lambda device: 1024)
    out = tmp_path / "out.png"
    assert main(["upscale", str(image), "-o", str(out), "--scale", "2"]) == 1
    err = capsys.readouterr().err
    assert "E501" in err and "80×96 px result" in err and not out.exists()
    assert main(["enhance", str(image), "-o", str(out)]) == 1
    assert "E501" in capsys.readouterr().err and not out.exists()


def test_a_result_outside_the_image_size_limits_is_e208(tmp_path, capsys):
    tiny = tmp_path / "tiny.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tiny)
    assert main(["upscale", str(tiny), "-o", str(tmp_path / "o.png"), "--scale", "2"]) == 1
    err = capsys.readouterr().err
    assert "E208" in err and "8×8 px" in err
