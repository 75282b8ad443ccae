"""Benchmark shotspec's upscaler against Pillow's bicubic and Lanczos on real photographs.

Images: the 18 Set5/Set14 originals in ``data/sr`` and the face set of ``upscale_faces.py``
(11 portraits at several face scales: film scans, a studio portrait, the rendered character).
Protocol (/work/shared/data/README.md): crop each original to a multiple of the
scale, shrink it with Pillow (bicubic, and box = area averaging), upscale back, compare with the
original on 8-bit results: PSNR on BT.601 luma with a border of ``scale`` pixels removed, and
the high-frequency energy ratio (sum of |FFT|^2 of the luma over 0.2-0.5 cycles/pixel, upscaled
divided by original). A last section times both modes on a 1-megapixel output.

The last tables put each figure beside its target (issue 18): fidelity never below Lanczos on
any image and kernel; detail's HF ratio >= 0.7 with PSNR within 0.5 dB of bicubic, per set
(Set5+Set14 and faces) and shrink kernel.

    python bench/upscale_sr.py [--scale 2 4] [--quick] [--no-faces] [--data DIR]
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

sys.path.insert(0, str(Path(__file__).parent))
from upscale_faces import face_set  # noqa: E402

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


def evaluate(images: list[tuple[str, str, Image.Image]], scales: list[int]) -> list[dict]:
    """Rows of (image, set, scale, kernel, method, psnr, hf, seconds) for ``(name, set, image)``."""
    rows = []
    for name, image_set, original in images:
        for scale in scales:
            w, h = original.width // scale * scale, original.height // scale * scale
            hr = original.crop((0, 0, w, h))
            hr_arr = np.asarray(hr)
            hf_ref = hf_energy(hr_arr)
            for kname, kernel in KERNELS.items():
                small = hr.resize((w // scale, h // scale), kernel)
                for method in METHODS:
                    out, seconds = run_method(method, small, scale)
                    rows.append(dict(image=name, set=image_set, scale=scale, kernel=kname,
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


def target_rows(rows: list[dict]) -> list[tuple]:
    """Per (group, scale, kernel): each issue-18 figure, its target and whether it is met.

    Groups: ``benchmark`` (Set5 + Set14) and ``faces``. Figures: fidelity - Lanczos on the worst
    image (target >= 0), detail's mean HF ratio (>= 0.7) and mean PSNR - bicubic (>= -0.5 dB);
    the worst single image's detail - bicubic is printed beside them for reference.
    """
    table = {(r["image"], r["scale"], r["kernel"], r["method"]): r for r in rows}
    group_of = {r["image"]: ("faces" if r["set"] == "faces" else "benchmark") for r in rows}
    out = []
    for group in ("benchmark", "faces"):
        for scale in sorted({r["scale"] for r in rows}):
            for kernel in KERNELS:
                imgs = sorted({i for (i, s, k, m) in table if s == scale and k == kernel and group_of[i] == group})
                if not imgs:
                    continue
                get = lambda i, m, key: table[(i, scale, kernel, m)][key]  # noqa: E731
                fid_gap = {i: get(i, "fidelity", "psnr") - get(i, "lanczos", "psnr") for i in imgs}
                det_gap = {i: get(i, "detail", "psnr") - get(i, "bicubic", "psnr") for i in imgs}
                hf = float(np.mean([get(i, "detail", "hf") for i in imgs]))
                worst_f = min(fid_gap, key=fid_gap.get)
                worst_d = min(det_gap, key=det_gap.get)
                mean_d = float(np.mean(list(det_gap.values())))
                out.append((group, scale, kernel, len(imgs), fid_gap[worst_f], worst_f, hf, mean_d,
                            det_gap[worst_d], worst_d))
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
    ap.add_argument("--per-image", action="store_true", help="print every image's PSNR")
    ap.add_argument("--no-faces", action="store_true", help="leave out the face set")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    paths = sorted(args.data.glob("*.png"))
    if args.quick:
        paths = [p for p in paths if p.stem.startswith("Set5")]
    images = [(p.stem, p.stem.split("_")[0], Image.open(p).convert("RGB")) for p in paths]
    if not args.no_faces:
        images += [(name, "faces", im) for name, im in face_set()]
    if not images:
        print(f"no PNG images found in {args.data}", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"images: {len(paths)} from {args.data}, {len(images) - len(paths)} in the face set\n")
    rows = evaluate(images, args.scale)
    print("| set | scale | shrunk with | method | images | PSNR-Y dB | HF ratio | time s |")
    print("|---|---|---|---|---|---|---|---|")
    for image_set, scale, kernel, method, n, p, hf, sec in summarise(rows):
        print(f"| {image_set} | x{scale} | {kernel} | {method} | {n} | {p:.2f} | {hf:.3f} | {sec:.2f} |")
    print("\n| scale | shrunk with | images below Lanczos | worst image | fidelity - Lanczos dB |")
    print("|---|---|---|---|---|")
    for scale, kernel, below, n, worst, gap in worst_cases(rows):
        print(f"| x{scale} | {kernel} | {below} of {n} | {worst} | {gap:+.2f} |")
    print("\nAgainst the targets (issue 18): fidelity - Lanczos on the worst image >= 0 dB; detail HF "
          ">= 0.7 and detail - bicubic >= -0.5 dB (means per group)\n")
    print("| images | scale | shrunk with | n | worst fidelity - Lanczos dB (>= 0) | detail HF (>= 0.7) "
          "| detail - bicubic dB (>= -0.5) | worst image detail - bicubic dB | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for group, scale, kernel, n, fgap, fimg, hf, dmean, dworst, dimg in target_rows(rows):
        met = "yes" if fgap >= 0 and hf >= 0.7 and dmean >= -0.5 else "**no**"
        print(f"| {group} | x{scale} | {kernel} | {n} | {fgap:+.2f} ({fimg}) | {hf:.3f} | {dmean:+.2f} "
              f"| {dworst:+.2f} ({dimg}) | {met} |")
    if args.per_image:
        print("\n| image | scale | shrunk with | bicubic | Lanczos | fidelity | detail | HF fidelity / detail |")
        print("|---|---|---|---|---|---|---|---|")
        table = {(r["image"], r["scale"], r["kernel"], r["method"]): r for r in rows}
        for (img, scale, kernel) in sorted({(r["image"], r["scale"], r["kernel"]) for r in rows}):
            p = [table[(img, scale, kernel, m)]["psnr"] for m in METHODS]
            print(f"| {img} | x{scale} | {kernel} | " + " | ".join(f"{v:.2f}" for v in p)
                  + f" | {table[(img, scale, kernel, 'fidelity')]['hf']:.3f} / {table[(img, scale, kernel, 'detail')]['hf']:.3f} |")
    if not args.quick:
        print("\n| output | scale | mode | seconds |")
        print("|---|---|---|---|")
        for scale, mode, sec in timing_1mp():
            print(f"| 1024x1024 | x{scale} | {mode} | {sec:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
