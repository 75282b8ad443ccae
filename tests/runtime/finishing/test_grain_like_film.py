"""Grain like film: the statistics of 35 mm scans at their pitch, clumped luminance-dominant
structure, and grain applied at the output resolution after every resize."""

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.compiler import compile_source
from shotspec.compiler.plan import build_plan
from shotspec.compiler.plan.build import lower_program
from shotspec.runtime.executor import Executor
from shotspec.runtime.finishing import film_grain
from shotspec.runtime.finishing.grain import grains_per_pixel
from shotspec.runtime.finishing.grain_measure import grain_statistics, measure_grain_u
from shotspec.runtime.finishing.perceptual import to_perceptual
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.io import read_image

SCAN_PITCH_UM = 47.0
# The two scans (kodim04, kodim15) measured by grain_measure's estimator (bench/grain_scans.py):
# green RMS scaled to mid-grey 0.0139 and 0.0095, neighbour correlation (green, blue) 0.15–0.27,
# channel correlation 0.85–0.86.
SCAN_GREEN_RMS = (0.0095, 0.0139)


def flat(value: float, width: int, height: int, pitch_um: float) -> Frame:
    rgb = torch.full((1, 3, height, width), float(value))
    return Frame(rgb=rgb, meta=FrameMeta(sensor_width_m=width * pitch_um * 1e-6,
                                         sensor_height_m=height * pitch_um * 1e-6))


@pytest.mark.parametrize("stock", ["200T", "250D"])
def test_medium_stocks_match_the_scans_at_their_pitch(stock):
    out = film_grain(flat(0.18, 320, 256, SCAN_PITCH_UM), stock=stock, strength=1.0, seed=1)
    s = grain_statistics(out.rgb)
    assert 0.22 <= s.neighbour_mean <= 0.30
    assert 0.84 <= s.channel <= 0.90
    assert SCAN_GREEN_RMS[0] <= s.rms[1] <= SCAN_GREEN_RMS[1]
    assert s.rms[0] > s.rms[2] > s.rms[1]                       # red grainiest, green finest


def test_stocks_order_by_speed_and_default_strength_is_the_scans():
    rms = {}
    for stock in ("50D", "250D", "500T"):
        out = film_grain(flat(0.18, 256, 256, SCAN_PITCH_UM), stock=stock, strength=1.0, seed=2)
        rms[stock] = grain_statistics(out.rgb).rms[1]
    assert rms["50D"] < 0.75 * rms["250D"]
    assert rms["500T"] > 1.3 * rms["250D"]
    from shotspec.compiler.ir import GrainPass
    assert GrainPass().strength == 1.0


def _skew(x: torch.Tensor) -> float:
    x = x - x.mean()
    return float((x**3).mean() / (x**2).mean() ** 1.5)


def test_grain_is_clumped_where_pixels_hold_few_grains():
    pitch = 12.0                                  # 4096 px on Super 35: about half a grain per pixel
    assert grains_per_pixel("250D", pitch) < 1.0
    skews = {}
    for level in (0.01, 0.18, 3.0):              # shadow, mid-grey, highlight (u ≈ 0.07, 0.5, 0.97)
        f = flat(level, 256, 256, pitch)
        g = to_perceptual(film_grain(f, stock="250D", strength=0.5, seed=4).rgb) - to_perceptual(f.rgb)
        skews[level] = _skew(g[0].mean(0))
    # The Boolean model: bright clumps in the shadows, dark gaps in the highlights.
    assert skews[0.01] > 0.15 and skews[3.0] < -0.15 and abs(skews[0.18]) < 0.1
    # Many grains per pixel (the scans' pitch): close to Gaussian.
    f = flat(0.01, 256, 256, SCAN_PITCH_UM)
    g = to_perceptual(film_grain(f, stock="250D", strength=0.5, seed=4).rgb) - to_perceptual(f.rgb)
    assert abs(_skew(g[0].mean(0))) < skews[0.01]


def test_grain_is_luminance_dominant():
    out = film_grain(flat(0.18, 256, 256, SCAN_PITCH_UM), stock="500T", strength=1.0, seed=3)
    g = to_perceptual(out.rgb)[0] - 0.5
    luma = g.mean(0)
    chroma = g - luma
    assert float(chroma.pow(2).mean()) < 0.15 * float(luma.pow(2).mean())


def test_estimator_needs_blocks_and_an_rgb_image():
    with pytest.raises(ValueError, match="too small"):
        measure_grain_u(torch.zeros(1, 3, 10, 10))
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        measure_grain_u(torch.zeros(1, 1, 64, 64))


def test_grain_moves_after_the_last_upscale_and_knows_the_output_size():
    spec = ('shot s {\n  camera { lens 85mm }\n'
            '  finish { exposure 0.5 stops; grain 250D; upscale 2x fidelity; tonemap agx }\n'
            '  output "o.png" { size 64x80 }\n}\n')
    result = compile_source(spec, "/tmp/spec.shot")
    assert [d.code for d in result.diagnostics] == ["W102"]
    plan = lower_program(result.program)
    ops = [n.op for n in plan.nodes.values()]
    assert ops[ops.index("lens"):] == ["lens", "exposure", "upscale", "grain", "tonemap", "output"]
    grain = next(n for n in plan.nodes.values() if n.op == "grain")
    assert (grain.params.width, grain.params.height) == (64, 80)     # it resizes to the output


def _plate_grain_stats(tmp_path, plate_px: int, out_px: int):
    code = 118                                   # sRGB code of linear 0.18
    Image.fromarray(np.full((plate_px, plate_px, 3), code, np.uint8)).save(tmp_path / f"p{plate_px}.png")
    spec = (f'shot s {{\n  source plate "p{plate_px}.png"\n  camera {{ lens 85mm }}\n'
            f'  finish {{ grain 250D }}\n  output "o{plate_px}.png" {{ size {out_px}x{out_px} }}\n}}\n')
    result = compile_source(spec, tmp_path / "spec.shot")
    assert result.ok, result.diagnostics
    Executor(device="cpu").run(build_plan(result.program))
    rgb, _ = read_image(str(tmp_path / f"o{plate_px}.png"))
    return grain_statistics(rgb)


def test_plate_written_at_twice_its_size_gets_the_same_grain(tmp_path):
    native = _plate_grain_stats(tmp_path, 256, 256)
    enlarged = _plate_grain_stats(tmp_path, 128, 256)
    assert enlarged.neighbour_mean == pytest.approx(native.neighbour_mean, abs=0.03)
    for a, b in zip(enlarged.rms, native.rms):
        assert a == pytest.approx(b, rel=0.08)
