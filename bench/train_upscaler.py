"""Train the upscaler network on procedurally generated images only (no photographs).

Training images are synthesised here from a fixed seed, never read from disk: "dead leaves"
scenes (overlapping discs, ellipses, rectangles and triangles of power-law sizes, the classic
stand-in for natural-image statistics) whose leaves carry flat colour, gradients, fractal
(1/f^beta) noise or sinusoidal gratings, with edges from hair-sharp to defocused, plus thin
anti-aliased strokes (text, hair, eyelash-like lines) and a little sensor noise. Each image is
shrunk by 2, 3 and 4 with Pillow-exact bicubic AND box (area) kernels and quantised to 8 bits, so
the network learns to undo both without knowing which one made its input.

Heads: ``fidelity`` minimises L1 to the original; ``detail`` (trained on the same, frozen
features) minimises L1 plus a penalty that pulls each patch's high-frequency energy towards the
original's, i.e. the most faithful output that is as crisp as the original.

Deterministic (fixed seeds, 2 threads, deterministic algorithms); about 10-15 minutes on a
2-core CPU. Writes runtime/upscale/upscaler_weights.npz.

    python bench/train_upscaler.py [--steps N] [--out PATH]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.upscale.network import SCALES, WEIGHTS_PATH, UpscaleNet
from shotspec.runtime.upscale.resample import downsample, upsample

IMAGE_SIZE = 192
LR_PATCH = 24


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


def build_dataset(n_images: int, seed: int) -> dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]]:
    """HR images and their 8-bit LR versions for every (scale, kernel)."""
    rng = np.random.default_rng(seed)
    noises = [fractal_noise(rng, IMAGE_SIZE, b) for b in (1.0, 1.5, 2.0, 2.5, 1.2, 1.8)]
    hr = torch.from_numpy(np.stack([procedural_image(rng, noises) for _ in range(n_images)]))[:, None]
    hr = (hr * 255).round() / 255
    data = {}
    for s in SCALES:
        crop = IMAGE_SIZE // (4 * s) * 4 * s if s == 3 else IMAGE_SIZE
        h = hr[..., :crop, :crop]
        for kernel in ("bicubic", "box"):
            lr = (downsample(h, s, kernel).clamp(0, 1) * 255).round() / 255
            data[(s, kernel)] = (h, lr)
    return data


def hf_energy(x: torch.Tensor) -> torch.Tensor:
    """Per-patch energy of the top band (difference from a 3x3 binomial blur)."""
    k = torch.tensor([1.0, 2.0, 1.0], device=x.device) / 4
    b = F.conv2d(F.pad(x, (1, 1, 0, 0), mode="replicate"), k.view(1, 1, 1, 3))
    b = F.conv2d(F.pad(b, (0, 0, 1, 1), mode="replicate"), k.view(1, 1, 3, 1))
    return (x - b).pow(2).mean(dim=(1, 2, 3))


def sample_batch(data, scale: int, batch: int, rng: np.random.Generator):
    lrs, hrs = [], []
    for _ in range(batch):
        kernel = "bicubic" if rng.random() < 0.5 else "box"
        hr, lr = data[(scale, kernel)]
        i = rng.integers(hr.shape[0])
        top, left = rng.integers(1, lr.shape[-2] - LR_PATCH - 1, 2)
        l = lr[i, :, top:top + LR_PATCH, left:left + LR_PATCH]
        h = hr[i, :, top * scale:(top + LR_PATCH) * scale, left * scale:(left + LR_PATCH) * scale]
        k = int(rng.integers(8))
        if k & 1:
            l, h = l.flip(-1), h.flip(-1)
        if k & 2:
            l, h = l.flip(-2), h.flip(-2)
        if k & 4:
            l, h = l.transpose(-1, -2), h.transpose(-1, -2)
        lrs.append(l)
        hrs.append(h)
    return torch.stack(lrs), torch.stack(hrs)


def init_weights(net: UpscaleNet, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        net.head.copy_(torch.randn(net.head.shape, generator=g) * math.sqrt(2 / 25))
        for w in net.body:
            w.copy_(torch.randn(w.shape, generator=g) * math.sqrt(2 / (9 * net.channels)) * 0.5)
        for w in net.tails.values():
            w.copy_(torch.randn(w.shape, generator=g) * 1e-3)


def train(steps: int, out: Path, n_images: int, seed: int, detail_weight: float) -> None:
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    t0 = time.perf_counter()
    data = build_dataset(n_images, seed)
    print(f"dataset: {n_images} procedural images in {time.perf_counter() - t0:.0f} s", flush=True)
    net = UpscaleNet()
    init_weights(net, seed)
    fid = [net.head, *net.body, *[net.tails[f"fidelity{s}"] for s in SCALES]]
    det = [net.tails[f"detail{s}"] for s in SCALES]
    opt = torch.optim.Adam([{"params": fid}, {"params": det}], lr=2e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 0.5 * (1 + math.cos(math.pi * min(i, steps) / steps)) * 0.98 + 0.02)
    rng = np.random.default_rng(seed + 1)
    batch = 16
    running = {s: 0.0 for s in SCALES}
    for step in range(1, steps + 1):
        opt.zero_grad(set_to_none=True)
        for s in SCALES:
            lr, hr = sample_batch(data, s, batch, rng)
            base = upsample(lr, s, "bicubic")
            f = net.features(lr)
            pred = base + net.correction(f, s, "fidelity")
            loss_f = (pred - hr).abs().mean()
            detail = base + net.correction(f.detach(), s, "detail")
            e_out, e_ref = hf_energy(detail), hf_energy(hr)
            loss_d = (detail - hr).abs().mean() + detail_weight * (e_out.sqrt() - e_ref.sqrt()).abs().mean()
            (loss_f + loss_d).backward()
            running[s] = 0.98 * running[s] + 0.02 * float(loss_f.detach())
        opt.step()
        sched.step()
        if step % 250 == 0 or step == steps:
            msg = " ".join(f"x{s} {running[s] * 255:.2f}" for s in SCALES)
            print(f"step {step}/{steps}  L1*255 {msg}  {time.perf_counter() - t0:.0f} s", flush=True)
    arrays = net.state_arrays()
    np.savez(out, channels=np.int64(net.channels), depth=np.int64(net.depth),
             **{k: v.astype(np.float32) for k, v in arrays.items()})
    print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - t0:.0f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--images", type=int, default=240)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--detail-weight", type=float, default=4.0)
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = ap.parse_args(argv)
    train(args.steps, args.out, args.images, args.seed, args.detail_weight)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
