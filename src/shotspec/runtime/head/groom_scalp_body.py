"""The body the scalp groom must stay outside of: a cheap collision proxy of the posed head,
neck and shoulders, built once per groom from the scene's triangles.

Strand points are pushed out of three simple fields, each a lookup, never a mesh search:

* the cranium (everything above ``split_y``) as a *spherical radius map* around the head's
  centre: in 2° bins of azimuth and elevation, the largest distance of a skin vertex (the ears
  are filled in, so hair passes over them), dilated one bin so a point between vertices is not
  let in;
* the neck (below ``split_y``) as a *cylindrical radius map*: in 1 cm height slices and 4°
  bins of azimuth round a vertical axis, the largest horizontal distance of a skin vertex —
  pushed out sideways, the way hair lies against a neck;
* the shoulders and chest as a *height field* of the garment: the highest garment point in
  1 cm cells of the floor plane; a point under it is lifted onto it.

Every push leaves the point ``clear_m`` (per point) outside, the hair's layer over the skin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.head.scene import MATERIALS, Scene

__all__ = ["BodyProxy", "body_proxy"]

_SPH_BINS = (180, 90)       # azimuth × elevation, 2°
_CYL_BINS = 90              # azimuth, 4°
_SLICE_M = 0.01
_CELL_M = 0.01


def _bin_max(index: torch.Tensor, value: torch.Tensor, size: int) -> torch.Tensor:
    out = torch.full((size,), -1.0, dtype=value.dtype, device=value.device)
    return out.scatter_reduce(0, index, value, reduce="amax")


def _dilate(grid: torch.Tensor, wrap_last: bool = True) -> torch.Tensor:
    """Max over each bin's 3×3 neighbourhood (the azimuth axis wraps round)."""
    g = grid[None, None]
    g = torch.cat([g[..., -1:], g, g[..., :1]], -1) if wrap_last else F.pad(g, (1, 1), value=-1.0)
    g = F.pad(g, (0, 0, 1, 1), mode="replicate")
    return F.max_pool2d(g, 3, stride=1)[0, 0]


@dataclass(frozen=True)
class BodyProxy:
    """Collision fields of one posed character (world metres)."""

    centre: torch.Tensor        # (3,) the cranium's centre
    split_y: float              # below it the neck's slices apply
    sphere: torch.Tensor        # (elevation, azimuth) radius m, −1 where empty
    neck_axis: torch.Tensor     # (2,) x, z of the neck's vertical axis
    neck_y0: float              # the lowest slice's bottom
    neck: torch.Tensor          # (slices, azimuth) horizontal radius m
    floor_origin: torch.Tensor  # (2,) x, z of the height field's first cell
    floor: torch.Tensor         # (cells x, cells z) top y of the garment, −inf where none

    def push_out(self, p: torch.Tensor, clear_m: torch.Tensor) -> torch.Tensor:
        """``p`` (..., 3) moved outside the head, neck and shoulders by ``clear_m`` (...)."""
        q = p - self.centre
        r = q.norm(dim=-1).clamp_min(1e-6)
        az = torch.atan2(q[..., 0], q[..., 2])
        el = torch.asin((q[..., 1] / r).clamp(-1.0, 1.0))
        n_az, n_el = _SPH_BINS[0], _SPH_BINS[1]
        ia = ((az + math.pi) / (2 * math.pi) * n_az).long().clamp(0, n_az - 1)
        ie = ((el + math.pi / 2) / math.pi * n_el).long().clamp(0, n_el - 1)
        limit = self.sphere[ie, ia] + clear_m
        upper = p[..., 1] >= self.split_y
        inside = upper & (r < limit)
        p = torch.where(inside[..., None], self.centre + q / r[..., None] * limit[..., None], p)
        # the neck: horizontal push from its axis, slice by slice
        h = torch.stack([p[..., 0] - self.neck_axis[0], p[..., 2] - self.neck_axis[1]], -1)
        rh = h.norm(dim=-1).clamp_min(1e-6)
        ic = ((torch.atan2(h[..., 0], h[..., 1]) + math.pi) / (2 * math.pi) * _CYL_BINS).long()
        islice = ((p[..., 1] - self.neck_y0) / _SLICE_M).long()
        ok = (p[..., 1] < self.split_y) & (islice >= 0) & (islice < self.neck.shape[0])
        lim = self.neck[islice.clamp(0, self.neck.shape[0] - 1), ic.clamp(0, _CYL_BINS - 1)]
        lim = lim + clear_m
        inside = ok & (lim > clear_m) & (rh < lim)
        scale = torch.where(inside, lim / rh, torch.ones_like(rh))
        p = torch.stack([self.neck_axis[0] + h[..., 0] * scale, p[..., 1],
                         self.neck_axis[1] + h[..., 1] * scale], -1)
        # the shoulders: lift onto the garment's top
        cx = ((p[..., 0] - self.floor_origin[0]) / _CELL_M).long()
        cz = ((p[..., 2] - self.floor_origin[1]) / _CELL_M).long()
        ok = (cx >= 0) & (cx < self.floor.shape[0]) & (cz >= 0) & (cz < self.floor.shape[1])
        top = self.floor[cx.clamp(0, self.floor.shape[0] - 1), cz.clamp(0, self.floor.shape[1] - 1)]
        top = torch.where(ok, top + clear_m, torch.full_like(top, -math.inf))
        y = torch.maximum(p[..., 1], torch.where(p[..., 1] < top, top, p[..., 1]))
        return torch.stack([p[..., 0], y, p[..., 2]], -1)

    def inside_depth(self, p: torch.Tensor) -> torch.Tensor:
        """How far (m, ≥ 0) each point ``p`` (..., 3) lies inside the proxy (0 outside)."""
        moved = self.push_out(p, torch.zeros(p.shape[:-1], dtype=p.dtype, device=p.device))
        return (moved - p).norm(dim=-1)


