"""What gives a CG head away in a close-up, measured: staring eyes (sclera above the iris,
irises off-centre), beige plaster skin, and flat frontal modelling under the loop preset."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from shotspec.compiler import compile_file
from shotspec.compiler.ir import CameraIR, CharacterIR, SkinIR, ToneIR
from shotspec.compiler.tables import monk_albedo
from shotspec.runtime.character import render_geometry, shade
from shotspec.runtime.character.camera import PinholeCamera
from shotspec.runtime.character.eyes import CORNEA_F0, IRIS_RADIUS_M, eye_albedo
from shotspec.runtime.character.geometry import head_model, trace_rays
from shotspec.runtime.character.sdf import REGION
from shotspec.runtime.character.shading import _catchlight
from shotspec.runtime.character.skin import skin_albedo
from shotspec.runtime.character.regions import FaceRegions
from shotspec.color import luminance

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = CharacterIR(name="d", seed=0)
STEP = 0.0002                                   # 0.2 mm between rays on the eye plane


def _eye_samples(side: int):
    """Trace a 0.2 mm grid of rays from the default camera through one eye's region; the
    object-space points that hit the eye, their iris weight, and the eye's centre x."""
    model = head_model(DEFAULT)
    # a frame whose pixels are 0.2 mm at the eyes, so the march resolves that finely
    cam = PinholeCamera.from_ir(CameraIR(distance_m=0.75), 1600, 2000)
    ex = side * model.eye_x
    xs = torch.arange(ex - 0.017, ex + 0.017, STEP)
    ys = torch.arange(-0.009, 0.009, STEP)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    target = torch.stack((gx.reshape(-1), gy.reshape(-1), torch.full_like(gx.reshape(-1), 0.012)), 1)
    d = torch.nn.functional.normalize(target - torch.tensor(cam.origin), dim=1)
    r = trace_rays(model, DEFAULT, cam, d)
    hit = r["region"] == REGION["eye"]
    pts = r["pos"][hit]
    _, iris = eye_albedo(DEFAULT, model, pts)
    return pts, iris, ex


def test_relaxed_lids_cover_the_iris_top_and_frame_it_centred():
    for side in (-1, 1):
        pts, iris, ex = _eye_samples(side)
        x, y = pts[:, 0], pts[:, 1]
        on_iris = iris > 0.5
        iris_x = float(x[on_iris].mean())
        # the upper lid crosses the iris 1–2 mm below its top (no sclera above it: no stare);
        # the lower lid meets the iris bottom, covering at most ~1 mm of it
        column = (x - iris_x).abs() < 0.0015
        top, bottom = float(y[column].max()), float(y[column].min())
        assert 0.0009 <= IRIS_RADIUS_M - top <= 0.0021, top
        assert 0.0 <= bottom + IRIS_RADIUS_M <= 0.0012, bottom
        assert int((column & ~on_iris & (y > 0.003)).sum()) == 0
        # an almond opening about twice as wide as tall, the iris in its middle (both eyes
        # aim at the lens together, not crossed)
        width, height = float(x.max() - x.min()), top - bottom
        assert width > 2.0 * height, (width, height)
        centre = 0.5 * float(x.max() + x.min())
        assert abs(iris_x - centre) < 0.0007, (side, iris_x - centre)


def _albedo(tone: float, undertone: str = "neutral", redness: float = 0.12):
    ch = CharacterIR(name="t", seed=0, skin=SkinIR(
        tone=ToneIR(value=tone, albedo_srgb=monk_albedo(tone), undertone=undertone),
        redness=redness, freckles=0.0, imperfections=0.0))
    model = head_model(ch)
    ex = model.eye_x
    tx, ty, tz = model.nose_tip
    # forehead, cheek (the flush), nose tip, under-eye, jaw — points on the surface, found by
    # walking in from the front along z
    probes = torch.tensor([(0.0, 0.045), (ex + 0.012, -0.030), (0.0, ty), (ex, -0.010),
                           (0.045, -0.095)])
    zs = torch.linspace(0.06, -0.06, 1201)
    pts = []
    for px, py in probes.tolist():
        line = torch.stack((torch.full_like(zs, px), torch.full_like(zs, py), zs), 1)
        inside = (model.parts(line, cloth=False)["skin"] < 0).nonzero()[0, 0]
        pts.append(line[inside])
    pts = torch.stack(pts)
    regions = FaceRegions(model, pts, 0)
    return skin_albedo(ch, regions, torch.zeros(5), torch.zeros(5))


