"""Texture statistics that judge skin detail: band-pass energy and radially averaged power spectra.

Synthesised pores never sit where a reference's did, so texture is compared by statistics, not
pixel by pixel: how much contrast lives in a band of scales (difference of Gaussians) and how the
power is distributed over spatial frequency, both restricted to the skin mask.
"""

from __future__ import annotations

import numpy as np
import torch

from shotspec.runtime.filters import gaussian_blur

__all__ = ["band_energy", "radial_power_spectrum", "inner_weights", "band_rms_mm", "texture_peak_c_per_mm"]


def _as_b1hw(x: torch.Tensor, name: str) -> torch.Tensor:
    if x.dim() == 2:
        x = x[None, None]
    elif x.dim() == 3:
        x = x[None]
    if x.dim() != 4 or x.shape[0] != 1 or x.shape[1] != 1:
        raise ValueError(f"{name} must be (1,1,H,W) or (H,W), got {tuple(x.shape)}")
    return x.float()


def inner_weights(mask: torch.Tensor, margin_px: float) -> torch.Tensor:
    """(1,1,H,W) weights: the mask, restricted to pixels at least ~``margin_px`` inside its edge.

    A band-pass filter straddling the mask edge would measure the edge, not the texture.
    """
    m = (mask > 0.5).float()
    inner = gaussian_blur(m, max(margin_px, 0.5), edge="reflect") > 0.97
    return m * inner.float()


def band_energy(gray: torch.Tensor, mask: torch.Tensor, low_px: float, high_px: float) -> float:
    """Relative band-pass energy of ``gray`` inside ``mask``.

    gray: (1,1,H,W) or (H,W) linear luminance; mask: same shape, 0–1. The band is a difference of
    Gaussians ``G(low_px) − G(high_px)`` (sigmas in pixels, ``low_px < high_px``): it keeps detail
    between roughly ``2·low_px`` and ``2π·high_px`` pixels across. Returns the mean squared
    response over the mask's interior divided by the squared mean level, i.e. a contrast energy that
    does not change with exposure. A poreless retouch scores near 0; real skin at pore scale ~1e-4.
    """
    g = _as_b1hw(gray, "gray")
    m = _as_b1hw(mask, "mask").to(g.device)
    if g.shape != m.shape:
        raise ValueError(f"gray {tuple(g.shape)} and mask {tuple(m.shape)} differ")
    if not (0 < low_px < high_px):
        raise ValueError(f"band_energy needs 0 < low_px < high_px, got {low_px}, {high_px}")
    w = inner_weights(m, 2.0 * high_px)
    if float(w.sum()) < 1.0:
        w = (m > 0.5).float()
    total = float(w.sum())
    if total < 1.0:
        raise ValueError("band_energy: the mask selects no pixels")
    dog = gaussian_blur(g, low_px, edge="reflect") - gaussian_blur(g, high_px, edge="reflect")
    level = float((g * w).sum()) / total
    energy = float((dog * dog * w).sum()) / total
    return energy / max(level * level, 1e-12)


