"""A late frame of a video plate: decoded from the clip's start (before) against a seek to the
key frame at or before it (after), as a Ray worker or a resumed render asks for it.

Makes two clips in a temporary folder — H.264 (libx264 ``veryfast``, GOP 24, 3 B-frames) and
ProRes 422 HQ, ``--frames`` frames at ``--size`` — and prints, per clip and late frame, the
wall seconds and the frames decoded by a fresh decoder: sequentially from the start (what
``video_read`` did before it seeked) and by seeking; and the seconds per frame of an in-order
read (unchanged: each frame decoded once). Medians of ``--repeat`` runs.
Run: ``PYTHONPATH=src python bench/video_seek.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_env import machine_line  # noqa: E402

from shotspec.runtime.io import video_read  # noqa: E402


def make_clip(path: str, codec: str, frames: int, w: int, h: int) -> str:
    import av

    opts = ({"g": "24", "bf": "3", "preset": "veryfast", "x264-params": "scenecut=0"}
            if codec == "libx264" else {"profile": "3"})
    pix = "yuv420p" if codec == "libx264" else "yuv422p10le"
    rng = np.random.default_rng(1)
    base = (np.indices((h, w)).sum(0) % 256).astype(np.uint8)
    with av.open(path, "w") as c:
        s = c.add_stream(codec, rate=Fraction(24000, 1001), options=opts)
        s.width, s.height, s.pix_fmt = w, h, pix
        for i in range(frames):
            grain = rng.integers(0, 16, (h, w, 1), dtype=np.uint8)
            rgb = np.stack([np.roll(base, 7 * i, 1), base, base[::-1]], 2) + grain
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def late_read(path: str, index: int, seek: bool) -> tuple[float, int]:
    video_read._drop(path)
    dec = video_read._decoder(path)
    dec.seekable = dec.seekable and seek          # False: the old decode-from-the-start
    t = time.perf_counter()
    video_read.read_video_codes(path, index)
    wall = time.perf_counter() - t
    video_read._drop(path)
    return wall, dec.decoded


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    w, h = map(int, args.size.split("x"))
    print(machine_line())
    print(f"{args.frames} frames at {w}×{h}, 23.976 fps; medians of {args.repeat}\n")
    print(f"{'clip':<22} {'frame':>6} {'from start s':>13} {'decoded':>8} {'seek s':>8} "
          f"{'decoded':>8} {'speed-up':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, codec, suffix in (("H.264 GOP 24, B-frames", "libx264", "mp4"),
                                    ("ProRes 422 HQ", "prores_ks", "mov")):
            path = make_clip(f"{tmp}/clip.{suffix}", codec, args.frames, w, h)
            for index in (args.frames // 2, args.frames - 1):
                before = [late_read(path, index, False) for _ in range(args.repeat)]
                after = [late_read(path, index, True) for _ in range(args.repeat)]
                b = statistics.median(x[0] for x in before)
                a = statistics.median(x[0] for x in after)
                print(f"{name:<22} {index:>6} {b:>13.3f} {before[0][1]:>8} {a:>8.3f} "
                      f"{after[0][1]:>8} {b / a:>8.1f}×")
            video_read._drop(path)
            t = time.perf_counter()
            for i in range(args.frames):
                video_read.read_video_codes(path, i)
            per = (time.perf_counter() - t) / args.frames
            video_read._drop(path)
            print(f"{name:<22} in order: {per * 1000:.1f} ms a frame (decode + RGB at 16 bits)")


if __name__ == "__main__":
    main()
