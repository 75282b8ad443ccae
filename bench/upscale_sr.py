"""Benchmark shotspec's upscaler against Pillow's bicubic and Lanczos on real photographs.

Protocol (/work/shared/data/README.md): crop each original in ``data/sr`` to a multiple of the
scale, shrink it with Pillow (bicubic, and box = area averaging), upscale back, compare with the
original on 8-bit results: PSNR on BT.601 luma with a border of ``scale`` pixels removed, and
the high-frequency energy ratio (sum of |FFT|^2 of the luma over 0.2-0.5 cycles/pixel, upscaled
divided by original). A last section times both modes on a 1-megapixel output.

    python bench/upscale_sr.py [--scale 2 4] [--quick] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from shotspec.runtime.upscale import upscale_image

DATA = Path(os.environ.get("SHOTSPEC_SR_DATA", "/work/shared/data/sr"))
KERNELS = {"bicubic": Image.BICUBIC, "box": Image.BOX}
METHODS = ("bicubic", "lanczos", "fidelity", "detail")


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of an (H, W, 3) array in 0-255."""
    rgb = rgb.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def psnr_y(a: np.ndarray, b: np.ndarray, border: int) -> float:
    ya, yb = luma(a), luma(b)
    if border:
        ya, yb = ya[border:-border, border:-border], yb[border:-border, border:-border]
    mse = float(np.mean((ya - yb) ** 2))
    return 10.0 * np.log10(255.0**2 / max(mse, 1e-12))


def hf_energy(rgb: np.ndarray) -> float:
    """Sum of |FFT|^2 of the luma over radial frequencies 0.2-0.5 cycles/pixel."""
    y = luma(rgb)
    spec = np.abs(np.fft.fft2(y)) ** 2
    fy = np.fft.fftfreq(y.shape[0])[:, None]
    fx = np.fft.fftfreq(y.shape[1])[None, :]
    r = np.sqrt(fx**2 + fy**2)
    return float(spec[(r >= 0.2) & (r <= 0.5)].sum())


def run_method(method: str, small: Image.Image, scale: int) -> tuple[np.ndarray, float]:
    size = (small.width * scale, small.height * scale)
    t0 = time.perf_counter()
    if method == "bicubic":
        out = np.asarray(small.resize(size, Image.BICUBIC))
    elif method == "lanczos":
        out = np.asarray(small.resize(size, Image.LANCZOS))
    else:
        x = torch.from_numpy(np.asarray(small).astype(np.float32) / 255.0).permute(2, 0, 1)[None]
        with torch.no_grad():
            y = upscale_image(x, scale, method)
        out = (y[0].permute(1, 2, 0).clamp(0, 1).numpy() * 255.0 + 0.5).astype(np.uint8)
    return out, time.perf_counter() - t0


def evaluate(paths: list[Path], scales: list[int]) -> list[dict]:
    rows = []
    for path in paths:
        original = Image.open(path).convert("RGB")
        image_set = path.stem.split("_")[0]
        for scale in scales:
            w, h = original.width // scale * scale, original.height // scale * scale
            hr = original.crop((0, 0, w, h))
            hr_arr = np.asarray(hr)
            hf_ref = hf_energy(hr_arr)
            for kname, kernel in KERNELS.items():
                small = hr.resize((w // scale, h // scale), kernel)
                for method in METHODS:
                    out, seconds = run_method(method, small, scale)
                    rows.append(dict(image=path.stem, set=image_set, scale=scale, kernel=kname,
                                     method=method, psnr=psnr_y(out, hr_arr, scale),
                                     hf=hf_energy(out) / hf_ref, seconds=seconds))
    return rows


def summarise(rows: list[dict]) -> list[tuple]:
    keys = sorted({(r["set"], r["scale"], r["kernel"]) for r in rows})
    sets = sorted({r["set"] for r in rows})
    out = []
    for scale in sorted({r["scale"] for r in rows}):
        for kernel in KERNELS:
            for image_set in [*sets, "all"]:
                if image_set != "all" and (image_set, scale, kernel) not in keys:
                    continue
                for method in METHODS:
                    sel = [r for r in rows if r["scale"] == scale and r["kernel"] == kernel
                           and r["method"] == method and image_set in ("all", r["set"])]
                    if sel:
                        out.append((image_set, scale, kernel, method, len(sel),
                                    float(np.mean([r["psnr"] for r in sel])),
                                    float(np.mean([r["hf"] for r in sel])),
                                    float(np.sum([r["seconds"] for r in sel]))))
    return out


def worst_cases(rows: list[dict]) -> list[tuple]:
    """Per (scale, kernel): images where fidelity is below Lanczos, and the worst fidelity - Lanczos."""
    psnr = {(r["image"], r["scale"], r["kernel"], r["method"]): r["psnr"] for r in rows}
    out = []
    for scale in sorted({r["scale"] for r in rows}):
        for kernel in KERNELS:
            gaps = {img: psnr[(img, s, k, "fidelity")] - psnr[(img, s, k, "lanczos")]
                    for (img, s, k, m) in psnr if s == scale and k == kernel and m == "fidelity"}
            if gaps:
                worst = min(gaps, key=gaps.get)
                out.append((scale, kernel, sum(g < 0 for g in gaps.values()), len(gaps), worst, gaps[worst]))
    return out


def timing_1mp() -> list[tuple]:
    """Seconds for a 1024x1024 output from a 512 (x2) and a 256 (x4) pixel RGB input."""
    gen = torch.Generator().manual_seed(0)
    res = []
    for scale in (2, 4):
        x = torch.rand(1, 3, 1024 // scale, 1024 // scale, generator=gen)
        for mode in ("fidelity", "detail"):
            t0 = time.perf_counter()
            with torch.no_grad():
                upscale_image(x, scale, mode)
            res.append((scale, mode, time.perf_counter() - t0))
    return res


def machine() -> str:
    model = "unknown CPU"
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("Model name")), model)
    except OSError:
        pass
    return (f"{platform.machine()} {model}, nproc={os.cpu_count()}, torch {torch.__version__} "
            f"threads={torch.get_num_threads()}, cuda={torch.cuda.is_available()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, nargs="+", default=[2, 4], choices=[2, 3, 4])
    ap.add_argument("--quick", action="store_true", help="Set5 only and no 1-megapixel timing")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    paths = sorted(args.data.glob("*.png"))
    if args.quick:
        paths = [p for p in paths if p.stem.startswith("Set5")]
    if not paths:
        print(f"no PNG images found in {args.data}", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    print(f"images: {len(paths)} from {args.data}\n")
    rows = evaluate(paths, args.scale)
    print("| set | scale | shrunk with | method | images | PSNR-Y dB | HF ratio | time s |")
    print("|---|---|---|---|---|---|---|---|")
    for image_set, scale, kernel, method, n, p, hf, sec in summarise(rows):
        print(f"| {image_set} | x{scale} | {kernel} | {method} | {n} | {p:.2f} | {hf:.3f} | {sec:.2f} |")
    print("\n| scale | shrunk with | images below Lanczos | worst image | fidelity - Lanczos dB |")
    print("|---|---|---|---|---|")
    for scale, kernel, below, n, worst, gap in worst_cases(rows):
        print(f"| x{scale} | {kernel} | {below} of {n} | {worst} | {gap:+.2f} |")
    if not args.quick:
        print("\n| output | scale | mode | seconds |")
        print("|---|---|---|---|")
        for scale, mode, sec in timing_1mp():
            print(f"| 1024x1024 | x{scale} | {mode} | {sec:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
