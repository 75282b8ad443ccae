"""The eyes at a tight crop: catchlights, iris parallax under the cornea, pupil, iris colour,
the sclera's vessels, the lid terms — measured on small renders of the scanned head."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CameraIR, CharacterIR, EyesIR, GazeIR, LightIR
from shotspec.compiler.tables import EYE_COLORS
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.eye_optics import (CORNEA_INDEX, IRIS_DEPTH_MM, EyeFrames,
                                              apparent_pupil_shift_mm, eye_frames, trace_cornea)
from shotspec.runtime.head.eye_lids import band_share
from shotspec.runtime.head.eye_pupil import pupil_for_rig, unified_pupil_mm
from shotspec.runtime.head.eye_shading import eye_look, eye_surface
from shotspec.runtime.head.groom_lashes import LashLine
from shotspec.runtime.head.lights import rig
from shotspec.runtime.head.materials import pixel_materials
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.shade import shade

S = 288
CAMERA = CameraIR(focal_length_m=0.2, distance_m=0.5)      # ~0.31 mm a pixel at the eyes


def _light(size_m: float, elevation_deg: float = -10.0, intensity: float = 1.0) -> LightIR:
    return LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(10),
                   elevation_rad=math.radians(elevation_deg), distance_m=1.2, size_m=size_m,
                   intensity=intensity)


def _character(**eyes) -> CharacterIR:
    return CharacterIR(name="a", seed=5, eyes=EyesIR(**eyes))


@pytest.fixture(scope="module")
def front():
    """Scene and geometry with the eyes at the lens."""
    ch = _character()
    scene = build_scene(ch, CAMERA)
    return scene, render_geometry(scene, CAMERA, S, S, character=ch)


@pytest.fixture(scope="module")
def turned():
    """The same head with the eyes turned 22° to camera-right and 12° down (the whole pupil
    below the upper lid)."""
    ch = _character().model_copy(update={"gaze": GazeIR(
        target="direction", yaw_rad=math.radians(22.0), pitch_rad=math.radians(-12.0))})
    scene = build_scene(ch, CAMERA)
    return scene, render_geometry(scene, CAMERA, S, S, character=ch), ch


def _surface(scene, geo, ch, lights=()):
    idx = (geo.aovs["alpha"][0, 0].reshape(-1) > 0).nonzero()[:, 0]
    cam = PinholeCamera.from_ir(CAMERA, S, S)
    look = eye_look(scene, cam, rig(list(lights), CAMERA), ch)
    return idx, eye_surface(geo, scene, idx, ch, look), look


def _luminance(rgb: torch.Tensor) -> torch.Tensor:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def _project(point: torch.Tensor) -> tuple[float, float, float]:
    """Pixel x, y of a world point and the mm a pixel spans at its depth."""
    cam = PinholeCamera.from_ir(CAMERA, S, S)
    d = point.double() - torch.tensor(cam.origin, dtype=torch.float64)
    z = -float(d @ torch.tensor(cam.back, dtype=torch.float64))
    x = float(d @ torch.tensor(cam.right, dtype=torch.float64)) / z * cam.focal_px + S / 2
    y = S / 2 - float(d @ torch.tensor(cam.up, dtype=torch.float64)) / z * cam.focal_px
    return x, y, 1000.0 * z / cam.focal_px


def _catchlight(scene, geo, ch, light) -> torch.Tensor:
    """(S, S) the pixels of the cornea that carry the light's mirror reflection: what the
    render shows beyond the iris's diffuse light (its albedo × the irradiance over the
    cornea, the median ratio of the two) is over 0.1 (the iris itself is ~0.05)."""
    frame = shade(geo, scene, ch, [light], CAMERA)
    idx, surface, _ = _surface(scene, geo, ch, [light])
    lum = _luminance(frame.rgb[0]).reshape(-1)[idx]
    albedo = _luminance(frame.aovs["albedo"][0]).reshape(-1)[idx].clamp_min(1e-3)
    cornea = surface.cap > 0.99
    irradiance = (lum[cornea] / albedo[cornea]).median()
    bright = cornea & (lum - albedo * irradiance > 0.1)
    out = torch.zeros(S * S, dtype=torch.bool)
    out[idx[bright]] = True
    return out.reshape(S, S)


def test_each_eye_has_a_catchlight_that_grows_with_the_light(front):
    scene, geo = front
    ch = _character()
    counts = []
    for size in (0.15, 0.6):
        bright = _catchlight(scene, geo, ch, _light(size))
        halves = (int(bright[:, : S // 2].sum()), int(bright[:, S // 2:].sum()))
        assert min(halves) >= 1, halves
        counts.append(sum(halves))
    # a softbox 4× the size: about 16× the area (the lids clip part of the larger one)
    assert counts[1] > 5 * counts[0], counts


def test_a_softbox_catchlight_is_square_and_a_bulb_round(front):
    scene, geo = front
    ch = _character()
    box = _light(0.6)
    bulb = box.model_copy(update={"kind": "point"})
    fill = []
    for light in (box, bulb):
        bright = _catchlight(scene, geo, ch, light)
        bright[:, : S // 2] = False                       # the eye on the right of the frame
        ys, xs = bright.nonzero(as_tuple=True)
        bbox = (int(ys.max() - ys.min()) + 1) * (int(xs.max() - xs.min()) + 1)
        fill.append(int(bright.sum()) / bbox)
    # a square fills its bounding box, a disc π/4 of it
    assert fill[0] > fill[1] + 0.05, fill


def test_the_refraction_model_matches_a_traced_ray():
    frames = EyeFrames(
        cornea_centre=torch.zeros(2, 3, dtype=torch.float64),
        cornea_radius=torch.full((2,), 0.0088, dtype=torch.float64),
        limbus_radius=torch.full((2,), 0.00585, dtype=torch.float64),
        axis=torch.tensor([[0.0, 0.0, 1.0]] * 2, dtype=torch.float64),
        globe_centre=torch.tensor([[0.0, 0.0, -0.005], [0.5, 0.0, -0.005]], dtype=torch.float64),
        apex=torch.tensor([[0.0, 0.0, 0.0088]] * 2, dtype=torch.float64),
        iris_centre=torch.tensor([[0.0, 0.0, 0.0088 - IRIS_DEPTH_MM * 1e-3]] * 2,
                                 dtype=torch.float64),
        e1=torch.tensor([[1.0, 0.0, 0.0]] * 2, dtype=torch.float64),
        e2=torch.tensor([[0.0, 1.0, 0.0]] * 2, dtype=torch.float64))
    for deg in (5.0, 15.0, 25.0):
        t = math.radians(deg)
        view = torch.tensor([math.sin(t), 0.0, math.cos(t)], dtype=torch.float64)
        across = torch.tensor([math.cos(t), 0.0, -math.sin(t)], dtype=torch.float64)
        far = 10.0 * view                                     # a distant camera
        lo, hi = -0.004, 0.004                                # lateral offsets, m
        for _ in range(60):                                   # the ray that lands on the pupil
            mid = 0.5 * (lo + hi)
            hit = trace_cornea(frames, far, (mid * across)[None])
            if float(hit.iris_mm[0, 0]) > 0:
                hi = mid
            else:
                lo = mid
        apex_offset = float(frames.apex[0] @ across)
        traced_mm = (mid - apex_offset) * 1e3
        model = apparent_pupil_shift_mm(t, 8.8)
        assert traced_mm == pytest.approx(model, rel=0.06, abs=0.01), deg
        # refraction makes the iris look shallower than it is
        assert traced_mm < IRIS_DEPTH_MM * math.sin(t)
    assert CORNEA_INDEX == pytest.approx(1.376)


def test_the_iris_shows_parallax_by_the_refraction_models_amount(front, turned):
    """The pupil's centre seen from θ off the eye's axis sits ``apparent_pupil_shift_mm(θ)``
    from the corneal apex across the line of sight (2.7 mm · sin θ without refraction)."""
    cam = PinholeCamera.from_ir(CAMERA, S, S)
    for (scene, geo, *_), turned_eye in ((front, False), (turned, True)):
        idx, surface, _ = _surface(scene, geo, _character())
        fr = eye_frames(scene.corneas, scene.eye_axes, scene.eye_centres)
        # the subject's right eye (the frame's left half): well inside the frame either way
        x, y = (idx % S).double(), (idx // S).double()
        mine = (surface.pupil > 0.5) & (x < S / 2)
        assert int(mine.sum()) >= 8
        ax, ay, mm_px = _project(fr.apex[1])
        measured = math.hypot(float(x[mine].mean()) + 0.5 - ax,
                              float(y[mine].mean()) + 0.5 - ay) * mm_px
        to_cam = F.normalize(torch.tensor(cam.origin) - fr.apex[1], dim=0)
        theta = math.acos(float(fr.axis[1] @ to_cam))
        model = apparent_pupil_shift_mm(theta, float(fr.cornea_radius[1]) * 1e3)
        straight = IRIS_DEPTH_MM * math.sin(theta)
        if not turned_eye:
            # looking at the lens: centred across (the upper lid hides the pupil's top half)
            across = abs(float(x[mine].mean()) + 0.5 - ax) * mm_px
            assert theta < math.radians(6) and across < 0.2
            continue
        assert theta > math.radians(15)
        assert measured == pytest.approx(model, abs=0.12), (measured, model)
        assert straight - measured > 0.15                # shallower than the unrefracted iris


def test_the_pupil_follows_the_light_or_the_spec(front):
    scene, geo = front
    apexes = scene.corneas[:, :3] + scene.corneas[:, 3:4] * scene.eye_axes
    dim, bright = (pupil_for_rig(rig([_light(0.6, 20.0, k)], CAMERA), apexes, scene.eye_axes,
                                 35.0, None) for k in (0.1, 8.0))
    assert 2.0 <= bright < dim <= 8.0 and dim - bright > 1.0
    assert pupil_for_rig([], apexes, scene.eye_axes, 35.0, 0.0055) == pytest.approx(5.5)
    # Watson & Yellott: about 7.5 mm in the dark, ~2.5 mm in a bright office, smaller when older
    assert unified_pupil_mm(0.0) > 7.3 and 2.0 < unified_pupil_mm(1000.0) < 3.0
    assert unified_pupil_mm(30.0, 70.0) < unified_pupil_mm(30.0, 25.0)
    with pytest.raises(ValueError, match="lux"):
        unified_pupil_mm(-1.0)
    # in the render: the pupil's pixels scale with its area
    areas = []
    for mm in (3.0, 6.0):
        _, surface, _ = _surface(scene, geo, _character(pupil_m=mm / 1000.0))
        areas.append(float(surface.pupil.sum()))
    assert 2.8 < areas[1] / areas[0] < 5.0, areas


def _hue_deg(rgb: torch.Tensor) -> float:
    """CIELAB hue angle (degrees) of a mean linear sRGB colour (3,)."""
    m = torch.tensor([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                      [0.0193, 0.1192, 0.9505]], dtype=torch.float64)
    xyz = m @ rgb.double() / torch.tensor([0.9505, 1.0, 1.089], dtype=torch.float64)
    f = torch.where(xyz > 0.008856, xyz ** (1 / 3), 7.787 * xyz + 16 / 116)
    a, b = 500 * (f[0] - f[1]), 200 * (f[1] - f[2])
    return math.degrees(math.atan2(float(b), float(a))) % 360.0


@pytest.mark.parametrize("name", ["blue", "brown", "green"])
def test_the_iris_takes_the_specs_colour(front, name):
    scene, geo = front
    ch = _character(iris_srgb=EYE_COLORS[name])
    _, surface, _ = _surface(scene, geo, ch)
    iris = (surface.cap > 0.99) & (surface.pupil < 0.01)
    assert int(iris.sum()) > 100
    got = _hue_deg(surface.albedo[iris].mean(0))
    want = _hue_deg(torch.tensor(EYE_COLORS[name]) ** 2.2)
    assert abs((got - want + 180.0) % 360.0 - 180.0) < 25.0, (got, want)


def test_the_sclera_is_not_uniform_and_has_red_vessels(front):
    scene, geo = front
    ch = _character(redness=0.6)
    rgb = shade(geo, scene, ch, [_light(0.6, 20.0)], CAMERA).rgb[0]
    idx, surface, _ = _surface(scene, geo, ch)
    eye = geo.aovs["eyes"][0, 0].reshape(-1)[idx]
    sclera = (eye > 0.99) & (surface.cap == 0)
    lum = _luminance(rgb.reshape(3, -1)[:, idx][:, sclera]).clamp_min(1e-4)
    assert float(lum.log().std()) > 0.08
    vessels = surface.veins[sclera] > 0.15
    assert int(vessels.sum()) >= 5
    rg = surface.albedo[sclera][:, 0] / surface.albedo[sclera][:, 1]
    assert float(rg[vessels].mean()) > float(rg[~vessels].mean()) + 0.1
    # fewer where the spec asks for a clear eye
    _, clear, _ = _surface(scene, geo, _character(redness=0.0))
    assert float(clear.veins.max()) == 0.0


def test_the_upper_lid_shades_the_eye_and_the_lower_lid_has_a_tear_line(front):
    scene, geo = front
    idx, surface, _ = _surface(scene, geo, _character())
    eye = geo.aovs["eyes"][0, 0].reshape(-1)[idx] > 0.99
    row = (idx // S).double()
    occ = surface.lids.occlusion
    for half in (idx % S < S // 2, idx % S >= S // 2):
        m = eye & half
        top, bottom = row[m].min(), row[m].max()
        near_top = m & (row <= top + 1)
        middle = m & ((row - 0.5 * (top + bottom)).abs() <= 1)
        assert float(occ[near_top].mean()) < float(occ[middle].mean()) - 0.2
    assert int((surface.lids.tear > 0.3).sum()) >= 10
    assert float(surface.lids.margin.max()) > 0.9 and float(surface.lids.caruncle.max()) > 0.5


def test_the_eyes_are_deterministic_per_seed_and_differ_between_seeds(front):
    scene, geo = front
    a = shade(geo, scene, _character(), [_light(0.6)], CAMERA).rgb
    b = shade(geo, scene, _character(), [_light(0.6)], CAMERA).rgb
    assert torch.equal(a, b)
    _, s5, _ = _surface(scene, geo, _character(iris_srgb=EYE_COLORS["hazel"]))
    other = _character(iris_srgb=EYE_COLORS["hazel"]).model_copy(update={"seed": 6})
    _, s6, _ = _surface(scene, geo, other)
    iris = (s5.cap > 0.99) & (s5.pupil < 0.01)
    assert float((s5.albedo[iris] - s6.albedo[iris]).abs().mean()) > 0.005


@pytest.mark.parametrize("mm_px", [0.2, 0.8, 2.0])
def test_the_lash_line_band_covers_its_width_at_any_pixel_size(mm_px):
    rows = torch.arange(1, 12, dtype=torch.float64)
    share = band_share(rows, torch.full_like(rows, mm_px), (0.0, 0.9))
    assert float((share * mm_px).sum()) == pytest.approx(0.9, abs=1e-9)
    lower = band_share(rows, torch.full_like(rows, mm_px), (0.8, 1.15))
    assert float((lower * mm_px).sum()) == pytest.approx(0.35, abs=1e-9)


def test_the_upper_lash_line_darkens_the_lid_edge_towards_the_lashes_colour(front):
    scene, geo = front
    ch = _character()
    idx = (geo.aovs["alpha"][0, 0].reshape(-1) > 0).nonzero()[:, 0]
    look = eye_look(scene, PinholeCamera.from_ir(CAMERA, S, S), rig([], CAMERA), ch)
    bare = pixel_materials(geo, scene, idx, ch, look)
    black = LashLine(torch.zeros(3), 1.0)
    lined = pixel_materials(geo, scene, idx, ch, look, black)
    line = bare.eyes.lids.lash_line
    skin = geo.aovs["skin"][0, 0].reshape(-1)[idx] > 0.99
    on = (line > 0.9) & skin
    # ~0.9 mm at ~0.31 mm a pixel: a band about three pixels deep along both upper lids
    assert int(on.sum()) > 60
    lum = lambda m: _luminance(m.albedo.T)                       # noqa: E731
    assert float((lum(lined)[on] / lum(bare)[on]).max()) < 0.1
    off = line == 0
    assert torch.equal(lined.albedo[off], bare.albedo[off])
    # the band lies along the lids' edge: each lined pixel has the eye a few pixels below it
    eye = (geo.aovs["eyes"][0, 0] > 0.5)
    ys, xs = idx[on] // S, idx[on] % S
    below = torch.stack([eye[(ys + k).clamp(max=S - 1), xs] for k in range(1, 5)]).any(0)
    assert float(below.float().mean()) > 0.95
