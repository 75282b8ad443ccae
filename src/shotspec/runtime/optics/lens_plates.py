"""Synthetic depth plates that measure the lens pass's compositing against the thin lens.

Each function builds a small frame with a depth AOV, runs :func:`apply_lens` on it and returns
the figure a viewer would notice next to what the thin-lens model predicts. The tests assert
these figures and ``bench/lens_compositing.py`` prints them.

Plates use an 85 mm lens focused at 0.75 m and a pixel pitch chosen per plate; a layer's
radius is set exactly by placing it at :func:`depth_for_radius`.
"""

from __future__ import annotations

import math

import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.optics.thin_lens import apply_lens, signed_coc_m

__all__ = ["FOCAL_M", "FOCUS_M", "depth_for_radius", "run_lens", "disc_edge_coverage",
           "silhouette_coverage", "subject_halo", "bokeh_edge_width", "bokeh_orientation",
           "disc_diameter_error"]

FOCAL_M, FOCUS_M = 0.085, 0.75
_FINE_PITCH_M = 1e-5          # 10 µm pixels: even f/2 reaches 270 px of radius at infinity


def depth_for_radius(radius_px: float, f_number: float, pitch_m: float) -> float:
    """Depth (m) whose signed CoC radius is ``radius_px`` pixels (negative: in front of focus)."""
    k = signed_coc_m(FOCAL_M, f_number, FOCUS_M, math.inf)
    ratio = 1.0 - 2.0 * radius_px * pitch_m / k
    if not ratio > 0:
        raise ValueError(f"a CoC radius of {radius_px} px is beyond infinity at f/{f_number}")
    return FOCUS_M / ratio


def run_lens(rgb: torch.Tensor, depth: torch.Tensor, pitch_m: float, f_number: float,
             blades: int = 0) -> torch.Tensor:
    """``apply_lens`` on a plate: ``rgb`` ``(1, 3, H, W)``, ``depth`` ``(1, 1, H, W)`` m, square
    pixels of ``pitch_m``, the plates' 85 mm lens at ``f_number`` focused at ``FOCUS_M``, no
    vignetting; returns the defocused ``(1, 3, H, W)``."""
    meta = FrameMeta(sensor_width_m=pitch_m * rgb.shape[-1])
    frame = Frame(rgb=rgb, aovs={"depth": depth}, meta=meta)
    cam = CameraIR(focal_length_m=FOCAL_M, f_number=f_number, blades=blades, vignetting=0.0)
    return apply_lens(frame, cam, FOCUS_M).rgb


def disc_edge_coverage(d_px: torch.Tensor, radius_px: float) -> torch.Tensor:
    """Share of a disc of ``radius_px`` centred ``d_px`` from a straight edge that lies on the
    far side of it: the thin lens's coverage of a blurred half-plane (0.5 at the edge)."""
    u = (d_px / radius_px).clamp(-1, 1)
    return (torch.acos(u) - u * torch.sqrt(1 - u * u)) / math.pi


