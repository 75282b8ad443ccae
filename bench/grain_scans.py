"""Grain of the film stocks beside two 35 mm film scans, measured the same way.

    python bench/grain_scans.py [--scans PATH ...] [--pitch-um 47] [--size 512] [--strength 1]

The scans (../shared/data/faces/kodim04.png, kodim15.png: Kodak Photo CD images, 768 × 512 over
a 36 mm frame, 47 µm per pixel) and flat mid-grey plates rendered with each stock at the scans'
pitch go through one estimator (``shotspec.runtime.finishing.grain_measure``): the residual after
a 2 px Gaussian in the flattest 30 % of 8 × 8 blocks. Printed per row: the blocks' mean level u,
the per-channel RMS of u scaled to mid-grey (the Boolean model's sqrt(u(1 − u))), the
per-channel neighbour correlation and the channel correlation. On a scan some image content
survives the estimator (more in red, where skin and fabric carry texture): its numbers are an
upper bound on its grain. A second table gives the render's statistics at other output widths
over a 36 mm frame, and the mean count of grains per pixel that sets how clumped the grain is.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_env import machine_line  # noqa: E402

from shotspec.runtime.finishing import STOCKS, film_grain  # noqa: E402
from shotspec.runtime.finishing.grain import grain_pixel_rms, grains_per_pixel  # noqa: E402
from shotspec.runtime.finishing.grain_measure import GrainStats, grain_statistics  # noqa: E402
from shotspec.runtime.frame import Frame, FrameMeta  # noqa: E402
from shotspec.runtime.io import read_image  # noqa: E402

# shared/ sits beside the checkout (../shared) or beside its worktree folder (../../shared).
FACES = next((p / "shared" / "data" / "faces" for p in ROOT.parents[:2]
              if (p / "shared" / "data" / "faces").is_dir()), ROOT.parent / "shared" / "data" / "faces")
DEFAULT_SCANS = [FACES / f"{n}.png" for n in ("kodim04", "kodim15")]


def _triple(values) -> str:
    return " ".join(f"{v:.4f}" if abs(v) < 0.1 else f"{v:.3f}" for v in values)


def _row(table: Table, name: str, s: GrainStats) -> None:
    table.add_row(name, f"{s.level:.2f}", _triple(s.rms_mid_grey), _triple(s.neighbour),
                  f"{s.channel:.3f}", str(s.blocks))


def flat_plate(width: int, height: int, pitch_um: float, value: float = 0.18) -> Frame:
    return Frame(rgb=torch.full((1, 3, height, width), value),
                 meta=FrameMeta(sensor_width_m=width * pitch_um * 1e-6,
                                sensor_height_m=height * pitch_um * 1e-6))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", nargs="*", type=Path, default=DEFAULT_SCANS)
    ap.add_argument("--pitch-um", type=float, default=47.0, help="the scans' film-plane pitch")
    ap.add_argument("--size", type=int, default=512, help="side of the flat plates, px")
    ap.add_argument("--strength", type=float, default=1.0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    console = Console(width=140)
    console.print(machine_line())

    table = Table(title=f"Grain at {args.pitch_um:g} µm/px: scans and stocks (strength {args.strength:g})")
    for col in ("image", "level u", "RMS at mid-grey R G B", "neighbour corr R G B",
                "channel corr", "blocks"):
        table.add_column(col)
    for path in args.scans:
        if not path.exists():
            console.print(f"[yellow]missing scan {path}[/yellow]")
            continue
        rgb, _ = read_image(str(path))
        _row(table, path.stem, grain_statistics(rgb))
    for name in STOCKS:
        plate = flat_plate(args.size, args.size, args.pitch_um)
        out = film_grain(plate, stock=name, strength=args.strength, seed=1)
        _row(table, f"{name} render", grain_statistics(out.rgb))
    console.print(table)

    sizes = Table(title="250D on a 36 mm frame at other widths (strength 1, flat mid-grey)")
    for col in ("width px", "pitch µm", "grains/px", "model RMS G", "measured RMS G",
                "neighbour corr G", "channel corr"):
        sizes.add_column(col)
    for width in (768, 1024, 2048, 4096):
        pitch = 36000.0 / width
        plate = flat_plate(min(width, args.size), min(width, args.size), pitch)
        s = grain_statistics(film_grain(plate, stock="250D", strength=1.0, seed=1).rgb)
        sizes.add_row(str(width), f"{pitch:.1f}", f"{grains_per_pixel('250D', pitch):.2f}",
                      f"{grain_pixel_rms('250D', pitch)[1]:.4f}", f"{s.rms[1]:.4f}",
                      f"{s.neighbour[1]:.3f}", f"{s.channel:.3f}")
    console.print(sizes)
    console.print(f"numpy {np.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
