"""Per-image adaptation of the learned filters from the image's own smaller copy (×2 only).

The shipped filters were fitted on procedural images; photographs differ, and at full strength
those filters over-sharpen them. Natural images are roughly self-similar across scales, so the
input itself holds training pairs: shrink it once more by the factor (with the same equal blend
of Pillow bicubic and box kernels that back-projection assumes, quantised to 8 bits like the
input), and every pixel of the input becomes a target for the filters applied to that smaller
copy ("internal learning", in the spirit of Glasner, Bagon & Irani 2009 and ZSSR).

Per class the normal equations of those pairs are solved with a ridge pull towards a prior
filter (``image.py`` passes half the shipped one; a Gaussian prior worth ``PRIOR_SAMPLES``
average samples), so classes the image rarely visits keep the procedural filter and frequent
classes follow the image. Inputs with more than ``MAX_SAMPLES`` target pixels learn from every
k-th row. It is a closed-form fit: classes are visited in sorted order and solved in one batch,
so the result is deterministic on CPU and CUDA. Only used at ×2: at ×3/×4 the smaller copy is too small to hold
the structure of the input (it lowered PSNR on the benchmark).
"""

from __future__ import annotations

import torch

from .filters import TAPS, lr_windows, structure_classes
from .resample import ASSUMED_BOX_WEIGHT, downsample_blend, upsample

__all__ = ["adapt_filters", "PRIOR_SAMPLES", "MIN_SIDE"]

PRIOR_SAMPLES = 60.0    # weight of the shipped filter, in average-sample units
MIN_SIDE = 8            # smaller copies below this (per side) carry no usable statistics
_MARGIN = 4             # target pixels ignored at the border (replicate padding is not data)
MAX_SAMPLES = 1 << 18   # larger inputs learn from every k-th row only (bounded memory and time)


def _smaller_copy(y: torch.Tensor, scale: int) -> torch.Tensor:
    z = downsample_blend(y, scale, ASSUMED_BOX_WEIGHT)
    return (z * 255.0).round() / 255.0


def adapt_filters(small: torch.Tensor, scale: int, prior: torch.Tensor, thresholds: torch.Tensor) -> torch.Tensor:
    """Filters ``(classes, 36)`` refitted on one image ``small`` (1, 1, H, W) around ``prior``.

    Returns ``prior`` unchanged when the image is too small to learn from.
    """
    if small.dim() != 4 or small.shape[:2] != (1, 1):
        raise ValueError(f"expected (1, 1, H, W), got {tuple(small.shape)}")
    h, w = small.shape[-2] // scale * scale, small.shape[-1] // scale * scale
    if min(h, w) // scale < MIN_SIDE:
        return prior
    target = small[..., :h, :w].double()
    z = _smaller_copy(target, scale)
    base = upsample(z, scale, "bicubic")
    step = max(1, -(-(h - 2 * _MARGIN) * (w - 2 * _MARGIN) // MAX_SAMPLES))
    inner = (slice(_MARGIN, h - _MARGIN, step), slice(_MARGIN, w - _MARGIN))
    classes = structure_classes(base, scale, thresholds.to(base.dtype))[0, 0][inner].reshape(-1)
    rows = lr_windows(z, scale, inner[0])[0][:, :, inner[1]].reshape(TAPS, -1).T
    resid = (target - base)[0, 0][inner].reshape(-1)
    order = torch.argsort(classes, stable=True)
    rows, resid, classes = rows[order], resid[order], classes[order]
    present, counts = torch.unique_consecutive(classes, return_counts=True)
    n_classes = prior.shape[0]
    q = torch.zeros(n_classes, TAPS, TAPS, dtype=torch.float64, device=small.device)
    v = torch.zeros(n_classes, TAPS, dtype=torch.float64, device=small.device)
    start = 0
    for cls, n in zip(present.tolist(), counts.tolist()):
        a, r = rows[start:start + n], resid[start:start + n]
        q[cls] = a.T @ a
        v[cls] = a.T @ r
        start += n
    mu = PRIOR_SAMPLES * max(float(rows.square().sum(1).mean()) / TAPS, 1e-12)
    eye = torch.eye(TAPS, dtype=torch.float64, device=small.device)
    p = prior.double()
    fitted = torch.linalg.solve(q + mu * eye, (v + mu * p).unsqueeze(-1)).squeeze(-1)
    return fitted.to(prior.dtype)
