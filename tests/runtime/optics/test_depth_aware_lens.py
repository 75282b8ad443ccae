"""Depth-aware defocus (no bleeding across depth edges), vignetting, distortion, CA, masks."""

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.optics import apply_lens, circle_of_confusion_m, coc_px
from shotspec.runtime.optics.distortion import lens_warp

H, W, SENSOR_W = 64, 96, 0.012
CAM = CameraIR(focal_length_m=0.085, f_number=2.0, blades=0, vignetting=0.0)


def _square_scene(square_depth, bg_depth, square_value, bg_value):
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    sq = (yy >= 16) & (yy < 48) & (xx >= 32) & (xx < 64)
    rgb = torch.where(sq, square_value, bg_value).float().expand(1, 3, H, W).clone()
    depth = torch.where(sq, square_depth, bg_depth).float()[None, None]
    skin = sq.float()[None, None]
    frame = Frame(rgb=rgb, aovs={"depth": depth, "skin": skin}, meta=FrameMeta(sensor_width_m=SENSOR_W))
    return frame, sq


def test_sharp_foreground_keeps_its_edge_against_bright_blurred_background():
    frame, sq = _square_scene(0.8, 3.0, 0.1, 10.0)      # dark focused square, very bright background
    out = apply_lens(frame, CAM, 0.8).rgb[0, 1]
    # Inside the square right up to its edge: no background halo (the background is 100× brighter).
    assert float(out[sq].max()) < 0.1 * 1.02
    assert float(out[16, 32:64].max()) < 0.102                # the first row of the square
    # The background right outside stays bright (it is blurred, not darkened by the square).
    assert float(out[30, 30]) > 9.0


def test_blurred_foreground_does_not_blur_a_sharp_background():
    g = torch.Generator().manual_seed(1)
    frame, sq = _square_scene(0.5, 0.8, 0.0, 1.0)        # dark square in front, background in focus
    texture = torch.rand(1, 3, H, W, generator=g)
    rgb = torch.where(sq, frame.rgb, texture)
    frame = frame.with_rgb(rgb)
    out = apply_lens(frame, CAM, 0.8).rgb
    r = coc_px(circle_of_confusion_m(0.085, 2.0, 0.8, 0.5), SENSOR_W, W) / 2
    # Far from the square (beyond its blur radius) the focused texture is untouched.
    far = torch.ones(H, W, dtype=torch.bool)
    far[max(0, 16 - int(r) - 2):48 + int(r) + 2, max(0, 32 - int(r) - 2):64 + int(r) + 2] = False
    assert torch.allclose(out[0][:, far], rgb[0][:, far], atol=1e-5)
    # Near it, the blurred dark square spreads over the background (semi-transparent edge).
    assert float(out[0, :, 32, 32 - int(r / 2)].mean()) < 0.8 * float(rgb[0, :, 32, 32 - int(r / 2)].mean())


def test_skin_mask_is_blurred_with_the_image():
    frame, sq = _square_scene(2.0, 2.0, 1.0, 0.0)        # whole scene defocused
    out = apply_lens(frame, CAM, 0.8)
    assert torch.allclose(out.aov("skin")[0, 0], out.rgb[0, 1], atol=1e-4)
    assert torch.equal(out.aov("depth"), frame.aov("depth"))


