"""Where the shared test photographs live and how the tests read them.

They stay outside git, in ``shared/data/faces`` next to the repository root — for a worktree
under ``wt/`` that is one level further up, so both places are looked at.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from shotspec.color import srgb_to_linear

REPO_ROOT = Path(__file__).resolve().parents[3]
FACES = next((p for p in (REPO_ROOT.parent / "shared" / "data" / "faces",
                          REPO_ROOT.parents[1] / "shared" / "data" / "faces") if p.is_dir()),
             REPO_ROOT.parent / "shared" / "data" / "faces")
MODEL_FACE = FACES / "model_face.jpg"
LABELS = Path(__file__).resolve().parent / "data" / "model_face_labels.json"
IRIS_LABELS = Path(__file__).resolve().parent / "data" / "iris_labels.json"

# the scanned head rendered as a plate: name → (turn, camera distance m); 100 mm lens on a
# 36 mm-wide sensor, 320×400 px, eyes on the lens (the default gaze)
HEAD_RENDERS = {"frontal": ("0deg", 0.6), "turn35": ("35deg", 0.6), "turnm20": ("-20deg", 0.6),
                "far": ("0deg", 0.7)}
LENS_MM, SENSOR_MM, WIDTH_PX, HEIGHT_PX = 100.0, 36.0, 320, 400
HEAD_SPEC = """character mara {{
  seed 1842
  eyes hazel
  pose {{ turn {turn} }}
}}

shot {name} {{
  character mara
  camera {{
    lens {lens:g}mm
    aperture f/8
    sensor full_frame
    distance {dist:g}m
    focus mara.eyes
  }}
  output "{name}.png" {{
    size {w}x{h}
    depth 8
  }}
}}
"""


# Pillow's resampling kernels a plate may have been resized with
KERNELS = {"box": Image.BOX, "bilinear": Image.BILINEAR, "lanczos": Image.LANCZOS}


def linear_photo(path: Path, size: tuple[int, int] | None = None, kernel: str = "bilinear") -> torch.Tensor:
    """A photo as linear RGB (1, 3, H, W); ``size`` (w, h) resizes it first with Pillow's
    ``kernel`` (a name in ``KERNELS``)."""
    img = Image.open(path).convert("RGB")
    if size is not None:
        img = img.resize(size, KERNELS[kernel])
    return srgb_to_linear(torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)[None]).contiguous()


def labels() -> dict:
    """The hand-drawn ground truth of ``model_face.jpg`` (see its ``how`` field)."""
    return json.loads(LABELS.read_text())


def iris_labels() -> dict:
    """Hand-measured iris diameters of the shared photos (see its ``how`` field)."""
    return json.loads(IRIS_LABELS.read_text())


def photo_truth(name: str, width: int | None = None) -> float:
    """mm per pixel of the shared photo ``name`` resized to ``width`` px (None: full size):
    11.7 mm over its mean hand-measured iris diameter at full size (``iris_labels``)."""
    full = Image.open(FACES / name).size[0]
    hand = float(np.mean(iris_labels()["irises"][name]["diameter_px"]))
    return 11.7 / hand * full / (width or full)


def resized_size(name: str, width: int) -> tuple[int, int]:
    """(w, h) of the shared photo ``name`` resized to ``width`` px, its aspect kept."""
    w, h = Image.open(FACES / name).size
    return width, max(1, round(width * h / w))


def head_render_truth(name: str) -> float:
    """True mm per pixel at the eye plane of ``HEAD_RENDERS[name]``: distance / focal length in
    pixels (pinhole, the renderer's model; the camera's distance is to the focused eyes)."""
    return 1000.0 * HEAD_RENDERS[name][1] / (LENS_MM / SENSOR_MM * WIDTH_PX)


def render_head(name: str, folder: Path) -> Path:
    """Render ``HEAD_RENDERS[name]`` with ``shot render`` into ``folder``; the PNG's path.
    Raises RuntimeError with the renderer's last message when it fails."""
    turn, dist = HEAD_RENDERS[name]
    spec = folder / f"{name}.shot"
    spec.write_text(HEAD_SPEC.format(name=name, turn=turn, lens=LENS_MM, dist=dist, w=WIDTH_PX, h=HEIGHT_PX))
    png = folder / f"{name}.png"
    run = subprocess.run([sys.executable, "-m", "shotspec", "render", str(spec), "-o", str(png), "-q"],
                         capture_output=True, text=True, cwd=REPO_ROOT)
    if run.returncode != 0:
        raise RuntimeError(f"render of {name} failed: {run.stderr.strip().splitlines()[-1:]}")
    return png


def polygon_mask(polys, size: tuple[int, int]) -> np.ndarray:
    """Boolean (H, W) union of [x, y] vertex lists drawn on a ``size`` (w, h) canvas."""
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    for p in polys:
        draw.polygon([tuple(v) for v in p], fill=1)
    return np.asarray(canvas, dtype=bool)


def nose_without_nostrils(lab: dict) -> np.ndarray:
    """The labelled nose (H, W bool) less the labelled nostril ellipses."""
    w, h = lab["size"]
    nose = polygon_mask([lab["nose"]], (w, h))
    yy, xx = np.mgrid[0:h, 0:w]
    for n in lab["nostrils"].values():
        (x, y), (a, b) = n["centre"], n["radii"]
        nose &= ((xx - x) / a) ** 2 + ((yy - y) / b) ** 2 > 1
    return nose
