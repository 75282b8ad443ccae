"""Asked for (``fine_lines`` > 0), on a plate whose face frame is anchored at the eyes, the relief
carries the head's fine lines placed by an average face's anchors: forehead lines, the glabella's
pair and crow's feet, deeper with age; never the nasolabial creases, which would have to lie on
this face's own folds. By default it adds none: lines change how old a face looks."""

from __future__ import annotations

import pytest
import torch

from shotspec.runtime.enhance.plate_relief import ReliefControls, average_anchors, plate_relief
from shotspec.runtime.faces.face_frame import FaceFrame

MM = 0.2                     # mm a pixel
W, H = 700, 800              # 140 × 160 mm of face
EYES = (350.0, 350.0)        # the eyes' midpoint (px)


def _frame(anchor: str) -> FaceFrame:
    return FaceFrame(EYES, ((1 / MM, 0.0), (0.0, 1 / MM)), MM, "test", anchor)


def _height(age: float, anchor: str = "eye midpoint and eye line (test)", lines: float = 1.0) -> torch.Tensor:
    rel = plate_relief(_frame(anchor), (0, 0, W, H), 3, torch.ones(1, 1, H, W),
                       ReliefControls(age_years=age, fine_lines=lines))
    return rel.height_mm[0, 0]


def _rows_over_columns(h: torch.Tensor, box) -> float:
    """Energy of the height's change down the face over its change across, in a box (x0, y0, x1,
    y1) mm from the eyes: horizontal lines make it large, an isotropic relief keeps it near 1."""
    x0, y0, x1, y1 = (int(round(v / MM)) for v in box)
    ex, ey = int(EYES[0]), int(EYES[1])
    patch = h[ey + y0:ey + y1, ex + x0:ex + x1].double()
    gy, gx = torch.gradient(patch)
    return float((gy * gy).mean() / (gx * gx).mean())


FOREHEAD = (-30.0, -60.0, 30.0, -25.0)      # 25–60 mm above the eye line, across the middle


def test_forehead_lines_deepen_with_age():
    young, old = _height(22.0), _height(70.0)
    assert _rows_over_columns(young, FOREHEAD) < 1.5
    assert _rows_over_columns(old, FOREHEAD) > 2.0
    # no lines without eyes to place them by, nor unless asked for
    assert _rows_over_columns(_height(70.0, anchor="skin-mask centroid"), FOREHEAD) < 1.5
    assert _rows_over_columns(_height(70.0, lines=0.0), FOREHEAD) < 1.5
    assert ReliefControls().fine_lines == 0.0


def test_no_nasolabial_crease_on_a_plate():
    a = average_anchors()
    h = _height(70.0)
    # along the average face's crease (+x side) the relief is no deeper than 6 mm beside it
    path = a.nasolabial[:, :2]
    t = torch.linspace(0.05, 0.95, 40)[:, None]
    pts = torch.cat([path[i] + t * (path[i + 1] - path[i]) for i in range(len(path) - 1)])

    def mean_height(points: torch.Tensor) -> float:
        px = (EYES[0] + points[:, 0] / MM).round().long()
        py = (EYES[1] - points[:, 1] / MM).round().long()       # y up on the face, down in the image
        return float(h[py, px].mean())

    beside = mean_height(pts + torch.tensor([6.0, 0.0]))
    assert mean_height(pts) > beside - 0.005


def test_average_anchors_sit_around_the_eye_midpoint():
    a = average_anchors()
    assert torch.allclose(a.eye_centre.mean(0)[:2], torch.zeros(2), atol=1e-4)
    assert float(a.eye_centre[1, 0] - a.eye_centre[0, 0]) > 50.0          # an adult's eye distance
    assert float(a.brows[:, :, 1].mean()) > 10.0                          # brows above the eyes
    assert float(a.menton[1]) < -80.0                                     # the chin well below
    half = average_anchors(2.0)
    assert torch.allclose(half.eye_outer, a.eye_outer / 2.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_the_cell_network_and_lines_on_cuda_match_the_cpu():
    box, support = (0, 0, W, H), torch.ones(1, 1, H, W)
    controls = ReliefControls(age_years=60.0, fine_lines=1.0)
    cpu = plate_relief(_frame("eye midpoint and eye line (test)"), box, 3, support, controls)
    gpu = plate_relief(_frame("eye midpoint and eye line (test)"), box, 3, support.cuda(), controls, "cuda")
    assert gpu.height_mm.device.type == "cuda"
    assert torch.allclose(gpu.height_mm.cpu(), cpu.height_mm, atol=1e-4)
    assert torch.allclose(gpu.grad_mm.cpu(), cpu.grad_mm, atol=5e-3)
