"""Small renders framed on the mouth, for the mouth's tests (teeth, tongue, lips).

The render camera always aims just below the eyes (``camera.PinholeCamera``); to frame the
mouth, the posed scene is moved up so the mouth's centre (between the inner-lip landmarks 62
and 66) sits on the camera's aim point. Only world positions move (the rest pose that
carries the texture is untouched), so the pixels are what a long lens on the mouth would see.
"""

from __future__ import annotations

import dataclasses
import math

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.head_facts import AIM_DROP_M
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.scene import MATERIALS, Scene
from shotspec.runtime.head.shade import shade

__all__ = ["MOUTH_CAMERA", "FRONT_KEY", "mouth_scene", "mouth_closeup", "material_mask"]

# a 300 mm lens at 0.45 m: the frame is ~54 mm wide, 4.7 px/mm at 256 px
MOUTH_CAMERA = CameraIR(focal_length_m=0.3, distance_m=0.45)
# a soft key a little above and right of the lens (a beauty light: it reaches into the mouth)
FRONT_KEY = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(20),
                    elevation_rad=math.radians(15), distance_m=1.2, size_m=0.5, temperature_k=5600)
FILL = LightIR(name="fill", kind="environment", intensity=0.15, temperature_k=6500)


def mouth_scene(character: CharacterIR, camera: CameraIR = MOUTH_CAMERA) -> Scene:
    """The character's posed scene moved so its mouth is at the camera's aim point."""
    scene = build_scene(character, camera)
    mouth = 0.5 * (scene.landmarks[62] + scene.landmarks[66])
    shift = torch.tensor([-float(mouth[0]), -AIM_DROP_M - float(mouth[1]), 0.0],
                         device=scene.vertices.device)
    corneas = scene.corneas.clone()
    corneas[:, :3] += shift
    return dataclasses.replace(scene, vertices=scene.vertices + shift, corneas=corneas,
                               eye_centres=scene.eye_centres + shift,
                               landmarks=scene.landmarks + shift)


def mouth_closeup(character: CharacterIR, size: tuple[int, int] = (256, 160),
                  lights=(FRONT_KEY, FILL), camera: CameraIR = MOUTH_CAMERA):
    """(scene, geometry frame, shaded frame) of the mouth at ``size`` (width, height) px."""
    scene = mouth_scene(character, camera)
    geo = render_geometry(scene, camera, *size, character=character)
    return scene, geo, shade(geo, scene, character, list(lights), camera)


def material_mask(geo, name: str, at_least: float = 0.99) -> torch.Tensor:
    """(H, W) bool: pixels the material ``name`` covers (fraction ≥ ``at_least``)."""
    mat = geo.aovs["_mat"][0, MATERIALS[name]] * geo.aovs["alpha"][0, 0]
    return mat >= at_least
