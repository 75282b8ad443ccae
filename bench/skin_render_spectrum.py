"""Texture statistics of the rendered skin: the log-luminance spectrum of cheek and forehead
patches of the default character, rendered by the real pipeline (mesh → geometry → shade, no
finishing), at 2048 px and at the default render size, beside a photograph's.

    python bench/skin_render_spectrum.py [--sizes 512 2048] [--photo PATH --photo-mm-per-px F
                                          --photo-patch X,Y,SIZE ...]

Patches are squares of skin around the landmarks (the cheek below the outer eye corner, the
forehead above the brows), measured at the face's real scale (mm per pixel from the render's
``face_mm_per_px``). Printed per patch: the peak of the energy per octave (f²·P(f), as
``skin_measure.spectrum_peak``), the share of the 0.2–4 cycles/mm energy in 0.75–1.25, and the
relative contrast (std of luminance over its mean after removing the shading's 4 mm trend).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.console import Console
from rich.table import Table

PATCH_MM = 14.0


def _patch(lum: torch.Tensor, centre: tuple[float, float], half_px: int) -> torch.Tensor | None:
    x, y = int(round(centre[0])), int(round(centre[1]))
    h, w = lum.shape
    if x - half_px < 0 or y - half_px < 0 or x + half_px > w or y + half_px > h:
        return None
    return lum[y - half_px:y + half_px, x - half_px:x + half_px]


def _stats(patch: torch.Tensor, mm_per_px: float) -> tuple[float, float, float]:
    from shotspec.runtime.head.skin_measure import band_share, spectrum_of, spectrum_peak

    f, p = spectrum_of(patch, mm_per_px)
    sigma = max(1.0, 4.0 / mm_per_px / 2.355)
    k = int(3 * sigma) | 1
    trend = F.avg_pool2d(patch[None, None], k, stride=1, padding=k // 2, count_include_pad=False)[0, 0]
    detail = patch / trend.clamp_min(1e-6)
    return spectrum_peak(f, p), band_share(f, p, 0.75, 1.25), float(detail.std())


def render_patches(width: int) -> tuple[dict[str, torch.Tensor], float]:
    """Luminance patches of the default shot rendered ``width`` px wide (4:5), and mm/px."""
    from shotspec.compiler import compile_file
    from shotspec.runtime.head.build import build_scene
    from shotspec.runtime.head.camera import PinholeCamera
    from shotspec.runtime.head.render import render_geometry
    from shotspec.runtime.head.shade import shade

    spec = Path(__file__).resolve().parents[1] / "src" / "shotspec" / "specs" / "closeup.shot"
    shot = compile_file(str(spec)).program.shots[0]
    height = width * 5 // 4
    scene = build_scene(shot.character, shot.camera)
    geo = render_geometry(scene, shot.camera, width, height, character=shot.character)
    rgb = shade(geo, scene, shot.character, list(shot.lights), shot.camera).rgb[0]
    lum = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2])
    mm_per_px = geo.meta.face_mm_per_px
    cam = PinholeCamera.from_ir(shot.camera, width, height)
    lm = scene.landmarks

    def project(p: torch.Tensor) -> tuple[float, float]:
        rel = [float(p[i]) - cam.origin[i] for i in range(3)]
        z = -sum(rel[i] * cam.back[i] for i in range(3))
        return (width / 2 + cam.focal_px * sum(rel[i] * cam.right[i] for i in range(3)) / z,
                height / 2 - cam.focal_px * sum(rel[i] * cam.up[i] for i in range(3)) / z)

    half = int(round(PATCH_MM / mm_per_px / 2))
    places = {
        # 22 mm below the image-right eye's outer corner, 6 mm towards the nose: the cheek
        "cheek": lm[45] + torch.tensor([-0.006, -0.022, 0.0]),
        # 20 mm above the brows' middle: the forehead
        "forehead": 0.5 * (lm[19] + lm[24]) + torch.tensor([0.0, 0.020, 0.0]),
    }
    out = {}
    for name, p in places.items():
        patch = _patch(lum, project(p), half)
        if patch is not None:
            out[name] = patch
    return out, mm_per_px


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 2048])
    ap.add_argument("--photo", type=Path)
    ap.add_argument("--photo-mm-per-px", type=float, default=0.2)
    ap.add_argument("--photo-patch", action="append", default=[],
                    help="X,Y,SIZE of a square skin patch of the photo, pixels")
    args = ap.parse_args(argv)
    table = Table(title="skin texture: rendered patches and a photograph")
    for col in ("source", "patch", "mm/px", "per-octave peak (c/mm)", "share in 0.75–1.25",
                "relative contrast"):
        table.add_column(col, justify="right")
    for width in args.sizes:
        patches, mm = render_patches(width)
        for name, patch in patches.items():
            peak, share, contrast = _stats(patch, mm)
            table.add_row(f"render {width}×{width * 5 // 4}", name, f"{mm:.3f}", f"{peak:.2f}",
                          f"{share:.2f}", f"{100 * contrast:.1f} %")
    if args.photo is not None:
        from PIL import Image

        img = np.asarray(Image.open(args.photo).convert("RGB"), dtype=np.float64) / 255.0
        lin = np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4)
        lum = torch.from_numpy(lin @ np.array([0.2126, 0.7152, 0.0722])).float()
        for spec in args.photo_patch:
            x, y, size = (int(v) for v in spec.split(","))
            patch = lum[y:y + size, x:x + size]
            peak, share, contrast = _stats(patch, args.photo_mm_per_px)
            table.add_row(f"photo {args.photo.name}", f"{x},{y}", f"{args.photo_mm_per_px:.3f}",
                          f"{peak:.2f}", f"{share:.2f}", f"{100 * contrast:.1f} %")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main())
