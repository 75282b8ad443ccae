"""The enhancer's controls (pores, pore size, age, freckles, sheen): each does what its name says,
out-of-range values are clear errors, and the CLI takes them as flags."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from shotspec.cli.main import main
from shotspec.color import luminance
from shotspec.runtime.enhance import EnhanceControls, skin_enhance
from shotspec.runtime.enhance.texture_stats import texture_peak_c_per_mm

sys.path.insert(0, str(Path(__file__).parent))
from conftest import make_face  # noqa: E402


def _texture(frame, **controls) -> torch.Tensor:
    out = skin_enhance(frame, strength=1.0, seed=11, controls=EnhanceControls(**controls))
    return torch.log(out.rgb.clamp_min(1e-6) / frame.rgb.clamp_min(1e-6))


def _rms(t: torch.Tensor, mask: torch.Tensor) -> float:
    return float(t[mask.expand_as(t)].pow(2).mean().sqrt())


@pytest.fixture(scope="module")
def frame():
    return make_face(256, 224, mm_per_px=0.1, light=(-0.7, -0.3, 0.65))


@pytest.fixture(scope="module")
def inner(frame):
    return frame.aov("skin") > 0.99


def test_more_pores_and_age_give_more_texture(frame, inner):
    base = _rms(_texture(frame), inner)
    assert _rms(_texture(frame, pores=0.0), inner) < 0.9 * base
    assert _rms(_texture(frame, age_years=80.0), inner) > 1.1 * base


def test_pore_size_scales_the_relief(frame, inner):
    """Twice the relief's scale lowers the texture's peak (0.95 → 0.77 cycles/mm measured: the
    diffusion profile and the 3 mm identity limit, both in mm, do not scale with it)."""

    def peak(t):
        lum = t.mean(1)[0]
        return texture_peak_c_per_mm(lum[64:192, 48:176], 0.1)

    assert peak(_texture(frame, pore_size=2.0)) < 0.9 * peak(_texture(frame, pore_size=1.0))


def test_freckles_add_melanin_stronger_in_blue(frame, inner):
    plain, freckled = _texture(frame, sheen=0.0), _texture(frame, freckles=1.0, sheen=0.0)
    added = freckled - plain
    assert _rms(added, inner) > 0.01
    red, blue = _rms(added[:, 0:1], inner), _rms(added[:, 2:3], inner)
    assert blue > 1.8 * red                             # melanin absorbs more towards blue


def test_sheen_adds_relief_in_the_highlights_only(frame, inner):
    lum = luminance(frame.rgb)
    bright = inner & (lum > torch.quantile(lum[inner], 0.9))
    dark = inner & (lum < torch.quantile(lum[inner], 0.5))
    none, strong = _texture(frame, sheen=0.0), _texture(frame, sheen=2.0)
    assert _rms(strong - none, bright) > 0.004
    assert _rms(strong - none, dark) < 0.2 * _rms(strong - none, bright)


@pytest.mark.parametrize("name,value", [("pores", 1.5), ("pore_size", 0.2), ("age_years", 0.0),
                                        ("freckles", -0.1), ("sheen", math.nan), ("sheen", "1"),
                                        ("fine_lines", 1.5)])
def test_out_of_range_controls_are_clear_errors(name, value):
    with pytest.raises(ValueError, match=name):
        EnhanceControls(**{name: value})


def test_cli_flag_out_of_range_is_usage_error_e606(tmp_path, capsys):
    from PIL import Image

    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(tmp_path / "in.png")
    code = main(["enhance", str(tmp_path / "in.png"), "-o", str(tmp_path / "out.png"), "--pore-size", "3"])
    err = capsys.readouterr().err
    assert code == 2 and "E606" in err and "--pore-size" in err
    code = main(["enhance", str(tmp_path / "in.png"), "-o", str(tmp_path / "out.png"), "--fine-lines", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "E606" in err and "--fine-lines" in err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "500"])
def test_cli_face_scale_out_of_range_is_e606(tmp_path, capsys, value):
    from PIL import Image

    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(tmp_path / "in.png")
    code = main(["enhance", str(tmp_path / "in.png"), "-o", str(tmp_path / "out.png"), "--face-scale", value])
    err = capsys.readouterr().err
    assert code == 2 and "E606" in err and "--face-scale" in err
    assert not (tmp_path / "out.png").exists()


def test_cli_face_scale_sizes_the_texture_and_the_scale_is_printed(tmp_path, capsys, frame):
    from PIL import Image

    from shotspec.color import linear_to_srgb

    codes = (linear_to_srgb(frame.rgb[0].clamp(0, 1)).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    Image.fromarray(codes).save(tmp_path / "in.png")
    outs = {}
    for mm in ("0.2", "0.4"):
        out = tmp_path / f"out{mm}.png"
        assert main(["enhance", str(tmp_path / "in.png"), "-o", str(out), "--strength", "1", "--face-scale", mm]) == 0
        assert f"scale {float(mm):.3f} mm/px (given" in capsys.readouterr().out
        outs[mm] = np.asarray(Image.open(out), np.float64)
    # the same relief in mm: at 0.4 mm a pixel its cells are half as many pixels across, so
    # the added texture's peak (cycles per pixel) is about twice as high
    log_in = np.log(codes.astype(np.float64).mean(2) + 1.0)
    peak = {m: texture_peak_c_per_mm(torch.from_numpy(np.log(o.mean(2) + 1.0) - log_in)[60:-60, 60:-60].float(), 1.0)
            for m, o in outs.items()}
    assert 1.5 < peak["0.4"] / peak["0.2"] < 2.6, peak
