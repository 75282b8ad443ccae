"""The identity fit's closed loop over many people: face vertex RMS (mm) and time per photo set.

Each person (seed) is seen through pinhole cameras orbiting the head (the render camera, 50 mm
at 0.6 m, 1024×1280), its 70 detector points projected with Gaussian noise, and fitted back
(``shotspec.runtime.head.fit.fit_identity``). Prints, per setting, the mean and RMS over the
people of the face's vertex RMS error (vertices 0–9408, after rigid alignment) against the
average face's (the model's population spread, about 5.5 mm), and the median fit time.

    python bench/identity_fit.py [--seeds 12] [--noise 1.5]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from bench_env import machine_line
from shotspec.compiler.ir import CameraIR
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.fit import face_rms_mm, fit_identity, landmarks_in_view
from shotspec.runtime.head.model import identity_coefficients, load_head

SIZE = (1024, 1280)
FIVE = ((-25.0, 0.0), (-12.0, 8.0), (0.0, 0.0), (12.0, -8.0), (25.0, 0.0))
SETTINGS = (("5 views, focal known", FIVE, True), ("5 views, focal from the prior", FIVE, False),
            ("3 views (0°, ±20°), focal known", ((-20.0, 0.0), (0.0, 0.0), (20.0, 0.0)), True),
            ("1 front view, focal known", ((0.0, 0.0),), True),
            ("1 view at 20°, focal known", ((20.0, 5.0),), True))


def views(head, c, cams, noise, rng, known):
    return [landmarks_in_view(head, c, PinholeCamera.from_ir(
        CameraIR(distance_m=0.6, focal_length_m=0.05, yaw_rad=math.radians(yaw),
                 pitch_rad=math.radians(pitch)), *SIZE), noise_px=noise, rng=rng, known_focal=known)
        for yaw, pitch in cams]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=12)
    ap.add_argument("--noise", type=float, default=1.5, help="landmark noise, px per axis")
    args = ap.parse_args()
    head = load_head()
    seeds = range(10, 10 + args.seeds)
    zero = np.zeros(head.n_modes)
    prior = np.array([face_rms_mm(head, zero, identity_coefficients(head, s)) for s in seeds])
    print(machine_line())
    print(f"{len(prior)} people, noise {args.noise} px, {SIZE[0]}×{SIZE[1]}")
    print(f"| setting | face RMS mean (mm) | RMS over people (mm) | worst (mm) | median time (s) |")
    print("|---|---|---|---|---|")
    print(f"| average face (prior mean) | {prior.mean():.2f} | {np.sqrt((prior ** 2).mean()):.2f} "
          f"| {prior.max():.2f} | — |")
    for name, cams, known in SETTINGS:
        rng = np.random.default_rng(0)
        err, secs = [], []
        for s in seeds:
            c = identity_coefficients(head, s)
            obs = views(head, c, cams, args.noise, rng, known)
            t0 = time.perf_counter()
            res = fit_identity(obs, head)
            secs.append(time.perf_counter() - t0)
            err.append(face_rms_mm(head, res.coefficients, c))
        e = np.array(err)
        print(f"| {name} | {e.mean():.2f} | {np.sqrt((e ** 2).mean()):.2f} | {e.max():.2f} "
              f"| {np.median(secs):.2f} |", flush=True)


if __name__ == "__main__":
    main()
