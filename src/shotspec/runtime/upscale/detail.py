"""Detail synthesis for ``mode="detail"``: put back the fine detail a faithful upscale averages away.

A faithful (highest-PSNR) upscale is the average of every sharp image that shrinks to the input,
so it is smoother than any of them — the "plastic" look. Detail mode adds high frequencies in
three parts, each sized to the image, not by a fixed gain:

* **edge steepening** (×3/×4; a continuous shock filter, Osher & Rudin 1990) on *coherent*
  edges only: a few explicit steps move each pixel uphill on the bright side of an edge and
  downhill on the dark side, so soft ramps steepen around the zero-crossing of the smoothed
  Laplacian — frequencies above the input's Nyquist limit, at its edges, wherever between pixels
  the edge lies. The discrete version this replaces pulled pixels to their 3×3 maximum or
  minimum; on skin those are the upsample's extrema, which sit on the input's pixel centres,
  and it painted a lattice of soft dots ``factor`` pixels apart and posterised plateaus
  (issue 18). Its strength is scaled back where it alone would pass the target;
* **band boost** (×2): the estimate's own finest band, amplified — correct detail that
  upsampling attenuated; the gain is solved so the image reaches its target energy, never
  above ``BOOST_MAX``, so box-shrunk inputs (whose finest band is already strong) are not
  over-sharpened;
* **texture** for what is still missing: a seeded, band-limited noise above the input's Nyquist
  limit, modulated by the local contrast of the estimate's detail three to six input pixels
  across (busy skin, hair and fabric get texture in proportion, flat walls none) and kept off
  coherent edges. Its amplitude fills the gap between the detail present and
  ``TEXTURE_SHARE × TARGET_SHARE`` of the energy the original is predicted to have
  (:mod:`.spectrum`, a power law fitted on the input's own spectrum), so a soft render gets
  little, a grainy scan more. The contrast is measured below the input's top octave because
  the shrinking kernel shapes that octave: a bicubic shrink leaves about two thirds of the
  energy a box shrink leaves there, and texture sized by it gave bicubic-shrunk faces at ×4
  an HF ratio of 0.62 against 0.71 for box-shrunk ones (docs/upscale.md).

The shock step also shifts local means beside edges, an error below the input's Nyquist limit
that ``image.py`` removes by back-projecting onto the input (``REPROJECT_ITERATIONS``) before
the texture is added; the texture lies above that limit, so shrinking the result gives the
input back as closely as the faithful estimate did.

Everything is deterministic: the noise comes from a fixed-seed CPU generator.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ..filters import gaussian_blur
from .filters import structure_features
from .spectrum import HF_BAND, band_energy, predicted_band_energy, radial_frequency, rfft_weights

__all__ = ["edge_detail", "fill_texture", "steepen_edges", "boost_band", "band_texture", "texture_band", "DETAIL_PARAMS",
           "REPROJECT_ITERATIONS", "TARGET_SHARE", "BOOST_MAX", "TEXTURE_MAX", "TEXTURE_SHARE", "TEXTURE_SEED"]

# scale -> (edge steepening: total step over SHOCK_STEPS, in units of the local gradient; the
# smoothing sigma of its Laplacian in output px)
DETAIL_PARAMS = {2: (0.0, 1.0), 3: (1.2, 1.2), 4: (1.2, 1.5)}
# scale -> back-projection iterations after edge synthesis (0: none). At x2 the boosted band
# lies partly below the input's Nyquist limit, where back-projection would undo it.
REPROJECT_ITERATIONS = {2: 0, 3: 3, 4: 3}
SHOCK_STEPS = 4                 # explicit shock-filter steps
COHERENCE_GATE = (0.35, 0.25)   # structure coherence (start, width) over which edges count as edges
# scale -> share of the predicted original high-frequency energy to reach. The prediction runs
# low on average (about 0.7x the truth at x4 on the 29 images, docs/upscale.md), hence > 1.
TARGET_SHARE = {2: 1.3, 3: 1.3, 4: 1.3}
BOOST_MAX = 0.75                # largest finest-band gain at x2
# scale -> share of that target the texture fills: the texture is uncorrelated with the original,
# so each unit of its energy costs PSNR, where the edges' does not
TEXTURE_SHARE = {2: 0.85, 3: 0.8, 4: 0.8}
# scale -> largest texture amplitude, relative to the (capped) local RMS of TEXTURE_BAND: the
# safety when the power-law prediction runs high (small crops, synthetic images)
TEXTURE_MAX = {2: 1.5, 3: 2.4, 4: 2.4}
TEXTURE_BAND = (1.4, 2.8)       # Gaussian σ (input px) whose difference sizes the texture locally
TEXTURE_SEED = 0x5EED_0018
Pattern = tuple[torch.Tensor, torch.Tensor]   # (texture, weight): see fill_texture
TEXTURE_LOW, TEXTURE_RAMP = 0.6, 0.3  # texture band edge, in cycles per *input* pixel
LOCAL_CAP_QUANTILE = 0.5        # texture amplitude is capped at this quantile of the local contrast


def _coherent(estimate: torch.Tensor, factor: int) -> torch.Tensor:
    """0–1 weight per pixel: 1 on coherent (line-like) structure, 0 on texture and flat areas."""
    _, _, coherence = structure_features(estimate, factor)
    return ((coherence - COHERENCE_GATE[0]) / COHERENCE_GATE[1]).clamp(0, 1)


def steepen_edges(x: torch.Tensor, strength: float, sigma: float, weight: torch.Tensor | None = None,
                  steps: int = SHOCK_STEPS) -> torch.Tensor:
    """Shock filter (Osher & Rudin 1990) on ``(N, 1, H, W)``: ``steps`` explicit steps of
    ``x ← x − strength/steps · s(Δ(G_σ x)) · |∇x|``, with ``s`` a smooth sign (``tanh``).

    Each pixel moves uphill on the bright side of an edge and downhill on the dark side, by at
    most its own gradient per step: soft ramps steepen around the zero-crossing of the smoothed
    Laplacian, which lies anywhere between pixels. (A discrete version that pulled each pixel to
    its 3×3 maximum or minimum snapped to the upsample's extrema, which sit on the input's pixel
    centres, and painted a lattice there.) ``weight`` (N, 1, H, W) scales the step per pixel.
    """
    dt = strength / steps
    for _ in range(steps):
        p = F.pad(x, (1, 1, 1, 1), mode="replicate")
        gx = 0.5 * (p[..., 1:-1, 2:] - p[..., 1:-1, :-2])
        gy = 0.5 * (p[..., 2:, 1:-1] - p[..., :-2, 1:-1])
        smooth = F.pad(gaussian_blur(x, sigma, edge="replicate", truncate=2.5), (1, 1, 1, 1), mode="replicate")
        lap = (smooth[..., 1:-1, 2:] + smooth[..., 1:-1, :-2] + smooth[..., 2:, 1:-1] + smooth[..., :-2, 1:-1]
               - 4 * smooth[..., 1:-1, 1:-1])
        scale = gaussian_blur(lap.abs(), 2.0 * sigma, edge="replicate", truncate=2.5) + 1e-4
        step = -torch.tanh(lap / scale) * torch.sqrt(gx * gx + gy * gy)
        if weight is not None:
            step = step * weight
        x = x + dt * step
    return x


def boost_band(x: torch.Tensor, gain: torch.Tensor | float, sigma: float = 0.8) -> torch.Tensor:
    """Amplify the finest band of ``(N, 1, H, W)`` by ``1 + gain`` (a float or ``(N,)``)."""
    if isinstance(gain, torch.Tensor):
        gain = gain.to(x.dtype).view(-1, 1, 1, 1)
    return x + gain * (x - gaussian_blur(x, sigma, edge="replicate", truncate=2.5))


def texture_band(x: torch.Tensor, factor: int) -> torch.Tensor:
    """``x`` (N, C, H, W) filtered in the Fourier domain to the texture's band: zero below
    ``TEXTURE_LOW / factor`` cycles/px, rising smoothly over ``TEXTURE_RAMP / factor``, rolling
    off towards 0.5 as a pixel's footprint does (float32, on ``x``'s device)."""
    h, w = x.shape[-2:]
    r = radial_frequency(h, w, x.device, torch.float32)
    t = ((r * factor - TEXTURE_LOW) / TEXTURE_RAMP).clamp(0, 1)
    gain = t * t * (3 - 2 * t) * torch.exp(-2 * (torch.pi * 0.5 * r) ** 2)   # pixel-footprint roll-off (σ 0.5 px)
    return torch.fft.irfft2(torch.fft.rfft2(x.float()) * gain, s=(h, w))


def band_texture(shape: tuple[int, ...], factor: int, device, dtype) -> torch.Tensor:
    """Unit-RMS noise ``shape`` (N, 1, H, W) in the texture's band (:func:`texture_band`).

    Filtered in the Fourier domain, so the noise is stationary: the same statistics at every
    sub-pixel phase of the input grid. (Removing its low band by back-projection instead — a
    bicubic upsample of a small-grid residual — made its variance depend on the phase, a faint
    lattice of the input grid in the texture's energy.)"""
    gen = torch.Generator(device="cpu").manual_seed(TEXTURE_SEED + factor)
    band = texture_band(torch.randn(shape, generator=gen, dtype=torch.float32), factor)
    band = band / band.square().mean((-2, -1), keepdim=True).sqrt().clamp_min(1e-12)
    return band.to(device=device, dtype=dtype)


def _band_terms(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """HF-band energies of ``a`` and ``b`` and their cross term Σ Re(A·B*) per plane (float64)."""
    h, w = a.shape[-2:]
    fa, fb = torch.fft.rfft2(a.double())[:, 0], torch.fft.rfft2(b.double())[:, 0]
    r = radial_frequency(h, w, a.device, torch.float64)
    wt = rfft_weights(w, a.device, torch.float64)
    sel = ((r >= HF_BAND[0]) & (r <= HF_BAND[1])).double() * wt
    return ((fa.abs().square() * sel).sum((-2, -1)), (fb.abs().square() * sel).sum((-2, -1)),
            ((fa * fb.conj()).real * sel).sum((-2, -1)))


def _gain_to_reach(target: torch.Tensor, ea: torch.Tensor, eb: torch.Tensor, cross: torch.Tensor) -> torch.Tensor:
    """Smallest g ≥ 0 with band energy of ``a + g·b`` = target (0 if already there)."""
    # eb g² + 2 cross g + (ea - target) = 0
    disc = (cross * cross - eb * (ea - target)).clamp_min(0)
    g = (-cross + disc.sqrt()) / eb.clamp_min(1e-30)
    return torch.where(ea >= target, torch.zeros_like(g), g.clamp_min(0))


def edge_detail(estimate: torch.Tensor, factor: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Steepened coherent edges (×3/×4) or the solved finest-band boost (×2) of a faithful
    ``estimate`` (N, 1, H*f, W*f) → (result, the predicted original HF-band energy ``(N,)``)."""
    target = TARGET_SHARE[factor] * predicted_band_energy(estimate, factor)
    strength, sigma = DETAIL_PARAMS[factor]
    out = estimate
    if strength > 0:
        # the steepening is scaled back where it alone would pass the target (soft renders)
        delta = steepen_edges(out, strength, sigma, _coherent(estimate, factor)) - out
        share = _gain_to_reach(target, *_band_terms(out, delta)).clamp(max=1.0)
        out = out + share.to(out.dtype).view(-1, 1, 1, 1) * delta
    if factor == 2:
        fine = out - gaussian_blur(out, 0.8, edge="replicate", truncate=2.5)
        gain = _gain_to_reach(target, *_band_terms(out, fine)).clamp(max=BOOST_MAX)
        out = boost_band(out, gain)
    return out, target


def fill_texture(x: torch.Tensor, estimate: torch.Tensor, factor: int, target: torch.Tensor,
                 pattern: Pattern | Callable[[], Pattern | None] | None = None) -> torch.Tensor:
    """Add band-limited texture to ``x`` until its HF-band energy reaches ``TEXTURE_SHARE`` of
    ``target`` (N,).

    The texture's local amplitude follows the local RMS of the faithful ``estimate``'s detail
    three to six input pixels across (``TEXTURE_BAND``), off coherent edges: a band both
    shrinking kernels pass alike, so bicubic- and box-shrunk inputs get the same texture.
    pattern: optional ``(texture, weight)``, each (1, 1, H, W): where ``weight`` is 1 the
    texture is ``texture`` (unit RMS in the texture's band, e.g. the skin's own relief:
    :mod:`.skin_detail`) instead of the seeded noise; they blend where it is between. A
    callable is called only when texture is needed (not when ``x`` already has the energy: a
    render at ×2, whose band boost reaches the target)."""
    goal = TEXTURE_SHARE[factor] * target
    if bool((band_energy(x, *HF_BAND) >= goal).all()):
        return x
    if callable(pattern):
        pattern = pattern()
    lo, hi = TEXTURE_BAND
    band = (gaussian_blur(estimate, lo * factor, edge="replicate", truncate=2.5)
            - gaussian_blur(estimate, hi * factor, edge="replicate", truncate=2.5))
    local = gaussian_blur(band * band, 1.5 * factor, edge="replicate", truncate=2.5).sqrt()
    # capped at the plane's median busy-ness: eyes, lash lines and hard outlines (the loudest
    # detail) get no louder texture than skin does, where it read as salt-and-pepper
    cap = local.flatten(1).quantile(LOCAL_CAP_QUANTILE, dim=1).view(-1, 1, 1, 1)
    local = torch.minimum(local, cap)
    texture = band_texture(tuple(x.shape), factor, x.device, x.dtype)
    if pattern is not None:
        own, weight = (t.to(device=x.device, dtype=x.dtype) for t in pattern)
        texture = texture + weight * (own - texture)
    texture = texture * local * (1 - _coherent(estimate, factor))
    gain = _gain_to_reach(goal, *_band_terms(x, texture)).clamp(max=TEXTURE_MAX[factor])
    return x + gain.to(x.dtype).view(-1, 1, 1, 1) * texture
