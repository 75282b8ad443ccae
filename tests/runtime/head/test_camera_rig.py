"""The render camera's framing, the camera-relative light rig, the backdrop wall and the seed's
traits (moved here from the procedural head's package, behaviour unchanged)."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.color import luminance, srgb_to_linear
from shotspec.compiler.ir import CameraIR, CharacterIR, EyesIR, LightIR
from shotspec.head_facts import EYE_PLANE_Z
from shotspec.runtime.head.backdrop import WALL_DISTANCE_M, wall_hit, wall_radiance
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.camera import AIM_DROP_M, PinholeCamera
from shotspec.runtime.head.lights import DEFAULT_RIG, rig
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.shade import shade
from shotspec.runtime.head.traits import cloth_albedo, iris_colour, trait_draws


def _pixel(cam: PinholeCamera, point) -> tuple[float, float]:
    p = torch.tensor(point) - torch.tensor(cam.origin)
    x, y, z = cam.to_camera(p[None])[0].tolist()
    return cam.width / 2 + cam.focal_px * x / -z, cam.height / 2 - cam.focal_px * y / -z


def test_the_camera_sits_in_front_of_the_eyes_and_aims_below_them():
    cam = PinholeCamera.from_ir(CameraIR(distance_m=0.75, focal_length_m=0.085), 400, 500)
    assert cam.origin == pytest.approx((0.0, 0.0, EYE_PLANE_Z + 0.75))
    # the aim point (AIM_DROP_M below the eyes) is the frame's centre, the eyes sit above it
    assert _pixel(cam, (0.0, -AIM_DROP_M, EYE_PLANE_Z)) == pytest.approx((200.0, 250.0), abs=1e-3)
    assert _pixel(cam, (0.0, 0.0, EYE_PLANE_Z))[1] < 250.0 - 20.0
    # the sensor's width spans the frame: 36 mm at 85 mm → 400 px · 85 / 36
    assert cam.focal_px == pytest.approx(400 * 85 / 36)
    assert cam.film_height_m == pytest.approx(0.036 * 500 / 400)


def test_an_orbit_keeps_the_eyes_at_the_same_distance_and_the_roll_turns_the_frame():
    for yaw, pitch in ((0.5, 0.0), (-0.3, 0.2)):
        cam = PinholeCamera.from_ir(CameraIR(distance_m=0.6, yaw_rad=yaw, pitch_rad=pitch), 64, 80)
        eye = torch.tensor((0.0, 0.0, EYE_PLANE_Z))
        assert float((torch.tensor(cam.origin) - eye).norm()) == pytest.approx(0.6, abs=1e-6)
        assert (cam.origin[0] > 0) == (yaw > 0)
    level = PinholeCamera.from_ir(CameraIR(distance_m=0.6), 64, 80)
    rolled = PinholeCamera.from_ir(CameraIR(distance_m=0.6, roll_rad=math.radians(10)), 64, 80)
    cos = sum(a * b for a, b in zip(level.right, rolled.right))
    assert math.degrees(math.acos(min(1.0, cos))) == pytest.approx(10.0, abs=1e-4)


def test_lights_are_placed_relative_to_the_camera_orbit():
    key = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(70),
                  elevation_rad=math.radians(30), distance_m=1.4, size_m=0.4)
    for yaw in (0.0, math.radians(30), math.radians(-50)):
        camera = CameraIR(distance_m=0.75, yaw_rad=yaw)
        cam = PinholeCamera.from_ir(camera, 64, 80)
        (light,) = rig([key], camera)
        # camera-right and above, whatever the orbit; the direction is a unit vector
        assert sum(d * r for d, r in zip(light.direction, cam.right)) > 0.8
        assert light.direction[1] == pytest.approx(math.sin(math.radians(30)))
        assert math.hypot(*light.direction) == pytest.approx(1.0)
    # the light's apparent size: half of 0.4 m seen from 1.4 m
    assert light.angular_radius == pytest.approx(math.atan(0.2 / 1.4))


def test_an_empty_rig_gets_the_default_key_fill_and_rim():
    lights = rig([], CameraIR())
    assert [light.kind for light in lights] == [light.kind for light in DEFAULT_RIG]
    assert len(lights) == 3 and lights[0].colour != lights[2].colour       # daylight key, warm rim


def test_the_wall_stands_behind_the_head_and_takes_the_lights_tint():
    cam = PinholeCamera.from_ir(CameraIR(distance_m=0.75), 32, 40)
    dirs, cosine = cam.rays("cpu")
    t, normal = wall_hit(cam, dirs)
    depth = t * cosine
    assert float(depth.min()) > 0.75 + WALL_DISTANCE_M * 0.6
    assert float((dirs @ normal).max()) < 0.0                                # it faces the camera
    pts = torch.tensor(cam.origin) + dirs * t[:, None]
    warm = wall_radiance(cam, pts, torch.tensor([1.0, 0.7, 0.4]), seed=3)
    grey = wall_radiance(cam, pts, torch.ones(3), seed=3)
    assert float(warm.min()) >= 0.0 and torch.equal(grey, wall_radiance(cam, pts, torch.ones(3), 3))
    assert torch.allclose(warm, grey * torch.tensor([1.0, 0.7, 0.4]))


def test_trait_streams_are_seeded_and_independent():
    assert trait_draws(7, "iris", 3) == trait_draws(7, "iris", 3)
    assert trait_draws(7, "iris", 3) != trait_draws(8, "iris", 3)
    assert trait_draws(7, "iris", 1) != trait_draws(7, "cloth", 1)
    assert trait_draws(7, "iris", 2)[:1] == trait_draws(7, "iris", 1)
    given = CharacterIR(name="b", seed=1, eyes=EyesIR(iris_srgb=(0.32, 0.45, 0.60)))
    assert torch.allclose(iris_colour(given, "cpu"), srgb_to_linear(torch.tensor([0.32, 0.45, 0.60])))
    # drawn irises and garments: a few distinct colours across seeds, dark fabrics
    irises = {tuple(iris_colour(CharacterIR(name="a", seed=s), "cpu").tolist()) for s in range(40)}
    cloths = torch.stack([cloth_albedo(s, "cpu") for s in range(40)])
    assert len(irises) >= 4 and float(cloths.max()) <= 0.11


def test_a_key_from_camera_right_lights_the_right_half_at_any_orbit():
    character = CharacterIR(name="k", seed=3)
    key = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(70),
                  distance_m=1.4, size_m=0.3)
    for yaw in (0.0, math.radians(30)):
        camera = CameraIR(distance_m=0.75, yaw_rad=yaw)
        scene = build_scene(character, camera)
        geo = render_geometry(scene, camera, 48, 60, character=character)
        lum = luminance(shade(geo, scene, character, [key], camera).rgb)
        skin = geo.aovs["skin"] > 0.5
        left, right = lum[..., :24][skin[..., :24]].mean(), lum[..., 24:][skin[..., 24:]].mean()
        assert right > 1.5 * left, (yaw, float(left), float(right))


@pytest.mark.parametrize("lens_mm,distance_m,pitch_deg", [(85, 0.75, 0), (85, 3.0, 0), (50, 1.5, 20),
                                                          (24, 0.4, -15)])
def test_the_w115_framing_bound_is_where_the_camera_sees_the_chest_plane(lens_mm, distance_m, pitch_deg):
    """The lint's frame bottom (compiler, no torch) is the renderer camera's own: the bottom
    centre pixel's ray meets the plane z = 0 at that height."""
    import math

    import torch

    from shotspec.compiler import compile_source
    from shotspec.compiler.lints import frame_bottom_m

    src = (f"shot s {{ camera {{ lens {lens_mm}mm; distance {distance_m}m; pitch {pitch_deg}deg }}"
           f' output "o.png" {{ size 800x1000 }} }}')
    shot = compile_source(src, "/tmp/w115.shot", check_outputs=False).program.shots[0]
    cam = PinholeCamera.from_ir(shot.camera, 800, 1000)
    dirs, _ = cam.rays_at(torch.tensor([400.0]), torch.tensor([1000.0]))
    o = torch.tensor(cam.origin)
    t = -o[2] / dirs[0, 2]
    assert frame_bottom_m(shot) == pytest.approx(float(o[1] + t * dirs[0, 1]), abs=1e-4)
    assert math.isfinite(frame_bottom_m(shot))
