"""What a viewer notices in the procedural character: identity, pores, SSS, catchlights,
lens perspective, camera-relative lighting."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR, SkinIR
from shotspec.runtime.character import face_params, render_geometry, shade
from shotspec.runtime.character.geometry import head_model
from shotspec.runtime.character.micro import skin_bump
from shotspec.runtime.character.regions import FaceRegions
from shotspec.runtime.character.sss import scatter
from shotspec.runtime.filters import gaussian_blur
from shotspec.color import luminance

KEY = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(40),
              elevation_rad=math.radians(25), distance_m=1.4, size_m=0.4)
FILL = LightIR(name="fill", kind="environment", intensity=0.2)


def _render(ch, cam, w, h, lights=(KEY, FILL)):
    g = render_geometry(ch, cam, w, h)
    return g, shade(g, ch, list(lights), cam)


def test_different_seeds_are_different_people():
    cam = CameraIR(distance_m=0.75)
    a, b = CharacterIR(name="a", seed=11), CharacterIR(name="b", seed=12)
    pa, pb = face_params(a), face_params(b)
    assert max(abs(pa[k] - pb[k]) for k in pa) > 0.2
    _, sa = _render(a, cam, 80, 100)
    _, sb = _render(b, cam, 80, 100)
    assert (sa.rgb - sb.rgb).abs().mean() > 0.01


def test_pores_put_energy_at_pore_scale_only_when_asked():
    # 600 mm at 0.5 m: ~0.2 mm per pixel across the nose and cheeks, where single pores
    # (0.3–0.9 mm cells) are resolved; coarser sampling fades them out by design (micro.py)
    cam = CameraIR(distance_m=0.5, focal_length_m=0.6)
    energies = []
    for pores in (0.8, 0.0):
        ch = CharacterIR(name="p", seed=5, skin=SkinIR(pores=pores, fine_lines=0.0, imperfections=0.0))
        g, s = _render(ch, cam, 128, 128)
        lum = luminance(s.rgb)
        band = gaussian_blur(lum, 0.5, edge="replicate") - gaussian_blur(lum, 1.5, edge="replicate")
        m = (g.aovs["skin"] > 0.5) & (g.aovs["lips"] < 0.1) & (g.aovs["brows"] < 0.1)
        # away from mask edges and occlusion edges (the nose's outline is not pore texture)
        d = g.aovs["depth"].clamp_max(5.0)
        jump = torch.zeros_like(d)
        jump[..., 1:, :] = (d[..., 1:, :] - d[..., :-1, :]).abs()
        jump[..., :, 1:] = torch.maximum(jump[..., :, 1:], (d[..., :, 1:] - d[..., :, :-1]).abs())
        edge = F.max_pool2d((jump > 0.002).float(), 9, stride=1, padding=4) > 0
        m = (-F.max_pool2d(-m.float(), 7, stride=1, padding=3) > 0.5) & ~edge
        energies.append(float((band[m] ** 2).mean() / (lum[m].mean() ** 2)))
    assert energies[0] > 1e-5
    assert energies[0] > 4.0 * energies[1]


def test_red_scatters_wider_than_blue_across_a_shadow_edge():
    # a flat skin patch at 0.6 m with a hard irradiance edge
    h, w = 8, 160
    irr = torch.zeros(1, 3, h, w)
    irr[..., w // 2:] = 1.0
    depth = torch.full((1, 1, h, w), 0.6)
    skin = torch.ones(1, 1, h, w)
    out = scatter(irr, skin, depth, focal_px=2000.0)     # ≈ 0.3 mm per pixel
    row = out[0, :, h // 2]

    def width(c):
        v = row[c]
        return int(((v > 0.1) & (v < 0.9)).sum())

    assert width(0) > 1.8 * width(2)
    assert torch.allclose(row[:, -1], torch.ones(3), atol=1e-3)


def test_rendered_terminator_is_softer_in_red():
    cam = CameraIR(distance_m=0.5, focal_length_m=0.2)
    side = LightIR(name="k", kind="point", azimuth_rad=math.radians(80), distance_m=1.0,
                   size_m=0.01)
    ch = CharacterIR(name="t", seed=2, skin=SkinIR(oil=0.0, pores=0.0, fine_lines=0.0))
    g, s = _render(ch, cam, 120, 120, (side,))
    ratio = s.rgb / s.aovs["albedo"].clamp_min(1e-3)
    m = (g.aovs["skin"] > 0.5) & (g.aovs["lips"] < 0.1)
    gx = (ratio[..., 1:] - ratio[..., :-1]).abs()
    mm = m[..., 1:] & m[..., :-1]
    grad = [float(gx[:, c:c + 1][mm].mean() / ratio[:, c:c + 1][m].mean()) for c in range(3)]
    # sharper transitions → larger relative gradient: blue stays sharper than red
    assert grad[2] > 1.04 * grad[0]


def test_catchlights_in_the_eyes():
    cam = CameraIR(distance_m=0.6, focal_length_m=0.135)
    ch = CharacterIR(name="c", seed=4)
    g, s = _render(ch, cam, 160, 200)
    eyes = g.aovs["eyes"] > 0.5
    assert 20 < int(eyes.sum()) < 2000
    lum = luminance(s.rgb)[eyes]
    assert float(lum.max()) > 4.0 * float(lum.median())


def _nose_share(focal_m: float, distance_m: float) -> float:
    g = render_geometry(CharacterIR(name="n", seed=1), CameraIR(focal_length_m=focal_m,
                                                                  distance_m=distance_m), 120, 150)
    pos, skin = g.aovs["position"], g.aovs["skin"] > 0.5
    x, y, z = pos[:, 0:1], pos[:, 1:2], pos[:, 2:3]
    nose = skin & (z > 0.028) & (y < 0.0) & (y > -0.062) & (x.abs() < 0.025)
    face = skin & (y < 0.06) & (y > -0.12)
    return float(nose.sum()) / float(face.sum())


def test_wide_lens_close_up_enlarges_the_nose():
    # equal framing: 36 mm of sensor covers ~0.32 m at the eyes in both
    tele = _nose_share(0.085, 0.75)
    wide = _nose_share(0.024, 0.75 * 24 / 85)
    assert wide > 1.25 * tele


def test_key_light_stays_camera_relative_when_the_camera_orbits():
    ch = CharacterIR(name="k", seed=3)
    right_key = LightIR(name="key", kind="area", azimuth_rad=math.radians(70), distance_m=1.4,
                        size_m=0.3)
    for yaw in (0.0, math.radians(30)):
        cam = CameraIR(distance_m=0.75, yaw_rad=yaw)
        g, s = _render(ch, cam, 64, 80, (right_key,))
        lum = luminance(s.rgb)
        m = g.aovs["skin"] > 0.5
        half = lum.shape[-1] // 2
        left = lum[..., :half][m[..., :half]].mean()
        right = lum[..., half:][m[..., half:]].mean()
        assert right > 1.5 * left


def test_nasolabial_folds_groove_the_cheek_and_deepen_with_age():
    """Beside the mouth the cheek folds in along a line from the nose's wing past the mouth
    corner: crossing it, the bumped normal swings towards the nose, then back (a groove),
    more at 60 than at 20; the forehead has no such fold."""
    ch = CharacterIR(name="f", seed=0)
    m = head_model(ch)
    y = m.lips_center[1] + 0.006
    xs = torch.linspace(0.015, 0.045, 301)
    flat = dict(pores=0.0, fine_lines=0.0, imperfections=0.0, freckles=0.0)

    def swing(age: float, yy: float) -> float:
        pts = torch.stack((xs, torch.full_like(xs, yy), torch.full_like(xs, 0.012)), 1)
        n = torch.tensor([[0.0, 0.0, 1.0]]).expand_as(pts)
        skin = SkinIR(age_years=age, **flat)
        bumped, cavity = skin_bump(pts, n, skin, FaceRegions(m, pts, 0), torch.full_like(xs, 0.3), 0)
        assert float(cavity.max()) == 0.0              # a fold shapes the light; it is no pore
        return float(bumped[:, 0].max() - bumped[:, 0].min())

    young, old = swing(20, y), swing(60, y)
    assert young > 0.05 and old > 1.4 * young
    assert swing(60, 0.045) < 1e-6                     # forehead height: nothing
