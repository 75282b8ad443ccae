"""Synthetic face-like frames for the skin-enhancer tests: smooth, shaded, skin-coloured ellipses."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.runtime.frame import Frame, FrameMeta

SKIN_LINEAR = (0.62, 0.40, 0.30)    # a light skin albedo, linear
BLUE_LINEAR = (0.05, 0.12, 0.45)


def make_face(h: int = 192, w: int = 160, *, mm_per_px: float = 0.1, light=(-0.8, 0.0, 0.6),
              with_aov: bool = True, seed: int = 0, background=BLUE_LINEAR) -> Frame:
    """An ellipsoid 'face' lit by a directional light (camera space, x right, y down) on a plain background.

    Returns a Frame whose rgb is smooth (no texture at all) with a soft skin AOV when ``with_aov``.
    """
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32),
                            indexing="ij")
    cx, cy, rx, ry = (w - 1) / 2, (h - 1) / 2, 0.42 * w, 0.44 * h
    u, v = (xx - cx) / rx, (yy - cy) / ry
    r2 = u * u + v * v
    inside = r2 < 1
    nz = torch.sqrt((1 - r2).clamp_min(0))
    # normal of the ellipsoid (x right, y down, z towards camera), slightly flattened
    n = torch.stack([u, v, 1.6 * nz], 0)
    n = n / n.norm(dim=0, keepdim=True).clamp_min(1e-6)
    l = torch.tensor(light, dtype=torch.float32)
    l = l / l.norm()
    shade = (n * l.view(3, 1, 1)).sum(0).clamp_min(0) * 0.9 + 0.05
    skin = torch.tensor(SKIN_LINEAR).view(3, 1, 1) * shade
    bg = torch.tensor(background).view(3, 1, 1).expand(3, h, w)
    rgb = torch.where(inside, skin, bg)[None].contiguous()
    mask = (1.0 - torch.sigmoid((r2.sqrt() - 0.97) * 80)).clamp(0, 1)
    mask = torch.where(r2 < 0.9, torch.ones_like(mask), mask) * inside.float()
    aovs = {"skin": mask[None, None]} if with_aov else {}
    return Frame(rgb, aovs, FrameMeta(face_mm_per_px=mm_per_px, seed=seed, source="render"))


@pytest.fixture
def face() -> Frame:
    return make_face()


def correlation(a: torch.Tensor, b: torch.Tensor, w: torch.Tensor) -> float:
    """Weighted Pearson correlation of two same-shaped tensors over weights ``w``."""
    w = w / w.sum()
    am, bm = (a * w).sum(), (b * w).sum()
    cov = ((a - am) * (b - bm) * w).sum()
    return float(cov / math.sqrt(float(((a - am) ** 2 * w).sum() * ((b - bm) ** 2 * w).sum()) + 1e-30))