def silhouette_coverage(radius_px: float, *, f_number: float = 2.0, height: int = 24
                        ) -> tuple[float, float]:
    """A white half-plane ``radius_px`` in front of focus over a black plane in focus.

    Returns (coverage at the silhouette, the mean of the two pixels beside it; thin lens: 0.5,
    largest |coverage − thin lens| along the row)."""
    width = 2 * int(math.ceil(radius_px)) + 48
    edge = width // 2                                  # columns < edge are foreground
    cols = torch.arange(width)
    fg = (cols < edge).expand(height, width)
    rgb = fg.float().expand(1, 3, height, width).contiguous()
    depth = torch.where(fg, depth_for_radius(-radius_px, f_number, _FINE_PITCH_M), FOCUS_M)
    out = run_lens(rgb, depth.float()[None, None], _FINE_PITCH_M, f_number)[0, 1, height // 2]
    out = out.double()
    theory = disc_edge_coverage(cols.double() + 0.5 - edge, radius_px)
    at_edge = float(out[edge - 1:edge + 1].mean())
    return at_edge, float((out - theory).abs().max())


def subject_halo(f_number: float, *, size: int = 320, subject_radius_px: int = 60,
                 pitch_m: float = 5e-5) -> tuple[float, float]:
    """A sharp disc subject in the focus plane over a uniform background at infinity.

    Returns (largest relative deviation of the background from its own colour, 1–80 px outside
    the silhouette, over the colour channels; thin lens: 0, the background's CoC radius px)."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    dist = torch.sqrt((yy - size // 2) ** 2 + (xx - size // 2) ** 2.0)
    subject = dist <= subject_radius_px
    bg = torch.tensor([0.1, 0.2, 0.4])[:, None, None]
    rgb = torch.where(subject, torch.tensor([1.0, 0.5, 0.2])[:, None, None], bg)[None]
    depth = torch.where(subject, FOCUS_M, math.inf).float()[None, None]
    out = run_lens(rgb, depth, pitch_m, f_number)[0]
    ring = (dist > subject_radius_px + 1) & (dist <= subject_radius_px + 80)
    halo = float(((out - bg).abs() / bg)[:, ring].max())
    k = signed_coc_m(FOCAL_M, f_number, FOCUS_M, math.inf)
    return halo, k / pitch_m / 2


def _point_light(radius_px: float, size: int, f_number: float, blades: int = 0) -> torch.Tensor:
    """The green channel ``(size, size)`` of a 1000-unit point light at the centre of a plane
    whose CoC radius is ``radius_px`` (negative: in front of focus)."""
    c = size // 2
    rgb = torch.zeros(1, 3, size, size)
    rgb[0, :, c, c] = 1000.0
    depth = torch.full((1, 1, size, size), depth_for_radius(radius_px, f_number, _FINE_PITCH_M))
    return run_lens(rgb, depth, _FINE_PITCH_M, f_number, blades)[0, 1]


def disc_diameter_error(radius_px: float, *, f_number: float = 2.0) -> float:
    """Relative error of a point light's blur diameter against the thin-lens CoC
    ``2·|radius_px|``, the diameter read from the disc's second moment: a uniform disc of
    radius r has E[x² + y²] = r²/2, and integrating it over square pixels adds 1/12 px² per
    axis, so r = √(2·(E − 1/6))."""
    size = 2 * int(math.ceil(abs(radius_px))) + 21
    disc = _point_light(radius_px, size, f_number).double()
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float64) - size // 2,
                            torch.arange(size, dtype=torch.float64) - size // 2, indexing="ij")
    second = float((disc * (xx * xx + yy * yy)).sum() / disc.sum())
    return math.sqrt(2 * (second - 1 / 6)) / abs(radius_px) - 1


def bokeh_edge_width(radius_px: float, *, blades: int = 0, f_number: float = 2.0) -> float:
    """10–90 % width (px) of the edge of a point light's disc ``radius_px`` behind focus, along
    the row through its centre, both sides averaged (linear interpolation between pixels)."""
    size = 2 * int(math.ceil(radius_px)) + 41
    c = size // 2
    row = _point_light(radius_px, size, f_number, blades)[c].double()
    plateau = float(row[c - int(radius_px // 2):c + int(radius_px // 2) + 1].mean())
    widths = []
    for side in (row[c:], row[:c + 1].flip(0)):
        v = side / plateau

        def crossing(level: float) -> float:
            i = int(torch.nonzero(v < level)[0])          # first sample below the level
            return i - 1 + float((v[i - 1] - level) / (v[i - 1] - v[i]))

        widths.append(crossing(0.1) - crossing(0.9))
    return sum(widths) / 2


def bokeh_orientation(radius_px: float = 20.0, *, blades: int = 5, f_number: float = 2.0
                      ) -> tuple[float, float, float]:
    """A point light ``radius_px`` behind and the same in front of focus, ``blades``-gon aperture.

    Returns (behind: extent above the centre − extent below, px; in front: the same; largest
    |front − behind turned 180°| relative to the disc's peak). A real lens: a vertex up behind
    focus (positive), down in front of it (negative), and the two point-mirrored (≈ 0)."""
    size = 2 * int(math.ceil(radius_px * 1.3)) + 21
    c = size // 2
    discs = [_point_light(r, size, f_number, blades) for r in (radius_px, -radius_px)]
    extents = []
    for disc in discs:
        rows = torch.nonzero((disc > 0.5 * float(disc.max())).any(dim=1)).reshape(-1)
        extents.append(float(c - rows[0]) - float(rows[-1] - c))
    back, front = discs
    mismatch = float((front - back.flip(0, 1)).abs().max() / back.max())
    return extents[0], extents[1], mismatch
