"""Compare rendered images code by code (8- and 16-bit PNGs, read at their full depth).

    python tools/compare_renders.py A.png B.png [--label TEXT]
    python tools/compare_renders.py --pairs DIR cuda cpu     # every *_cuda*.png with its *_cpu* twin

Prints, per pair: identical or not, the largest and mean difference and PSNR in 8-bit code
units, and the share of pixels more than one code apart. Used by tools/cuda_check.sh.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def load(path: Path) -> np.ndarray:
    """The image in 8-bit code units (float64), 16-bit files at their full precision."""
    import cv2                                  # Pillow reads 16-bit RGB as 8-bit

    a = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if a is None:
        return np.asarray(Image.open(path), dtype=np.float64)
    return a.astype(np.float64) * (255.0 / 65535.0 if a.dtype == np.uint16 else 1.0)


def compare(a_path: Path, b_path: Path, label: str) -> str:
    a, b = load(a_path), load(b_path)
    if a.shape != b.shape:
        return f"{label}: sizes differ {a.shape} / {b.shape}"
    d = np.abs(a - b)
    mse = float((d * d).mean())
    psnr = "inf" if mse == 0 else f"{10 * np.log10(255.0 ** 2 / mse):.1f}"
    return (f"{label}: {'identical' if mse == 0 else 'differ'}; max {d.max():.2f}, mean {d.mean():.4f} codes; "
            f"PSNR {psnr} dB; {100 * float((d > 1).mean()):.2f} % of values > 1 code apart")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="*")
    p.add_argument("--label", default=None)
    p.add_argument("--pairs", nargs=3, metavar=("DIR", "A", "B"))
    args = p.parse_args(argv)
    if args.pairs:
        folder, a, b = Path(args.pairs[0]), args.pairs[1], args.pairs[2]
        for one in sorted(folder.glob(f"*_{a}*.png")):
            other = one.with_name(one.name.replace(f"_{a}", f"_{b}", 1))
            print(compare(one, other, one.name) if other.exists() else f"{one.name}: no {b} twin")
        return 0
    if len(args.paths) != 2:
        p.error("give two images, or --pairs DIR A B")
    print(compare(Path(args.paths[0]), Path(args.paths[1]), args.label or f"{args.paths[0]} vs {args.paths[1]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
