"""Hair shadows: a light-space optical-depth grid per light (deep opacity maps).

Hair is too fine and too many for a depth map: a fibre blocks a fraction of a texel, and what
matters is how much hair lies between a point and the light. Like Yuksel & Keyser's deep opacity
maps (2008) — here a regular grid of layers instead of layers that follow the hair's first
depth — every strand segment deposits its blocked area into the cell it crosses in a grid
aligned with the light: a fibre ``w`` wide crossing ``ℓ⊥`` metres perpendicular to the light
blocks ``w·ℓ⊥ / cell²`` of the cell's cross-section, and for randomly placed fibres those
fractions add up to an optical depth ``τ`` (Beer–Lambert). The layers are summed front to back,
so a lookup anywhere (a strand point, a skin pixel, the eye under the lashes) interpolates the
optical depth between the light and that point; its transmittance ``e^−τ`` multiplies the
light's visibility. The deposit is an order-independent sum (``strand_raster.scatter_sum``)
and is blurred by one cell, so shadows of single fibres are soft (they are at most a cell wide
anyway). Point lights use an orthographic grid along the direction from the hair to the light.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.head.shadows import _basis
from shotspec.runtime.head.strand_raster import scatter_sum

__all__ = ["OpacityGrid", "GRID_SIZE", "GRID_LAYERS"]

GRID_SIZE = 128             # cells across the hair's extent seen from the light
GRID_LAYERS = 64            # layers along the light's direction
MAX_SAMPLES = 64            # deposits per segment at most (one per two cells, then blurred)


@dataclass(frozen=True)
class OpacityGrid:
    """Optical depth of a groom along a light: ``tau`` (D+1, G, G) the optical depth from the
    light to each layer boundary; ``basis`` (3, 3) rows right, up, forward (the direction the
    light travels); ``origin`` (3,) the grid's corner in that frame; ``cell_m`` across and
    ``layer_m`` along the light."""

    tau: torch.Tensor
    basis: torch.Tensor
    origin: torch.Tensor
    cell_m: float
    layer_m: float

    @classmethod
    def build(cls, points: torch.Tensor, width_m: torch.Tensor, starts: torch.Tensor,
              towards_light: torch.Tensor, *, size: int = GRID_SIZE,
              layers: int = GRID_LAYERS) -> "OpacityGrid":
        """The grid of strands given as ``strand_points`` (P, 3) m, widths (P,) m and segment
        starts (P,) bool, for light arriving from ``towards_light`` (3,) (need not be unit)."""
        dev = points.device
        basis = _basis(F.normalize(-towards_light.detach().cpu().to(torch.float32), dim=0)).to(dev)
        local = points @ basis.T
        lo, hi = local.amin(0), local.amax(0)
        cell = float((hi[:2] - lo[:2]).max()) / (size - 2) or 1e-3
        layer = float(hi[2] - lo[2]) / (layers - 2) or 1e-3
        origin = lo - torch.tensor([cell, cell, layer], device=dev)
        a = starts.nonzero()[:, 0]
        d = local[a + 1] - local[a]
        n = torch.ceil(d[:, :2].norm(dim=1) / (2 * cell)).clamp(1, MAX_SAMPLES).to(torch.int64)
        seg = torch.repeat_interleave(torch.arange(a.numel(), device=dev), n)
        k = torch.arange(seg.numel(), device=dev) - torch.repeat_interleave(torch.cumsum(n, 0) - n, n)
        t = (k.to(torch.float32) + 0.5) / n[seg].to(torch.float32)
        q = local[a[seg]] + t[:, None] * d[seg] - origin
        blocked = 0.5 * (width_m[a] + width_m[a + 1]) * d[:, :2].norm(dim=1) / (cell * cell)
        amount = (blocked / n.to(torch.float32))[seg]
        ix = (q[:, 0] / cell).long().clamp(0, size - 1)
        iy = (q[:, 1] / cell).long().clamp(0, size - 1)
        iz = (q[:, 2] / layer).long().clamp(0, layers - 1)
        dens = scatter_sum((iz * size + iy) * size + ix, amount,
                           layers * size * size).view(layers, size, size)
        for dim in (1, 2):                  # a separable [¼ ½ ¼] blur across the light
            pad = torch.cat((dens.narrow(dim, 0, 1), dens, dens.narrow(dim, size - 1, 1)), dim)
            dens = 0.25 * pad.narrow(dim, 0, size) + 0.5 * dens + 0.25 * pad.narrow(dim, 2, size)
        tau = torch.cat((torch.zeros(1, size, size, device=dev), torch.cumsum(dens, 0)))
        return cls(tau, basis, origin, cell, layer)

    def optical_depth(self, points: torch.Tensor, bias_layers: float = 1.0) -> torch.Tensor:
        """Optical depth (N,) of hair between the light and ``points`` (N, 3) m (bilinear across,
        linear along the light), looked up ``bias_layers`` nearer the light so a fibre does not
        shadow itself."""
        layers1, size, _ = self.tau.shape
        q = points @ self.basis.T - self.origin
        x = (q[:, 0] / self.cell_m - 0.5).clamp(0, size - 1)
        y = (q[:, 1] / self.cell_m - 0.5).clamp(0, size - 1)
        z = (q[:, 2] / self.layer_m - bias_layers).clamp(0, layers1 - 1)
        x0, y0, z0 = x.floor().long(), y.floor().long(), z.floor().long()
        x1, y1, z1 = (x0 + 1).clamp_max(size - 1), (y0 + 1).clamp_max(size - 1), \
            (z0 + 1).clamp_max(layers1 - 1)
        fx, fy, fz = x - x0, y - y0, z - z0
        flat = self.tau.reshape(-1)

        def at(zi: torch.Tensor) -> torch.Tensor:
            base = zi * size * size
            return ((flat[base + y0 * size + x0] * (1 - fx) + flat[base + y0 * size + x1] * fx) * (1 - fy)
                    + (flat[base + y1 * size + x0] * (1 - fx) + flat[base + y1 * size + x1] * fx) * fy)

        return at(z0) * (1 - fz) + at(z1) * fz

    def transmittance(self, points: torch.Tensor, bias_layers: float = 1.0) -> torch.Tensor:
        """The fraction (N,) of the light that reaches ``points`` (N, 3) through the hair."""
        return torch.exp(-self.optical_depth(points, bias_layers))
