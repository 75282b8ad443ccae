"""Measuring the skin relief the way real skin is measured: flat and curved test patches at the
face's true scale, shaded by a raking light, judged by the spectrum of log-luminance and by
relative contrast from shadow to highlight (the statistics in docs/rendering.md).

Real skin (photographs at a known scale): the texture spectrum peaks at 0.75–1.25 cycles/mm
(relief cells ~1 mm apart) and the relative contrast rises from ~4.5 % in shadow to ~9 % in the
lit and sheen areas. These helpers let a test or bench compare the relief with those numbers
without rendering a head.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.enhance.texture_stats import radial_power_spectrum
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.head.regions import REGIONS, RegionWeights
from shotspec.runtime.head.relief import perturb_normals, skin_relief
from shotspec.runtime.head.skin_brdf import skin_specular, two_lobe_specular
from shotspec.runtime.head.sss import PROFILE_VARIANCES_MM2, PROFILE_WEIGHTS
from shotspec.color import LUMA_REC709

from shotspec.runtime.head.skin_albedo import CAVITY_DARKENING as _CAVITY_DARKENING

__all__ = ["diffuse_profile_blur", "patch_regions", "raking_patch", "spectrum_of", "spectrum_peak", "band_share",
           "cylinder_contrast"]


def diffuse_profile_blur(irradiance: torch.Tensor, mm_per_px: float) -> torch.Tensor:
    """Irradiance (H, W) spread by skin's measured diffusion profile (d'Eon's six Gaussians,
    their RGB weights averaged by luminance): what subsurface scattering does to the light
    that the relief modulates, before it leaves the skin."""
    x = irradiance[None, None]
    out = torch.zeros_like(x)
    weights = [sum(l * c for l, c in zip(LUMA_REC709, w)) for w in PROFILE_WEIGHTS]
    for v, w in zip(PROFILE_VARIANCES_MM2, weights):
        out = out + w * gaussian_blur(x, math.sqrt(v) / mm_per_px, edge="reflect")
    return (out / sum(weights))[0, 0]


def patch_regions(n: int, region: str, device="cpu") -> RegionWeights:
    """Region weights (n, R) of a uniform patch of ``region`` (plus ``skin``)."""
    w = torch.zeros(n, len(REGIONS), device=device)
    w[:, REGIONS.index("skin")] = 1.0
    w[:, REGIONS.index(region)] = 1.0
    return RegionWeights(w)


def raking_patch(skin: SkinIR, seed: int, size_px: int = 256, mm_per_px: float = 0.1,
                 region: str = "cheeks", elevation_deg: float = 20.0, footprint_mm: float | None = None,
                 origin_mm: tuple[float, float, float] = (40.0, -25.0, 5.0), network: str = "furrows") -> torch.Tensor:
    """Luminance (H, W) of a flat patch (normal +z) of ``size_px``² pixels at ``mm_per_px``,
    lit by a directional light ``elevation_deg`` above the surface from +x (Lambert, albedo
    darkened in cavities). ``footprint_mm`` defaults to the pixel size; ``network``: the
    relief's pebbled network (:func:`skin_relief`)."""
    ys, xs = torch.meshgrid(torch.arange(size_px, dtype=torch.float32),
                            torch.arange(size_px, dtype=torch.float32), indexing="ij")
    pos = torch.stack((xs.flatten() * mm_per_px + origin_mm[0], -ys.flatten() * mm_per_px + origin_mm[1],
                       torch.full((size_px * size_px,), origin_mm[2])), dim=1)
    fp = torch.full((pos.shape[0],), footprint_mm or mm_per_px)
    rel = skin_relief(pos, patch_regions(pos.shape[0], region), fp, skin, seed, network=network)
    n = perturb_normals(torch.tensor([[0.0, 0.0, 1.0]]).expand_as(pos), rel.grad)
    e = math.radians(elevation_deg)
    light = torch.tensor([math.cos(e), 0.0, math.sin(e)])
    irradiance = diffuse_profile_blur((n @ light).clamp_min(0.0).reshape(size_px, size_px), mm_per_px)
    return irradiance * (1.0 - _CAVITY_DARKENING * rel.cavity).reshape(size_px, size_px)


