"""Lights of a rig, placed relative to the camera, and their soft shadows.

Direction convention (see docs/rendering.md): a light's azimuth is measured around the vertical
axis from the camera's own orbit position (azimuth 0 = lit from where the camera is, +90° =
from camera-right, 180° = from straight behind the subject) and its elevation up from the
subject's eye level. The rig turns with the camera's yaw, so "key 45° right" stays camera-right
when the camera orbits; elevation stays relative to the horizon (gravity does not orbit).
Positions are ``distance_m`` from the point between the eyes.

Soft shadows march the exact head field for the first centimetres of each ray, then the
baked distance grid, towards each light and keep the
smallest clearance angle ``h / t`` (Quilez' penumbra estimate); the penumbra width is the light's
angular radius ``size_m / (2 · distance_m)``, so a big close softbox gives soft edges and a bare
bulb hard ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

from shotspec.compiler.ir import CameraIR, LightIR
from shotspec.runtime.character.camera import EYE_PLANE_Z
from shotspec.runtime.character.trace import SceneGrids
from shotspec.color import kelvin_to_rgb

__all__ = ["RigLight", "rig", "soft_shadow", "ambient_occlusion", "DEFAULT_RIG"]

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


def soft_shadow(grid: SceneGrids, pts: torch.Tensor, n: torch.Tensor,
                to_light: torch.Tensor, max_t: torch.Tensor, angular_radius: float,
                steps: int = 30, exact=None, near_m: float = 0.04,
                near_steps: int = 11) -> torch.Tensor:
    """Visibility 0–1 (N,) of a light of ``angular_radius`` from points ``pts`` (N, 3) with
    normals ``n``, along unit ``to_light`` (N, 3) up to ``max_t`` (N,) metres.

    With ``exact`` (the head's exact distance function, (M, 3) → (M,)), the first ``near_m``
    of each ray are marched on it in short steps: the nose, lids and lips that cast the shadows
    a viewer reads are a few millimetres across, below what the 3 mm grid resolves. The rest of
    the ray marches the grid."""
    origin = pts + n * 0.0015
    res = torch.ones(pts.shape[0], device=pts.device, dtype=pts.dtype)
    t = torch.full_like(res, 0.002)
    alive = torch.arange(pts.shape[0], device=pts.device)
    k = 1.0 / max(angular_radius, 0.004)
    if exact is not None:
        # short steps (≤ 6 mm) so the minimum clearance is found, not stepped over
        for _ in range(near_steps):
            if alive.numel() == 0:
                break
            ta = t[alive]
            h = exact(origin[alive] + to_light[alive] * ta[:, None])
            r = torch.minimum(res[alive], k * h / ta)
            res[alive] = r
            ta = ta + h.clamp(0.0008, 0.006)
            t[alive] = ta
            done = (r < -1.0) | (ta > max_t[alive])
            alive = alive[~done & (ta < near_m)]
        # rays that left the near zone (or were cut short) carry on in the grid
        far = (res > -1.0) & (t < max_t) & (t < 0.35)
        alive = far.nonzero()[:, 0]
    for _ in range(steps):
        if alive.numel() == 0:
            break
        p = origin[alive] + to_light[alive] * t[alive, None]
        h = grid.head.sample(p)
        r = torch.minimum(res[alive], k * h / t[alive])
        res[alive] = r
        t[alive] = t[alive] + h.clamp(0.0012, 0.035)
        done = (r < -1.0) | (t[alive] > max_t[alive]) | (t[alive] > 0.35) | (h > 0.06)
        alive = alive[~done]
    x = (res.clamp(-1.0, 1.0) + 1.0) * 0.5
    return x * x * (3.0 - 2.0 * x)


def ambient_occlusion(grid: SceneGrids, pts: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Cheap SDF ambient occlusion (N,) 0–1: how much the field closes in along the normal."""
    occ = torch.zeros(pts.shape[0], device=pts.device)
    for i, dist in enumerate((0.004, 0.010, 0.020, 0.035)):
        p = pts + n * dist
        d = grid.sample(p)
        occ = occ + (dist - d).clamp_min(0.0) / dist * (0.5 ** i)
    return (1.0 - 0.55 * occ).clamp(0.0, 1.0)
