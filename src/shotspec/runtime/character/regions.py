"""Soft anatomical regions of the head in object space (weights 0–1 per point).

Shading and micro-geometry vary over the face the way real skin does: oil on the T-zone,
redness on cheeks, nose and ears, denser pores on the nose, forehead lines, crow's feet,
eyebrows and lips. All weights are smooth functions of the object-space position, so they stick
to the surface under any camera or light.
"""

from __future__ import annotations

import torch

from shotspec.runtime.character.noise import detail_fade, value_noise
from shotspec.runtime.character.sdf import HeadModel

__all__ = ["FaceRegions"]

# mean of ``FaceRegions._strands`` over the noise (measured on 200 000 points)
_STRAND_MEAN = 0.577


def _smooth(e0: float, e1: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _blob(pts: torch.Tensor, c, r) -> torch.Tensor:
    q = (pts - torch.tensor(c, device=pts.device)) / torch.tensor(r, device=pts.device)
    return torch.exp(-(q * q).sum(1))


class FaceRegions:
    """Region weights of one head at object-space points ``pts`` (N, 3) in metres."""

    def __init__(self, model: HeadModel, pts: torch.Tensor, seed: int):
        self.model, self.pts, self.seed = model, pts, seed
        x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
        self.ax, self.y, self.z = x.abs(), y, z
        front = _smooth(-0.025, 0.0, z)
        tx, ty, tz = model.nose_tip
        self.nose = (_smooth(0.021, 0.011, self.ax) * _smooth(0.012, 0.004, y)
                     * _smooth(ty - 0.016, ty - 0.006, y) * _smooth(0.012, 0.022, z))
        self.forehead = front * _smooth(0.026, 0.038, y) * _smooth(0.060, 0.040, self.ax)
        self.nose_tip = _blob(pts, (0.0, ty, tz - 0.004), (0.011, 0.009, 0.010))
        self.tzone = torch.maximum(self.forehead, self.nose)
        ex = model.eye_x
        mirrored = torch.stack((self.ax, y, z), 1)     # both halves of the face on the +x side
        self.cheeks = _blob(mirrored, (ex + 0.012, -0.030, 0.02), (0.020, 0.018, 0.03))
        self.ears = _smooth(0.064, 0.074, self.ax) * _smooth(-0.05, -0.03, y) * _smooth(0.04, 0.02, y)
        _, ly, lz = model.lips_center
        # the chin's pad below the lips, and the jaw line / neck either side and below it
        self.chin = _blob(mirrored, (0.0, ly - 0.024, lz - 0.004), (0.012, 0.010, 0.02))
        self.jaw = torch.maximum(_smooth(ly - 0.012, ly - 0.030, y) * _smooth(0.014, 0.030, self.ax),
                                 _smooth(ly - 0.030, ly - 0.045, y))
        lip_d = model.lip_distance(pts)
        # the lips tuck back into the cheek at the corners: colour only where they come out
        # of the face, not where the lip shape lies just under the skin near the corners
        corners = _smooth(model.upper_lip_half_width, 0.0200 * model.mouth_scale, self.ax)
        self.lips = _smooth(0.0012, 0.0003, lip_d) * corners
        # (the rolled edge runs round the outside of the lips, not along the parting between them)
        self.lip_border = (torch.exp(-((lip_d - 0.0016) / 0.0005) ** 2) * corners
                           * _smooth(-0.002, 0.002, z - lz + 0.012) * _smooth(0.0015, 0.0035, (y - ly).abs()))
        # fine hairs just below the hairline, broken into strands (0 … ~0.8)
        above = model.hairline(x, y, z)
        near = _smooth(-0.006, 0.0, above)
        if bool((near > 0).any()):
            strands = value_noise(torch.stack((x * 2500.0, y * 400.0, z * 2500.0), dim=1), seed + 520)
            self.hair_fuzz = near * (0.25 + 0.6 * strands) * _smooth(-0.006, -0.001, above).add(0.3).clamp_max(1.0)
        else:
            self.hair_fuzz = near

    def brows(self, footprint_mm: torch.Tensor | None = None) -> torch.Tensor:
        """Eyebrow coverage: an arch above each eye, broken into hair-like strands.

        ``footprint_mm`` (N,), a pixel's size on the surface, fades strand detail the pixel
        cannot resolve to its mean (point-sampled, 0.2 mm strands alias into a dotted
        pattern); coarser locks of hair (1.2 mm across) stay to a larger footprint. None: full
        detail."""
        ex = self.model.eye_x
        u = self.ax - (ex - 0.020)                         # 0 at the inner end
        span = 0.043
        s = (u / span).clamp(0.0, 1.0)
        centre = 0.0150 + 0.0075 * torch.sin(s * 2.6) - 0.002 * s
        half = 0.0034 * (1.0 - 0.55 * s)
        d = (self.y - centre).abs() - half
        ends = _smooth(-0.002, 0.003, u) * _smooth(span + 0.004, span - 0.004, u)
        # strands: many thin dark strokes laid along the growth direction — steep at the
        # inner end, flattening along the arch and turning down at the tail — with skin
        # showing between them (noise stretched ~12× along the hair, then thresholded)
        theta = 0.95 - 1.35 * s
        ct, st = torch.cos(theta), torch.sin(theta)
        du, dv = u * 1000.0, (self.y - centre) * 1000.0
        along, across = ct * du + st * dv, -st * du + ct * dv
        fine = self._strands(across * 5.0, along * 0.30, 501)
        locks = self._strands(across * 0.85, along * 0.12, 503)
        if footprint_mm is not None:
            fine = _STRAND_MEAN + (fine - _STRAND_MEAN) * detail_fade(0.2, footprint_mm)
            locks = _STRAND_MEAN + (locks - _STRAND_MEAN) * detail_fade(1.2, footprint_mm)
        strands = (fine + 0.7 * (locks - _STRAND_MEAN)).clamp(0.0, 1.0)
        # soft edges (hairs thin out), fuller along the lower edge and at the head of the brow
        cover = _smooth(0.0020, -0.0012, d) * ends * _smooth(-0.02, 0.0, self.z)
        dense = _smooth(0.0010, -0.0010, d) * (0.7 + 0.3 * _smooth(0.3, 0.0, s))
        return (cover * (0.40 * dense + 0.70 * strands)).clamp(0.0, 0.95)

    def _strands(self, across: torch.Tensor, along: torch.Tensor, salt: int) -> torch.Tensor:
        """Thresholded two-octave noise (0–1, mean ``_STRAND_MEAN``) in a brow's hair frame
        (``across``, ``along`` already scaled to noise cells)."""
        q = torch.stack((across, along, self.z * 300.0), dim=1)
        n1 = value_noise(q, self.seed + salt)
        n2 = value_noise(q * torch.tensor([1.9, 1.7, 1.0], device=q.device), self.seed + salt + 1)
        return ((0.6 * n1 + 0.4 * n2 - 0.36) / 0.22).clamp(0.0, 1.0)

    def lashes(self) -> torch.Tensor:
        """Lash lines along the lid margins (0–1): a dense dark band ~1.5 mm tall on the upper
        lid, thickest towards the outer corner, and a sparse thin line under the lower margin.

        At a close-up's scale single lashes are a pixel or less, so the band is what reads:
        without it the eye looks cut out of the face."""
        model = self.model
        u = self.ax - model.eye_x
        top, bottom = model.lid_margins(u)
        w = model.eye_half_width
        along = (u / w).clamp(-1.0, 1.0)                       # −1 inner … +1 outer corner
        inside = _smooth(1.02, 0.85, along.abs())
        front = _smooth(-0.004, 0.002, self.z)
        height = 0.0013 + 0.0010 * (along + 1.0) * 0.5        # thicker to the outer corner
        upper = _smooth(-0.0004, 0.0001, self.y - top) * _smooth(height, 0.0003, self.y - top)
        lower = _smooth(0.0002, -0.0002, self.y - bottom) * _smooth(-0.0010, -0.0003, self.y - bottom)
        q = torch.stack((u * 4000.0, self.y * 300.0, self.z * 300.0), dim=1)
        strands = 0.75 + 0.25 * value_noise(q, self.seed + 530)
        return ((0.95 * upper + 0.35 * lower * _smooth(-0.4, 0.6, along)) * strands * inside * front).clamp(0.0, 1.0)

    def periorbital(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Upper-lid skin (margin to crease) and the under-eye hollow, weights 0–1: the thin
        skin there shows the blood and muscle under it, darker and less yellow than the cheek."""
        model = self.model
        u = self.ax - model.eye_x
        top, bottom = model.lid_margins(u)
        across = _smooth(0.020, 0.012, u.abs())
        front = _smooth(-0.006, 0.0, self.z)
        lid = _smooth(top - 0.0002, top + 0.0015, self.y) * _smooth(0.0085, 0.0060, self.y) * across * front
        under = (_smooth(bottom + 0.0004, bottom - 0.0015, self.y) * _smooth(bottom - 0.0120, bottom - 0.0050, self.y)
                 * _smooth(0.018, 0.008, (u + 0.002).abs()) * front)
        return lid, under

    def crows_feet(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Weight and fan angle (radians) around the outer eye corners."""
        ex = self.model.eye_x
        dx = self.ax - (ex + 0.016)
        dy = self.y - 0.001
        r = torch.sqrt(dx * dx + dy * dy)
        w = _smooth(0.003, 0.007, r) * _smooth(0.020, 0.011, r) * _smooth(-0.002, 0.003, dx)
        return w, torch.atan2(dy, dx.clamp_min(1e-6))
