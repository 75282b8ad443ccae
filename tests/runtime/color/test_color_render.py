"""End to end: a plate shot rendered through an ACES view, with and without a CDL and a
display LUT — the picture changes the way a colourist expects, and repeats bit for bit."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from shotspec.cli.main import main
from shotspec.runtime.io.image_read import read_raw

PLATE = Path(__file__).resolve().parents[3] / "src" / "shotspec" / "specs" / "examples" / "plate"

SPEC = """shot s {{
  source plate "plate/portrait.png"
  camera {{ vignetting 0 }}
  finish {{ {finish} }}
  output "{name}.png" {{ size 96x120; depth 16; dither off
    view "ACES 2.0 - SDR 100 nits (Rec.709)"
    {output} }}
}}
"""


def _render(tmp_path: Path, name: str, finish: str = "", output: str = "") -> np.ndarray:
    if not (tmp_path / "plate").exists():
        shutil.copytree(PLATE, tmp_path / "plate")
    spec = tmp_path / f"{name}.shot"
    spec.write_text(SPEC.format(finish=finish, name=name, output=output))
    assert main(["render", str(spec), "--quiet"]) == 0
    return read_raw(str(tmp_path / f"{name}.png"))[0].astype(np.float64)


def test_cdl_slope_warms_the_picture_and_a_display_lut_comes_last(tmp_path):
    plain = _render(tmp_path, "plain")
    warm = _render(tmp_path, "warm", "cdl { slope 1.04 1 0.96 }")
    shift = (warm - plain).reshape(-1, 3).mean(axis=0) * 255.0
    assert shift[0] > 3.0 and shift[2] < -1.0          # redder, less blue, in 8-bit codes
    again = _render(tmp_path, "warm", "cdl { slope 1.04 1 0.96 }")
    assert np.array_equal(again, warm)                  # deterministic
    (tmp_path / "invert.cube").write_text(
        "LUT_3D_SIZE 2\n" + "".join(f"{1 - r} {1 - g} {1 - b}\n"
                                    for b in (0, 1) for g in (0, 1) for r in (0, 1)))
    inverted = _render(tmp_path, "inverted", "", 'lut "invert.cube"')
    # the display LUT sees the view's code values: the file is exactly 1 − the plain picture
    assert np.abs(inverted - (1.0 - plain)).max() * 65535 <= 1.5
