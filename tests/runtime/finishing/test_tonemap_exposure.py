"""Exposure and tone mapping: display-referred linear output with the promised shape."""

import pytest
import torch

from shotspec.color import linear_to_srgb
from shotspec.runtime.finishing import exposure, tonemap
from shotspec.runtime.frame import Frame

OPERATORS = ("agx", "aces", "reinhard", "filmic", "none")


def ramp(values) -> Frame:
    v = torch.tensor(values, dtype=torch.float32)
    return Frame(rgb=v.view(1, 1, 1, -1).expand(1, 3, 1, -1).contiguous())


def test_exposure_plus_one_stop_doubles():
    f = ramp([0.0, 0.1, 0.18, 2.0])
    assert torch.allclose(exposure(f, 1.0).rgb, 2 * f.rgb)
    assert torch.allclose(exposure(f, -2.0).rgb, f.rgb / 4)
    with pytest.raises(ValueError):
        exposure(f, float("nan"))


@pytest.mark.parametrize("op", OPERATORS)
def test_tonemap_zero_monotonic_and_bounded(op):
    x = torch.cat([torch.zeros(1), torch.logspace(-4, 3, 400)])
    y = tonemap(ramp(x.tolist()), op).rgb[0, 1, 0]
    assert float(y[0]) == pytest.approx(0.0, abs=1e-6)
    assert bool((y[1:] >= y[:-1] - 1e-7).all())                 # monotonic
    assert float(y.max()) <= 1.0 and float(y.min()) >= 0.0
    if op != "none":
        over = y[x > 1.0]
        assert bool((over < 1.0).any())                          # > 1 compressed below white
        assert float(tonemap(ramp([4.0]), op).rgb[0, 0, 0, 0]) < 0.97


@pytest.mark.parametrize("op,code", [("agx", 0.461), ("aces", 0.358), ("reinhard", 0.427),
                                     ("filmic", 0.393), ("none", 0.461)])
def test_mid_grey_lands_at_sensible_display_value(op, code):
    y = tonemap(ramp([0.18]), op).rgb[0, :, 0, 0]
    assert torch.allclose(y, y[0].expand(3), atol=1e-5)            # neutral stays neutral
    assert float(linear_to_srgb(y[0])) == pytest.approx(code, abs=0.01)


def test_agx_and_aces_differ_and_agx_desaturates_bright_colours():
    f = ramp([0.05, 0.18, 1.0, 8.0])
    a, b = tonemap(f, "agx").rgb, tonemap(f, "aces").rgb
    assert float((a - b).abs().max()) > 0.05
    red = Frame(rgb=torch.tensor([20.0, 0.5, 0.5]).view(1, 3, 1, 1))
    out = tonemap(red, "agx").rgb.flatten()
    assert float(out[0]) > 0.95 and float(out[1]) > 0.4            # paths toward white


def test_contrast_and_looks():
    f = ramp([0.05, 0.18, 0.7])
    base = tonemap(f, "agx").rgb[0, 0, 0]
    hi = tonemap(f, "agx", contrast=1.5).rgb[0, 0, 0]
    assert float(hi[1]) == pytest.approx(float(base[1]), abs=1e-5)  # pivot at mid-grey
    assert float(hi[0]) < float(base[0]) and float(hi[2]) > float(base[2])
    golden = tonemap(ramp([0.18]), "agx", look="golden").rgb[0, :, 0, 0]
    assert float(golden[0]) > float(golden[2]) * 1.5                # warm
    punchy = tonemap(f, "agx", look="punchy").rgb[0, 0, 0]
    assert float(punchy[1]) < float(base[1])
    with pytest.raises(ValueError, match="agx"):
        tonemap(f, "hable")
    with pytest.raises(ValueError, match="golden"):
        tonemap(f, "agx", look="teal")
