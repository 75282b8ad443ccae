"""``upscale_image``: the upscaler on plain image tensors.

Pipeline (on the input's device, float32 inside, returned in the input's dtype):
  1. values above 1 (scene-linear highlights) are compressed with a C¹ log shoulder
     (``x`` up to 1, ``1 + ln x`` beyond) so a bright highlight cannot ring across its neighbours;
     the result is expanded again at the end, so nothing is clipped;
  2. three-channel input is upscaled on its luma and the luma correction is added to all three
     channels of a bicubic upsample (chroma stays bicubic: it has little detail and this avoids
     colour fringes); other channel counts are upscaled channel by channel;
  3. fidelity estimate (learned edge-adaptive filters + kernel-robust back-projection), then
     (mode ``"detail"``) edge steepening and fine-band boost, back-projected again at x3/x4.
"""

from __future__ import annotations

from typing import Callable

import torch

from shotspec.color import LUMA_REC601

from .back_projection import back_project
from .detail import REPROJECT_ITERATIONS, Pattern, edge_detail, fill_texture
from .guard import lanczos_guard
from .filters import load_filters
from .resample import ASSUMED_BOX_WEIGHT, upsample

__all__ = ["upscale_image", "MODES", "FACTORS"]

MODES = ("fidelity", "detail")
FACTORS = (2, 3, 4)
BP_ITERATIONS = 6
# Share of the filters' correction applied, per factor. Full strength is the least-squares optimum
# on the training photographs; at x3 it put one box-shrunk benchmark photograph (barbara's
# striped clothes) 0.09 dB below Lanczos, 0.75 keeps every image above it (docs/upscale.md).
FILTER_WEIGHT = {2: 1.0, 3: 0.75, 4: 1.0}


def _compress(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 1.0, 1.0 + torch.log(x.clamp_min(1.0)), x)


def _expand(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 1.0, torch.exp(x.clamp_min(1.0) - 1.0), x)


def fidelity_estimate(small: torch.Tensor, factor: int) -> torch.Tensor:
    """Best-PSNR upscale of single-channel ``(N, 1, H, W)`` → ``(N, 1, H*f, W*f)``.

    Edge-adaptive learned filters give the initial estimate; back-projection against an equal
    blend of the bicubic and box shrinking kernels then makes it consistent with the input
    without betting on one kernel.
    """
    bank = load_filters(small.device)
    base = upsample(small, factor, "bicubic")
    init = base + FILTER_WEIGHT[factor] * bank.correction(small, factor, base)
    estimate = back_project(init, small, factor, iterations=BP_ITERATIONS, step=1.0,
                            box_weight=ASSUMED_BOX_WEIGHT)
    return lanczos_guard(estimate, small, factor)


def _upscale_single(flat: torch.Tensor, factor: int, mode: str,
                    pattern: Pattern | Callable[[], Pattern | None] | None = None) -> torch.Tensor:
    with torch.no_grad():
        out = fidelity_estimate(flat, factor)
        if mode == "detail":
            estimate = out
            out, target = edge_detail(estimate, factor)
            if REPROJECT_ITERATIONS[factor]:
                out = back_project(out, flat, factor, iterations=REPROJECT_ITERATIONS[factor], step=1.0,
                                   box_weight=ASSUMED_BOX_WEIGHT)
            out = fill_texture(out, estimate, factor, target, pattern)
    return out


def _upscale_channels(x: torch.Tensor, factor: int, mode: str,
                      pattern: Pattern | Callable[[], Pattern | None] | None) -> torch.Tensor:
    """Upscale every channel of ``(B, C, H, W)`` independently."""
    b, c, h, w = x.shape
    flat = x.reshape(b * c, 1, h, w)
    out = _upscale_single(flat, factor, mode, pattern)
    return out.reshape(b, c, h * factor, w * factor)


def _checked(pattern, want: tuple[int, ...]):
    """``pattern`` checked (a callable's result when it is called): two ``want``-shaped tensors."""
    def check(p):
        if p is not None and (len(p) != 2 or any(tuple(t.shape) != want for t in p)):
            raise ValueError(f"upscale pattern must be two {want} tensors, got {[tuple(t.shape) for t in p]}")
        return p
    return (lambda: check(pattern())) if callable(pattern) else check(pattern)


def upscale_image(x: torch.Tensor, factor: int, mode: str = "fidelity",
                  pattern: Pattern | Callable[[], Pattern | None] | None = None) -> torch.Tensor:
    """Upscale ``x`` (B, C, H, W) float by an integer ``factor`` in {2, 3, 4}.

    ``mode="fidelity"`` gives the most faithful (highest PSNR) result; ``mode="detail"`` adds
    image-adaptive high frequencies (steeper edges, boosted fine texture) at a small PSNR cost.
    ``pattern`` (detail mode): optional ``(texture, weight)`` at the output size, each
    ``(1, 1, H*factor, W*factor)``; where ``weight`` is 1 the added texture is ``texture``
    instead of seeded noise (:func:`.detail.fill_texture`; ``upscale_frame`` passes a render's
    skin relief). A callable giving that pair (or None) is called only if texture is added.
    Values may exceed 1 (scene-linear) or be negative; they pass through unclipped. An image one
    pixel wide or high is repeated (each pixel a ``factor``×``factor`` block).
    Returns ``(B, C, H*factor, W*factor)`` on the same device and dtype.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"upscale_image expects a (B, C, H, W) tensor, got {getattr(x, 'shape', type(x))}")
    if not x.is_floating_point():
        raise ValueError(f"upscale_image expects a floating-point tensor, got {x.dtype}")
    if factor not in FACTORS:
        raise ValueError(f"upscale factor must be one of {FACTORS}, got {factor!r}")
    if mode not in MODES:
        raise ValueError(f"upscale mode must be one of {MODES}, got {mode!r}")
    if pattern is not None:
        pattern = _checked(pattern, (1, 1, x.shape[-2] * factor, x.shape[-1] * factor))
    if not bool(torch.isfinite(x).all()):
        raise ValueError("upscale_image input contains NaN or infinite values")
    if x.shape[-1] < 2 or x.shape[-2] < 2:
        # one row or column holds no detail to reconstruct: each pixel becomes a factor×factor block
        return x.repeat_interleave(factor, -2).repeat_interleave(factor, -1)
    dtype = x.dtype
    work = _compress(x.float())
    if work.shape[1] == 3:
        weights = torch.tensor(LUMA_REC601, dtype=work.dtype, device=work.device).view(1, 3, 1, 1)
        luma = (work * weights).sum(1, keepdim=True)
        correction = _upscale_single(luma, factor, mode, pattern) - upsample(luma, factor, "bicubic")
        out = upsample(work, factor, "bicubic") + correction
    else:
        out = _upscale_channels(work, factor, mode, pattern)
    return _expand(out).to(dtype)
