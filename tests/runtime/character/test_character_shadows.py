"""Soft shadows on the procedural head: softness follows the light's size, and the one-ray
penumbra estimate agrees with many hard rays to points on the light."""

from __future__ import annotations

import math

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.runtime.character import render_geometry
from shotspec.runtime.character.camera import PinholeCamera
from shotspec.runtime.character.geometry import head_model
from shotspec.runtime.character.lights import rig, soft_shadow
from shotspec.runtime.character.trace import baked_grid

CAM = CameraIR(distance_m=0.75)
CHARACTER = CharacterIR(name="s", seed=3)


def _skin_points(light: LightIR):
    """Skin points facing ``light`` (object space), their geometric normals, the light."""
    g = render_geometry(CHARACTER, CAM, 96, 120)
    model = head_model(CHARACTER)
    rot = PinholeCamera.from_ir(CAM, 96, 120).rotation("cpu")

    def flat(t):
        return t[0].reshape(t.shape[1], -1).T

    skin = flat(g.aovs["skin"])[:, 0] > 0.5
    p, ng = flat(g.aovs["position"])[skin], flat(g.aovs["_ngeo"])[skin] @ rot.T
    key = rig([light], CAM)[0]
    to_light = torch.tensor(key.position) - p
    facing = (ng * to_light).sum(1) > 0.05
    return model, p[facing], ng[facing], key


def _visibility(light: LightIR) -> torch.Tensor:
    model, p, ng, key = _skin_points(light)
    lv = torch.tensor(key.position) - p
    d = lv.norm(dim=1)
    return soft_shadow(baked_grid(model, "cpu"), p, ng, lv / d[:, None], d, key.angular_radius,
                       exact=model.head_distance)


def _key(size_m: float) -> LightIR:
    # loop-style key: the nose and brow cast penumbrae onto cheek and lids
    return LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(40),
                   elevation_rad=math.radians(30), distance_m=1.4, size_m=size_m)


def test_a_bigger_light_gives_wider_penumbrae():
    small, big = _visibility(_key(0.08)), _visibility(_key(0.8))

    def penumbra(v):
        return int(((v > 0.05) & (v < 0.95)).sum())

    assert penumbra(big) > 2.0 * penumbra(small) > 0


def test_penumbra_estimate_matches_many_hard_rays():
    light = _key(0.6)
    model, p, ng, key = _skin_points(light)
    grid = baked_grid(model, "cpu")
    est = _visibility(light)
    # reference: the fraction of 24 hard rays (stratified over the light's disk) that get through
    lpos, axis = torch.tensor(key.position), torch.tensor(key.direction)
    e1 = torch.nn.functional.normalize(torch.linalg.cross(axis, torch.tensor([0.0, 1.0, 0.0])), dim=0)
    e2 = torch.linalg.cross(axis, e1)
    radius = math.tan(key.angular_radius) * key.distance_m
    hits = torch.zeros_like(est)
    rays = 24
    for i in range(rays):
        r, th = radius * math.sqrt((i + 0.5) / rays), i * 2.39996
        lv = lpos + e1 * r * math.cos(th) + e2 * r * math.sin(th) - p
        d = lv.norm(dim=1)
        hits += (soft_shadow(grid, p, ng, lv / d[:, None], d, 0.004, exact=model.head_distance) > 0.5).float()
    ref = hits / rays
    half = (ref > 0.3) & (ref < 0.7)
    assert int(half.sum()) >= 10                        # the rig does cast penumbrae on the face
    assert abs(float(est[half].mean() - ref[half].mean())) < 0.08
    lit, dark = ref > 0.97, ref < 0.03
    assert float(est[lit].mean()) > 0.95 and float(est[dark].mean()) < 0.1
