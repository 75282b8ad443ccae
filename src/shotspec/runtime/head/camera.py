"""The pinhole camera that matches the thin-lens framing of ``CameraIR``.

The field of view comes from the focal length and the sensor: ``sensor_width_m`` spans the
frame width and the film height is ``sensor_width_m · H / W`` (the frame's aspect; a sensor of
another aspect is fitted by width). The camera sits ``distance_m`` in front of the eye plane and
orbits around the point between the eyes (``EYE_PLANE_Z``, the corneal plane) (yaw: + moves camera-right, pitch: + moves up), then
rolls about its own axis. It aims a little below the eyes so a portrait frame holds the head and
shoulders. Camera space: x right, y up, z towards the camera (looking down −z).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from shotspec.compiler.ir import CameraIR
from shotspec.head_facts import AIM_DROP_M, EYE_PLANE_Z

__all__ = ["PinholeCamera", "AIM_DROP_M"]



@dataclass(frozen=True)
class PinholeCamera:
    """World placement and projection of the render camera (metres)."""

    origin: tuple[float, float, float]
    right: tuple[float, float, float]
    up: tuple[float, float, float]
    back: tuple[float, float, float]      # −viewing direction
    focal_length_m: float
    film_width_m: float
    film_height_m: float
    width: int
    height: int

    @classmethod
    def from_ir(cls, camera: CameraIR, width: int, height: int) -> "PinholeCamera":
        yaw, pitch, roll = camera.yaw_rad, camera.pitch_rad, camera.roll_rad
        cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
        centre = (0.0, 0.0, EYE_PLANE_Z)
        d = float(camera.distance_m)
        origin = (centre[0] + d * sy * cp, centre[1] + d * sp, centre[2] + d * cy * cp)
        target = (0.0, -AIM_DROP_M, EYE_PLANE_Z)
        fwd = [target[i] - origin[i] for i in range(3)]
        n = math.sqrt(sum(v * v for v in fwd))
        fwd = [v / n for v in fwd]
        back = [-v for v in fwd]
        world_up = (0.0, 1.0, 0.0)
        right = [world_up[1] * back[2] - world_up[2] * back[1],
                 world_up[2] * back[0] - world_up[0] * back[2],
                 world_up[0] * back[1] - world_up[1] * back[0]]
        n = math.sqrt(sum(v * v for v in right)) or 1.0
        right = [v / n for v in right]
        up = [back[1] * right[2] - back[2] * right[1],
              back[2] * right[0] - back[0] * right[2],
              back[0] * right[1] - back[1] * right[0]]
        cr, sr = math.cos(roll), math.sin(roll)
        right, up = ([cr * right[i] + sr * up[i] for i in range(3)],
                     [-sr * right[i] + cr * up[i] for i in range(3)])
        film_w = float(camera.sensor_width_m)
        film_h = film_w * height / width
        return cls(tuple(origin), tuple(right), tuple(up), tuple(back),
                   float(camera.focal_length_m), film_w, film_h, int(width), int(height))

    def rotation(self, device, dtype=torch.float32) -> torch.Tensor:
        """(3, 3) camera-to-world rotation (columns right, up, back)."""
        return torch.tensor([self.right, self.up, self.back], device=device, dtype=dtype).T

    @property
    def focal_px(self) -> float:
        return self.focal_length_m * self.width / self.film_width_m

    def rays(self, device) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit world-space ray directions (H·W, 3), row-major from the top-left pixel, and the
        cosine of each ray with the optical axis (H·W,) to turn ray length into depth."""
        w, h = self.width, self.height
        xs = torch.arange(w, device=device, dtype=torch.float32) + 0.5
        ys = torch.arange(h, device=device, dtype=torch.float32) + 0.5
        yy, xx = torch.meshgrid(ys, xs, indexing="ij")
        return self.rays_at(xx.reshape(-1), yy.reshape(-1))

    def rays_at(self, px: torch.Tensor, py: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Rays through continuous pixel positions ``px``, ``py`` (N,) (0 = the frame's left /
        top edge, pixel centres at +0.5): unit world directions (N, 3) and axis cosines (N,)."""
        x = (px - self.width / 2) / self.focal_px
        y = (self.height / 2 - py) / self.focal_px
        cam = torch.stack((x, y, -torch.ones_like(x)), dim=1)
        norm = cam.norm(dim=1, keepdim=True)
        cam = cam / norm
        world = cam @ self.rotation(px.device).T
        return world, 1.0 / norm[:, 0]

    def depth_of(self, point: tuple[float, float, float]) -> float:
        """Distance along the optical axis from the camera to a world point (metres)."""
        return -sum((point[i] - self.origin[i]) * self.back[i] for i in range(3))

    def to_camera(self, vectors: torch.Tensor) -> torch.Tensor:
        """World (N, 3) directions → camera space."""
        return vectors @ self.rotation(vectors.device)
