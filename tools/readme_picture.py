"""Make the README picture from a render: the frame (downscaled) beside a 100 % crop of the face.

    python tools/readme_picture.py renders/closeup.png docs/images/closeup.png
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image


def main(src: str, dst: str) -> None:
    frame = Image.open(src).convert("RGB")
    w, h = frame.size
    half = frame.resize((w // 2, h // 2), Image.LANCZOS)
    cw, ch = w // 2, h // 2
    # the eyes sit a little above the middle of the default framing
    left, top = (w - cw) // 2, int(h * 0.30)
    crop = frame.crop((left, top, left + cw, top + ch))
    out = Image.new("RGB", (cw * 2 + 8, ch), (255, 255, 255))
    out.paste(half, (0, 0))
    out.paste(crop, (cw + 8, 0))
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    out.save(dst, optimize=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
