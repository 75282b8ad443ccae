"""Anatomy a viewer reads at a glance: adult face proportions, a thin upper lip over a fuller
lower lip, stranded brows, skin-coloured (not grey) skin, and no background showing through
the head."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CameraIR, CharacterIR
from shotspec.runtime.character import render_geometry, shade
from shotspec.runtime.character.geometry import head_model
from shotspec.runtime.character.regions import FaceRegions

DEFAULT = CharacterIR(name="d", seed=0)


def _extent(model, pts: torch.Tensor, axis: int, largest: bool) -> float:
    inside = model.parts(pts, cloth=False)["skin"] < 0
    vals = pts[inside, axis]
    return float(vals.max() if largest else vals.min())


def test_face_has_adult_proportions():
    m = head_model(DEFAULT)
    zs = torch.linspace(-0.035, 0.05, 86)
    # bizygomatic width: widest skin at cheekbone height, in front of the ears
    xs = torch.linspace(0.0, 0.09, 361)
    g = torch.stack(torch.meshgrid(xs, zs, indexing="ij"), -1).reshape(-1, 2)
    cheek = torch.stack((g[:, 0], torch.full_like(g[:, 0], -0.013), g[:, 1]), 1)
    width = 2 * _extent(m, cheek, 0, True)
    # chin: the lowest skin on the midline, in front of the neck
    zs = torch.linspace(-0.012, 0.04, 53)
    ys = torch.linspace(-0.16, -0.08, 321)
    g = torch.stack(torch.meshgrid(ys, zs, indexing="ij"), -1).reshape(-1, 2)
    mid = torch.stack((torch.zeros_like(g[:, 0]), g[:, 0], g[:, 1]), 1)
    chin = _extent(m, mid, 1, False)
    hairline = 0.068 * m.p_hh
    height = hairline - chin
    assert 0.75 <= width / height <= 0.82, (width, height)
    # lower third (nose base → chin) close to the middle third (brow → nose base)
    nose_base = m.nose_tip[1] - 0.009
    middle, lower = 0.021 - nose_base, nose_base - chin
    assert abs(lower / middle - 1.0) < 0.15, (middle, lower)


def test_upper_lip_is_thinner_than_the_lower_and_lips_taper():
    m = head_model(DEFAULT)
    _, ly, lz = m.lips_center
    ys = torch.linspace(ly - 0.02, ly + 0.02, 801)
    zs = torch.linspace(lz - 0.01, lz + 0.01, 81)

    def height(x: float) -> tuple[float, float]:
        g = torch.stack(torch.meshgrid(ys, zs, indexing="ij"), -1).reshape(-1, 2)
        pts = torch.stack((torch.full_like(g[:, 0], x), g[:, 0], g[:, 1]), 1)
        lip = pts[m.lip_distance(pts) < 0]
        up, lo = lip[lip[:, 1] > ly, 1], lip[lip[:, 1] <= ly, 1]
        return float(up.max() - ly) if up.numel() else 0.0, float(ly - lo.min()) if lo.numel() else 0.0

    up_c, lo_c = height(0.0)
    assert up_c < 0.8 * lo_c, (up_c, lo_c)
    up_e, lo_e = height(0.019)
    assert up_e + lo_e < 0.75 * (up_c + lo_c)          # tapered corners, not a sausage


def test_brows_are_strands_with_skin_between():
    m = head_model(DEFAULT)
    ex = m.eye_x
    xs = torch.linspace(ex - 0.012, ex + 0.012, 600)
    pts = torch.stack((xs, torch.full_like(xs, 0.0215), torch.full_like(xs, 0.012)), 1)
    b = FaceRegions(m, pts, 0).brows()
    dark, light = b > 0.6, b < 0.35
    flips = int(((dark[1:] & ~dark[:-1]) | (light[1:] & ~light[:-1])).sum())
    assert dark.float().mean() > 0.15 and light.float().mean() > 0.1
    assert flips >= 12                                   # many thin strokes along 24 mm


def test_skin_reads_warm_and_there_are_no_holes():
    cam = CameraIR(distance_m=0.75)
    g = render_geometry(DEFAULT, cam, 96, 120)
    s = shade(g, DEFAULT, [], cam)
    skin = (g.aovs["skin"][0, 0] > 0.5) & (g.aovs["lips"][0, 0] < 0.1) & (g.aovs["brows"][0, 0] < 0.1)
    rgb = s.rgb[0][:, skin].mean(1)
    assert rgb[0] > 1.45 * rgb[1] > 1.45 * 1.3 * rgb[2] > 0, rgb.tolist()
    # no background pixel with subject on all four sides (pinholes, a line in front of an ear,
    # a grazing ray that slipped through the skin behind the ear) at any resolution
    k = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
    for size in ((96, 120), (160, 200), (256, 320)):
        if size != (96, 120):
            g = render_geometry(DEFAULT, cam, *size)
        subj = (g.aovs["subject"][0, 0] > 0.5).float()[None, None]
        around = F.conv2d(subj, k, padding=1)[0, 0]
        assert int(((subj[0, 0] < 0.5) & (around >= 3.5)).sum()) == 0, size


def test_no_crease_down_the_middle_of_the_chin():
    """Features mirrored with |x| meet at the midline; where one ends short of it the two halves
    fold into a seam that reads as a drawn line from the lower lip to the chin."""
    from shotspec.runtime.character.trace import normals
    for seed in (0, 1842):
        m = head_model(CharacterIR(name="c", seed=seed))
        for y in (-0.09, -0.10, -0.105):
            zs = torch.linspace(0.05, -0.03, 8001)
            pts = torch.stack((torch.full_like(zs, 0.0005), torch.full_like(zs, y), zs), 1)
            first = int((m.distance(pts) < 0).nonzero()[0, 0])
            n = normals(m, pts[first:first + 1])[0]
            # half a millimetre right of the midline the surface still faces right (convex)
            assert float(n[0]) > -0.003, (seed, y, n.tolist())
