"""Thin-lens depth of field: the CoC formula and the blur the lens pass really produces."""

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.optics import apply_lens, circle_of_confusion_m, coc_px

F, N, S1 = 0.085, 2.0, 0.8


def test_coc_formula_numbers():
    # A = f/N = 42.5 mm; at infinity c = A·f/(S1 − f) = 5.0524 mm.
    assert circle_of_confusion_m(F, N, S1, math.inf) == pytest.approx(0.0425 * 0.085 / 0.715)
    # Twice the focus distance: half the infinity CoC.
    assert circle_of_confusion_m(F, N, S1, 1.6) == pytest.approx(0.0425 * 0.085 / 0.715 / 2)
    # In front: c = A·f·(S1 − S2)/(S2·(S1 − f)).
    assert circle_of_confusion_m(F, N, S1, 0.6) == pytest.approx(0.0425 * 0.085 * 0.2 / (0.6 * 0.715))
    assert circle_of_confusion_m(F, N, S1, S1) == 0.0
    assert coc_px(0.001, 0.036, 3600) == pytest.approx(100.0)


def test_coc_tensor_matches_floats_and_handles_inf():
    d = torch.tensor([0.6, 0.8, 1.6, math.inf])
    c = circle_of_confusion_m(F, N, S1, d)
    expected = [circle_of_confusion_m(F, N, S1, float(x)) for x in d]
    assert torch.allclose(c, torch.tensor(expected, dtype=c.dtype), rtol=1e-5)
    assert torch.isfinite(c).all()


def test_focus_inside_focal_length_is_a_clear_error():
    with pytest.raises(ValueError, match="beyond the focal length"):
        circle_of_confusion_m(F, N, 0.05, 1.0)


def _point_frame(size, depth_m, sensor_width_m, blades=0, bg_depth=None):
    h = w = size
    rgb = torch.zeros(1, 3, h, w)
    rgb[0, :, h // 2, w // 2] = 1000.0
    depth = torch.full((1, 1, h, w), depth_m)
    meta = FrameMeta(sensor_width_m=sensor_width_m)
    return Frame(rgb=rgb, aovs={"depth": depth}, meta=meta)


@pytest.mark.parametrize("depth_m,sensor_w", [(1.3, 0.012), (2.0, 0.012), (5.0, 0.024)])
def test_point_light_disc_matches_analytic_coc(depth_m, sensor_w):
    size = 96
    frame = _point_frame(size, depth_m, sensor_w)
    cam = CameraIR(focal_length_m=F, f_number=N, blades=0, vignetting=0.0)
    out = apply_lens(frame, cam, S1).rgb[0, 1]
    expected_d = coc_px(circle_of_confusion_m(F, N, S1, depth_m), sensor_w, size)
    plateau = 1000.0 / (math.pi * (expected_d / 2) ** 2)
    area = float((out > 0.5 * plateau).sum())
    measured_d = 2 * math.sqrt(area / math.pi)
    assert measured_d == pytest.approx(expected_d, rel=0.05)
    # Energy is conserved: the disc holds the point's light.
    assert float(out.sum()) == pytest.approx(1000.0, rel=0.01)


def test_edge_spread_width_matches_analytic_coc():
    """A sharp edge on a plane behind the focus plane: the line-spread function of a disc of
    radius r has variance r²/4, so the measured diameter is 4·σ."""
    h, w, sensor_w, depth_m = 32, 128, 0.012, 1.6
    rgb = torch.zeros(1, 3, h, w)
    rgb[..., w // 2:] = 1.0
    frame = Frame(rgb=rgb, aovs={"depth": torch.full((1, 1, h, w), depth_m)},
                  meta=FrameMeta(sensor_width_m=sensor_w))
    out = apply_lens(frame, CameraIR(focal_length_m=F, f_number=N, blades=0, vignetting=0.0), S1)
    esf = out.rgb[0, 1, h // 2].double()
    lsf = (esf[1:] - esf[:-1]).clamp_min(0)
    x = torch.arange(len(lsf), dtype=torch.float64)
    mean = (lsf * x).sum() / lsf.sum()
    sigma = math.sqrt(float((lsf * (x - mean) ** 2).sum() / lsf.sum()))
    expected_d = coc_px(circle_of_confusion_m(F, N, S1, depth_m), sensor_w, w)
    assert 4 * sigma == pytest.approx(expected_d, rel=0.05)


def test_in_focus_plane_and_frames_without_depth_stay_sharp():
    g = torch.Generator().manual_seed(3)
    rgb = torch.rand(1, 3, 40, 50, generator=g)
    cam = CameraIR(vignetting=0.0)
    no_depth = apply_lens(Frame(rgb=rgb), cam, 0.8)
    assert torch.equal(no_depth.rgb, rgb)
    focused = apply_lens(Frame(rgb=rgb, aovs={"depth": torch.full((1, 1, 40, 50), 0.8)}), cam, 0.8)
    assert torch.allclose(focused.rgb, rgb, atol=1e-6)


def test_lens_is_deterministic_and_keeps_aovs():
    g = torch.Generator().manual_seed(5)
    rgb = torch.rand(1, 3, 48, 64, generator=g)
    depth = 0.5 + 3 * torch.rand(1, 1, 48, 64, generator=g)
    normal = torch.rand(1, 3, 48, 64, generator=g)
    frame = Frame(rgb=rgb, aovs={"depth": depth, "normal": normal}, meta=FrameMeta())
    cam = CameraIR(f_number=1.4)
    a, b = apply_lens(frame, cam, 0.8), apply_lens(frame, cam, 0.8)
    assert torch.equal(a.rgb, b.rgb)
    assert torch.equal(a.aov("depth"), depth) and torch.equal(a.aov("normal"), normal)
    assert a.meta == frame.meta
