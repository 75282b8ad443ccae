"""The head's distance field has no steps at the surface.

The normals are central differences of the exact field 0.25 mm apart, so a step of a fraction of
a millimetre anywhere on the surface is drawn as a 1-px bright/dark line along it: at the face of
a feature's bounding box (the ears' box cut a "T" into the nape), at the edge of the band where
the hairline's noise is evaluated, or at a mirrored part's crease on the midline. A distance
field changes by at most the distance moved (it is 1-Lipschitz), so across any face the field
may change by no more than the step (with a little slack for the approximate ellipsoids).
"""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.character.geometry import head_model

SEEDS = (0, 1842, 7)
STEP = 1e-5                    # metres either side of a face
SLACK = 1.5                    # allowed |Δ field| / distance moved


def _jump(model, pts: torch.Tensor, axis: int) -> torch.Tensor:
    e = torch.zeros(3)
    e[axis] = STEP
    return (model.distance(pts + e) - model.distance(pts - e)).abs()


def _surface_along(model, start: torch.Tensor, direction: torch.Tensor, length: float) -> torch.Tensor:
    """Points where ``distance`` crosses zero on the segments ``start + t·direction``,
    t ∈ [0, length] (``start`` inside the head, the far end outside), by bisection."""
    lo = torch.zeros(start.shape[0])
    hi = torch.full((start.shape[0],), length)
    for _ in range(40):
        mid = (lo + hi) / 2
        inside = model.distance(start + direction * mid[:, None]) < 0
        lo = torch.where(inside, mid, lo)
        hi = torch.where(inside, hi, mid)
    return start + direction * ((lo + hi) / 2)[:, None]


@pytest.mark.parametrize("seed", SEEDS)
def test_no_step_at_the_ear_box_faces(seed):
    """The ears are evaluated only inside a box round each ear; the neck's 16 mm blend used to
    meet the box's outside bound (8 mm at its face) and bulge towards it, so the neck's surface
    stepped 0.3–1.4 mm at the box's lower and inner faces, behind and below the ear."""
    m = head_model(CharacterIR(name="d", seed=seed))
    lo, hi = m.ear_box
    n = 120
    worst = 0.0
    checked = 0
    for axis in range(3):
        u, v = [a for a in range(3) if a != axis]
        gu, gv = torch.meshgrid(torch.linspace(lo[u], hi[u], n), torch.linspace(lo[v], hi[v], n),
                                indexing="ij")
        for val in (lo[axis], hi[axis]):
            for side in (1.0, -1.0):        # both ears
                pts = torch.zeros(n * n, 3)
                pts[:, axis] = val
                pts[:, u] = gu.reshape(-1)
                pts[:, v] = gv.reshape(-1)
                pts[:, 0] *= side
                near = pts[m.distance(pts).abs() < 0.0015]
                if near.shape[0]:
                    checked += near.shape[0]
                    worst = max(worst, float(_jump(m, near, axis).max()))
    assert checked > 500
    assert worst <= 2 * STEP * SLACK, f"field steps {worst * 1e3:.3f} mm across the ear box"


@pytest.mark.parametrize("seed", SEEDS)
def test_no_step_beside_the_hairline(seed):
    """The hairline's noise (≤ 3.3 mm) is evaluated only within a band round the noise-free line;
    where it stopped dead 3.5 mm either side, the hair's surface stepped and drew a second,
    dotted line beside the hairline round the temples, ears and nape."""
    m = head_model(CharacterIR(name="d", seed=seed))
    az = torch.linspace(0.02, math.pi - 0.02, 300)
    h = m._hairline_table(torch.sin(az), torch.zeros_like(az), torch.cos(az) - 0.075)
    heights = -h                             # the noise-free hairline's height per azimuth
    worst_field, worst_line = 0.0, 0.0
    for off in (-0.0085, -0.0035, 0.0035, 0.0085):   # the noise band's old and new edges
        for side in (1.0, -1.0):
            y = heights + off
            start = torch.stack((torch.zeros_like(az), y, torch.full_like(az, -0.075)), 1)
            direction = torch.stack((side * torch.sin(az), torch.zeros_like(az), torch.cos(az)), 1)
            keep = m.distance(start) < 0                    # the axis point is inside the head
            pts = _surface_along(m, start[keep], direction[keep], 0.2)
            worst_field = max(worst_field, float(_jump(m, pts, 1).max()))
            e = torch.tensor([0.0, STEP, 0.0])
            a = m.hairline(*(pts + e).unbind(1))
            b = m.hairline(*(pts - e).unbind(1))
            worst_line = max(worst_line, float((a - b).abs().max()))
    assert worst_field <= 2 * STEP * SLACK, f"field steps {worst_field * 1e3:.3f} mm at the band edge"
    # the noise's own slope is a few mm per mm at most
    assert worst_line <= 2 * STEP * 6, f"hairline height steps {worst_line * 1e3:.3f} mm"


def test_hairline_noise_kept_where_the_line_is():
    """The fade leaves the hairline itself alone: within 3.5 mm of the noise-free line the noise
    is at full strength (it still moves the line by up to ~3 mm)."""
    m = head_model(CharacterIR(name="d", seed=0))
    g = torch.Generator().manual_seed(5)
    az = torch.rand(4000, generator=g) * math.pi
    x, z = 0.08 * torch.sin(az), 0.08 * torch.cos(az) - 0.075
    base = m._hairline_table(x, torch.zeros_like(x), z)
    y = -base + (torch.rand(4000, generator=g) - 0.5) * 0.007       # |table| < 3.5 mm
    table = m._hairline_table(x, y, z)
    wobble = table - m.hairline(x, y, z)
    assert float(wobble.abs().max()) > 0.002
    assert float(wobble.abs().max()) <= 0.0033 + 1e-6


def test_torso_has_no_midline_crease():
    """The shoulders and trapezius are mirrored with |x|; a sharp |x| creased the top of the
    chest below the collar and the back of the shoulders down the midline (a vertical seam in
    frontal views: the field's x-slope flipped by up to 0.15 across x = 0)."""
    m = head_model(CharacterIR(name="d", seed=0))
    worst = 0.0
    # rays straight up from inside the chest, in front of the neck and behind it
    for zs in (torch.linspace(-0.005, 0.05, 12), torch.linspace(-0.17, -0.135, 8)):
        start = torch.stack((torch.zeros_like(zs), torch.full_like(zs, -0.32), zs), 1)
        pts = _surface_along(m, start, torch.tensor([0.0, 1.0, 0.0]).expand_as(start), 0.3)
        h = 2.5e-4
        slopes = []
        for dx in (-0.0005, 0.0005):
            p = pts + torch.tensor([dx, 0.0, 0.0])
            ex = torch.tensor([h, 0.0, 0.0])
            slopes.append((m.distance(p + ex) - m.distance(p - ex)) / (2 * h))
        worst = max(worst, float((slopes[1] - slopes[0]).abs().max()))
    # either side of the midline the surface is nearly level across it, not a V
    assert worst < 0.05, worst
