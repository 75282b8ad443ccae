"""Shadow maps with percentage-closer soft shadows (PCSS) whose penumbrae follow the light's size.

A ``ShadowMap`` is the mesh's depth seen from a light: orthographic for a directional light (the
sun, a far key; size = angular diameter in radians), perspective from the light's position for a
point, spot or area light (size = the emitter's diameter in metres). The map is fitted to the
mesh's bounds. ``shadow(points, normals)`` returns each point's visibility 0–1:

1. *Blocker search* — a fixed Vogel disk of texels, as wide as the light seen from the receiver
   could be, averages the depth of the texels nearer the light than the receiver.
2. *Penumbra estimate* — by similar triangles, the cone from the receiver to the light's
   disc has radius ``(d_receiver − d_blocker)·tan(½·angular size)`` at the blockers
   (directional) or ``½·size·(d_receiver − d_blocker)/d_receiver`` (positional; in texels
   ×focal/d_blocker): the radius over which a planar occluder's edge fades.
3. *Percentage-closer filtering* over that radius (≥ one texel) with another fixed Vogel disk.

Depth comparisons use the receiver's own plane (its depth extrapolated along its normal to each
filter tap) minus a slope-scaled bias, so wide kernels on tilted surfaces do not self-shadow.
Everything is deterministic: fixed sample patterns, no randomness, no atomics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import torch
import torch.nn.functional as F

from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.raster import camera_space, rasterize, rasterize_orthographic

__all__ = ["ShadowMap", "vogel_disk", "MAP_SIZE"]

MAP_SIZE = 1024
_MARGIN = 0.02            # extra map extent around the mesh (fraction)
_MAX_RADIUS_TEXELS = 48.0
_CHUNK_POINTS = 1 << 17


def vogel_disk(n: int, device=None) -> torch.Tensor:
    """(n, 2) float32 offsets spread evenly over the unit disc (golden-angle spiral)."""
    i = torch.arange(n, device=device, dtype=torch.float32)
    r = torch.sqrt((i + 0.5) / n)
    a = i * (math.pi * (3.0 - math.sqrt(5.0)))
    return torch.stack((r * torch.cos(a), r * torch.sin(a)), 1)


def _basis(forward: torch.Tensor) -> torch.Tensor:
    """(3, 3) rows right, up, forward for a unit ``forward`` direction."""
    ref = torch.tensor([0.0, 1.0, 0.0]) if abs(float(forward[1])) < 0.9 else \
        torch.tensor([1.0, 0.0, 0.0])
    right = F.normalize(torch.linalg.cross(ref.to(forward), -forward), dim=0)
    up = torch.linalg.cross(-forward, right)
    return torch.stack((right, up, forward))


@dataclass(frozen=True)
class ShadowMap:
    """Depth of a mesh seen from a light. ``depth`` (S, S) float32 metres (+inf where empty):
    along ``basis[2]`` from the plane ``offset_m`` behind the mesh (directional) or along the
    camera axis (positional). ``texel_m`` is the directional map's texel size; ``camera`` the
    positional map's view; ``size`` the light's angular diameter (rad) or diameter (m)."""

    depth: torch.Tensor
    directional: bool
    basis: torch.Tensor
    origin: torch.Tensor
    texel_m: float
    offset_m: float
    camera: PinholeCamera | None
    size: float

    @classmethod
    def for_directional(cls, verts: torch.Tensor, faces: torch.Tensor,
                        towards_light: tuple[float, float, float] | torch.Tensor, *,
                        angular_diameter_rad: float = 0.0, resolution: int = MAP_SIZE):
        """Orthographic map of ``verts`` (V, 3) m / ``faces`` (F, 3) for light arriving from
        the direction ``towards_light`` (need not be unit)."""
        if angular_diameter_rad < 0 or angular_diameter_rad >= math.pi:
            raise ValueError(f"angular diameter must be in [0, π), got {angular_diameter_rad}")
        to_light = F.normalize(torch.as_tensor(towards_light, dtype=torch.float32), dim=0)
        basis = _basis(-to_light).to(verts.device)
        local = verts.to(torch.float32) @ basis.T
        lo, hi = local.amin(0), local.amax(0)
        span = float((hi[:2] - lo[:2]).max()) * (1 + 2 * _MARGIN) or 1.0
        texel = span / resolution
        centre = (lo + hi) / 2
        origin = torch.stack((centre[0] - span / 2, centre[1] + span / 2, lo[2]))
        xy = torch.stack(((local[:, 0] - origin[0]) / texel, (origin[1] - local[:, 1]) / texel), 1)
        offset = texel                      # keeps every depth strictly positive
        raster = rasterize_orthographic(xy, local[:, 2] - origin[2] + offset, faces,
                                        resolution, resolution, barycentrics=False)
        return cls(raster.depth_m, True, basis, origin, texel, offset, None,
                   float(angular_diameter_rad))

    @classmethod
    def for_position(cls, verts: torch.Tensor, faces: torch.Tensor,
                     position: tuple[float, float, float], *, diameter_m: float = 0.0,
                     resolution: int = MAP_SIZE):
        """Perspective map from a point, spot or area light at ``position`` (m) whose emitting
        disc is ``diameter_m`` across; the frustum is fitted to the mesh's bounding sphere."""
        if diameter_m < 0:
            raise ValueError(f"light diameter must be ≥ 0, got {diameter_m}")
        pos = torch.tensor(position, dtype=torch.float32, device=verts.device)
        lo, hi = verts.amin(0), verts.amax(0)
        centre, radius = (lo + hi) / 2, float((hi - lo).norm()) / 2
        dist = float((centre - pos).norm())
        if dist <= radius * 1.001:
            raise ValueError(f"the light at {tuple(position)} is inside the mesh's bounds "
                             f"(distance {dist:.3f} m ≤ radius {radius:.3f} m)")
        basis = _basis(F.normalize(centre - pos, dim=0).cpu())
        half = math.asin(radius / dist) * (1 + _MARGIN)
        film = 2 * math.tan(half)
        cam = PinholeCamera(tuple(pos.tolist()), tuple(basis[0].tolist()),
                            tuple(basis[1].tolist()), tuple((-basis[2]).tolist()),
                            1.0, film, film, resolution, resolution)
        near = max(dist - radius, 1e-4) * 0.5
        raster = rasterize(verts, faces, cam, resolution, resolution, near_m=near,
                           barycentrics=False)
        return cls(raster.depth_m, False, basis.to(verts.device), pos, 0.0, 0.0, cam,
                   float(diameter_m))

    # -- lookups ----------------------------------------------------------------------------

    def _project(self, points: torch.Tensor):
        """Map texel coordinates (N, 2) (x, y-down; centres at +0.5), receiver depth (N,) in
        the map's depth units, texel size at the receiver (N,) m, and the rotation to light
        space of each point (3, 3)."""
        if self.directional:
            local = points @ self.basis.T
            u = (local[:, 0] - self.origin[0]) / self.texel_m
            v = (self.origin[1] - local[:, 1]) / self.texel_m
            depth = local[:, 2] - self.origin[2] + self.offset_m
            texel = torch.full_like(depth, self.texel_m)
        else:
            cam = self.camera
            pc = camera_space(points, cam)
            depth = -pc[:, 2]
            f = cam.focal_px
            u = cam.width / 2 + f * pc[:, 0] / depth
            v = cam.height / 2 - f * pc[:, 1] / depth
            texel = depth / f
        return torch.stack((u, v), 1), depth, texel

    def thickness_m(self, points: torch.Tensor) -> torch.Tensor:
        """How far (m, along the map's depth) each point (N, 3) lies behind the first surface
        the light meets on its way there: the skin a back light has to cross (0 where the point
        is itself the first surface or the map is empty there)."""
        uv, depth, _ = self._project(points)
        first = self._fetch(uv)
        return torch.where(torch.isfinite(first), (depth - first).clamp_min(0.0),
                           torch.zeros_like(depth))

    @cached_property
    def _bordered(self) -> torch.Tensor:
        """The map with a one-texel +inf border, flattened (every off-map lookup clamps onto
        the border, so a fetch needs no inside test)."""
        return F.pad(self.depth, (1, 1, 1, 1), value=float("inf")).reshape(-1)

    @cached_property
    def _nearest_m(self) -> torch.Tensor:
        """The map's smallest finite depth (0 for an empty map)."""
        finite = torch.isfinite(self.depth)
        return self.depth[finite].min() if bool(finite.any()) else self.depth.new_tensor(0.0)

    def _fetch(self, uv: torch.Tensor) -> torch.Tensor:
        """Nearest-texel map depth at texel coordinates (…, 2); +inf off the map."""
        s_h, s_w = self.depth.shape
        iu = torch.floor(uv[..., 0]).clamp_(-1, s_w).to(torch.int64)
        iv = torch.floor(uv[..., 1]).clamp_(-1, s_h).to(torch.int64)
        return self._bordered[(iv + 1) * (s_w + 2) + (iu + 1)]

    def _cone_radius(self, d_receiver, d_blocker, texel):
        """Radius (texels) of the receiver→light cone where it crosses depth ``d_blocker``."""
        if self.directional:
            return (d_receiver - d_blocker).clamp(min=0) * math.tan(self.size / 2) / texel
        f = self.camera.focal_px
        return f * (self.size / 2) * (d_receiver - d_blocker).clamp(min=0) / (
            d_receiver * d_blocker.clamp(min=1e-6))

    def shadow(self, points: torch.Tensor, normals: torch.Tensor, *, blocker_samples: int = 16,
               filter_samples: int = 32, bias_texels: float = 0.6,
               slope_bias: float = 1.0) -> torch.Tensor:
        """(N,) visibility 0 (umbra) … 1 (lit) of world ``points`` (N, 3) m with unit
        ``normals`` (N, 3). Bias = texel at the receiver × (``bias_texels`` + ``slope_bias`` ×
        tan of the light's incidence angle, capped at 10)."""
        if points.shape != normals.shape or points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points and normals must both be (N, 3), got "
                             f"{tuple(points.shape)} and {tuple(normals.shape)}")
        out = torch.empty(points.shape[0], device=points.device)
        search = vogel_disk(blocker_samples, points.device)
        taps = vogel_disk(filter_samples, points.device)
        for s in range(0, points.shape[0], _CHUNK_POINTS):
            e = s + _CHUNK_POINTS
            out[s:e] = self._visibility(points[s:e].to(torch.float32),
                                        normals[s:e].to(torch.float32), search, taps,
                                        bias_texels, slope_bias)
        return out

    def _visibility(self, points, normals, search, taps, bias_texels, slope_bias):
        uv, d_r, texel = self._project(points)
        to_light = (-self.basis[2]).expand_as(points) if self.directional else \
            F.normalize(self.origin - points, dim=1)
        cos_i = (normals * to_light).sum(1).abs().clamp(min=1e-3)
        tan_i = (torch.sqrt(1 - cos_i.clamp(max=1) ** 2) / cos_i).clamp(max=10.0)
        bias = texel * (bias_texels + slope_bias * tan_i)
        n_l = normals @ self.basis.T                 # normal in (right, up, forward) of the light
        nz = torch.where(n_l[:, 2] >= 0, n_l[:, 2].clamp(min=0.1), n_l[:, 2].clamp(max=-0.1))
        # receiver plane: depth change per texel step in u (right) and v (down)
        grad = torch.stack((-n_l[:, 0] / nz, n_l[:, 1] / nz), 1) * texel[:, None]
        grad = grad.clamp(-10 * texel[:, None], 10 * texel[:, None])
        d_min = self._nearest_m
        r_search = self._cone_radius(d_r, d_min.expand_as(d_r), texel).clamp(1.0,
                                                                              _MAX_RADIUS_TEXELS)
        off = search[None] * r_search[:, None, None]
        z = self._fetch(uv[:, None] + off)
        blocking = z < _receiver_depth(d_r, off, grad, bias)
        n_block = blocking.sum(1)
        d_b = torch.where(blocking, z, 0.0).sum(1) / n_block.clamp(min=1)
        vis = torch.ones_like(d_r)
        part = torch.nonzero(n_block > 0).squeeze(1)     # only these can be shadowed
        if part.numel() == 0:
            return vis
        uv, d_r, texel, grad, bias = uv[part], d_r[part], texel[part], grad[part], bias[part]
        r_pen = self._cone_radius(d_r, d_b[part], texel).clamp(1.0, _MAX_RADIUS_TEXELS)
        off = taps[None] * r_pen[:, None, None]
        vis[part] = (self._fetch(uv[:, None] + off)
                     >= _receiver_depth(d_r, off, grad, bias)).float().mean(1)
        return vis


def _receiver_depth(d_r, offsets, grad, bias):
    """(N, K) depth of each receiver's tangent plane under its filter taps ``offsets``
    (N, K, 2) texels, less the bias: what a map texel must be nearer than to block."""
    return d_r[:, None] + (offsets[..., 0] * grad[:, None, 0] + offsets[..., 1] * grad[:, None, 1]) \
        - bias[:, None]
