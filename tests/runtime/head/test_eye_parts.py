"""Eye draw lists, iris/pupil masks and cornea spheres of the packaged head."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from shotspec.head_facts import PART_IDS, PARTS
from shotspec.runtime.head.eye_parts import (LIMBUS_RADIUS_MM, SHELL_VERTICES, TRANSLUCENT_PARTS,
                                              catchlight_m, eye_parts)
from shotspec.runtime.head.model import identity_coefficients, pose_head


@pytest.fixture(scope="module")
def parts(head):
    return eye_parts(head)


def _axial(p, eye):
    """Distance along the optical axis from the pupil centre and from the axis line, mm."""
    d = (p - eye.pupil_centre_m).double()
    along = d @ eye.axis.double()
    return along * 1e3, (d - along[:, None] * eye.axis.double()).norm(dim=1) * 1e3


def test_translucent_layers_and_lashes_are_never_in_the_opaque_list(head, parts):
    drawn = head.face_part[parts["opaque_faces"]]
    assert set(drawn.unique().tolist()) == {PART_IDS["eyeball_left"], PART_IDS["eyeball_right"]}
    excluded = set(head.face_part[parts["excluded_faces"]].unique().tolist())
    assert excluded == {PART_IDS[n] for n in TRANSLUCENT_PARTS}
    assert len(parts["excluded_faces"]) == 1224
    # every eyeball triangle is either drawn solid or is the corneal cap
    n_eyeball = int(((head.face_part == PART_IDS["eyeball_left"])
                     | (head.face_part == PART_IDS["eyeball_right"])).sum())
    assert len(parts["opaque_faces"]) + len(parts["cornea_faces"]) == n_eyeball == 6264
    assert 600 <= len(parts["cornea_faces"]) <= 1000


def test_iris_is_a_disc_on_the_optical_axis_through_the_apex(head, parts):
    v = head.neutral
    for side, eye in parts["eyes"].items():
        sign = 1.0 if side == "left" else -1.0
        # the axis points ahead and 5 degrees temporally (the optical axis' angle kappa)
        assert eye.axis[2] > 0.99 and 2.0 < math.degrees(math.asin(sign * eye.axis[0])) < 8.0
        # it passes through the corneal apex
        assert float(_axial(eye.apex_m[None], eye)[1][0]) < 0.3
        mine = v[:, 0].sign() == sign
        along, r = _axial(v, eye)
        iris = (parts["iris"] > 0) & mine
        assert float(r[iris].max()) <= LIMBUS_RADIUS_MM
        # the disc is full: every front vertex of the inner globe within the limbus is iris
        lo = PARTS[PART_IDS[f"eyeball_{side}"]][2][0] + SHELL_VERTICES
        inner = torch.zeros_like(iris)
        inner[lo:lo + 800] = True
        ahead = (v - eye.globe_centre_m).double() @ eye.axis.double() > 0
        front = inner & (r < LIMBUS_RADIUS_MM) & ahead
        assert bool(iris[front].all()) and int(front.sum()) == int(iris.sum()) >= 250
        # 1–3.5 mm of anterior chamber between the iris and the corneal apex
        assert 1.0 < float((eye.apex_m - eye.pupil_centre_m) @ eye.axis) * 1e3 < 3.5


def test_every_eyeball_vertex_has_exactly_one_shading_class(head, parts):
    eyeball = torch.cat([head.part_vertices("eyeball_left"), head.part_vertices("eyeball_right")])
    total = parts["iris"] + parts["sclera"] + parts["interior"]
    assert bool((total <= 1.0).all())
    # the only unclassed eyeball vertices are the corneal cap's (never drawn opaque)
    unclassed = eyeball[total[eyeball] == 0.0]
    cap = torch.unique(head.faces[parts["cornea_faces"]])
    assert bool(torch.isin(unclassed, cap).all()) and 200 < len(unclassed) < 500
    others = torch.ones(len(total), dtype=torch.bool)
    others[eyeball] = False
    assert float(total[others].abs().max()) == 0.0
    # the interior is the far side of the two inner globes only (260 of each one's 800)
    assert 400 < int(parts["interior"].sum()) < 800


@pytest.mark.parametrize("pupil_mm", [2.5, 4.0, 6.0])
def test_pupil_diameter_is_respected_in_mm(head, pupil_mm):
    p = eye_parts(head, pupil_diameter_mm=pupil_mm)
    r = p["axial_radius_mm"]
    pupil, iris = p["pupil"] > 0, p["iris"] > 0
    assert bool((pupil <= iris).all())
    assert float(r[pupil].max()) <= pupil_mm / 2
    ring = iris & ~pupil
    assert float(r[ring].min()) > pupil_mm / 2
    # the mask's edge sits on the requested radius within one vertex ring (≈ 0.25 mm)
    assert float(r[pupil].max()) > pupil_mm / 2 - 0.3
    assert float(r[ring].min()) < pupil_mm / 2 + 0.3
    with pytest.raises(ValueError, match="pupil diameter"):
        eye_parts(head, pupil_diameter_mm=12.0)


def test_cornea_sphere_reflects_a_catchlight_on_the_cornea(head, parts):
    for eye in parts["eyes"].values():
        assert 7.0 < eye.cornea_radius_m * 1e3 < 10.0          # human cornea: 7.8 mm
        # the apex lies on the sphere
        assert abs(float((eye.apex_m - eye.cornea_centre_m).norm()) - eye.cornea_radius_m) < 3e-4
        # a light straight ahead of the eye reflects back at the apex: the sphere's point
        # facing the light is on the corneal cap, inside the limbus
        light = torch.tensor([0.0, 0.0, 1.0])
        hit = eye.cornea_centre_m + eye.cornea_radius_m * light
        assert float(_axial(hit[None], eye)[1][0]) < LIMBUS_RADIUS_MM


def test_catchlights_of_lights_in_front_land_on_the_cornea(head, parts):
    eye = parts["eyes"]["left"]
    camera = (0.0, 0.0, 0.8)
    # a light at the camera reflects where the sphere faces the camera
    p, on = catchlight_m(eye, camera, camera)
    towards = torch.tensor(camera) - eye.cornea_centre_m
    assert on and float(((p - eye.cornea_centre_m) / eye.cornea_radius_m
                         - towards / towards.norm()).norm()) < 1e-5
    # a key 45° to the side and 30° up still lands on the cornea, off-centre towards it
    key = (0.8 * math.sin(math.radians(45)), 0.8 * math.sin(math.radians(30)), 0.8)
    q, on = catchlight_m(eye, key, camera)
    assert on and float(q[0] - p[0]) > 0.001 and float(q[1] - p[1]) > 0.001
    # a rim light behind the head never does
    _, on = catchlight_m(eye, (0.5, 0.3, -1.0), camera)
    assert not on


def test_gaze_turns_the_axis_and_the_masks_travel_with_the_eye(head):
    c = identity_coefficients(head, 7)
    v = pose_head(head, c, gaze_angles_rad=(math.radians(20.0), math.radians(-10.0)))
    p0 = eye_parts(head, pose_head(head, c))
    p = eye_parts(head, v)
    for side in ("left", "right"):
        a0, a = p0["eyes"][side].axis.double(), p["eyes"][side].axis.double()
        turn = math.degrees(math.acos(float(a0 @ a)))
        assert 18.0 < turn < 26.0                       # ≈ sqrt(20² + 10²) = 22.4°
        assert float(a[0] - a0[0]) > 0.25 and float(a[1] - a0[1]) < -0.1
    assert torch.equal(p["iris"], p0["iris"]) and torch.equal(p["pupil"], p0["pupil"])


def test_lash_coverage_is_dense_at_the_lid_and_fades_to_the_tips(head, parts):
    a = parts["lash_alpha"]
    lashes = head.part_vertices("eyelashes_left")
    assert float(a[lashes].max()) == pytest.approx(0.6)
    assert float(a[lashes].min()) < 0.05
    face = head.neutral[head.part_vertices("face")]
    near_mm = torch.cdist(head.neutral[lashes].double(), face.double()).min(1).values * 1e3
    # coverage falls with distance from the skin
    corr = np.corrcoef(near_mm.numpy(), a[lashes].double().numpy())[0, 1]
    assert corr < -0.7
    assert float(a[head.part_vertices("face")].abs().sum()) == 0.0