def spectrum_of(lum: torch.Tensor, mm_per_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged power spectrum of log-luminance: (cycles/mm, power)."""
    log = torch.log(lum.clamp_min(1e-4))
    gray = 1.0 + (log - log.mean())
    f, p = radial_power_spectrum(gray, torch.ones_like(gray))
    return f / mm_per_px, p


def spectrum_peak(freq: np.ndarray, power: np.ndarray, lo: float = 0.25, hi: float = 4.0,
                  octaves: float = 0.25, per_octave: bool = True) -> float:
    """Frequency (cycles/mm) where the spectrum is highest between ``lo`` and ``hi``, smoothed
    by a Gaussian of ``octaves`` in log-frequency (one ring of a radial spectrum is noisy).

    ``per_octave``: the texture's energy per octave of scale, f²·P(f) (the 2-D power in a ring
    is 2πf·P·df, and df = f·ln2 per octave) — what a band-pass decomposition of a photograph
    (one band per octave) measures; False: the ring-averaged power P(f) itself."""
    if per_octave:
        power = power * freq * freq
    grid = np.exp(np.linspace(np.log(lo), np.log(hi), 121))
    lf = np.log2(freq[freq > 0])
    p = power[freq > 0]
    w = np.exp(-0.5 * ((lf[None, :] - np.log2(grid)[:, None]) / octaves) ** 2)
    smooth = (w * p[None, :]).sum(1) / w.sum(1)
    return float(grid[np.argmax(smooth)])


def band_share(freq: np.ndarray, power: np.ndarray, lo: float, hi: float,
               total: tuple[float, float] = (0.2, 4.0)) -> float:
    """Share of the 2-D power (ring power × ring circumference) between ``lo`` and ``hi``
    cycles/mm, out of the ``total`` range."""
    e = power * freq
    band = (freq >= lo) & (freq <= hi)
    tot = (freq >= total[0]) & (freq <= total[1])
    return float(e[band].sum() / max(e[tot].sum(), 1e-30))


def cylinder_contrast(skin: SkinIR, seed: int, radius_mm: float = 45.0, mm_per_px: float = 0.1,
                      height_px: int = 128, key_deg: float = 60.0, ambient: float = 0.08
                      ) -> dict[str, float]:
    """Relative contrast (std / mean of luminance minus its 2 mm blur) in three bands of a
    vertical skin cylinder seen from +z and lit from ``key_deg`` towards +x: the shadow side
    (ambient only), the lit side, and the sheen around the specular highlight."""
    width_px = int(round(math.pi * radius_mm * 170.0 / 180.0 / mm_per_px))
    phi = torch.linspace(-math.radians(85.0), math.radians(85.0), width_px)
    ys = -torch.arange(height_px, dtype=torch.float32) * mm_per_px - 25.0
    pp, yy = torch.meshgrid(phi, ys, indexing="xy")
    nrm = torch.stack((torch.sin(pp), torch.zeros_like(pp), torch.cos(pp)), dim=-1).reshape(-1, 3)
    pos = torch.stack((radius_mm * torch.sin(pp), yy, radius_mm * torch.cos(pp) - radius_mm), dim=-1).reshape(-1, 3)
    fp = torch.full((pos.shape[0],), mm_per_px)
    reg = patch_regions(pos.shape[0], "cheeks")
    rel = skin_relief(pos, reg, fp, skin, seed)
    n = perturb_normals(nrm, rel.grad)
    k = math.radians(key_deg)
    light = torch.tensor([math.sin(k), 0.0, math.cos(k)]).expand_as(n)
    view = torch.tensor([0.0, 0.0, 1.0]).expand_as(n)
    diffuse = (n * light).sum(1).clamp_min(0.0) + ambient * (0.7 + 0.3 * n[:, 2]) * (1.0 - 0.3 * rel.cavity)
    diffuse = diffuse_profile_blur(diffuse.reshape(height_px, width_px), mm_per_px).flatten()
    spec = two_lobe_specular(n, view, light, skin_specular(skin, reg, rel.cavity))
    lum = (0.45 * (1.0 - _CAVITY_DARKENING * rel.cavity) * diffuse + spec).reshape(height_px, width_px)
    detail = lum - gaussian_blur(lum[None, None], 2.0 / mm_per_px, edge="reflect")[0, 0]
    deg = torch.rad2deg(phi)
    half = math.degrees(k) / 2.0
    bands = {"shadow": (-80.0, -45.0), "lit": (half - 45.0, half - 15.0), "sheen": (half - 6.0, half + 6.0)}
    out = {}
    for name, (a, b) in bands.items():
        cols = (deg >= a) & (deg <= b)
        out[name] = float(detail[:, cols].std() / lum[:, cols].mean())
    return out
