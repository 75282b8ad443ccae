"""Where the shared test photographs live and how the tests read them.

They stay outside git, in ``shared/data/faces`` next to the repository root — for a worktree
under ``wt/`` that is one level further up, so both places are looked at.
"""

from __future__ import annotations

import json
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


def linear_photo(path: Path, size: tuple[int, int] | None = None) -> torch.Tensor:
    """A photo as linear RGB (1, 3, H, W); ``size`` (w, h) resizes it first (bilinear)."""
    img = Image.open(path).convert("RGB")
    if size is not None:
        img = img.resize(size, Image.BILINEAR)
    return srgb_to_linear(torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)[None]).contiguous()


def labels() -> dict:
    """The hand-drawn ground truth of ``model_face.jpg`` (see its ``how`` field)."""
    return json.loads(LABELS.read_text())


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
