"""Lights of a rig, placed relative to the camera.

Direction convention (see docs/rendering.md): a light's azimuth is measured around the vertical
axis from the camera's own orbit position (azimuth 0 = lit from where the camera is, +90° =
from camera-right, 180° = from straight behind the subject) and its elevation up from the
subject's eye level. The rig turns with the camera's yaw, so "key 45° right" stays camera-right
when the camera orbits; elevation stays relative to the horizon (gravity does not orbit).
Positions are ``distance_m`` from the point between the eyes. A light's angular radius is
``atan(size_m / (2 · distance_m))`` (capped at 0.6 rad): a big close softbox casts soft shadow
edges and a bare bulb hard ones (``head.shadows``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

from shotspec.color import kelvin_to_rgb
from shotspec.compiler.ir import CameraIR, LightIR
from shotspec.head_facts import EYE_PLANE_Z

__all__ = ["RigLight", "rig", "DEFAULT_RIG"]

DEFAULT_RIG = (
    LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(40),
            elevation_rad=math.radians(30), distance_m=1.4, size_m=0.4, temperature_k=5600),
    LightIR(name="fill", kind="environment", intensity=0.18, temperature_k=6500),
    LightIR(name="rim", kind="spot", azimuth_rad=math.radians(-145), elevation_rad=math.radians(25),
            distance_m=1.6, size_m=0.2, temperature_k=4300, intensity=0.9, cone_rad=0.5),
)
_TARGET = (0.0, -0.02, EYE_PLANE_Z - 0.03)


@dataclass(frozen=True)
class RigLight:
    """One light resolved into world space."""

    kind: str
    colour: tuple[float, float, float]      # linear RGB × intensity
    position: tuple[float, float, float]    # world (unused for directional/environment)
    direction: tuple[float, float, float]   # unit vector from the subject towards the light
    distance_m: float
    angular_radius: float                   # radians, half the light's apparent size
    cone_rad: float
    shadows: bool

    @property
    def geometry(self) -> tuple:
        """Everything but the colour: what a light's shadow map, visibility and unit-colour
        shading depend on (a colour or intensity edit keeps them)."""
        return (self.kind, self.position, self.direction, self.distance_m, self.angular_radius,
                self.cone_rad, self.shadows)

    def unit(self) -> "RigLight":
        """This light with colour (1, 1, 1): its shading is linear in the colour."""
        return replace(self, colour=(1.0, 1.0, 1.0))


def _colour(light: LightIR) -> tuple[float, float, float]:
    if light.color is not None:
        c = light.color
    else:
        c = kelvin_to_rgb(light.temperature_k or 6500.0)
    return tuple(float(v) * float(light.intensity) for v in c)


def rig(lights: Sequence[LightIR], camera: CameraIR) -> list[RigLight]:
    """World-space lights (``DEFAULT_RIG`` when ``lights`` is empty)."""
    lights = list(lights) or list(DEFAULT_RIG)
    yaw = camera.yaw_rad
    out = []
    for light in lights:
        az, el = light.azimuth_rad + yaw, light.elevation_rad
        d = (math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el))
        dist = max(float(light.distance_m), 0.05)
        pos = tuple(_TARGET[i] + d[i] * dist for i in range(3))
        size = max(float(light.size_m), 1e-3)
        ang = min(math.atan(0.5 * size / dist), 0.6)
        out.append(RigLight(light.kind, _colour(light), pos, d, dist, ang, float(light.cone_rad),
                            bool(light.shadows)))
    return out
