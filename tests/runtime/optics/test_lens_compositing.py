"""Lens compositing on synthetic depth plates, measured against the thin lens: blurred
silhouettes as opaque as theory, no halo around sharp subjects, crisp bokeh edges at every
radius, odd-blade bokeh point-mirrored between front and back focus."""

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.optics import apply_lens
from shotspec.runtime.optics.depth_slabs import RADIUS_LADDER_PX, split_layers
from shotspec.runtime.optics.lens_plates import (FOCUS_M, bokeh_edge_width, bokeh_orientation,
                                                 depth_for_radius, disc_diameter_error,
                                                 silhouette_coverage, subject_halo)


@pytest.mark.parametrize("radius_px", [2.5, 6.25, 10.0, 16.5, 42.0])
def test_blurred_silhouette_coverage_matches_the_thin_lens(radius_px):
    # Radii halfway between two blur levels are the old worst case (composited twice: 0.6–0.7).
    at_edge, worst = silhouette_coverage(radius_px)
    assert at_edge == pytest.approx(0.5, abs=0.05)
    assert worst < 0.05                      # the whole edge profile, not only its middle


def test_interpolation_weights_are_a_partition_of_unity():
    radius = torch.linspace(-140, 140, 2801).reshape(1, 1, 1, -1)
    levels, lower, w_upper = split_layers(radius)
    assert len(levels) == 2 * len(RADIUS_LADDER_PX) - 1
    # Each pixel sits in one slab; its two weights sum to one and reproduce its radius.
    clamped = radius.clamp(-RADIUS_LADDER_PX[-1], RADIUS_LADDER_PX[-1])
    recon = (1 - w_upper) * levels[lower] + w_upper * levels[lower + 1]
    assert torch.allclose(recon, clamped, atol=1e-4)
    assert bool(((w_upper >= 0) & (w_upper <= 1)).all())


@pytest.mark.parametrize("f_number", [1.4, 2.0, 2.8, 4.0, 8.0, 16.0])
def test_sharp_subject_leaves_no_halo_on_the_blurred_background(f_number):
    halo, bg_radius = subject_halo(f_number)
    assert bg_radius > 3                     # the background really is blurred (up to 78 px)
    assert halo < 0.01


@pytest.mark.parametrize("radius_px", [10, 48, 96])
def test_bokeh_edges_stay_sharp_at_every_radius(radius_px):
    # Sampled at whole pixels, a one-pixel antialiased edge reads 0.8–1.6 px from 10 to 90 %.
    assert bokeh_edge_width(radius_px) <= 2.0


def test_odd_blade_bokeh_flips_between_front_and_back_focus():
    back, front, mismatch = bokeh_orientation(20.0, blades=5)
    assert back >= 3 and front <= -3         # vertex up behind focus, down in front of it
    assert mismatch < 1e-3                   # the front disc is the back one turned 180°


def test_even_blade_bokeh_is_the_same_on_both_sides_of_focus():
    back, front, mismatch = bokeh_orientation(20.0, blades=6)
    assert back == front == 0 and mismatch < 1e-3


def test_surface_between_two_levels_gets_its_own_coc():
    # A point light on a plane whose radius falls between levels 9 and 11.5: its disc has the
    # plane's own diameter (area within 2 %) and keeps the light's energy.
    size, pitch, r = 65, 1e-5, 10.2
    rgb = torch.zeros(1, 3, size, size)
    rgb[0, :, size // 2, size // 2] = 1000.0
    depth = torch.full((1, 1, size, size), depth_for_radius(r, 2.0, pitch))
    frame = Frame(rgb=rgb, aovs={"depth": depth}, meta=FrameMeta(sensor_width_m=pitch * size))
    out = apply_lens(frame, CameraIR(f_number=2.0, vignetting=0.0), FOCUS_M).rgb[0, 1]
    plateau = 1000.0 / (math.pi * r * r)
    area = float((out > 0.5 * plateau).sum())
    assert area == pytest.approx(math.pi * r * r, rel=0.02)
    assert float(out.sum()) == pytest.approx(1000.0, rel=1e-4)


@pytest.mark.parametrize("radius_px", [-7.7, 5.3, 10.2, 23.7, 47.3, 96.1])
def test_blur_diameter_is_within_0_4_percent_of_the_thin_lens_coc(radius_px):
    # Radii between blur levels, in front of and behind focus, up to 96 px.
    assert abs(disc_diameter_error(radius_px)) < 0.004


def test_masks_that_are_zero_on_a_slab_stay_zero_and_match_the_colour_elsewhere():
    # A subject mask is zero on the background: its blur is skipped there, yet it still equals
    # the colour channel that carries the same image.
    size, pitch = 96, 5e-5
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    subject = ((yy - 48) ** 2 + (xx - 48) ** 2 <= 20 ** 2).float()[None, None]
    depth = torch.where(subject > 0, depth_for_radius(-6.0, 2.0, pitch), math.inf)
    frame = Frame(rgb=subject.expand(1, 3, size, size).contiguous(),
                  aovs={"depth": depth, "subject": subject},
                  meta=FrameMeta(sensor_width_m=pitch * size))
    out = apply_lens(frame, CameraIR(f_number=2.0, vignetting=0.0), FOCUS_M)
    assert torch.allclose(out.aov("subject")[0, 0], out.rgb[0, 1], atol=1e-5)
    assert float(out.aov("subject")[0, 0, 48, 48 - 20 - 7]) < 1e-6   # beyond the blur: zero


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_compositing_matches_cpu_and_repeats_bit_for_bit():
    # Front- and back-focus layers, a sharp subject, a blurred background and a mask.
    size, pitch = 128, 2e-5
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    subject = ((yy - 64) ** 2 + (xx - 64) ** 2 <= 30 ** 2)
    depth = torch.where(subject, FOCUS_M, depth_for_radius(40.0, 2.0, pitch))
    depth = torch.where(xx < 20, depth_for_radius(-12.5, 2.0, pitch), depth).float()[None, None]
    g = torch.Generator().manual_seed(4)
    rgb = torch.rand(1, 3, size, size, generator=g) * 4
    skin = subject.float()[None, None]
    cam = CameraIR(f_number=2.0, blades=5, vignetting=0.0)
    meta = FrameMeta(sensor_width_m=pitch * size)
    cpu = apply_lens(Frame(rgb=rgb, aovs={"depth": depth, "skin": skin}, meta=meta), cam, FOCUS_M)
    runs = [apply_lens(Frame(rgb=rgb.cuda(), aovs={"depth": depth.cuda(), "skin": skin.cuda()},
                             meta=meta), cam, FOCUS_M) for _ in range(2)]
    assert torch.equal(runs[0].rgb, runs[1].rgb)
    assert torch.allclose(runs[0].rgb.cpu(), cpu.rgb, atol=1e-4 * 4)
    assert torch.allclose(runs[0].aov("skin").cpu(), cpu.aov("skin"), atol=1e-4)
