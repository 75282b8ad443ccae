"""Bokeh shape: polygons from the blade count, circles for 0 blades, anamorphic ovals."""

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.optics import apply_lens, circle_of_confusion_m, coc_px

SIZE, SENSOR_W, DEPTH = 96, 0.010, 2.0


def _bokeh(blades, rotation=0.0, anamorphic=1.0):
    rgb = torch.zeros(1, 3, SIZE, SIZE)
    rgb[0, :, SIZE // 2, SIZE // 2] = 1000.0
    frame = Frame(rgb=rgb, aovs={"depth": torch.full((1, 1, SIZE, SIZE), DEPTH)},
                  meta=FrameMeta(sensor_width_m=SENSOR_W))
    cam = CameraIR(focal_length_m=0.085, f_number=2.0, blades=blades, blade_rotation_rad=rotation,
                   anamorphic=anamorphic, vignetting=0.0)
    return apply_lens(frame, cam, 0.8).rgb[0, 1]


def _extent_by_angle(img, bins=72):
    """Radius where the disc falls below half its peak along rays (0 = image up, clockwise),
    sampled bilinearly at 0.05 px steps so the pixel grid does not quantise the outline."""
    h, w = img.shape
    ang = torch.arange(bins, dtype=torch.float64) * (2 * math.pi / bins)
    rad = torch.arange(0, h / 2 - 1, 0.05, dtype=torch.float64)
    px = w // 2 + rad[None, :] * torch.sin(ang)[:, None]
    py = h // 2 - rad[None, :] * torch.cos(ang)[:, None]
    grid = torch.stack([(2 * px + 1) / w - 1, (2 * py + 1) / h - 1], dim=-1).float()[None]
    vals = torch.nn.functional.grid_sample(img[None, None], grid, align_corners=False)[0, 0]
    above = vals > 0.5 * float(img.max())
    last = (above.double() * torch.arange(len(rad), dtype=torch.float64)).argmax(dim=1)
    return rad[last]


def _harmonics(ext):
    spec = torch.fft.rfft(ext - ext.mean()).abs() / len(ext)
    return spec / float(ext.mean())


@pytest.mark.parametrize("blades", [5, 6, 8])
def test_polygonal_bokeh_has_blade_fold_symmetry(blades):
    h = _harmonics(_extent_by_angle(_bokeh(blades)))
    others = [float(h[k]) for k in range(1, 13) if k % blades != 0]
    assert float(h[blades]) > 3 * max(others)
    assert float(h[blades]) > 0.01


def test_polygon_vertex_points_up_and_rotation_turns_it():
    ext = _extent_by_angle(_bokeh(5), bins=360)
    assert float(ext[355:].max().maximum(ext[:5].max())) >= float(ext.max()) - 1.0
    turned = _extent_by_angle(_bokeh(5, rotation=math.pi / 5), bins=360)   # half a blade step
    assert float(turned[355:].max().maximum(turned[:5].max())) < float(turned.max()) - 1.0


def test_zero_blades_is_a_circle():
    ext = _extent_by_angle(_bokeh(0))
    h = _harmonics(ext)
    assert float(h[1:13].max()) < 0.01
    expected_r = coc_px(circle_of_confusion_m(0.085, 2.0, 0.8, DEPTH), SENSOR_W, SIZE) / 2
    assert float(ext.mean()) == pytest.approx(expected_r, abs=1.0)


def test_anamorphic_bokeh_is_stretched_vertically():
    img = _bokeh(0, anamorphic=1.5)
    mask = img > 0.5 * float(img.max())
    rows = mask.any(dim=1).sum()
    cols = mask.any(dim=0).sum()
    assert float(rows) / float(cols) == pytest.approx(1.5, rel=0.08)
