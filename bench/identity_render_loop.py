"""Closed loop on renders: render known people from several views and lights with the scanned
head, find their landmarks in the images as `shot identity build` does, fit the identity back,
and print the face's vertex RMS error against the average face's.

    python bench/identity_render_loop.py [--seeds 3 17 256] [--size 512x640]

Unlike tests/runtime/head/test_fit.py (which projects the model's own landmark vertices), the
points here come from the landmark finder on rendered pixels, so the table shows what the
identity lock achieves on images: with mediapipe installed (`pip install -e ".[faces]"`) the
finder gives 478 points; without it the built-in finder gives the pupils, mouth corners and
jaw width only, and the prior does most of the work.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

VIEWS_DEG = (-25.0, -12.0, 0.0, 12.0, 25.0)
LIGHT_AZIMUTHS_DEG = (45.0, -30.0)


def render_view(character, yaw_deg: float, key_deg: float, size: tuple[int, int]) -> torch.Tensor:
    """Linear RGB (1, 3, H, W) of ``character`` seen from ``yaw_deg`` under a key at ``key_deg``."""
    from shotspec.compiler.ir import CameraIR, LightIR
    from shotspec.runtime.head.build import build_scene
    from shotspec.runtime.head.render import render_geometry
    from shotspec.runtime.head.shade import shade

    camera = CameraIR(focal_length_m=0.085, distance_m=0.9, yaw_rad=math.radians(yaw_deg))
    lights = [LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(key_deg),
                      elevation_rad=math.radians(25), distance_m=1.4, size_m=0.6),
              LightIR(name="fill", kind="environment", intensity=0.35)]
    scene = build_scene(character, camera)
    geo = render_geometry(scene, camera, *size, character=character)
    return shade(geo, scene, character, lights, camera).rgb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[3, 17, 256])
    ap.add_argument("--size", default="512x640")
    args = ap.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))

    from shotspec.compiler.ir import CharacterIR
    from shotspec.runtime.faces.face_finder import find_face
    from shotspec.runtime.head.fit import fit_identity
    from shotspec.runtime.head.landmarks import face_rms_mm
    from shotspec.runtime.head.model import load_head
    from shotspec.runtime.identity.face_fit import identity_coefficients_for, observation_from_landmarks

    head = load_head()
    table = Table(title=f"identity fit from rendered photos ({len(VIEWS_DEG)} views × "
                        f"{len(LIGHT_AZIMUTHS_DEG)} keys, {size[0]}×{size[1]})")
    for col in ("seed", "photos with a face", "finder", "average face error (mm)",
                "fitted face error (mm)", "s"):
        table.add_column(col, justify="right")
    for seed in args.seeds:
        character = CharacterIR(name="truth", seed=seed)
        truth = identity_coefficients_for(character, head)
        t0 = time.perf_counter()
        observations, methods = [], set()
        for yaw in VIEWS_DEG:
            for key in LIGHT_AZIMUTHS_DEG:
                found = find_face(render_view(character, yaw, key, size))
                if not found.found:
                    continue
                obs = observation_from_landmarks(found.landmarks, size)
                if obs is not None:
                    observations.append(obs)
                    methods.add(found.landmarks.method)
        average = face_rms_mm(head, np.zeros(head.n_modes), truth)
        fitted = (face_rms_mm(head, fit_identity(observations, head).coefficients, truth)
                  if observations else float("nan"))
        table.add_row(str(seed), f"{len(observations)}/{len(VIEWS_DEG) * len(LIGHT_AZIMUTHS_DEG)}",
                      ",".join(sorted(methods)) or "-", f"{average:.2f}", f"{fitted:.2f}",
                      f"{time.perf_counter() - t0:.0f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main())
