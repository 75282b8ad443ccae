"""Strand rasterization: analytic coverage of fine fibres, depth test against the head, and
order-independent, deterministic compositing."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.strand_raster import _composite, rasterize_strands, scatter_sum
from shotspec.runtime.head.strands import StrandGroup

W, H = 128, 160
CAMERA = CameraIR(distance_m=0.6)
FAR = torch.full((H, W), 10.0)


def _cam() -> PinholeCamera:
    return PinholeCamera.from_ir(CAMERA, W, H)


def _fibre(cam: PinholeCamera, x0_px: float, y0_px: float, angle_deg: float, length_px: float,
           width_px: float, depth_m: float = 0.6, kind: str = "scalp") -> StrandGroup:
    """One straight fibre in the plane ``depth_m`` in front of the camera, given in pixels."""
    def world(x: float, y: float) -> torch.Tensor:
        d, _ = cam.rays_at(torch.tensor([x]), torch.tensor([y]))
        cos = -(d[0] * torch.tensor(cam.back)).sum()
        return torch.tensor(cam.origin) + d[0] * depth_m / cos

    a = math.radians(angle_deg)
    p0 = world(x0_px, y0_px)
    p1 = world(x0_px + length_px * math.cos(a), y0_px - length_px * math.sin(a))
    width_m = width_px * depth_m / cam.focal_px
    return StrandGroup(kind, torch.stack((p0, p1))[None], torch.full((1, 2), width_m),
                       torch.full((1, 3), 0.3))


@pytest.mark.parametrize("angle_deg", [0.0, 17.0, 45.0, 71.0, 90.0])
def test_a_sub_pixel_fibre_covers_its_area(angle_deg):
    cam = _cam()
    frags = rasterize_strands((_fibre(cam, 20.3, 120.6, angle_deg, 80.0, 0.3),), cam, FAR)
    total = float(frags.coverage.sum())
    assert total == pytest.approx(0.3 * 80.0, rel=0.01)
    # fractional coverage everywhere: a 0.3 px fibre never fills a pixel
    assert float(frags.coverage.max()) < 0.5


@pytest.mark.parametrize("length_px", [0.3, 0.7, 2.5])
def test_short_segments_cover_what_they_span(length_px):
    """A segment shorter than a pixel (a fibre seen nearly end-on) covers width × its length,
    not a whole pixel's worth."""
    cam = _cam()
    frags = rasterize_strands((_fibre(cam, 40.2, 60.5, 20.0, length_px, 0.5),), cam, FAR)
    assert float(frags.coverage.sum()) == pytest.approx(0.5 * length_px, rel=0.02)


def test_coverage_moves_smoothly_with_sub_pixel_position():
    """A near-horizontal fine fibre shifted by a quarter pixel changes each pixel's coverage by
    about a quarter of its own (no jump between 0 and full, no stair-steps)."""
    cam = _cam()
    a = rasterize_strands((_fibre(cam, 10.0, 80.5, 3.0, 100.0, 0.25),), cam, FAR).coverage
    b = rasterize_strands((_fibre(cam, 10.0, 80.75, 3.0, 100.0, 0.25),), cam, FAR).coverage
    assert float((a - b).abs().max()) < 0.25 * 0.25 * 1.05 + 1e-3
    # every column the fibre crosses splits it over at most two rows
    cols = (a > 0).sum(0)
    assert int(cols.max()) <= 2


def test_a_wide_fibre_is_opaque_and_as_wide_as_it_is():
    cam = _cam()
    frags = rasterize_strands((_fibre(cam, 20.0, 80.5, 0.0, 60.0, 3.0),), cam, FAR)
    column = frags.coverage[:, 50]
    assert float(column.sum()) == pytest.approx(3.0 * (1 - 1e-3), rel=0.02)
    assert float(column.max()) > 0.99


