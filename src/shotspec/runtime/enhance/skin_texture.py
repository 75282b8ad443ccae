"""Seeded skin micro-colour, generated in face millimetres and band-limited to pixels.

The enhancer's relief is the render's (:mod:`plate_relief`); this module adds the albedo detail:
sparse features, each layer a point process in face millimetres (a hashed grid of cells: the
same seed and the same millimetre always give the same feature, whatever the resolution, crop or
framing) convolved with that layer's footprint:

=============  ============  ===============  ===========================================
layer          density       size (σ)         shape
=============  ============  ===============  ===========================================
redness        5 /cm²        0.5 mm           haemoglobin-like albedo spots
freckling      30 /cm²       0.35 mm          faint melanin-like albedo variation
=============  ============  ===============  ===========================================

Features are splatted at their exact sub-pixel positions (bilinear, integer fixed-point so the
sum is bit-identical on any device) and filtered in the Fourier domain by each layer's footprint
mapped through the face→pixel affine map plus a pixel-footprint anti-alias Gaussian (σ 0.45 px).
The layer machinery also supports relief layers (``target="height"``, dimples with a rim) for
callers that pass their own ``layers``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from shotspec.runtime.fft_sizes import good_fft_size

from shotspec.runtime.faces.face_frame import FaceFrame

__all__ = ["Layer", "LAYERS", "SkinTexture", "synthesise_texture", "texture_on_field"]

ANTI_ALIAS_PX = 0.45
_M32 = 0xFFFFFFFF
_FIXED = float(2**22)


@dataclass(frozen=True)
class Layer:
    """One feature layer: points per mm², footprint covariance (mm², along/across + angle), amplitude."""

    name: str
    density_mm2: float
    sigma_along_mm: float
    sigma_across_mm: float
    angle_deg: float
    amplitude: float          # height in mm (relief) or log-albedo units (colour)
    target: str               # "height", "redness" or "melanin"
    rim: bool = False         # zero-mean dimple-with-rim profile (pores)
    signed: float = 0.0       # probability of a flipped sign (0: all one sign)
    spread: float = 0.45      # log-normal spread of the amplitude


LAYERS: tuple[Layer, ...] = (
    Layer("redness", 0.05, 0.5, 0.5, 0.0, 1.0, "redness", spread=0.6),
    Layer("freckling", 0.3, 0.35, 0.35, 0.0, 1.0, "melanin", spread=0.8),
)
TARGETS = ("height", "redness", "melanin")


@dataclass(frozen=True)
class SkinTexture:
    """Texture over a pixel box ``(x0, y0, x1, y1)`` of the frame; all tensors (1, C, y1−y0, x1−x0).

    height: relief in mm (pores negative); grad: (∂h/∂x, ∂h/∂y) per *pixel*; redness, melanin:
    albedo variation in units the enhancer turns into colour (0 = none, ~1 = a typical spot).
    """

    box: tuple[int, int, int, int]
    height: torch.Tensor
    grad: torch.Tensor
    redness: torch.Tensor
    melanin: torch.Tensor


def _mix(x: torch.Tensor) -> torch.Tensor:
    """32-bit integer finaliser (Wellons' lowbias32-like), kept below 2^63 in int64 arithmetic."""
    x = x & _M32
    x = ((x >> 16) ^ x) * 0x45D9F3B & _M32
    x = ((x >> 16) ^ x) * 0x45D9F3B & _M32
    return (x >> 16) ^ x


def _seed_key(seed: int, layer_index: int) -> int:
    s = int(seed)
    t = torch.tensor([(s & _M32) ^ 0x5BD1E995, ((s >> 32) & _M32) ^ (layer_index * 0x27D4EB2F & _M32)],
                     dtype=torch.int64)
    m = _mix(t)
    return int(_mix(m[0:1] ^ (m[1:2] * 0x2C1B3C6D & _M32))[0])


def _layer_points(layer: Layer, key: int, box_mm: tuple[float, float, float, float],
                  device, cull=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Feature centres (N, 2) in mm and signed amplitudes (N,) for one layer over a mm box.

    Dense layers use three jittered candidates per cell kept with probability 0.8 (pores sit
    semi-regularly); sparse ones one candidate kept with probability 0.5 (randomly scattered).
    ``cull(gx, gy, cell)`` may drop cells far from the region of interest before any point exists
    (a cell's features depend only on its own indices, so culling never changes the others).
    """
    cand, keep_p = (3, 0.8) if layer.density_mm2 >= 0.5 else (1, 0.5)
    cell = math.sqrt(cand * keep_p / layer.density_mm2)
    u0, v0, u1, v1 = box_mm
    ix = torch.arange(math.floor(u0 / cell), math.floor(u1 / cell) + 1, device=device, dtype=torch.int64)
    iy = torch.arange(math.floor(v0 / cell), math.floor(v1 / cell) + 1, device=device, dtype=torch.int64)
    gy, gx = torch.meshgrid(iy, ix, indexing="ij")
    gx, gy = gx.reshape(-1), gy.reshape(-1)
    if cull is not None:
        gx, gy = cull(gx, gy, cell)
    cell_h = _mix(_mix((gx + (1 << 20)) * 0x1B873593 & _M32 ^ key) ^ ((gy + (1 << 20)) * 0x0CC9E2D5 & _M32))
    k = torch.arange(cand, device=device, dtype=torch.int64)
    h = _mix(cell_h[:, None] + k * 0x68E31DA4).reshape(-1)
    gx = gx[:, None].expand(-1, cand).reshape(-1)
    gy = gy[:, None].expand(-1, cand).reshape(-1)
    h2 = _mix(h ^ 0x5F356495)
    keep = (h2 >> 16 & 0xFFFF).to(torch.float64) < keep_p * 65536.0
    h, h2, gx, gy = h[keep], h2[keep], gx[keep], gy[keep]
    jx = ((h & 0xFFFF).to(torch.float64) + 0.5) / 65536.0
    jy = ((h >> 16 & 0xFFFF).to(torch.float64) + 0.5) / 65536.0
    pos = torch.stack([(gx.double() + jx) * cell, (gy.double() + jy) * cell], 1)
    # log-normal amplitude with unit mean, optional random sign (from the low bits of h2)
    u = ((h2 & 0x7FFF).to(torch.float64) + 0.5) / 32768.0
    gauss = math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0)
    amp = torch.exp(layer.spread * gauss - 0.5 * layer.spread**2) * layer.amplitude
    if layer.signed > 0:
        flip = _mix(h2) & 0xFFFF
        amp = torch.where(flip.to(torch.float64) < layer.signed * 65536.0, -amp, amp)
    return pos, amp


def _cov_px(layer: Layer, A: np.ndarray, scale: float = 1.0) -> np.ndarray:
    t = math.radians(layer.angle_deg)
    R = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    cov_mm = R @ np.diag([layer.sigma_along_mm**2, layer.sigma_across_mm**2]) @ R.T * scale
    return A @ cov_mm @ A.T


def synthesise_texture(ff: FaceFrame, box: tuple[int, int, int, int], seed: int,
                       device: torch.device | str = "cpu", layers: tuple[Layer, ...] = LAYERS,
                       support: torch.Tensor | None = None) -> SkinTexture:
    """Generate the skin texture for the pixel box ``(x0, y0, x1, y1)`` in face frame ``ff``.

    ``support`` (1,1,y1−y0,x1−x0), optional: where the texture is needed (the mask over the box);
    features whose cells lie far outside it are not generated. Values inside the support do not
    depend on it.

    Deterministic in ``seed``: bit-identical on the same machine; the same face millimetre gets the
    same feature at any resolution (features are defined in mm, only their pixel footprint changes).
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"empty texture box {box}")
    device = torch.device(device)
    A = ff.matrix()
    Ainv = np.linalg.inv(A)
    det = abs(float(np.linalg.det(A)))
    widest = max(float(np.linalg.eigvalsh(_cov_px(l, A, 4.0 if l.rim else 1.0)).max()) for l in layers)
    margin = int(math.ceil(3.5 * math.sqrt(widest + ANTI_ALIAS_PX**2))) + 2
    hp, wp = good_fft_size(y1 - y0 + 2 * margin), good_fft_size(x1 - x0 + 2 * margin)
    ox, oy = x0 - margin, y0 - margin                       # pixel coordinate of grid (0, 0)
    corners = np.array([[ox, oy], [ox + wp, oy], [ox, oy + hp], [ox + wp, oy + hp]], dtype=np.float64)
    uv = (corners - np.array(ff.origin)) @ Ainv.T
    box_mm = (uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max())

    fy = torch.fft.fftfreq(hp, device=device, dtype=torch.float32)[:, None]
    fx = torch.fft.rfftfreq(wp, device=device, dtype=torch.float32)[None, :]
    acc = {t: torch.zeros(hp, wp // 2 + 1, dtype=torch.complex64, device=device) for t in TARGETS}
    Af = torch.tensor(A, dtype=torch.float64, device=device)
    origin = torch.tensor(ff.origin, dtype=torch.float64, device=device)
    cull = _make_cull(support, ff, margin, (ox, oy), device) if support is not None else None
    for li, layer in enumerate(layers):
        area_px = 2 * math.pi * layer.sigma_along_mm * layer.sigma_across_mm * det
        points_per_px = layer.density_mm2 / det
        if points_per_px > DENSE_POINTS_PER_PX:
            # Far below a pixel: the features are unresolvable, only their statistics reach the
            # image. Draw the pixel sums directly (Gaussian with the point process's mean and
            # variance) instead of generating millions of points.
            grid = _dense_layer_grid(layer, _seed_key(seed, li), points_per_px, area_px, hp, wp, device)
        else:
            pos_mm, amp = _layer_points(layer, _seed_key(seed, li), box_mm, device, cull)
            if amp.numel() == 0:
                continue
            p = origin - torch.tensor([ox, oy], dtype=torch.float64, device=device) + pos_mm @ Af.T
            # snapped to 1/4096 px: these positions came out an ulp apart in some processes (on
            # one thread too, with the product written as a matmul or elementwise; the trigger
            # was not found) and moved the texture with them; snapped, they are bit-stable
            p = (torch.round(p * _SNAP) / _SNAP).float()
            weight = amp * area_px / (0.75 if layer.rim else 1.0)
            grid = _splat(p, weight, hp, wp)
        spec = torch.fft.rfft2(grid)
        cov = _cov_px(layer, A)
        kern = _gauss_hat(fx, fy, cov, ANTI_ALIAS_PX)
        if layer.rim:
            kern = kern - _gauss_hat(fx, fy, _cov_px(layer, A, 4.0), ANTI_ALIAS_PX)
        acc[layer.target] += spec * kern
    two_pi_i = 2j * math.pi
    crop = (slice(margin, margin + y1 - y0), slice(margin, margin + x1 - x0))

    def back(s: torch.Tensor) -> torch.Tensor:
        return torch.fft.irfft2(s, s=(hp, wp))[crop][None, None]

    hspec = acc["height"]
    grad = torch.cat([back(hspec * two_pi_i * fx), back(hspec * two_pi_i * fy)], 1)
    return SkinTexture((x0, y0, x1, y1), back(hspec), grad, back(acc["redness"]), back(acc["melanin"]))


CULL_BLOCK = 8  # px


def _make_cull(support: torch.Tensor, ff: FaceFrame, margin: int, grid_origin, device):
    """A cell filter keeping cells whose centre lies within ``margin`` px (+ a block) of the support."""
    sup = (support[0, 0] > 0).float()
    pad = margin + CULL_BLOCK
    sup = torch.nn.functional.pad(sup, (pad, pad, pad, pad))[None, None]
    reach = int(math.ceil((margin + CULL_BLOCK) / CULL_BLOCK)) + 1
    coarse = torch.nn.functional.max_pool2d(sup, CULL_BLOCK, ceil_mode=True)
    coarse = torch.nn.functional.max_pool2d(coarse, 2 * reach + 1, 1, reach)[0, 0] > 0
    A = torch.tensor(ff.matrix(), dtype=torch.float64, device=device)
    shift = torch.tensor([ff.origin[0] - grid_origin[0] - margin + pad,
                          ff.origin[1] - grid_origin[1] - margin + pad], dtype=torch.float64, device=device)
    ch, cw = coarse.shape

    def cull(gx: torch.Tensor, gy: torch.Tensor, cell: float):
        centre = torch.stack([gx.double() + 0.5, gy.double() + 0.5], 1) * cell
        p = shift + centre @ A.T
        bx = torch.div(p[:, 0], CULL_BLOCK, rounding_mode="floor").long()
        by = torch.div(p[:, 1], CULL_BLOCK, rounding_mode="floor").long()
        ok = (bx >= 0) & (bx < cw) & (by >= 0) & (by < ch)
        ok[ok.clone()] = coarse[by[ok], bx[ok]]
        return gx[ok], gy[ok]

    return cull


def _gauss_hat(fx: torch.Tensor, fy: torch.Tensor, cov: np.ndarray, aa: float) -> torch.Tensor:
    """Fourier transform of a unit-integral Gaussian with pixel covariance ``cov`` (+ anti-alias σ)."""
    cxx, cxy, cyy = cov[0, 0] + aa * aa, cov[0, 1], cov[1, 1] + aa * aa
    c = -2 * math.pi**2
    if abs(cxy) < 1e-12 * max(cxx, cyy):      # axis-aligned: an outer product of two 1-D factors
        return torch.exp(c * cyy * fy * fy) * torch.exp(c * cxx * fx * fx)
    return torch.exp(c * (cxx * fx * fx + 2 * cxy * fx * fy + cyy * fy * fy))


DENSE_POINTS_PER_PX = 2.0
_SNAP = 4096.0                  # splat positions are snapped to 1/_SNAP px


def _dense_layer_grid(layer: Layer, key: int, points_per_px: float, area_px: float, hp: int, wp: int,
                      device) -> torch.Tensor:
    """Per-pixel sums of a layer whose features are much smaller than a pixel, (hp, wp) float32.

    A Poisson field of ``points_per_px`` features per pixel with i.i.d. weights w has pixel sums
    of mean λ·E[w] and variance λ·E[w²]; the log-normal amplitude gives E[a] = A and
    E[a²] = A²·exp(spread²), a sign flip with probability ``signed`` scales E[w] by 1 − 2·signed.
    """
    scale = layer.amplitude * area_px / (0.75 if layer.rim else 1.0)
    mean = points_per_px * scale * (1.0 - 2.0 * layer.signed)
    std = math.sqrt(points_per_px * scale**2 * math.exp(layer.spread**2))
    gen = torch.Generator(device="cpu").manual_seed(key & 0x7FFFFFFFFFFFFFFF)
    noise = torch.randn(hp, wp, generator=gen, dtype=torch.float32)
    return (mean + std * noise).to(device)


def _splat(p: torch.Tensor, weight: torch.Tensor, hp: int, wp: int) -> torch.Tensor:
    """Bilinear splat of weighted points (pixel coords (N, 2), float32) into an (hp, wp) float64 grid.

    On accelerators it accumulates in 64-bit fixed point so the sum does not depend on the order
    atomics run in; the CPU adds sequentially, which is deterministic already.
    Points within a pixel of the grid border are dropped (they lie in the FFT margin).
    """
    xf, yf = torch.floor(p[:, 0]), torch.floor(p[:, 1])
    ok = (xf >= 0) & (xf < wp - 1) & (yf >= 0) & (yf < hp - 1)
    xf, yf, p, weight = xf[ok], yf[ok], p[ok], weight[ok]
    fx, fy = p[:, 0] - xf, p[:, 1] - yf
    base = yf.long() * wp + xf.long()
    idx = torch.cat([base, base + 1, base + wp, base + wp + 1])
    gx, gy = 1.0 - fx, 1.0 - fy
    frac = torch.cat([gx * gy, fx * gy, gx * fy, fx * fy])
    vals = frac * weight.float().repeat(4)
    if p.device.type == "cpu":            # sequential on the CPU: already order-deterministic
        out = torch.zeros(hp * wp, dtype=torch.float32, device=p.device)
        out.index_add_(0, idx, vals)
        return out.reshape(hp, wp)
    unit = float(weight.abs().max().clamp_min(1e-30)) / _FIXED if weight.numel() else 1.0
    q = torch.round(vals / unit).to(torch.int64)
    out = torch.zeros(hp * wp, dtype=torch.int64, device=p.device)
    out.index_add_(0, idx, q)
    return (out.reshape(hp, wp).to(torch.float64) * unit).to(torch.float32)


def texture_on_field(ff: FaceFrame, box: tuple[int, int, int, int], seed: int, field: torch.Tensor,
                     device: torch.device | str = "cpu", layers: tuple[Layer, ...] = LAYERS,
                     support: torch.Tensor | None = None) -> SkinTexture:
    """The texture over ``box`` where each pixel's face position is ``field`` (1,2,H,W) mm
    (``skin_track``) instead of ``ff``'s similarity map: synthesised in ``ff`` over the pixels
    the field's positions map to (``q = origin + A·u``), then sampled there (bilinear). The same
    millimetre gets the same feature as on a still; ``grad`` is that of the sampled height
    (zero for the default layers, which carry no relief).
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"empty texture box {box}")
    device = torch.device(device)
    A = torch.tensor(ff.matrix(), dtype=torch.float64, device=device)
    u = field[0, :, y0:y1, x0:x1].to(device).double()
    qx = ff.origin[0] + A[0, 0] * u[0] + A[0, 1] * u[1]
    qy = ff.origin[1] + A[1, 0] * u[0] + A[1, 1] * u[1]
    need = (support[0, 0] > 0) if support is not None else torch.ones_like(qx, dtype=torch.bool)
    if not bool(need.any()):
        need = torch.ones_like(qx, dtype=torch.bool)
    # the positions' box, never more than the pixel box's own size beyond it (a field gone astray)
    bw, bh = x1 - x0, y1 - y0
    qx0 = max(math.floor(float(qx[need].min())) - 2, x0 - bw)
    qy0 = max(math.floor(float(qy[need].min())) - 2, y0 - bh)
    qx1 = min(math.ceil(float(qx[need].max())) + 3, x1 + bw)
    qy1 = min(math.ceil(float(qy[need].max())) + 3, y1 + bh)
    if qx1 - qx0 < 2 or qy1 - qy0 < 2:
        raise ValueError(f"the texture field maps box {box} outside the frame's face")
    ref = synthesise_texture(ff, (qx0, qy0, qx1, qy1), seed, device, layers)
    gx = ((qx - qx0) * (2.0 / (qx1 - qx0 - 1)) - 1.0).float()
    gy = ((qy - qy0) * (2.0 / (qy1 - qy0 - 1)) - 1.0).float()
    grid = torch.stack((gx, gy), -1)[None]
    planes = torch.cat((ref.height, ref.redness, ref.melanin), 1)
    out = torch.nn.functional.grid_sample(planes, grid, mode="bilinear", padding_mode="border", align_corners=True)
    height = out[:, 0:1]
    gy_px, gx_px = torch.gradient(height[0, 0], dim=(0, 1)) if min(height.shape[-2:]) > 1 else (height[0, 0] * 0,) * 2
    return SkinTexture((x0, y0, x1, y1), height, torch.stack((gx_px, gy_px))[None], out[:, 1:2], out[:, 2:3])
