"""Film grain sized on the film plane: a fast approximation of the Boolean grain model
(Newson, Delon & Galerne 2017) that keeps its second-order statistics and its clumping.

The physical reference: grains are discs of film-plane radius r (log-normally distributed) whose
centres form a Poisson process of density λ; a point of the film is covered when a grain covers
it, so the local *coverage* has mean u = 1 − exp(−λ·π·E[r²]) (the image value) and variance
u(1 − u); the scan (or print) sees the coverage through its point spread and each pixel
averages it over its footprint. Rendering that exactly costs a Monte-Carlo integral per pixel.
This module keeps what a viewer and a measurement see:

* **Spatial structure.** Poisson shot noise on the film plane filtered by the grain disc: its
  power spectrum is E_r[r⁴ · jinc²(2rν)] (the Boolean model's covariance to first order in
  grain density), sized in film-plane micrometres and converted with the pixel pitch
  ``sensor_width_m / width`` — the same grain is twice as many pixels wide on a frame twice as
  wide, and averaging pixels lowers the RMS the way a larger aperture does on film (Selwyn's
  law). The scan that turns film into pixels adds its own point spread, a Gaussian of
  ``SCAN_SPREAD_PX`` pixels (a scanner's optics and resampling filter are matched to its
  pitch, so this spread is a fraction of the *output* pixel: exp(−4π²σ²ν²) on the spectrum),
  and each pixel integrates its box (sinc²), sampled at pixel centres with the aliases folded
  back.
* **Clumping.** The luminance component is built from Poisson counts of grain centres per pixel
  (mean: the grains a pixel holds at mid-grey, λ·pitch²), not from Gaussian noise, so where a
  pixel holds few grains the field is skewed like the Boolean model's: sparse bright clumps in
  the shadows (few grains cover), sparse dark gaps in the highlights (few holes stay open),
  symmetric at mid-grey. Two independent count fields of opposite skew are mixed by the local
  level, keeping the variance. Above ``_GAUSSIAN_COUNT`` grains per pixel the counts are
  Gaussian to within a few per cent and normal variates are drawn instead.
* **Amplitude.** Each stock gives the RMS at mid-grey through a 48 µm aperture; the per-pixel RMS
  follows from the spectrum integrals exactly (no empirical normalisation).
* **Luminance dependence** (:func:`grain_level_factor`). In the perceptual domain u
  (``perceptual.py``) the RMS is the Boolean model's sqrt(u(1 − u)) times the print's (1 − u),
  normalised to 1 at mid-grey: 1.3 at u = 0.25, 0.7 at 0.65, 0.3 at 0.8. The scans measure
  this (0.017, 0.013, 0.009 at u ≈ 0.25, 0.5, 0.65): about constant in display code values
  from the shadows to the highlights, where sqrt(u(1 − u)) alone would make bright skin three
  times grainier in code values than the scans' mid-tones. It is applied in the logit of u
  (log exposure) as a multiplicative change of linear light, which keeps u' in (0, 1), leaves
  black black and is mean-preserving to first order; the logit gain is capped at twice its
  mid-grey value (reached at u = 0.2) so deep shadows fade out instead of sparkling.
* **Colour.** Three dye layers: per-channel amplitude, and the luminance component carrying
  ``colour_correlation`` of each channel's variance (the scans' channels correlate 0.85–0.9).

Noise is drawn on the CPU from seeded generators and moved to the frame's device, so CPU and
CUDA give the same grain.
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

import numpy as np
import torch

from shotspec.runtime.finishing.film_stocks import (REFERENCE_APERTURE_UM, SCAN_SPREAD_PX, FilmStock,
                                                    get_stock)
from shotspec.runtime.finishing.perceptual import RESPONSE_GAMMA, require_rgb, to_perceptual
from shotspec.runtime.frame import Frame

__all__ = ["film_grain", "grain_noise", "mix_grain", "grain_pixel_rms", "grains_per_pixel",
           "grain_level_factor", "grain_seed"]

RADIUS_LOG_SIGMA = 0.3          # spread of ln(grain radius) (log-normal radii, as in Newson et al.)
_RADIUS_NODES = 7               # Gauss–Hermite nodes over ln r
_ALIASES = 2                    # fold spectra from |k| ≤ 2 sampling periods per axis
_LOGIT_GAIN_CAP = 2.0           # cap of the logit gain relative to mid-grey
_TABLE_SAMPLES = 8192
_GAUSSIAN_COUNT = 64.0          # grains per pixel above which counts are drawn as normal variates


def grain_seed(seed: int, frame_index: int, stock: str) -> int:
    """63-bit generator seed from (seed, frame_index, stock), stable across processes."""
    digest = hashlib.sha256(f"grain|{int(seed)}|{int(frame_index)}|{stock}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def _jinc(x: np.ndarray) -> np.ndarray:
    """2·J1(πx)/(πx), 1 at 0: the Fourier transform of a unit-area disc of diameter 1 at x
    cycles per diameter. (Spectra are built in float64 numpy on the CPU, once per size.)"""
    z = np.pi * np.asarray(x, dtype=np.float64)
    safe = np.where(np.abs(z) < 1e-8, 1.0, z)
    j1 = torch.special.bessel_j1(torch.from_numpy(safe)).numpy()
    return np.where(np.abs(z) < 1e-8, 1.0, 2.0 * j1 / safe)


def _grain_power(nu: np.ndarray, radius: float, spread: float) -> np.ndarray:
    """Normalised grain power spectrum E_r[r⁴ jinc²(2 r ν)] / E[r⁴] · exp(−4π²·spread²·ν²) at
    radial frequency ν (cycles per unit of ``radius``): log-normal radii with median ``radius``
    seen through a Gaussian point spread of standard deviation ``spread``; 1 at ν = 0."""
    x, w = np.polynomial.hermite_e.hermegauss(_RADIUS_NODES)
    radii = radius * np.exp(RADIUS_LOG_SIGMA * x)
    weights = w * radii**4
    weights = weights / weights.sum()
    disc = sum(wi * _jinc(2.0 * ri * nu) ** 2 for ri, wi in zip(radii, weights))
    return disc * np.exp(-4.0 * np.pi**2 * spread**2 * np.asarray(nu, np.float64) ** 2)


@lru_cache(maxsize=32)
def _reference_integral(radius_um: float) -> float:
    """∫ P_grain(ν) · jinc²(48 µm · ν) d²ν over the plane (ν in cycles/µm): the variance, per unit
    white-noise density, of the grain on the film seen through the 48 µm reference aperture
    (a microdensitometer's: no scan spread)."""
    nu = np.linspace(0.0, 40.0 / min(radius_um, REFERENCE_APERTURE_UM / 2), 40_001)
    f = (2.0 * np.pi * nu * _grain_power(nu, radius_um, 0.0)
         * _jinc(REFERENCE_APERTURE_UM * nu) ** 2)
    return float(np.trapezoid(f, nu))


@lru_cache(maxsize=16)
def _radial_table(radius_px: float, spread_px: float) -> tuple[np.ndarray, np.ndarray]:
    """P_grain sampled on ν ∈ [0, ν_max] cycles/pixel, for interpolation."""
    nu = np.linspace(0.0, math.sqrt(2.0) * (_ALIASES + 0.5) + 0.01, _TABLE_SAMPLES)
    return nu, _grain_power(nu, radius_px, spread_px)


def _aliased_power(fx: np.ndarray, fy: np.ndarray, radius_px: float, spread_px: float,
                   aliases: int) -> np.ndarray:
    """Σ_k P_grain(|f + k|)·sinc²(fx + kx)·sinc²(fy + ky) over |kx|, |ky| ≤ aliases, on the grid
    ``fy × fx`` (cycles/pixel, 1-D each): the spectrum of box-sampled grain."""
    nu, power = _radial_table(round(radius_px, 6), round(spread_px, 6))
    total = np.zeros((fy.size, fx.size))
    for ky in range(-aliases, aliases + 1):
        gy = (fy + ky)[:, None]
        for kx in range(-aliases, aliases + 1):
            gx = (fx + kx)[None, :]
            radial = np.interp(np.sqrt(gx * gx + gy * gy), nu, power)
            total += radial * (np.sinc(gx) ** 2 * np.sinc(gy) ** 2)
    return total


def _interp_matrix(targets: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Dense (len(targets), len(knots)) matrix of linear-interpolation weights."""
    pos = np.clip((targets - knots[0]) / (knots[1] - knots[0]), 0, knots.size - 1.000001)
    i = np.floor(pos).astype(np.int64)
    t = pos - i
    m = np.zeros((targets.size, knots.size))
    rows = np.arange(targets.size)
    m[rows, i] = 1.0 - t
    m[rows, i + 1] += t
    return m


@lru_cache(maxsize=8)
def _sampled_spectrum(height: int, width: int, radius_px: float, spread_px: float) -> torch.Tensor:
    """Power spectrum of the pixel-sampled grain on the rfft grid ``(H, W//2 + 1)`` (CPU float32,
    normalised to unit variance): grain power × pixel box aperture, aliases folded back where
    grains are only a few pixels wide.

    Large grains (≥ 3 px radius or spread) have no power past Nyquist worth folding and are
    evaluated directly; smaller ones are evaluated with aliases on a 129² grid over the
    fundamental cell (their spectra are smooth on it) and interpolated.
    """
    fy = np.fft.fftfreq(height)
    fx = np.fft.rfftfreq(width)
    if max(radius_px, spread_px) >= 3.0:
        spec = _aliased_power(fx, fy, radius_px, spread_px, 0)
    else:
        knots = np.linspace(-0.5, 0.5, 129)
        cell = _aliased_power(knots, knots, radius_px, spread_px, _ALIASES)
        spec = _interp_matrix(fy, knots) @ cell @ _interp_matrix(fx, knots).T
    # Multiplicity of each rfft column in the full spectrum (1 for DC and Nyquist, else 2).
    mult = np.full(fx.size, 2.0)
    mult[0] = 1.0
    if width % 2 == 0:
        mult[-1] = 1.0
    spec = spec / ((spec * mult[None, :]).sum() / (height * width))
    return torch.from_numpy(spec).to(torch.float32)


@lru_cache(maxsize=64)
def _pixel_rms_ratio(radius_um: float, pixel_pitch_um: float) -> float:
    radius_px, spread_px = radius_um / pixel_pitch_um, SCAN_SPREAD_PX
    # Variance of a pixel per unit noise density: (1/p²)·∫ P·sinc² over the plane (cycles/pixel).
    nu = np.linspace(-(_ALIASES + 0.5), _ALIASES + 0.5, 513)
    integrand = _aliased_power(nu, nu, radius_px, spread_px, 0)
    pixel_var = float(np.trapezoid(np.trapezoid(integrand, nu), nu)) / pixel_pitch_um**2
    return math.sqrt(pixel_var / _reference_integral(radius_um))


def grain_level_factor(u: float) -> float:
    """RMS of the grain at perceptual level ``u`` relative to mid-grey, below the logit-gain cap
    (u ≥ 0.2): 4·(1 − u)·sqrt(u(1 − u)) (see the module doc)."""
    u = min(max(float(u), 0.0), 1.0)
    return 4.0 * (1.0 - u) * math.sqrt(u * (1.0 - u))


def grain_pixel_rms(stock: FilmStock | str, pixel_pitch_um: float) -> tuple[float, float, float]:
    """Per-pixel RMS of u at mid-grey and strength 1, per channel, for a pixel pitch (µm):
    the stock's 48 µm-aperture amplitude scaled by the ratio of the two apertures' variances."""
    stock = get_stock(stock)
    ratio = _pixel_rms_ratio(stock.grain_radius_um, float(pixel_pitch_um))
    return tuple(a * ratio for a in stock.amplitude)  # type: ignore[return-value]


def grains_per_pixel(stock: FilmStock | str, pixel_pitch_um: float) -> float:
    """Mean number of grain centres in a pixel at mid-grey (coverage u = 0.5): the Poisson
    density λ = ln 2 / (π·E[r²]) of the Boolean model times the pixel's film-plane area."""
    stock = get_stock(stock)
    mean_r2 = stock.grain_radius_um**2 * math.exp(2.0 * RADIUS_LOG_SIGMA**2)
    return math.log(2.0) / (math.pi * mean_r2) * float(pixel_pitch_um) ** 2


def _counts(gen: torch.Generator, mean: float, shape: tuple[int, ...]) -> torch.Tensor:
    """Unit-variance, zero-mean grain-centre counts per pixel: (Poisson(mean) − mean)/√mean,
    positively skewed by 1/√mean; normal variates where the mean is large enough for them."""
    if mean >= _GAUSSIAN_COUNT:
        return torch.randn(shape, generator=gen, dtype=torch.float32)
    rate = torch.full(shape, mean, dtype=torch.float32)
    return (torch.poisson(rate, generator=gen) - mean) / math.sqrt(mean)


def grain_noise(height: int, width: int, pixel_pitch_um: float, stock: FilmStock | str, *,
                seed: int, frame_index: int = 0, device: torch.device | str = "cpu") -> torch.Tensor:
    """Grain fields of ``stock`` for a ``height × width`` frame: ``(1, 5, H, W)`` float32 (see
    :func:`_grain_noise`). The last two fields are kept, so editing only the grain strength (or
    anything downstream of grain) in watch mode does not synthesise the same field again; the
    result is shared — do not modify it in place."""
    stock = get_stock(stock)
    if not pixel_pitch_um > 0:
        raise ValueError(f"pixel pitch must be > 0 µm, got {pixel_pitch_um}")
    return _grain_noise(int(height), int(width), float(pixel_pitch_um), stock, int(seed),
                        int(frame_index), torch.device(device))


@lru_cache(maxsize=2)
def _grain_noise(height: int, width: int, pixel_pitch_um: float, stock: FilmStock, seed: int,
                 frame_index: int, device: torch.device) -> torch.Tensor:
    """Unit-variance grain fields with the stock's film-plane spectrum at this pixel pitch:
    ``(1, 5, H, W)`` float32 — two luminance fields of opposite skew (grain-centre counts, see
    :func:`_counts`) and one chroma field per channel (normal). Mixed by :func:`mix_grain`.

    Noise is drawn on the CPU from a generator seeded by (seed, frame_index, stock) and moved to
    ``device``, so a frame's grain is the same on every run and device; the spectrum is
    periodic, so the grain tiles seamlessly.
    """
    gen = torch.Generator(device="cpu").manual_seed(grain_seed(seed, frame_index, stock.name))
    mean = grains_per_pixel(stock, pixel_pitch_um)
    lum = _counts(gen, mean, (2, height, width))
    lum[1].neg_()
    chroma = torch.randn((3, height, width), generator=gen, dtype=torch.float32)
    white = torch.cat([lum, chroma]).to(device)
    spectrum = _sampled_spectrum(height, width, round(stock.grain_radius_um / pixel_pitch_um, 6),
                                 SCAN_SPREAD_PX)
    filt = torch.sqrt(spectrum).to(device)
    fields = torch.fft.irfft2(torch.fft.rfft2(white, norm="ortho") * filt, s=(height, width),
                              norm="ortho")
    return fields.unsqueeze(0)


def mix_grain(fields: torch.Tensor, level: torch.Tensor, stock: FilmStock | str,
              pixel_pitch_um: float) -> torch.Tensor:
    """Per-channel grain ``(1, 3, H, W)`` in units of u at mid-grey and strength 1 from the
    fields of :func:`grain_noise` and the perceptual luminance ``level`` ``(1, 1, H, W)``.

    Luminance: w·S₊ + (1 − w)·S₋ over √(w² + (1 − w)²) with w = 1 − level, so the clumps are
    bright specks in the shadows and dark gaps in the highlights (the Boolean model's skew
    changes sign at u = 1/2) at unit variance. Channel c: rms_c·(√ρ·L + √(1 − ρ)·C_c).
    """
    stock = get_stock(stock)
    w = (1.0 - level).clamp(0.0, 1.0)
    lum = (w * fields[:, 0:1] + (1.0 - w) * fields[:, 1:2]) / torch.sqrt(w * w + (1.0 - w) ** 2)
    rho = stock.colour_correlation
    colour = math.sqrt(rho) * lum + math.sqrt(1.0 - rho) * fields[:, 2:5]
    rms = torch.tensor(grain_pixel_rms(stock, pixel_pitch_um), dtype=fields.dtype,
                       device=fields.device)
    return colour * rms.view(1, 3, 1, 1)


def film_grain(frame: Frame, *, stock: str, strength: float, seed: int,
               frame_index: int = 0) -> Frame:
    """Add film grain of a named stock to ``frame.rgb`` ``(1, 3, H, W)`` linear light.

    ``strength`` scales the stock's grain (0: none, 1: the stock's nominal grain — the
    amplitude of the film scans it was calibrated on — up to 2). Grain size is set on the film
    plane and converted with ``frame.meta.sensor_width_m / frame.width`` (square pixels), so
    apply it at the output resolution (the plan does). ``frame_index`` gives each frame of a
    sequence fresh, uncorrelated grain; the same (seed, frame_index, stock) gives bit-identical
    output. Works on scene-linear (values > 1) and display-referred input alike; AOVs are
    untouched.
    """
    rgb = frame.rgb
    require_rgb(rgb, "film_grain")
    film = get_stock(stock)
    if not math.isfinite(strength) or strength < 0:
        raise ValueError(f"grain strength must be a finite number ≥ 0, got {strength}")
    if strength == 0:
        return frame
    if frame.meta.sensor_width_m <= 0:
        raise ValueError(f"film_grain needs a positive sensor width, got {frame.meta.sensor_width_m} m")
    pitch_um = frame.meta.sensor_width_m * 1e6 / frame.width
    fields = grain_noise(frame.height, frame.width, pitch_um, film, seed=seed,
                         frame_index=frame_index, device=rgb.device).to(rgb.dtype)
    u = to_perceptual(rgb)
    noise = mix_grain(fields, u.mean(1, keepdim=True), film, pitch_um)
    # σ_u = s·n·grain_level_factor(u) applied in logit(u): Δlogit = σ_u / (u(1−u)).
    gain = (4.0 * torch.sqrt((1.0 - u) / u.clamp_min(1e-12))).clamp_max(4.0 * _LOGIT_GAIN_CAP)
    delta_logit = float(strength) * noise * gain
    return frame.with_rgb(rgb * torch.exp(delta_logit / RESPONSE_GAMMA))
