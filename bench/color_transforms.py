"""Colour management through OpenColorIO: each transform's cost on a 1024×1280 frame and its
18 % grey beside the reference value.

Prints one row per transform: wall seconds per frame (median of ``--repeat`` runs after a
warm-up that builds the processor), the sRGB code value 18 % grey comes out at, and the
reference (ACES: the published output of the RRT + ODT, mid-grey at about 10 % of display
white; AgX: this project's pivot). Run: ``PYTHONPATH=src python bench/color_transforms.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import shotspec.runtime  # noqa: F401  (sets the OpenMP wait policy before torch loads)
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import machine_line  # noqa: E402

from shotspec.color import linear_to_srgb  # noqa: E402
from shotspec.color_config import DEFAULT_CONFIG, WORKING_SPACE, config_names  # noqa: E402
from shotspec.runtime import color_management as cm  # noqa: E402
from shotspec.runtime.finishing.tone import tone_curve  # noqa: E402

LUT = Path(__file__).resolve().parents[1] / "src" / "shotspec" / "specs" / "luts" / "teal_orange.cube"
ACES2 = "ACES 2.0 - SDR 100 nits (Rec.709)"

# name -> (frame -> sRGB code values, reference code for 18 % grey, where it comes from)
CASES = {
    "view ACES 2.0 SDR (Rec.709)": (
        lambda x: cm.display_view(x, DEFAULT_CONFIG, WORKING_SPACE, "sRGB - Display", ACES2),
        0.349, "ACES 2.0: 18 % → 10 nits of 100"),
    "view ACES 1.0 SDR Video (tonemap aces)": (
        cm.aces_sdr_video, 0.356, "ACES 1.0 RRT+ODT: 18 % → 10.4 %"),
    "tonemap agx (hand-written)": (
        lambda x: linear_to_srgb(tone_curve(x, "agx")), 0.461, "AgX pivot: 18 % → 18 %"),
    "cdl identity in ACEScct": (
        lambda x: linear_to_srgb(cm.cdl(x, DEFAULT_CONFIG, WORKING_SPACE, "color_timing")),
        0.461, "a round trip: sRGB(0.18)"),
    "3D .cube (teal_orange)": (
        lambda x: cm.file_lut(linear_to_srgb(x), DEFAULT_CONFIG, str(LUT)), None, ""),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(machine_line())
    t0 = time.perf_counter()
    config_names(DEFAULT_CONFIG)
    print(f"load {DEFAULT_CONFIG} and its names: {time.perf_counter() - t0:.3f} s")
    frame = torch.rand((1, 3, 1280, 1024), generator=torch.Generator().manual_seed(0)) * 2.0
    grey = torch.full((1, 3, 1, 1), 0.18)
    print(f"{'transform':42} {'s/frame':>8} {'18% grey':>9} {'reference':>10}  source")
    for name, (fn, ref, source) in CASES.items():
        fn(frame)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn(frame)
            times.append(time.perf_counter() - t)
        code = float(fn(grey)[0, 1, 0, 0])
        ref_text = f"{ref:.3f}" if ref is not None else "—"
        print(f"{name:42} {statistics.median(times):8.3f} {code:9.3f} {ref_text:>10}  {source}")


if __name__ == "__main__":
    main()
