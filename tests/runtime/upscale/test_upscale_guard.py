"""The fidelity guard: wherever an upscale re-shrinks to its input worse than Lanczos does, the
output moves to the Lanczos upscale; where it is consistent, nothing changes."""

from __future__ import annotations

import torch

from shotspec.runtime.upscale.guard import lanczos_guard, reshrink_error
from shotspec.runtime.upscale.resample import downsample, upsample


def _scene() -> torch.Tensor:
    gen = torch.Generator().manual_seed(5)
    hr = torch.nn.functional.avg_pool2d(torch.rand(1, 1, 130, 130, generator=gen), 3, 1)[..., :128, :128]
    return hr


def test_inconsistent_region_falls_back_to_lanczos_and_the_rest_is_untouched():
    small = downsample(_scene(), 4, "box")
    lanczos = upsample(small, 4, "lanczos")
    gen = torch.Generator().manual_seed(6)
    estimate = lanczos + 0.002 * torch.randn(lanczos.shape, generator=gen)   # as consistent as Lanczos, about
    estimate[..., 40:80, 40:80] += 0.3          # a wrong patch: its shrink no longer matches the input
    guarded = lanczos_guard(estimate, small, 4)
    inside = (guarded - lanczos)[..., 48:72, 48:72].abs().max()
    assert inside < 1e-6                          # fully replaced where the error is over twice Lanczos's
    far = (guarded - estimate)[..., :16, :16].abs().max()
    assert far < 2e-3                             # at most the small noise is pulled back, far from the patch
    before = reshrink_error(estimate, small, 4, "box").mean()
    after = reshrink_error(guarded, small, 4, "box").mean()
    assert after < 0.1 * before


def test_a_consistent_estimate_passes_unchanged():
    small = downsample(_scene(), 2, "bicubic")
    lanczos = upsample(small, 2, "lanczos")
    assert torch.equal(lanczos_guard(lanczos, small, 2), lanczos)
