"""Iterative back-projection: pull an upscaled estimate back onto the small image it came from.

An upscale ``x`` of a small image ``y`` is consistent when shrinking ``x`` gives ``y`` again.
Back-projection (Irani & Peleg 1991) repeatedly adds the upsampled residual ``y - down(x)``.
The true shrinking kernel of a real image is unknown, so the shrink here is a blend of Pillow's
bicubic and box kernels (``box_weight``) and the correction is damped: the step only removes the
part of the error every plausible kernel agrees on instead of sharpening towards one kernel.
"""

from __future__ import annotations

import torch

from .resample import downsample_blend, upsample

__all__ = ["back_project"]


def back_project(
    estimate: torch.Tensor,
    small: torch.Tensor,
    factor: int,
    iterations: int = 6,
    step: float = 1.0,
    box_weight: float = 0.0,
) -> torch.Tensor:
    """Refine ``estimate`` (B, C, H*f, W*f) so that shrinking it reproduces ``small`` (B, C, H, W).

    ``box_weight`` in 0–1 blends the simulated shrink from Pillow bicubic (0) to box (1).
    """
    if estimate.shape[-2:] != (small.shape[-2] * factor, small.shape[-1] * factor):
        raise ValueError(f"estimate {tuple(estimate.shape)} is not {factor}x small {tuple(small.shape)}")
    x = estimate
    for _ in range(iterations):
        x = x + step * upsample(small - downsample_blend(x, factor, box_weight), factor, "bicubic")
    return x
