"""The scanned head through mesh → geometry → shade: what a user sees in small renders."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.scene import scene_frame, scene_of
from shotspec.runtime.head.shade import shade

W, H = 96, 120
CAMERA = CameraIR(distance_m=0.6)
KEY = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(45),
              elevation_rad=math.radians(30), distance_m=1.4, size_m=0.4, temperature_k=5600)


def render(character: CharacterIR, camera: CameraIR = CAMERA, lights=(KEY,), size=(W, H)):
    scene = build_scene(character, camera)
    geo = render_geometry(scene, camera, *size, character=character)
    return scene, geo, shade(geo, scene, character, list(lights), camera)


@pytest.fixture(scope="module")
def default():
    return render(CharacterIR(name="a", seed=5))


def test_the_same_seed_renders_identical_pixels(default):
    again = render(CharacterIR(name="a", seed=5))
    assert torch.equal(default[2].rgb, again[2].rgb)


def test_two_seeds_are_two_people(default):
    other = render(CharacterIR(name="b", seed=6))
    a, b = default[1].aovs["alpha"], other[1].aovs["alpha"]
    # different head outlines: a few percent of the frame changes coverage
    assert float((a - b).abs().mean()) > 0.01
    assert not torch.equal(default[2].rgb, other[2].rgb)


def test_the_mesh_frame_round_trips_the_scene(default):
    scene = default[0]
    back = scene_of(scene_frame(scene))
    for name in ("vertices", "rest", "normals", "faces", "material", "corneas", "landmarks"):
        assert torch.equal(getattr(scene, name), getattr(back, name))
    assert back.attr_names == scene.attr_names


def test_the_face_fills_a_closeup_and_the_eyes_are_seen(default):
    _, geo, frame = default
    alpha = geo.aovs["alpha"]
    assert 0.25 < float(alpha.mean()) < 0.8
    assert float(geo.aovs["eyes"].sum()) > 20          # both eyes show some pixels
    assert torch.isfinite(frame.rgb).all() and float(frame.rgb.min()) >= 0.0


def test_focus_targets_are_measured_on_the_mesh(default):
    meta = default[1].meta
    eyes, nose = meta.target_depth("eyes"), meta.target_depth("nose")
    assert eyes == pytest.approx(CAMERA.distance_m, abs=0.01)
    assert 0.015 < eyes - nose < 0.05                     # the nose tip is 1.5–5 cm nearer


def test_a_lighting_edit_needs_no_new_geometry(default):
    scene, geo, frame = default
    warm = KEY.model_copy(update={"temperature_k": 3200})
    relit = shade(geo, scene, CharacterIR(name="a", seed=5), [warm], CAMERA)
    skin = geo.aovs["skin"][0, 0] > 0.99
    ratio = relit.rgb[0, 0][skin].mean() / relit.rgb[0, 2][skin].mean()
    base = frame.rgb[0, 0][skin].mean() / frame.rgb[0, 2][skin].mean()
    assert float(ratio) > float(base) * 1.2             # warmer light, redder skin


def test_the_key_casts_a_shadow_of_the_nose(default):
    """The loop key (camera-right, above) darkens the skin below and left of the nose tip."""
    scene, geo, frame = default
    cam = PinholeCamera.from_ir(CAMERA, W, H)
    tip = scene.landmarks[30]
    rel = [float(tip[i]) - cam.origin[i] for i in range(3)]
    z = -sum(rel[i] * cam.back[i] for i in range(3))
    x = W / 2 + cam.focal_px * sum(rel[i] * cam.right[i] for i in range(3)) / z
    y = H / 2 - cam.focal_px * sum(rel[i] * cam.up[i] for i in range(3)) / z
    lum = frame.rgb[0].mean(0)
    shadow_side = float(lum[int(y) + 2: int(y) + 5, int(x) - 4: int(x) - 1].mean())
    lit_side = float(lum[int(y) + 2: int(y) + 5, int(x) + 2: int(x) + 5].mean())
    assert shadow_side < 0.8 * lit_side


def test_a_smile_moves_the_rendered_mouth_corners_up():
    plain = build_scene(CharacterIR(name="a", seed=5), CAMERA)
    smile = build_scene(CharacterIR(name="a", seed=5, expression=(("mouthSmile_L", 1.0),
                                                                    ("mouthSmile_R", 1.0))), CAMERA)
    up_mm = (smile.landmarks[[48, 54], 1] - plain.landmarks[[48, 54], 1]) * 1000
    assert bool((up_mm > 6.0).all())


def test_gaze_at_the_lens_points_both_eyes_at_the_camera(default):
    scene = default[0]
    origin = torch.tensor(PinholeCamera.from_ir(CAMERA, W, H).origin)
    for centre, axis in zip(scene.eye_centres, scene.eye_axes):
        to_cam = torch.nn.functional.normalize(origin - centre, dim=0)
        assert math.degrees(math.acos(min(1.0, float(axis @ to_cam)))) < 2.0


def _projected(scene, camera: CameraIR) -> torch.Tensor:
    cam = PinholeCamera.from_ir(camera, W, H)
    rel = scene.landmarks - torch.tensor(cam.origin)
    x = rel @ torch.tensor(cam.right)
    y = rel @ torch.tensor(cam.up)
    z = -(rel @ torch.tensor(cam.back))
    return torch.stack((cam.focal_px * x / z, cam.focal_px * y / z), 1)


def test_a_wide_lens_up_close_enlarges_the_nose_against_the_face():
    """Perspective is real: at 24 mm from 25 cm the nose (nearer) grows against the face's
    width (the jaw sits further back) compared with an 85 mm portrait from 90 cm."""
    character = CharacterIR(name="a", seed=5)
    ratios = []
    for lens, dist in ((0.024, 0.25), (0.085, 0.9)):
        camera = CameraIR(focal_length_m=lens, distance_m=dist)
        p = _projected(build_scene(character, camera), camera)
        nose = (p[35] - p[31]).norm()
        face = (p[16] - p[0]).norm()
        ratios.append(float(nose / face))
    assert ratios[0] > 1.10 * ratios[1]


@pytest.mark.parametrize("lens_m,distance_m,yaw_deg,pitch_deg", [
    (0.085, 0.75, 0, 0), (0.050, 1.2, 35, 10), (0.035, 0.9, -60, -20), (0.135, 2.0, 90, 25)])
def test_no_pixel_of_the_neck_cut_shows(lens_m, distance_m, yaw_deg, pitch_deg):
    """The kit's mesh ends in an open cut at the bottom of the neck; the garment hides it from
    every camera the lints allow. No triangle touching the cut is the nearest at any sample."""
    from shotspec.runtime.head.model import load_head
    from shotspec.runtime.head.raster import rasterize
    from shotspec.runtime.head.wardrobe import neck_cut_loop

    camera = CameraIR(focal_length_m=lens_m, distance_m=distance_m,
                      yaw_rad=math.radians(yaw_deg), pitch_rad=math.radians(pitch_deg))
    scene = build_scene(CharacterIR(name="a", seed=11), camera)
    cut = torch.zeros(scene.vertices.shape[0], dtype=torch.bool)
    cut[neck_cut_loop(load_head())] = True
    raster = rasterize(scene.vertices, scene.faces, PinholeCamera.from_ir(camera, 256, 320),
                       256, 320, ss=2)
    seen = torch.unique(raster.face_id[raster.face_id >= 0])
    assert seen.numel() > 1000
    assert not bool(cut[scene.faces[seen]].any())


def test_the_hair_shell_covers_the_top_of_the_head(default):
    from shotspec.runtime.head.scene import MATERIALS

    _, geo, _ = default
    hair = geo.aovs["_mat"][0, MATERIALS["hair"]] * geo.aovs["alpha"][0, 0]
    rows = (geo.aovs["alpha"][0, 0] > 0.5).any(dim=1).nonzero()[:, 0]
    top = int(rows[0])
    # the crown (first rows of the head) is hair, the eyes' rows are not
    assert float(hair[top + 1: top + 4].max()) > 0.9
    eyes = geo.aovs["eyes"][0, 0]
    eyes_row = int(eyes.sum(dim=1).argmax())
    cols = (eyes[eyes_row] > 0).nonzero()[:, 0]
    # between the eyes and across them no hair (sideburns may reach this height further out)
    assert float(hair[eyes_row, int(cols[0]): int(cols[-1]) + 1].max()) < 0.05


def test_skin_transmittance_is_red_and_falls_with_thickness():
    from shotspec.runtime.head.sss import transmittance

    t = transmittance(torch.tensor([0.0, 0.5, 1.0, 2.0, 4.0]))
    assert torch.allclose(t[0], torch.ones(3))
    assert bool((t[1:, 0] > t[1:, 1]).all() and (t[1:, 1] >= t[1:, 2]).all())   # red passes
    assert bool((t[1:] <= t[:-1]).all())


def test_a_light_behind_the_head_shines_red_through_the_ears():
    from shotspec.runtime.head.build import ATTRS
    from shotspec.runtime.head.regions import REGIONS

    back = LightIR(name="rim", kind="spot", azimuth_rad=math.radians(165),
                   elevation_rad=math.radians(5), distance_m=1.2, size_m=0.1, cone_rad=0.6)
    scene, geo, frame = render(CharacterIR(name="a", seed=5), lights=(back,), size=(192, 240))
    ears = geo.aovs["_attrs"][0, ATTRS.index("ears")] * geo.aovs["skin"][0, 0]
    assert REGIONS.index("ears") == ATTRS.index("ears")
    sel = ears > 0.8
    assert int(sel.sum()) > 10
    rgb = frame.rgb[0][:, sel]
    assert float(rgb[0].mean()) > 2.0 * float(rgb[2].mean())        # the glow is red
    # the thin rims glow (the thick concha hardly passes light, the far ear is behind the skull)
    assert float(torch.quantile(rgb[0], 0.99)) > 0.01
