"""Fixtures: renders of the scanned head as reference photos (the closed loop), for the
identity builder's tests (identity/) and the face finder's (faces/).

A "camera" white-balances to the key light (as a photographer's camera would) and encodes
sRGB, like an ordinary photo. The photo set is rendered once per test session (3 poses × 3
lighting rigs at 96×120 px): the mesh and the geometry once per pose, shaded under each rig.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from shotspec.compiler.ir import FACE_PARAMS, CameraIR, CharacterIR, FaceIR, LightIR, SkinIR, ToneIR
from shotspec.compiler.tables import monk_albedo
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.shade import shade
from shotspec.runtime.identity.photos import save_render_as_photo


WIDTH, HEIGHT, DISTANCE_M = 96, 120, 0.45

# camera (yaw, pitch) in radians: frontal, slight turns, three-quarter-ish
POSES = ((0.0, 0.0), (0.10, 0.03), (-0.10, -0.03))


def _rig(az_deg: float, el_deg: float, kelvin: float, intensity: float, fill: float):
    return (LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(az_deg),
                    elevation_rad=math.radians(el_deg), distance_m=1.2, size_m=0.8,
                    temperature_k=kelvin, intensity=intensity),
            LightIR(name="fill", kind="environment", intensity=fill, temperature_k=kelvin))


RIGS = (_rig(25, 20, 5600, 1.0, 0.35), _rig(-30, 25, 5600, 1.0, 0.4), _rig(15, 15, 4300, 1.1, 0.3))


def person(tone: float = 4.0, undertone: str = "warm", redness: float = 0.4,
           eye_spacing: float = -0.5, mouth_width: float = 0.0, jaw_width: float = 0.0,
           freckles: float = 0.0, seed: int = 11) -> CharacterIR:
    face = {k: 0.0 for k in FACE_PARAMS}
    face.update(eye_spacing=eye_spacing, mouth_width=mouth_width, jaw_width=jaw_width)
    return CharacterIR(name="mara", seed=seed, face=FaceIR(**face),
                       skin=SkinIR(tone=ToneIR(value=tone, albedo_srgb=monk_albedo(tone),
                                               undertone=undertone), redness=redness,
                                   freckles=freckles))


save_photo = save_render_as_photo     # linear (1, 3, H, W) → white-balanced 8-bit sRGB PNG


def camera(yaw: float = 0.0, pitch: float = 0.0) -> CameraIR:
    return CameraIR(distance_m=DISTANCE_M, yaw_rad=yaw, pitch_rad=pitch)


def render_geometry_of(character: CharacterIR, cam: CameraIR, width: int = WIDTH,
                       height: int = HEIGHT):
    """The scanned head's scene (mesh node) and geometry frame (geometry node) of ``character``."""
    scene = build_scene(character, cam)
    return scene, render_geometry(scene, cam, width, height, character=character)


def render_set(character: CharacterIR, folder: Path, poses=POSES, rigs=RIGS) -> dict:
    """One photo per (pose, rig): mesh and geometry once per pose, shaded under each rig.
    Returns {"paths": [...], "geometry": first pose's geometry frame, "scene": its mesh (for
    re-lighting)}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths, first = [], None
    for i, (yaw, pitch) in enumerate(poses):
        cam = camera(yaw, pitch)
        scene, geo = render_geometry_of(character, cam)
        first = first or (scene, geo)
        for j, rig in enumerate(rigs):
            frame = shade(geo, scene, character, list(rig), cam)
            path = folder / f"pose{i}_light{j}.png"
            save_photo(frame.rgb, path, white_k=rig[0].temperature_k)
            paths.append(path)
    return {"paths": paths, "scene": first[0], "geometry": first[1]}


TRUTH = dict(tone=4.0, undertone="warm", redness=0.4, eye_spacing=-0.5, mouth_width=0.0,
             jaw_width=0.0, seed=11)


@pytest.fixture(scope="session")
def rendered_photos(tmp_path_factory):
    """The closed-loop photo set of ``person(**TRUTH)`` plus the frontal geometry."""
    folder = tmp_path_factory.mktemp("identity_refs") / "mara"
    out = render_set(person(**TRUTH), folder)
    out["folder"] = folder
    out["character"] = person(**TRUTH)
    out.update(truth=TRUTH, camera=camera, save_photo=save_photo, person=person, rigs=RIGS,
               render_geometry=render_geometry_of)
    return out
