"""Fit the upscaler's edge-adaptive filters on procedurally generated images only.

Training images are synthesised here from a fixed seed, never read from disk: "dead leaves"
scenes (overlapping discs, ellipses, rectangles and triangles of power-law sizes, the classic
stand-in for natural-image statistics) whose leaves carry flat grey, gradients, fractal
(1/f^beta) noise or sinusoidal gratings and stripes, with edges from hair-sharp to defocused,
plus thin anti-aliased strokes (text-, hair- and lash-like lines), a random tone curve, a little
optical blur and sensor noise. Each image is shrunk by 2, 3 and 4 with Pillow-exact bicubic AND
box (area) kernels and quantised to 8 bits.

For every scale, every output pixel is classified (runtime/upscale/filters.py: gradient angle,
strength, coherence, sub-pixel phase) and the normal equations of "6x6 small-image window ->
original minus bicubic" are accumulated per class, separately for the two kernels, then solved
with ridge regularisation for their equal-weight mixture: one filter per class that is least-
squares optimal when the shrinking kernel is unknown. Deterministic (fixed seed, float64 sums in
a fixed order); 13.5 min wall-clock on the 2-core development machine while it was shared with
other jobs (load average about 8), less when idle. Writes runtime/upscale/upscaler_filters.npz.

    python bench/train_upscaler.py [--images N] [--out PATH]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.upscale.filters import (
    ANGLES, COHERENCES, SCALES, STRENGTHS, TAPS, WEIGHTS_PATH, lr_windows, structure_classes,
    structure_features,
)
from shotspec.runtime.upscale.resample import downsample, upsample

IMAGE_SIZE = 192
MARGIN = 8            # output pixels ignored at image borders (replicate padding is not data)
KERNELS = ("bicubic", "box")


def fractal_noise(rng: np.random.Generator, size: int, beta: float) -> np.ndarray:
    """Zero-mean, unit-std noise with a 1/f^beta power spectrum."""
    f = np.hypot(np.fft.fftfreq(size)[:, None], np.fft.fftfreq(size)[None, :])
    f[0, 0] = 1.0
    spec = (rng.standard_normal((size, size)) + 1j * rng.standard_normal((size, size))) / f ** (beta / 2)
    spec[0, 0] = 0
    n = np.real(np.fft.ifft2(spec))
    return n / (n.std() + 1e-8)


def leaf_texture(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, noises: list[np.ndarray]) -> np.ndarray:
    """The fill of one leaf: base grey plus one kind of texture."""
    size = yy.shape[0]
    base = rng.uniform(0.0, 1.0)
    kind = rng.choice(["flat", "gradient", "noise", "noise", "grating", "stripes"])
    if kind == "flat":
        return np.full_like(yy, base)
    if kind == "gradient":
        ang = rng.uniform(0, 2 * np.pi)
        return base + rng.uniform(0.1, 0.6) * ((np.cos(ang) * xx + np.sin(ang) * yy) / size - 0.5)
    if kind == "noise":
        n = noises[rng.integers(len(noises))]
        n = np.roll(n, (rng.integers(size), rng.integers(size)), axis=(0, 1))
        return base + rng.uniform(0.02, 0.25) * n
    ang = rng.uniform(0, np.pi)
    period = math.exp(rng.uniform(math.log(2.3), math.log(24.0)))
    phase = 2 * np.pi * (np.cos(ang) * xx + np.sin(ang) * yy) / period + rng.uniform(0, 2 * np.pi)
    wave = np.sin(phase)
    if kind == "stripes":
        wave = np.tanh(3.0 * wave)
    return base + rng.uniform(0.05, 0.4) * wave


def leaf_distance(rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray, radius: float) -> np.ndarray:
    """Signed distance (pixels, negative inside) to a random disc, ellipse, rectangle or triangle."""
    size = yy.shape[0]
    cx, cy = rng.uniform(-0.1, 1.1, 2) * size
    ang = rng.uniform(0, np.pi)
    u = np.cos(ang) * (xx - cx) + np.sin(ang) * (yy - cy)
    v = -np.sin(ang) * (xx - cx) + np.cos(ang) * (yy - cy)
    kind = rng.choice(["disc", "ellipse", "rect", "triangle"])
    if kind == "disc":
        return np.hypot(u, v) - radius
    aspect = rng.uniform(0.25, 1.0)
    if kind == "ellipse":
        k = np.hypot(u, v / aspect)
        return (k - radius) * np.minimum(1.0, aspect + 0.3)
    if kind == "rect":
        return np.maximum(np.abs(u) - radius, np.abs(v) - radius * aspect)
    normals = rng.uniform(0, 2 * np.pi) + np.arange(3) * (2 * np.pi / 3) + rng.uniform(-0.4, 0.4, 3)
    d = np.full_like(u, -np.inf)
    for a in normals:     # a triangle: the intersection of three half-planes
        d = np.maximum(d, np.cos(a) * u + np.sin(a) * v - radius * 0.6)
    return d


def strokes(rng: np.random.Generator, img: np.ndarray, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """Thin anti-aliased polylines (text-, hair- and lash-like)."""
    size = img.shape[0]
    for _ in range(rng.integers(0, 10)):
        width = math.exp(rng.uniform(math.log(0.5), math.log(3.0)))
        value = rng.uniform(0, 1)
        p = rng.uniform(0, size, 2)
        heading = rng.uniform(0, 2 * np.pi)
        for _ in range(rng.integers(1, 5)):
            heading += rng.normal(0, 0.6)
            q = p + rng.uniform(4, 40) * np.array([np.cos(heading), np.sin(heading)])
            d = q - p
            t = np.clip(((xx - p[0]) * d[0] + (yy - p[1]) * d[1]) / (d @ d + 1e-9), 0, 1)
            dist = np.hypot(xx - p[0] - t * d[0], yy - p[1] - t * d[1])
            cover = np.clip(width / 2 + 0.5 - dist, 0, 1)
            img = img * (1 - cover) + value * cover
            p = q
    return img


def procedural_image(rng: np.random.Generator, noises: list[np.ndarray]) -> np.ndarray:
    """One ``IMAGE_SIZE``² grey training image in 0–1."""
    size = IMAGE_SIZE
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    img = leaf_texture(rng, yy, xx, noises)
    n_leaves = rng.integers(20, 90)
    for _ in range(n_leaves):
        radius = size * 0.6 * rng.uniform(0.02, 1.0) ** 2.2 + 1.5       # power-law-ish sizes
        d = leaf_distance(rng, yy, xx, radius)
        edge = math.exp(rng.uniform(math.log(0.35), math.log(4.0))) if rng.random() < 0.4 else rng.uniform(0.35, 0.9)
        cover = np.clip(0.5 - d / (2 * edge), 0, 1)
        if cover.max() <= 0:
            continue
        img = img * (1 - cover) + leaf_texture(rng, yy, xx, noises) * cover
    img = strokes(rng, img, yy, xx)
    lo, hi = np.percentile(img, [1, 99])
    img = (img - lo) / max(hi - lo, 1e-3) * rng.uniform(0.4, 1.0) + rng.uniform(0.0, 0.3)
    img = np.clip(img, 0, 1) ** rng.uniform(0.7, 1.4)
    t = torch.from_numpy(img).float()[None, None]
    sigma = rng.uniform(0.0, 0.6)
    if sigma > 0.15:   # optical softness of the "camera" that took the original
        r = 2
        k = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=torch.float32) / sigma) ** 2)
        k = k / k.sum()
        t = F.conv2d(F.pad(t, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
        t = F.conv2d(F.pad(t, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))
    t = t + float(rng.uniform(0, 0.012)) * torch.from_numpy(rng.standard_normal((size, size))).float()
    return t.clamp(0, 1)[0, 0].numpy()


def shrink(hr: torch.Tensor, scale: int, kernel: str) -> torch.Tensor:
    """8-bit small image as Pillow would make it (crop to a multiple of the scale first)."""
    size = hr.shape[-1] // scale * scale
    return (downsample(hr[..., :size, :size], scale, kernel).clamp(0, 1) * 255).round() / 255


def class_thresholds(images: list[torch.Tensor], scale: int) -> torch.Tensor:
    """Strength terciles and coherence terciles over a sample of training images."""
    strengths, coherences = [], []
    for hr in images:
        base = upsample(shrink(hr, scale, "bicubic"), scale, "bicubic")
        _, s, c = structure_features(base, scale)
        strengths.append(s.flatten()[::7])
        coherences.append(c.flatten()[::7])
    s, c = torch.cat(strengths).double(), torch.cat(coherences).double()
    q = torch.tensor([1 / 3, 2 / 3], dtype=torch.float64)
    return torch.cat([torch.quantile(s, q), torch.quantile(c, q)]).float()


def _add_normal_equations(q, v, counts, a, r, c) -> None:
    """Add rows ``a`` (n, 36), targets ``r`` (n,) of classes ``c`` (n,) to per-class sums."""
    order = torch.argsort(c, stable=True)
    a, r, c = a[order].double(), r[order].double(), c[order]
    classes, sizes = torch.unique_consecutive(c, return_counts=True)
    start = 0
    for cls, n in zip(classes.tolist(), sizes.tolist()):
        ai, ri = a[start:start + n], r[start:start + n]
        q[cls] += ai.T @ ai
        v[cls] += ai.T @ ri
        if counts is not None:
            counts[cls] += n
        start += n


def accumulate(images: list[torch.Tensor], scale: int, thresholds: torch.Tensor, group: int = 30):
    """Per-class normal equations ``Q = sum a a^T``, ``V = sum a r`` for each kernel."""
    n_classes = ANGLES * STRENGTHS * COHERENCES * scale * scale
    q = {k: torch.zeros(n_classes, TAPS, TAPS, dtype=torch.float64) for k in KERNELS}
    v = {k: torch.zeros(n_classes, TAPS, dtype=torch.float64) for k in KERNELS}
    counts = torch.zeros(n_classes, dtype=torch.float64)
    for g in range(0, len(images), group):
        for kernel in KERNELS:
            rows, targets, labels = [], [], []
            for hr in images[g:g + group]:
                small = shrink(hr, scale, kernel)
                size = small.shape[-1] * scale
                base = upsample(small, scale, "bicubic")
                inner = (0, slice(MARGIN, size - MARGIN), slice(MARGIN, size - MARGIN))
                cls = structure_classes(base, scale, thresholds)[0][inner]
                win = lr_windows(small, scale)[0][(slice(None),) + inner[1:]]
                rows.append(win.reshape(TAPS, -1).T)
                targets.append((hr[..., :size, :size] - base)[0][inner].reshape(-1))
                labels.append(cls.reshape(-1))
            _add_normal_equations(q[kernel], v[kernel], counts if kernel == KERNELS[0] else None,
                                  torch.cat(rows), torch.cat(targets), torch.cat(labels))
    return q, v, counts


def solve(q: dict, v: dict, counts: torch.Tensor, ridge: float, min_count: int) -> torch.Tensor:
    """Ridge least squares per class for the equal mixture of kernels; sparse classes get zeros."""
    qm = sum(q.values()) / len(q)
    vm = sum(v.values()) / len(v)
    scale = qm.diagonal(dim1=1, dim2=2).mean(-1, keepdim=True).clamp_min(1e-12)
    eye = torch.eye(TAPS, dtype=torch.float64)
    reg = qm + (ridge * scale)[:, :, None] * eye + 1e-10 * eye
    filters = torch.linalg.solve(reg, vm[:, :, None])[..., 0]
    filters[counts < min_count] = 0
    return filters.float()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=240)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--ridge", type=float, default=0.02)
    ap.add_argument("--min-count", type=int, default=64)
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    noises = [fractal_noise(rng, IMAGE_SIZE, b) for b in (1.0, 1.5, 2.0, 2.5, 1.2, 1.8)]
    images = []
    for _ in range(args.images):
        hr = torch.from_numpy(procedural_image(rng, noises))[None, None]
        images.append((hr * 255).round() / 255)
    print(f"{len(images)} procedural images in {time.perf_counter() - t0:.0f} s", flush=True)
    arrays = {}
    for scale in SCALES:
        thr = class_thresholds(images[:40], scale)
        q, v, counts = accumulate(images, scale, thr)
        arrays[f"filters{scale}"] = solve(q, v, counts, args.ridge, args.min_count).numpy()
        arrays[f"thresholds{scale}"] = thr.numpy()
        arrays[f"counts{scale}"] = counts.numpy().astype(np.int64)
        used = int((counts >= args.min_count).sum())
        print(f"x{scale}: {used}/{counts.numel()} classes fitted, {time.perf_counter() - t0:.0f} s", flush=True)
    np.savez(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
