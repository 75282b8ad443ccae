"""upscale_frame: colour and AOVs stay aligned, each AOV keeps its meaning, meta is rescaled."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.upscale import upscale_frame
from shotspec.runtime.upscale.frame_upscale import decode_perceptual, encode_perceptual


def _frame() -> Frame:
    h, w = 20, 24
    rgb = torch.full((1, 3, h, w), 0.05)
    mask = torch.zeros(1, 1, h, w)
    rgb[..., 6:14, 8:18] = torch.tensor([0.8, 0.5, 0.4]).view(1, 3, 1, 1)
    mask[..., 6:14, 8:18] = 1.0
    depth = torch.full((1, 1, h, w), math.inf)
    depth[..., 6:14, 8:18] = 0.8
    normal = torch.zeros(1, 3, h, w)
    normal[:, 2] = 1.0
    normal[:, 0, :, 12:] = 1.0       # a crease: normals turn 45 degrees
    ids = torch.arange(h * w, dtype=torch.float32).view(1, 1, h, w)
    meta = FrameMeta(face_mm_per_px=0.2, seed=11, source="plate", target_depths_m=(("eyes", 0.8),))
    aovs = {"skin": mask, "depth": depth, "normal": normal, "_id": ids}
    return Frame(rgb=rgb, aovs=aovs, meta=meta)


@pytest.mark.parametrize("factor", [2, 3])
def test_mask_edges_land_on_rgb_edges(factor):
    up = upscale_frame(_frame(), factor, "fidelity")
    assert up.rgb.shape == (1, 3, 20 * factor, 24 * factor)
    row = 10 * factor
    red = up.rgb[0, 0, row]
    mask = up.aovs["skin"][0, 0, row]
    # the half-way crossing of the colour edge and of the mask edge is the same pixel
    red_mid = (red - 0.05) / (0.8 - 0.05)
    left = int(torch.nonzero(red_mid > 0.5)[0])
    assert int(torch.nonzero(mask > 0.5)[0]) == left == 8 * factor
    right = int(torch.nonzero(red_mid > 0.5)[-1])
    assert int(torch.nonzero(mask > 0.5)[-1]) == right == 18 * factor - 1


def test_each_aov_keeps_its_meaning():
    f = _frame()
    up = upscale_frame(f, 2, "detail")
    depth = up.aovs["depth"]
    assert torch.equal(depth.unique(), torch.tensor([0.8, math.inf]))  # no in-between depths
    assert torch.equal(depth[..., 12:28, 16:36], torch.full((1, 1, 16, 20), 0.8))
    n = up.aovs["normal"].norm(dim=1)
    assert torch.allclose(n, torch.ones_like(n), atol=1e-5)
    ids = up.aovs["_id"]
    assert torch.equal(ids[..., ::2, ::2], f.aovs["_id"])            # nearest: ids never blend
    assert up.aovs["skin"].min() >= 0 and up.aovs["skin"].max() <= 1


def test_meta_face_scale_divided_rest_kept():
    up = upscale_frame(_frame(), 4, "fidelity")
    assert up.meta.face_mm_per_px == pytest.approx(0.05)
    assert (up.meta.seed, up.meta.source, up.meta.target_depths_m) == (11, "plate", (("eyes", 0.8),))


def test_linear_highlights_survive_the_perceptual_round_trip():
    x = torch.tensor([-0.5, 0.0, 0.001, 0.18, 1.0, 3.0, 250.0])
    assert torch.allclose(decode_perceptual(encode_perceptual(x)), x, rtol=1e-4, atol=1e-6)
    f = _frame()
    rgb = f.rgb.clone()
    rgb[..., 8:12, 10:14] = 40.0
    up = upscale_frame(f.with_rgb(rgb), 2, "fidelity")
    assert up.rgb.max() > 30 and torch.isfinite(up.rgb).all()


def test_mismatched_aov_is_rejected():
    f = _frame()
    bad = f.replace(aovs={"skin": torch.zeros(1, 1, 10, 12)})
    with pytest.raises(ValueError, match="skin"):
        upscale_frame(bad, 2, "fidelity")
