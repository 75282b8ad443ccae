"""The shared colour module: the sRGB curve's published values, round trips, one result for
numbers, numpy arrays and torch tensors, CIELAB anchors, and no numpy/torch for the compiler."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from shotspec.color import (LUMA_REC709, SRGB_TO_XYZ, XYZ_TO_SRGB, cie_lightness, hex_to_srgb,
                            linear_to_srgb, luminance, srgb_decode, srgb_to_lab, srgb_to_linear)


def test_srgb_curve_matches_published_values():
    # IEC 61966-2-1: the knee, mid grey and white
    assert srgb_decode(0.04045) == pytest.approx(0.0031308, abs=1e-7)
    assert srgb_decode(0.5) == pytest.approx(0.2140411, abs=1e-7)
    assert srgb_decode(1.0) == pytest.approx(1.0, abs=1e-12)
    assert float(linear_to_srgb(np.float64(0.18))) == pytest.approx(0.4613561, abs=1e-7)
    assert float(linear_to_srgb(np.float64(0.0031308))) == pytest.approx(0.04045, abs=1e-6)


def test_round_trip_over_the_whole_range_numpy_and_torch():
    x = np.linspace(0.0, 1.0, 1001)
    assert np.max(np.abs(linear_to_srgb(srgb_to_linear(x)) - x)) < 1e-12
    t = torch.linspace(0.0, 1.0, 1001, dtype=torch.float64)
    assert float((linear_to_srgb(srgb_to_linear(t)) - t).abs().max()) < 1e-12


def test_numbers_arrays_and_tensors_agree_and_clip():
    values = [-0.2, 0.0, 0.02, 0.04045, 0.3, 0.9, 1.0, 1.7]
    arr = srgb_to_linear(np.array(values))
    ten = srgb_to_linear(torch.tensor(values, dtype=torch.float64))
    assert np.array_equal(arr, ten.numpy())
    assert arr[0] == 0.0 and arr[-1] == 1.0                  # clipped to 0–1
    assert [srgb_decode(v) for v in values[1:-1]] == list(arr[1:-1])
    f32 = srgb_to_linear(torch.tensor(values, dtype=torch.float32))
    assert f32.dtype == torch.float32


def test_hex_colours():
    assert hex_to_srgb("#ffffff") == (1.0, 1.0, 1.0)
    assert hex_to_srgb("#f00") == (1.0, 0.0, 0.0)
    assert hex_to_srgb("804020") == (0.502, 0.251, 0.1255)


def test_matrices_are_inverse_and_luma_is_the_y_row():
    assert np.allclose(np.array(SRGB_TO_XYZ) @ np.array(XYZ_TO_SRGB), np.eye(3), atol=1e-6)
    assert np.allclose(np.array(SRGB_TO_XYZ)[1], LUMA_REC709, atol=1e-4)
    assert sum(LUMA_REC709) == pytest.approx(1.0)


def test_lab_anchors():
    white, red = srgb_to_lab([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    assert white == pytest.approx([100.0, 0.0, 0.0], abs=1e-3)
    assert red == pytest.approx([53.24, 80.09, 67.20], abs=0.05)    # published sRGB red
    assert cie_lightness(1.0) == pytest.approx(100.0)
    assert cie_lightness(0.18) == pytest.approx(49.496, abs=1e-3)


def test_luminance_of_a_frame():
    rgb = torch.zeros(1, 3, 2, 2)
    rgb[:, 1] = 1.0
    assert torch.allclose(luminance(rgb), torch.full((1, 1, 2, 2), LUMA_REC709[1]))


def test_compiler_and_prompt_load_without_numpy_or_torch():
    code = ("import sys, shotspec.color, shotspec.compiler, shotspec.prompt; "
            "print('numpy' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_daylight_temperatures_need_no_colour_package_and_match_it():
    """Light colours at 4000 K and above come from the daylight-locus formula written out here,
    bit for bit what ``colour`` computes, without its 0.4–1 s import."""
    code = ("import sys; from shotspec.color import kelvin_to_rgb; "
            "print(kelvin_to_rgb(5600.0), kelvin_to_rgb(12000.0), 'colour' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")
    import warnings

    from shotspec.color import _colour, _daylight_xy, kelvin_to_rgb

    colour = _colour()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in (4000.0, 5150.0, 6504.0, 7000.0, 7000.1, 9300.0, 25000.0):
            xy = colour.temperature.CCT_to_xy_CIE_D(k)
            assert _daylight_xy(k) == (float(xy[0]), float(xy[1]))
    assert np.isfinite(kelvin_to_rgb(3200.0)).all()     # below 4000 K: the Planckian locus


def test_rec709_is_continuous_at_its_knee_and_round_trips_every_16_bit_code():
    import torch

    from shotspec.color import REC709_ALPHA, REC709_BETA, linear_to_rec709, rec709_to_linear

    assert 4.5 * REC709_BETA == pytest.approx(REC709_ALPHA * REC709_BETA ** 0.45 - (REC709_ALPHA - 1),
                                              abs=1e-12)
    codes = torch.arange(65536, dtype=torch.float64) / 65535
    back = torch.round(linear_to_rec709(rec709_to_linear(codes)) * 65535)
    assert torch.equal(back, torch.arange(65536, dtype=torch.float64))
