"""Image cues that tell skin from hair of the same colour, and an edge-aware mask refinement.

Blonde, grey or dyed hair can match skin's colour exactly (on ``model_face.jpg`` the hair's Cb/Cr
sit inside the skin's spread), so colour alone takes it in. What differs is structure:

* **fine band energy** (``band_energy``): the RMS of a difference of Gaussians (σ 0.7 → 1.5
  working pixels) of the log luminance, averaged over σ = 3 px. Hair is a stack of strands one
  to a few pixels wide and scores 3–10× higher than skin, whose pores and grain sit lower
  (on ``model_face.jpg`` at 640 px: hair's 2nd percentile 0.0022–0.0066, skin's median
  0.0012–0.0024). Log luminance makes it a relative contrast, the same in shadow and light.
* **orientation coherence** (``coherence``): (λ₁ − λ₂)/(λ₁ + λ₂) of the structure tensor of
  the same band — strands run parallel (0.6–0.95), skin's residue is isotropic (0.1–0.6). A
  shading edge is coherent too but carries almost no fine band energy, so coherence only
  sharpens the band-energy cue (``hair_likelihood``), it never decides alone.
* **guided filter** (``guided_filter``, He, Sun & Tang 2010): a soft mask made to follow the
  image's own edges (a jaw line, a hand on a neck) instead of a blurred staircase.

All inputs are (1, 1, H, W) float tensors at the detector's working resolution.
"""

from __future__ import annotations

import torch

from shotspec.runtime.filters import box_mean, gaussian_blur

__all__ = ["log_luma", "band_energy", "coherence", "hair_likelihood", "guided_filter",
           "BAND_SIGMAS_PX", "ENERGY_SIGMA_PX"]

BAND_SIGMAS_PX = (0.7, 1.5)     # difference of Gaussians: strand-width detail
ENERGY_SIGMA_PX = 3.0           # neighbourhood the band's energy and orientation are averaged over
LOG_OFFSET = 0.02               # log(Y + offset): relative contrast without blowing up black noise


def log_luma(y: torch.Tensor) -> torch.Tensor:
    """Log of a display-referred luma (1,1,H,W) in 0–1, offset so black noise stays small."""
    return torch.log(y.clamp_min(0.0) + LOG_OFFSET)


def _band(ll: torch.Tensor) -> torch.Tensor:
    s1, s2 = BAND_SIGMAS_PX
    return gaussian_blur(ll, s1, edge="reflect") - gaussian_blur(ll, s2, edge="reflect")


def band_energy(ll: torch.Tensor) -> torch.Tensor:
    """Local RMS (1,1,H,W) of the strand-scale band of the log luma ``ll``: hair high, skin low."""
    band = _band(ll)
    return torch.sqrt(gaussian_blur(band * band, ENERGY_SIGMA_PX, edge="reflect").clamp_min(0.0))


def coherence(ll: torch.Tensor) -> torch.Tensor:
    """Orientation coherence (1,1,H,W) in 0–1 of the fine band's gradients (structure tensor
    averaged over ``ENERGY_SIGMA_PX``): 1 for parallel strands, 0 for isotropic texture."""
    band = gaussian_blur(ll, BAND_SIGMAS_PX[0], edge="reflect")
    gx = torch.zeros_like(band)
    gy = torch.zeros_like(band)
    gx[..., :, 1:-1] = 0.5 * (band[..., :, 2:] - band[..., :, :-2])
    gy[..., 1:-1, :] = 0.5 * (band[..., 2:, :] - band[..., :-2, :])
    jxx = gaussian_blur(gx * gx, ENERGY_SIGMA_PX, edge="reflect")
    jyy = gaussian_blur(gy * gy, ENERGY_SIGMA_PX, edge="reflect")
    jxy = gaussian_blur(gx * gy, ENERGY_SIGMA_PX, edge="reflect")
    disc = torch.sqrt(((jxx - jyy) ** 2 + 4.0 * jxy * jxy).clamp_min(0.0))
    return (disc / (jxx + jyy + 1e-9)).clamp(0.0, 1.0)


def hair_likelihood(ll: torch.Tensor, skin_level: float) -> torch.Tensor:
    """Fine band energy (1,1,H,W) in units of the skin's own level ``skin_level`` (the seed
    skin's median band energy, so film grain or JPEG noise raises both alike), raised where
    the texture is oriented: ``energy / level × (0.75 + 0.5 × coherence)``. Skin ≈ 1, hair 3+."""
    e = band_energy(ll) / max(skin_level, 1e-6)
    return e * (0.75 + 0.5 * coherence(ll))


def guided_filter(guide: torch.Tensor, src: torch.Tensor, radius_px: int, eps: float) -> torch.Tensor:
    """He et al.'s guided filter: ``src`` (1,1,H,W) smoothed within ``radius_px`` while keeping
    the edges of ``guide`` (1,1,H,W); ``eps`` (in guide units squared) sets how strong an edge
    must be to be kept. Output is locally an affine function of the guide."""
    def mean(x: torch.Tensor) -> torch.Tensor:
        return box_mean(x, radius_px, edge="replicate", method="running_sum")

    mg, ms = mean(guide), mean(src)
    var = mean(guide * guide) - mg * mg
    cov = mean(guide * src) - mg * ms
    a = cov / (var.clamp_min(0.0) + eps)
    b = ms - a * mg
    return mean(a) * guide + mean(b)
