"""The shared filters: each edge policy's documented values at the border, the three box-mean
methods agreeing, Gaussian taps and the masked and wide blurs."""

import pytest
import torch
import torch.nn.functional as F

from shotspec.runtime.filters import (box_max, box_mean, gaussian_blur, gaussian_taps, masked_box_mean,
                                      masked_gaussian_blur, pad_edges, wide_gaussian_blur)


def _row(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64).view(1, 1, 1, -1)


def test_edge_policies_fill_the_border_as_documented():
    x = _row([1.0, 2.0, 3.0, 4.0])
    assert pad_edges(x, 2, 1, 0, 0, "replicate").flatten().tolist() == [1, 1, 1, 2, 3, 4, 4]
    assert pad_edges(x, 2, 1, 0, 0, "reflect").flatten().tolist() == [3, 2, 1, 2, 3, 4, 3]
    assert pad_edges(x, 2, 1, 0, 0, "zero").flatten().tolist() == [0, 0, 1, 2, 3, 4, 0]


def test_reflect_falls_back_to_replicate_on_an_axis_shorter_than_the_radius():
    x = _row([1.0, 2.0, 3.0])
    assert pad_edges(x, 3, 3, 0, 0, "reflect").flatten().tolist() == [1, 1, 1, 1, 2, 3, 3, 3, 3]


def test_box_mean_at_the_border_per_policy():
    x = _row([0.0, 3.0, 6.0, 9.0, 12.0])
    first = {edge: float(box_mean(x, 1, edge=edge, method="pool", axis="x")[..., 0])
             for edge in ("replicate", "reflect", "zero")}
    assert first["replicate"] == pytest.approx((0 + 0 + 3) / 3)
    assert first["reflect"] == pytest.approx((3 + 0 + 3) / 3)
    assert first["zero"] == pytest.approx((0 + 0 + 3) / 3)
    ones = torch.ones(1, 1, 1, 5, dtype=torch.float64)
    assert float(box_mean(ones, 1, edge="zero", method="pool", axis="x")[..., 0]) == pytest.approx(2 / 3)
    assert float(box_mean(ones, 1, edge="replicate", method="pool", axis="x")[..., 0]) == 1.0


def test_the_three_box_methods_agree():
    x = torch.rand(1, 2, 23, 31, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    taps = box_mean(x, 3, edge="replicate", method="taps")
    pool = box_mean(x, 3, edge="replicate", method="pool")
    runs = box_mean(x, 3, edge="replicate", method="running_sum")
    assert torch.allclose(taps, pool, atol=1e-12) and torch.allclose(taps, runs, atol=1e-12)
    # a square box is a row box followed by a column box
    rows = box_mean(box_mean(x, 3, edge="replicate", method="pool", axis="x"), 3,
                    edge="replicate", method="pool", axis="y")
    assert torch.allclose(rows, pool, atol=1e-12)
    assert box_mean(x, 0, edge="replicate") is x


def test_gaussian_taps_reach_and_precision():
    k = gaussian_taps(2.0, dtype=torch.float32, device="cpu")
    assert k.numel() == 2 * 6 + 1 and float(k.sum()) == pytest.approx(1.0, abs=1e-6)
    assert gaussian_taps(2.0, truncate=2.5, dtype=torch.float32, device="cpu").numel() == 2 * 5 + 1
    k64 = gaussian_taps(2.0, dtype=torch.float32, device="cpu", taps_in_float64=True)
    assert k64.dtype == torch.float32
    assert torch.allclose(k, k64, rtol=1e-6)
    assert float(k[6] / k[8]) == pytest.approx(torch.exp(torch.tensor(0.5)).item(), rel=1e-5)


def test_gaussian_blur_keeps_a_constant_and_its_mass_away_from_the_border():
    flat = torch.full((1, 3, 16, 20), 0.25)
    for edge in ("replicate", "reflect"):
        assert torch.allclose(gaussian_blur(flat, 2.0, edge=edge), flat, atol=1e-7)
    dot = torch.zeros(1, 1, 41, 41, dtype=torch.float64)
    dot[..., 20, 20] = 1.0
    out = gaussian_blur(dot, 1.5, edge="reflect")
    assert float(out.sum()) == pytest.approx(1.0, abs=1e-12)
    assert gaussian_blur(dot, 0.0, edge="reflect") is dot
    with pytest.raises(ValueError, match="edge policy"):
        gaussian_blur(dot, 1.0, edge="wrap")
    with pytest.raises(ValueError, match="B, C, H, W"):
        gaussian_blur(dot[0], 1.0, edge="reflect")


def test_masked_means_ignore_pixels_outside_the_mask():
    x = torch.zeros(1, 1, 12, 12, dtype=torch.float64)
    x[..., :, 6:] = 100.0                      # "hair" on the right half
    m = torch.zeros_like(x)
    m[..., :, :6] = 1.0
    x[..., :, :6] = 0.5
    g = masked_gaussian_blur(x, m, 2.0, edge="reflect")
    b = masked_box_mean(x, m, 2, edge="zero")
    assert torch.allclose(g[..., :, :6], torch.full_like(g[..., :, :6], 0.5))
    assert torch.allclose(b[..., :, :6], torch.full_like(b[..., :, :6], 0.5))


def test_wide_blur_is_close_to_the_full_blur():
    y, x = torch.meshgrid(torch.arange(160.0), torch.arange(200.0), indexing="ij")
    img = (torch.sin(x / 20.0) + torch.cos(y / 25.0)).view(1, 1, 160, 200)   # peaks 1.73 after the blur
    full = gaussian_blur(img, 12.0, edge="reflect")
    wide = wide_gaussian_blur(img, 12.0, edge="reflect")   # 8× smaller, σ 1.5, bilinear back
    assert float((full - wide)[..., 40:-40, 40:-40].abs().max()) < 0.05


def test_box_max_is_the_one_step_window_maximum():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 57, 83, generator=g)
    x[0, 0, 3, 3] = -float("inf")
    for r in (1, 4, 20):
        assert torch.equal(box_max(x, r), F.max_pool2d(x, 2 * r + 1, 1, r))
    assert torch.equal(box_max(x, 0), x)