def radial_power_spectrum(gray: torch.Tensor, mask: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged power spectrum of ``gray`` inside ``mask``.

    gray, mask: (1,1,H,W) or (H,W). The mask's bounding box is cut out, the masked mean is removed,
    the result is divided by that mean (relative contrast) and windowed by mask × 2-D Hann window
    before the FFT. Returns ``(freq, power)``: frequencies in cycles/pixel (1/N … 0.5) and the mean
    power in each one-bin-wide ring, normalised by the window's energy so it does not depend on the
    region's size.
    """
    g = _as_b1hw(gray, "gray")[0, 0].detach().cpu().double().numpy()
    m = _as_b1hw(mask, "mask")[0, 0].detach().cpu().double().numpy()
    if g.shape != m.shape:
        raise ValueError(f"gray {g.shape} and mask {m.shape} differ")
    ys, xs = np.nonzero(m > 0.5)
    if ys.size < 16:
        raise ValueError("radial_power_spectrum: the mask selects fewer than 16 pixels")
    g = g[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    m = np.clip(m[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1], 0.0, 1.0)
    h, w = g.shape
    window = m * np.outer(np.hanning(h + 2)[1:-1], np.hanning(w + 2)[1:-1])
    mean = float((g * window).sum() / max(window.sum(), 1e-12))
    x = (g - mean) / max(abs(mean), 1e-12) * window
    n = max(h, w)
    spec = np.abs(np.fft.fft2(x, s=(n, n))) ** 2 / max(float((window**2).sum()), 1e-12)
    f = np.fft.fftfreq(n)
    radius = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    bins = np.rint(radius * n).astype(np.int64)
    nbins = n // 2
    sums = np.bincount(bins.ravel(), weights=spec.ravel(), minlength=nbins + 1)
    counts = np.bincount(bins.ravel(), minlength=nbins + 1)
    k = np.arange(1, nbins + 1)
    return k / n, sums[k] / np.maximum(counts[k], 1)


def _blur_mm(x: torch.Tensor, sigma_px: float) -> torch.Tensor:
    return gaussian_blur(x, sigma_px, edge="reflect") if sigma_px >= 0.3 else x


def band_rms_mm(log_lum: torch.Tensor, box: tuple[int, int, int, int], mm_per_px: float,
                lo_mm: float, hi_mm: float) -> float:
    """RMS of log-luminance in the band of structures ``lo_mm``–``hi_mm`` across, in a
    Hann-windowed patch.

    log_lum: (H, W) or (1,1,H,W); box (x0, y0, x1, y1) pixels; the band is the difference of
    Gaussians of σ = lo_mm / 2 and hi_mm / 2 (in pixels at ``mm_per_px``; a σ under 0.3 px is no
    blur: the band then reaches the pixel). Filtered on the whole image, so the patch's edges
    are not measured as texture; the patch is weighted by a 2-D Hann window.
    """
    if not 0 < lo_mm < hi_mm:
        raise ValueError(f"band_rms_mm needs 0 < lo_mm < hi_mm, got {lo_mm}, {hi_mm}")
    g = _as_b1hw(log_lum, "log_lum")
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= g.shape[-1] and 0 <= y0 < y1 <= g.shape[-2]):
        raise ValueError(f"box {box} is not inside the image {tuple(g.shape[-2:])}")
    pad = int(3 * hi_mm / 2 / mm_per_px) + 2
    a0, b0 = max(0, x0 - pad), max(0, y0 - pad)
    region = g[..., b0:min(g.shape[-2], y1 + pad), a0:min(g.shape[-1], x1 + pad)]
    dog = _blur_mm(region, lo_mm / 2 / mm_per_px) - _blur_mm(region, hi_mm / 2 / mm_per_px)
    d = dog[0, 0, y0 - b0:y1 - b0, x0 - a0:x1 - a0].double()
    win = torch.outer(torch.hann_window(y1 - y0 + 2, periodic=False, dtype=torch.float64)[1:-1],
                      torch.hann_window(x1 - x0 + 2, periodic=False, dtype=torch.float64)[1:-1])
    return float(torch.sqrt((win * d * d).sum() / win.sum()))


def texture_peak_c_per_mm(delta_log: torch.Tensor, mm_per_px: float, lo: float = 0.2) -> float:
    """Peak (cycles/mm) of the energy per octave, f²·P(f), of a log-luminance patch (H, W)
    (e.g. the texture an enhancer added: log out − log in), smoothed over a quarter octave,
    searched from ``lo`` to 0.95 × Nyquist (as ``head.skin_measure.spectrum_peak``)."""
    from shotspec.runtime.head.skin_measure import spectrum_peak    # (skin_measure imports this module)

    d = _as_b1hw(delta_log, "delta_log")[0, 0]
    f, p = radial_power_spectrum(1.0 + (d - d.mean()), torch.ones_like(d))
    return spectrum_peak(f / mm_per_px, p, lo=lo, hi=0.95 * 0.5 / mm_per_px)