def test_a_fibre_behind_the_mesh_is_hidden_and_one_in_front_is_drawn():
    cam = _cam()
    wall = torch.full((H, W), 0.6)          # a surface at 0.6 m over the whole frame
    behind = rasterize_strands((_fibre(cam, 20.0, 80.0, 10.0, 60.0, 0.5, depth_m=0.62),), cam, wall)
    front = rasterize_strands((_fibre(cam, 20.0, 80.0, 10.0, 60.0, 0.5, depth_m=0.58),), cam, wall)
    assert behind.count == 0 and float(behind.coverage.sum()) == 0.0
    assert float(front.coverage.sum()) == pytest.approx(30.0, rel=0.03)
    # the hair's depth is the fibre's
    seen = front.coverage > 0
    assert float(front.depth_m[seen].mean()) == pytest.approx(0.58, rel=0.01)


def _bundle(n: int, seed: int) -> StrandGroup:
    """``n`` crossing fibres of 6 points around the middle of the frame."""
    cam = _cam()
    g = torch.Generator().manual_seed(seed)
    centre = torch.tensor(cam.origin) - 0.6 * torch.tensor(cam.back)
    start = centre + (torch.rand(n, 3, generator=g) - 0.5) * torch.tensor([0.03, 0.04, 0.02])
    step = (torch.rand(n, 1, 3, generator=g) - 0.5) * 0.012
    pts = start[:, None] + step * torch.arange(6.0)[None, :, None]
    width = torch.full((n, 6), 8e-5)
    colour = torch.rand(n, 3, generator=g)
    return StrandGroup("scalp", pts, width, colour)


def test_shuffled_strands_composite_to_identical_pixels():
    cam = _cam()
    group = _bundle(1200, 3)
    perm = torch.randperm(1200, generator=torch.Generator().manual_seed(9))
    shuffled = StrandGroup("scalp", group.points[perm], group.width_m[perm], group.colour[perm])
    a = rasterize_strands((group,), cam, FAR)
    b = rasterize_strands((shuffled,), cam, FAR)
    assert torch.equal(a.coverage, b.coverage) and torch.equal(a.depth_m, b.depth_m)
    col_a = a.resolve(group.colour.repeat_interleave(6, 0))
    col_b = b.resolve(shuffled.colour.repeat_interleave(6, 0))
    assert torch.equal(col_a, col_b)
    assert float(a.coverage.max()) > 0.5         # the bundle overlaps itself somewhere


def test_overlapping_fibres_combine_as_one_minus_the_product():
    cam = _cam()
    one = _fibre(cam, 10.0, 80.5, 0.0, 100.0, 0.4)
    frags = rasterize_strands((one, one), cam, FAR)
    single = rasterize_strands((one,), cam, FAR)
    px = single.coverage > 0
    assert torch.allclose(frags.coverage[px], 1 - (1 - single.coverage[px]) ** 2, atol=1e-5)


def test_scatter_sum_does_not_depend_on_order():
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, 7, (5000,), generator=g)
    val = torch.rand(5000, 3, generator=g) * 10
    perm = torch.randperm(5000, generator=g)
    assert torch.equal(scatter_sum(idx, val, 7), scatter_sum(idx[perm], val[perm], 7))
    assert torch.allclose(scatter_sum(idx, val, 7),
                          torch.zeros(7, 3).index_add_(0, idx, val), rtol=1e-5)


def test_a_pixel_holding_only_a_faint_fibre_tip_gets_finite_weights():
    # pixel 0: one fragment so faint its weight rounds to 0 in the fixed-point sum (a 96×120
    # render of the default character had one: NaN reached the tone mapper); pixel 1: normal
    pix = torch.tensor([0, 1, 1])
    frags = _composite(pix, torch.tensor([0, 2, 4]), torch.tensor([0.5, 0.25, 0.75]),
                       torch.tensor([1.0, 1.0, 1.01]), torch.tensor([1e-9, 0.3, 0.4]), 1, 2)
    assert torch.isfinite(frags.w0).all() and torch.isfinite(frags.w1).all()
    assert float(frags.w0[0]) == 0.0 and float(frags.w1[0]) == 0.0
    assert float((frags.w0 + frags.w1)[1:].sum()) == pytest.approx(1.0, abs=1e-6)
