"""The fidelity guard: the upscale falls back towards Lanczos wherever it explains the input worse.

A faithful upscale ``x`` of a small image ``y`` must shrink back to ``y``. The true shrinking
kernel is unknown, so consistency is measured with both kernels the upscaler assumes (Pillow's
bicubic and box) and, at each small pixel, the one that fits the *Lanczos* upscale best is used
— the comparison is as favourable to Lanczos as it can be. Where the learned estimate's local
re-shrink error (a Gaussian-weighted mean of the squared residual over about two small pixels)
exceeds Lanczos's, the output moves towards the Lanczos upscale, fully where the error is twice
Lanczos's: ``w = clamp(err_x / err_L - 1, 0, 1)``, upsampled bilinearly to the output grid.

After back-projection the estimate is nearly exactly consistent, so on the benchmark and face
images the guard changes few pixels (docs/upscale.md); it is the safety net that keeps a class
of filters that misfires on an unseen kind of image (moiré, JPEG blocks) from going below the
Lanczos baseline there.
"""

from __future__ import annotations

import torch

from ..filters import gaussian_blur
from .resample import downsample, upsample

__all__ = ["lanczos_guard", "reshrink_error", "GUARD_SIGMA_SMALL_PX"]

GUARD_SIGMA_SMALL_PX = 1.0


def reshrink_error(x: torch.Tensor, small: torch.Tensor, factor: int, kind: str) -> torch.Tensor:
    """Local mean squared error of shrinking ``x`` (N, C, H*f, W*f) with ``kind`` against
    ``small`` (N, C, H, W) → ``(N, C, H, W)``."""
    residual = downsample(x, factor, kind) - small
    return gaussian_blur(residual * residual, GUARD_SIGMA_SMALL_PX, edge="replicate", truncate=2.5)


def lanczos_guard(estimate: torch.Tensor, small: torch.Tensor, factor: int) -> torch.Tensor:
    """``estimate`` (N, C, H*f, W*f), moved towards the Lanczos upscale of ``small`` where it
    re-shrinks to ``small`` worse than that upscale does."""
    lanczos = upsample(small, factor, "lanczos")
    err_l = {k: reshrink_error(lanczos, small, factor, k) for k in ("bicubic", "box")}
    err_x = {k: reshrink_error(estimate, small, factor, k) for k in ("bicubic", "box")}
    use_box = err_l["box"] < err_l["bicubic"]
    el = torch.where(use_box, err_l["box"], err_l["bicubic"])
    ex = torch.where(use_box, err_x["box"], err_x["bicubic"])
    weight = (ex / el.clamp_min(1e-12) - 1.0).clamp(0, 1)
    if not bool((weight > 0).any()):
        return estimate
    w_up = upsample(weight, factor, "bilinear")
    return estimate + w_up * (lanczos - estimate)