def test_skin_albedo_is_skin_coloured_with_flush_and_cooler_hollows():
    forehead, cheek, nose, under, jaw = _albedo(5.0)
    # measured skin keeps green/blue near 1.4 (the swatch used as it was gave ~2: beige plaster)
    assert float(forehead[1] / forehead[2]) < 1.75, forehead.tolist()
    assert 1.6 < float(forehead[0] / forehead[1]) < 2.3, forehead.tolist()
    # cheeks and nose tip redder than the forehead, under-eye and jaw darker and cooler
    ratio = lambda c: float(c[0] / c[1])                       # noqa: E731
    assert ratio(cheek) > 1.08 * ratio(forehead)
    assert ratio(nose) > 1.05 * ratio(forehead)
    for hollow in (under, jaw):
        assert float(hollow.sum()) < 0.97 * float(forehead.sum())
        assert float(hollow[2] / hollow[0]) > float(forehead[2] / forehead[0])
    # Monk tones stay ordered from 3 down (the published 2 and 3 swatches are equally light)
    # and every neighbour pair is told apart (2 and 3 by hue: 3 is the yellower)
    tones = [_albedo(float(t))[0] for t in range(1, 11)]
    lum = [float(luminance(c.view(1, 3, 1, 1))) for c in tones]
    assert all(a > b for a, b in zip(lum[2:], lum[3:])), lum
    for a, b in zip(tones, tones[1:]):
        assert float(((a - b).abs() / a).max()) > 0.08, (a.tolist(), b.tolist())


def _default_shot(width: int, height: int):
    """The embedded close-up's character, traced and shaded under its loop rig at this size:
    (the shot, the geometry frame, the shaded luminance (H, W))."""
    shot = compile_file(ROOT / "src" / "shotspec" / "specs" / "closeup.shot").program.shots[0]
    g = render_geometry(shot.character, shot.camera, width, height)
    s = shade(g, shot.character, list(shot.lights), shot.camera)
    return shot, g, luminance(s.rgb)[0, 0]


def test_loop_preset_models_the_face():
    shot, g, lum = _default_shot(96, 120)
    x, y = g.aovs["position"][0, 0], g.aovs["position"][0, 1]
    skin = (g.aovs["skin"][0, 0] > 0.5) & (g.aovs["brows"][0, 0] < 0.1)
    ex = head_model(shot.character).eye_x

    def cheek(side: int) -> float:
        m = skin & ((x - side * (ex + 0.010)).abs() < 0.010) & ((y + 0.032).abs() < 0.010)
        return float(lum[m].mean())

    # the key is camera-right (+x in the image, the subject's left): that cheek is a clear
    # ~stop brighter than the shadow-side cheek, not a frontal wash
    stops = math.log2(cheek(1) / cheek(-1))
    assert 0.7 < stops < 1.6, stops


def test_catchlight_keeps_the_lights_energy_at_any_pixel_size():
    """The tear film mirrors a light: integrated over reflected directions, its catchlight
    carries the light's whole energy (radiance × solid angle = π for a light of colour 1)
    whether the pixel resolves the disc or smears it, and a point light does not blow up."""
    # reflected directions on a fine polar grid around the light (normal = view = +z, so
    # r = 2(n·v)n − v sweeps as n tilts; here we tilt the light instead and keep r = +z)
    n = torch.tensor([[0.0, 0.0, 1.0]])
    v = n.clone()
    theta = torch.linspace(0.0, 0.8, 8001)
    dtheta = float(theta[1] - theta[0])
    l = torch.stack((torch.sin(theta), torch.zeros_like(theta), torch.cos(theta)), 1)
    for radius in (0.0, 0.05, 0.21):
        for spread in (0.02, 0.1, 0.3):
            c = _catchlight(n.expand_as(l), v.expand_as(l), l, radius, torch.full_like(theta, spread))
            energy = float((c * torch.sin(theta)).sum()) * dtheta * 2 * math.pi / CORNEA_F0
            assert abs(energy - math.pi) < 0.06 * math.pi, (radius, spread, energy)
    # a resolved softbox is a crisp disc: full radiance inside, nothing a spread beyond it
    c = _catchlight(n.expand_as(l), v.expand_as(l), l, 0.21, torch.full_like(theta, 0.02))
    inside, outside = c[theta < 0.18], c[theta > 0.23]
    assert float(inside.min()) > 0.99 * float(c.max()) and float(outside.max()) == 0.0


def test_eyes_show_catchlights_and_no_black_sclera_in_the_default_shot():
    shot, g, lum = _default_shot(256, 320)
    eye = g.aovs["eyes"][0, 0] > 0.5
    x = g.aovs["position"][0, 0]
    ex = head_model(shot.character).eye_x
    skin_p90 = float(lum[g.aovs["skin"][0, 0] > 0.5].quantile(0.9))
    for side in (-1, 1):
        this = eye & ((x - side * ex).abs() < 0.016)
        on_iris = this & ((x - side * ex).abs() < IRIS_RADIUS_M * 0.8)
        # catchlights in both eyes; the key's (camera-right, +x) brighter than the lit skin
        iris = float(lum[on_iris].median())
        assert float(lum[this].max()) > (max(skin_p90, 5 * iris) if side > 0 else 2.5 * iris)
        # the sclera on the side away from the key is shaded, not black: the light the
        # translucent sclera scatters wraps round past the terminator
        dx = (x - side * ex) * side                     # > 0 towards the temple
        nasal = this & (dx < -IRIS_RADIUS_M - 0.001)
        temporal = this & (dx > IRIS_RADIUS_M + 0.001)
        assert int(nasal.sum()) > 3 and int(temporal.sum()) > 3
        lo, hi = sorted((float(lum[nasal].median()), float(lum[temporal].median())))
        assert lo > 0.25 * hi, (side, lo, hi)