@pytest.mark.parametrize("strength", [0.3, 0.7])
def test_vignetting_darkens_corners_by_the_set_amount(strength):
    frame = Frame(rgb=torch.ones(1, 3, H, W), meta=FrameMeta(sensor_width_m=0.036))
    out = apply_lens(frame, CameraIR(vignetting=strength), 0.8).rgb[0, 0]
    assert float(out[0, 0]) == pytest.approx(1 - strength, abs=1e-4)
    assert float(out[H // 2 - 1:H // 2 + 1, W // 2 - 1:W // 2 + 1].min()) > 0.999
    # Between centre and corner the profile follows cos⁴ of the field angle.
    pitch, f, s1 = 0.036 / W, 0.085, 0.8
    v = f * s1 / (s1 - f)

    def cos4(dx, dy):
        r2 = (dx * pitch) ** 2 + (dy * pitch) ** 2
        return (v * v / (v * v + r2)) ** 2

    corner = cos4((W - 1) / 2, (H - 1) / 2)
    mid_edge = 1 - strength * (1 - cos4((W - 1) / 2, 0.5)) / (1 - corner)
    assert float(out[H // 2, W - 1]) == pytest.approx(mid_edge, abs=1e-3)


def test_barrel_distortion_moves_points_as_the_model_says_and_warps_depth():
    rgb = torch.zeros(1, 3, H, W)
    rgb[0, :, H // 2 - 1:H // 2 + 1, 72:74] = 1.0          # a dot right of centre
    depth = torch.full((1, 1, H, W), 0.8)
    depth[..., H // 2 - 1:H // 2 + 1, 72:74] = 0.7
    frame = Frame(rgb=rgb, aovs={"depth": depth}, meta=FrameMeta(sensor_width_m=0.036))
    k1 = -0.2
    out = apply_lens(frame, CameraIR(distortion=k1, vignetting=0.0), 0.8)
    lum = out.rgb[0, 1]
    cx = float((lum.sum(0) * torch.arange(W)).sum() / lum.sum())
    half_diag = math.hypot(H - 1, W - 1) / 2
    ru = (72.5 - (W - 1) / 2) / half_diag
    expected = (W - 1) / 2 + ru * (1 + k1 * ru * ru) / (1 + k1) * half_diag
    assert cx == pytest.approx(expected, abs=0.3)
    # The depth AOV moved with the image (nearest sampling keeps exact depth values).
    moved = out.aov("depth")[0, 0]
    assert (((moved - 0.7).abs() < 1e-6) | ((moved - 0.8).abs() < 1e-6)).all()
    near_cols = torch.nonzero((moved - 0.7).abs() < 1e-6)[:, 1].float()
    assert float(near_cols.mean()) == pytest.approx(expected, abs=1.0)
    with pytest.raises(ValueError, match="greater than or equal to -0.3"):
        CameraIR(distortion=-0.5)               # the schema's range, before any pixel
    with pytest.raises(ValueError, match="outside the supported range"):
        lens_warp(H, W, k1=-0.5, ca_per_1000px=0.0)


def test_lateral_chromatic_aberration_separates_red_and_blue_at_the_edge():
    rgb = torch.zeros(1, 3, H, W)
    rgb[0, :, H // 2 - 1:H // 2 + 1, W - 8:W - 6] = 1.0    # a white dot near the right edge
    frame = Frame(rgb=rgb, meta=FrameMeta(sensor_width_m=0.036))
    ca = 20.0                                               # px per 1000 px at the corner
    out = apply_lens(frame, CameraIR(chromatic_aberration=ca, vignetting=0.0), 0.8).rgb[0]
    cols = torch.arange(W, dtype=torch.float32)
    centroid = [float((out[c].sum(0) * cols).sum() / out[c].sum()) for c in range(3)]
    half_diag = math.hypot(H - 1, W - 1) / 2
    r_dot = (W - 7.5) - (W - 1) / 2
    expected_sep = ca * W / 1000 * r_dot / half_diag
    assert centroid[0] - centroid[2] == pytest.approx(expected_sep, rel=0.1)
    assert centroid[0] > centroid[1] > centroid[2]


def test_blurred_foreground_edge_shows_background_not_a_dark_fringe():
    # Mid-grey square far in front of focus over a bright, focused, flat background: across
    # the square's blurred edge the colour must stay between the two (no halo, no dark rim).
    frame, sq = _square_scene(0.45, 0.8, 0.3, 1.0)
    out = apply_lens(frame, CAM, 0.8).rgb[0, 1]
    row = out[32]
    assert float(row.min()) >= 0.3 - 1e-3 and float(row.max()) <= 1.0 + 1e-3
    # Monotonic from the background into the square's centre (left half of the row).
    left = row[:48]
    assert bool((left[1:] <= left[:-1] + 1e-4).all())


def test_coc_is_capped_at_max_radius():
    from shotspec.runtime.optics import MAX_RADIUS_PX

    size = 320
    rgb = torch.zeros(1, 3, size, size)
    rgb[0, :, size // 2, size // 2] = 1.0e4
    frame = Frame(rgb=rgb, aovs={"depth": torch.full((1, 1, size, size), float("inf"))},
                  meta=FrameMeta(sensor_width_m=0.003))              # analytic radius ≈ 269 px
    out = apply_lens(frame, CAM, 0.8).rgb[0, 1]
    analytic_r = coc_px(circle_of_confusion_m(0.085, 2.0, 0.8, math.inf), 0.003, size) / 2
    assert MAX_RADIUS_PX == 128 and analytic_r > 2 * MAX_RADIUS_PX
    area = float((out > 0.5 * 1.0e4 / (math.pi * MAX_RADIUS_PX ** 2)).sum())
    assert 2 * math.sqrt(area / math.pi) == pytest.approx(2 * MAX_RADIUS_PX, rel=0.01)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    g = torch.Generator().manual_seed(9)
    rgb = torch.rand(1, 3, 48, 64, generator=g)
    depth = 0.4 + 4 * torch.rand(1, 1, 48, 64, generator=g)
    frame = Frame(rgb=rgb, aovs={"depth": depth}, meta=FrameMeta(sensor_width_m=SENSOR_W))
    cam = CameraIR(blades=6, distortion=-0.1, chromatic_aberration=5.0)
    cpu = apply_lens(frame, cam, 0.8).rgb
    gpu_frame = Frame(rgb=rgb.cuda(), aovs={"depth": depth.cuda()}, meta=frame.meta)
    gpu = apply_lens(gpu_frame, cam, 0.8).rgb
    assert gpu.device.type == "cuda"
    assert torch.allclose(gpu.cpu(), cpu, atol=1e-4)
