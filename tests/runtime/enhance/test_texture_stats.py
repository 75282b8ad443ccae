"""The texture statistics: DoG band energy and the windowed radial power spectrum."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from shotspec.runtime.enhance import band_energy, radial_power_spectrum


def _grating(period_px: float, size: int = 128, contrast: float = 0.1) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32)
    g = 0.5 * (1 + contrast * torch.sin(2 * math.pi * x / period_px))
    return g.view(1, 1, 1, size).expand(1, 1, size, size).contiguous()


def test_radial_spectrum_peaks_at_the_grating_frequency():
    mask = torch.ones(1, 1, 128, 128)
    for period in (4.0, 8.0, 16.0):
        f, p = radial_power_spectrum(_grating(period), mask)
        assert f[np.argmax(p)] == pytest.approx(1 / period, abs=1.5 / 128)
    assert f[0] == pytest.approx(1 / 128) and f[-1] == pytest.approx(0.5)


def test_band_energy_selects_scale_and_ignores_exposure():
    mask = torch.ones(1, 1, 128, 128)
    fine, coarse = _grating(4.0), _grating(32.0)
    assert band_energy(fine, mask, 0.7, 1.5) > 10 * band_energy(coarse, mask, 0.7, 1.5)
    assert band_energy(coarse, mask, 3.0, 8.0) > 10 * band_energy(fine, mask, 3.0, 8.0)
    assert band_energy(4 * fine, mask, 0.7, 1.5) == pytest.approx(band_energy(fine, mask, 0.7, 1.5), rel=1e-4)


def test_band_energy_ignores_what_is_outside_the_mask():
    img = torch.full((1, 1, 96, 96), 0.4)
    img[..., :, 48:] = torch.rand(1, 1, 96, 48, generator=torch.Generator().manual_seed(0))
    mask = torch.zeros_like(img)
    mask[..., :, :44] = 1.0
    assert band_energy(img, mask, 0.7, 2.0) < 1e-12


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="low_px < high_px"):
        band_energy(torch.ones(1, 1, 8, 8), torch.ones(1, 1, 8, 8), 2.0, 1.0)
    with pytest.raises(ValueError, match="mask"):
        radial_power_spectrum(torch.ones(8, 8), torch.zeros(8, 8))
