"""The face-heavy evaluation set of the upscaler benchmark: portraits at several face scales.

Built at run time from ``/work/shared/data/faces`` (two film scans and an airbrushed studio
portrait) and from ``bench/data/character_512x640.png`` (the project's own character, rendered
once with the CLI: the default close-up without its upscale and grain, 512×640, 8 bit —
``src/shotspec/specs/closeup.shot`` with the ``upscale 2x detail`` and ``grain`` lines removed,
``size 512x640``, ``depth 8``, then ``shot render that.shot -o character_512x640.png``):

======================  ======================  ==========================================
image                   from                    face scale
======================  ======================  ==========================================
kodim04_full            kodim04 500×500         head fills the frame (eye distance ≈ 125 px)
kodim04_half            kodim04, box ÷2         the same face at half the scale
kodim04_eyes            kodim04 crop 256×256    eyes, lashes, hat mesh at 100 %
kodim15_full            kodim15 500×500         half a face fills the frame
kodim15_half            kodim15, box ÷2         half the scale
kodim15_eye             kodim15 crop 256×256    eye, painted ring and cheek at 100 %
model_quarter           model_face, box ÷4      whole portrait, face ≈ 180 px wide
model_half_face         model_face crop, ÷2     head and hair, face ≈ 360 px wide
model_eyes              model_face crop 480²    eyes, brows, nose at 100 % (JPEG source)
character_frame         render 512×640          head and shoulders
character_eyes          render crop 256×256     eyes and cheeks at 100 %
======================  ======================  ==========================================

Shrinks use Pillow's box filter (an area average, like a camera's coarser sensor). None of these
images is a training image of the filters (bench/train_upscaler.py reads package wheels only).
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

__all__ = ["face_set", "FACES_DIR", "CHARACTER"]

FACES_DIR = Path(os.environ.get("SHOTSPEC_FACES_DATA", "/work/shared/data/faces"))
CHARACTER = Path(__file__).with_name("data") / "character_512x640.png"

# name -> (source file, crop box (left, top, right, bottom) in source pixels or None, box-shrink factor)
_RECIPES = {
    "kodim04_full": ("kodim04.png", None, 1),
    "kodim04_half": ("kodim04.png", None, 2),
    "kodim04_eyes": ("kodim04.png", (164, 150, 420, 406), 1),
    "kodim15_full": ("kodim15.png", None, 1),
    "kodim15_half": ("kodim15.png", None, 2),
    "kodim15_eye": ("kodim15.png", (220, 40, 476, 296), 1),
    "model_quarter": ("model_face.jpg", None, 4),
    "model_half_face": ("model_face.jpg", (160, 0, 960, 1200), 2),
    "model_eyes": ("model_face.jpg", (300, 260, 780, 740), 1),
    "character_frame": (CHARACTER, None, 1),
    "character_eyes": (CHARACTER, (128, 176, 384, 432), 1),
}


def _load(source: str | Path, box: tuple[int, int, int, int] | None, shrink: int) -> Image.Image:
    path = Path(source) if isinstance(source, Path) else FACES_DIR / source
    image = Image.open(path).convert("RGB")
    if box is not None:
        image = image.crop(box)
    if shrink > 1:
        image = image.resize((image.width // shrink, image.height // shrink), Image.BOX)
    return image


def face_set() -> list[tuple[str, Image.Image]]:
    """``(name, RGB image)`` for every face image whose source exists (missing sources are skipped)."""
    out = []
    for name, (source, box, shrink) in _RECIPES.items():
        path = Path(source) if isinstance(source, Path) else FACES_DIR / source
        if path.exists():
            out.append((name, _load(source, box, shrink)))
    return out