def body_proxy(scene: Scene, head_vertex_count: int, skin_ids: torch.Tensor) -> BodyProxy:
    """The collision proxy of ``scene``: ``skin_ids`` are the head's skin vertex ids (face, head
    and neck), the first ``head_vertex_count`` scene vertices being the posed head."""
    v = scene.vertices[:head_vertex_count][skin_ids].float()
    dev = v.device
    top = v[:, 1].max()
    centre_y = top - 0.10
    upper = v[v[:, 1] > centre_y]
    centre = torch.stack([0.5 * (upper[:, 0].min() + upper[:, 0].max()), centre_y,
                          0.5 * (upper[:, 2].min() + upper[:, 2].max())])
    split_y = float(centre_y - 0.06)
    # cranium: spherical radius map
    cr = v[v[:, 1] >= split_y - 0.01] - centre
    r = cr.norm(dim=1)
    ia = ((torch.atan2(cr[:, 0], cr[:, 2]) + math.pi) / (2 * math.pi) * _SPH_BINS[0]).long()
    ie = ((torch.asin((cr[:, 1] / r).clamp(-1, 1)) + math.pi / 2) / math.pi * _SPH_BINS[1]).long()
    ia, ie = ia.clamp(0, _SPH_BINS[0] - 1), ie.clamp(0, _SPH_BINS[1] - 1)
    sphere = _bin_max(ie * _SPH_BINS[0] + ia, r, _SPH_BINS[0] * _SPH_BINS[1])
    sphere = _dilate(_dilate(sphere.reshape(_SPH_BINS[1], _SPH_BINS[0])))
    # near the crown's pole the azimuth bins are too small to all hold a vertex: above 60° of
    # elevation a row's empty bins take its largest radius
    polar = _SPH_BINS[1] * 150 // 180
    cap = sphere[polar:]
    sphere[polar:] = torch.where(cap < 0, cap.amax(1, keepdim=True).expand_as(cap), cap)
    # neck: cylindrical slices round the axis of the skin below the split
    low = v[v[:, 1] < split_y + 0.01]
    axis = torch.stack([low[:, 0].mean(), low[:, 2].mean()]) if len(low) else centre[[0, 2]]
    y0 = float(low[:, 1].min()) if len(low) else split_y
    n_slices = max(1, int(math.ceil((split_y + 0.01 - y0) / _SLICE_M)))
    neck = torch.full((n_slices * _CYL_BINS,), -1.0, device=dev)
    if len(low):
        h = torch.stack([low[:, 0] - axis[0], low[:, 2] - axis[1]], 1)
        ic = ((torch.atan2(h[:, 0], h[:, 1]) + math.pi) / (2 * math.pi) * _CYL_BINS).long()
        isl = ((low[:, 1] - y0) / _SLICE_M).long().clamp(0, n_slices - 1)
        neck = _bin_max(isl * _CYL_BINS + ic.clamp(0, _CYL_BINS - 1), h.norm(dim=1),
                        n_slices * _CYL_BINS)
    neck = _dilate(neck.reshape(n_slices, _CYL_BINS))
    # shoulders: the garment's top as a height field
    cloth = scene.faces[scene.material == MATERIALS["cloth"]].reshape(-1)
    g = scene.vertices[torch.unique(cloth)].float() if cloth.numel() else v[:0]
    if len(g):
        origin = torch.stack([g[:, 0].min(), g[:, 2].min()])
        nx = int(((g[:, 0].max() - origin[0]) / _CELL_M).item()) + 1
        nz = int(((g[:, 2].max() - origin[1]) / _CELL_M).item()) + 1
        cx = ((g[:, 0] - origin[0]) / _CELL_M).long().clamp(0, nx - 1)
        cz = ((g[:, 2] - origin[1]) / _CELL_M).long().clamp(0, nz - 1)
        floor = torch.full((nx * nz,), -math.inf, device=dev).scatter_reduce(
            0, cx * nz + cz, g[:, 1], reduce="amax").reshape(nx, nz)
    else:
        origin, floor = torch.zeros(2, device=dev), torch.full((1, 1), -math.inf, device=dev)
    return BodyProxy(centre=centre, split_y=split_y, sphere=sphere, neck_axis=axis, neck_y0=y0,
                     neck=neck, floor_origin=origin, floor=floor)
