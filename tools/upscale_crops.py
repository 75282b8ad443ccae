"""The 100 % crops of docs/upscale.md: faces shrunk ×4 and upscaled back.

    python tools/upscale_crops.py [-o docs/images/upscale_faces_x4.png] [--kernel box]
                                  [--before-src OLD/src]

Rows: kodim04 (a film scan), the rendered character (bench/data), model_face.jpg's nose and lips
(an airbrushed studio portrait); the face images come from ``../shared/data/faces``
(``SHOTSPEC_FACES_DATA``). Each source region is shrunk ×4 with Pillow's ``--kernel`` and
upscaled back; columns: the original, Lanczos, fidelity, detail and, with ``--before-src`` (the
``src`` folder of an older checkout), that version's detail mode. Tiles are 176 px at 100 % of
the output.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FACES = Path(os.environ.get("SHOTSPEC_FACES_DATA", ROOT.parent / "shared" / "data" / "faces"))
TILE, GAP, FACTOR = 176, 4, 4
# source, region shrunk (left, top, right, bottom; a multiple of FACTOR), tile's corner in it
ROWS = [
    (FACES / "kodim04.png", (100, 100, 452, 452), (64, 80)),
    (ROOT / "bench" / "data" / "character_512x640.png", (80, 160, 432, 512), (88, 96)),
    (FACES / "model_face.jpg", (300, 440, 828, 968), (176, 176)),
]
_DETAIL = """
import sys, numpy as np, torch
from PIL import Image
from shotspec.runtime.upscale import upscale_image
small = Image.open(sys.argv[1]).convert("RGB")
x = torch.from_numpy(np.asarray(small).astype(np.float32) / 255.0).permute(2, 0, 1)[None]
y = upscale_image(x, int(sys.argv[3]), sys.argv[4])[0].permute(1, 2, 0).numpy()
Image.fromarray(np.round(y.clip(0, 1) * 255).astype(np.uint8)).save(sys.argv[2])
"""


def upscaled(small: Image.Image, mode: str, src: Path | None) -> Image.Image:
    """``small`` upscaled ×FACTOR by this checkout's upscaler, or by the one under ``src``."""
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "in.png", Path(tmp) / "out.png"
        small.save(a)
        env = dict(os.environ, PYTHONPATH=str(src or ROOT / "src"))
        subprocess.run([sys.executable, "-c", _DETAIL, str(a), str(b), str(FACTOR), mode], env=env, check=True)
        return Image.open(b).convert("RGB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "images" / "upscale_faces_x4.png")
    ap.add_argument("--kernel", choices=("box", "bicubic"), default="box")
    ap.add_argument("--before-src", type=Path, help="src folder of an older checkout: adds its detail mode")
    args = ap.parse_args(argv)
    kernel = Image.BOX if args.kernel == "box" else Image.BICUBIC
    rows = []
    for path, region, (tx, ty) in ROWS:
        if not path.exists():
            print(f"{path} is missing (set SHOTSPEC_FACES_DATA)", file=sys.stderr)
            return 2
        original = Image.open(path).convert("RGB").crop(region)
        small = original.resize((original.width // FACTOR, original.height // FACTOR), kernel)
        size = (small.width * FACTOR, small.height * FACTOR)
        cols = [original, small.resize(size, Image.LANCZOS), upscaled(small, "fidelity", None),
                upscaled(small, "detail", None)]
        if args.before_src:
            cols.append(upscaled(small, "detail", args.before_src))
        rows.append([c.crop((tx, ty, tx + TILE, ty + TILE)) for c in cols])
    n = len(rows[0])
    sheet = Image.new("RGB", (n * TILE + (n - 1) * GAP, len(rows) * TILE + (len(rows) - 1) * GAP), "white")
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            sheet.paste(tile, (c * (TILE + GAP), r * (TILE + GAP)))
    tmp = args.output.with_name(args.output.name + ".tmp.png")
    sheet.save(tmp)
    os.replace(tmp, args.output)
    print(f"wrote {args.output} ({n} columns, kernel {args.kernel})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
