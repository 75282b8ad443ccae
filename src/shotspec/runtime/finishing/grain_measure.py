"""Measuring grain in an image: the statistics the grain pass is calibrated against.

Grain is what is left after the image content is removed. The estimator, applied the same way
to film scans and to renders, is:

1. ``u`` — the perceptual signal (``perceptual.py``) of the linear image, per channel.
2. Residual ``u − G_σ * u`` after a Gaussian of ``sigma_px`` (default 2 px) per channel.
3. Only *flat* blocks (``block × block`` pixels, default 8) count: the ``flat_fraction``
   (default 0.3) of blocks with the smallest mean gradient of the heavily smoothed luminance
   (σ = 2 px), so edges and texture of the scene stay out; each block's mean is removed.
4. Per channel: the RMS of the residual; its **neighbour correlation** (the mean of the
   horizontal and vertical lag-1 autocorrelation coefficients); and the **channel
   correlation** (mean of the three pairwise correlation coefficients).

The smoothing removes part of the grain's low frequencies too, so the numbers are of the
estimator, not of the grain alone: compare scans and renders measured the same way. On a flat
plate the content term is zero; on a scan some residual content remains (an upper bound on
its grain).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.finishing.perceptual import require_rgb, to_perceptual

__all__ = ["GrainStats", "grain_statistics", "measure_grain_u"]

_FLATNESS_SIGMA_PX = 2.0


@dataclass(frozen=True)
class GrainStats:
    """What :func:`grain_statistics` measured: per-channel RMS of u, per-channel neighbour
    correlation, the mean pairwise channel correlation, how many blocks were used and their
    mean level u (``rms_mid_grey`` scales the RMS to u = 0.5 by the grain pass's luminance law,
    ``grain.grain_level_factor``)."""

    rms: tuple[float, float, float]
    neighbour: tuple[float, float, float]
    channel: float
    blocks: int
    level: float

    @property
    def rms_mid_grey(self) -> tuple[float, float, float]:
        from shotspec.runtime.finishing.grain import grain_level_factor  # noqa: PLC0415

        scale = 1.0 / max(1e-6, grain_level_factor(self.level))
        return tuple(r * scale for r in self.rms)  # type: ignore[return-value]

    @property
    def neighbour_mean(self) -> float:
        return sum(self.neighbour) / 3.0


def _gaussian(x: torch.Tensor, sigma_px: float) -> torch.Tensor:
    """Separable Gaussian blur of ``(1, C, H, W)`` with reflected borders."""
    radius = max(1, int(3.0 * sigma_px + 0.5))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-t * t / (2.0 * sigma_px * sigma_px))
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def measure_grain_u(u: torch.Tensor, *, sigma_px: float = 2.0, block: int = 8,
                    flat_fraction: float = 0.3) -> GrainStats:
    """Grain statistics of a perceptual image ``u`` ``(1, 3, H, W)`` (see the module doc)."""
    require_rgb(u, "measure_grain_u")
    if not 0.0 < flat_fraction <= 1.0:
        raise ValueError(f"flat_fraction must be in (0, 1], got {flat_fraction}")
    u = u.detach().to("cpu", torch.float64)
    h, w = u.shape[-2:]
    if h < 2 * block or w < 2 * block:
        raise ValueError(f"image {w}×{h} is too small for {block} px blocks")
    residual = u - _gaussian(u, sigma_px)
    luma = _gaussian(u.mean(1, keepdim=True), _FLATNESS_SIGMA_PX)[0, 0]
    gy, gx = torch.gradient(luma)
    rows, cols = h // block, w // block
    grad = F.avg_pool2d(torch.sqrt(gx * gx + gy * gy)[None, None], block)[0, 0, :rows, :cols]
    keep = grad.flatten() <= torch.quantile(grad.flatten(), flat_fraction)
    tiles = residual[0, :, :rows * block, :cols * block].reshape(3, rows, block, cols, block)
    tiles = tiles.permute(1, 3, 0, 2, 4).reshape(rows * cols, 3, block, block)[keep]
    level = u[0].mean(0)[:rows * block, :cols * block].reshape(rows, block, cols, block)
    level = float(level.mean((1, 3)).flatten()[keep].mean())
    tiles = tiles - tiles.mean((2, 3), keepdim=True)
    var = tiles.pow(2).mean((0, 2, 3))
    lag_x = (tiles[..., :, 1:] * tiles[..., :, :-1]).mean((0, 2, 3)) / var
    lag_y = (tiles[..., 1:, :] * tiles[..., :-1, :]).mean((0, 2, 3)) / var
    # Unbiased per-block variance: a block's mean removes one of block² degrees of freedom.
    rms = torch.sqrt(var * block * block / (block * block - 1))
    corr = torch.corrcoef(tiles.permute(1, 0, 2, 3).reshape(3, -1))
    channel = float((corr[0, 1] + corr[0, 2] + corr[1, 2]) / 3.0)
    neighbour = (lag_x + lag_y) / 2.0
    return GrainStats(rms=tuple(float(v) for v in rms),  # type: ignore[arg-type]
                      neighbour=tuple(float(v) for v in neighbour),  # type: ignore[arg-type]
                      channel=channel, blocks=int(keep.sum()), level=level)


def grain_statistics(linear_rgb: torch.Tensor, **kw) -> GrainStats:
    """:func:`measure_grain_u` of a linear-light image ``(1, 3, H, W)``."""
    require_rgb(linear_rgb, "grain_statistics")
    return measure_grain_u(to_perceptual(linear_rgb.detach().double()), **kw)
