"""Hashes of what users get out of shotspec, to prove a refactor changed no output.

Runs the installed ``shot`` command on the default shot, every example spec, the enhance and
upscale commands and an identity build, and prints one sha256 per output: the pixels of an image
(its PNG/TIFF header and data chunks, not the provenance text, which names the version and plan
hash), the bytes of an identity file, the IR and prompt text. Renders are deterministic on one
machine, not across machines, so compare runs made on the same machine::

    python tools/output_hashes.py > before.txt
    ... refactor ...
    python tools/output_hashes.py > after.txt && diff before.txt after.txt

``--shot PATH`` overrides the ``shot`` executable (default: the one beside this interpreter).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
# Chunks that carry pixels or their layout; text chunks (provenance) are left out.
PNG_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"sBIT", b"gAMA", b"cHRM", b"sRGB", b"iCCP"}


def _specs_dir() -> Path:
    for candidate in (ROOT / "src" / "shotspec" / "specs", ROOT / "specs"):
        if candidate.is_dir():
            return candidate
    raise SystemExit("no specs folder found")


def pixel_hash(path: Path) -> str:
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        # TIFF and other formats: decode to raw samples so embedded metadata does not count.
        import numpy as np
        from PIL import Image

        with Image.open(path) as im:
            arr = np.asarray(im)
        return hashlib.sha256(arr.tobytes() + str(arr.shape).encode() + str(arr.dtype).encode()).hexdigest()
    h = hashlib.sha256()
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind in PNG_PIXEL_CHUNKS:
            h.update(kind + data[pos + 8:pos + 8 + length])
        pos += 12 + length
    return h.hexdigest()


def text_hash(text: str, *places: tuple[Path, str]) -> str:
    """sha256 of text with machine paths (the temporary folder, the specs folder) named."""
    for path, name in places:
        text = text.replace(str(path), name)
    return hashlib.sha256(text.encode()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shot", default=str(Path(sys.executable).with_name("shot")))
    args = ap.parse_args()
    shot = args.shot
    specs = _specs_dir()
    env = dict(os.environ, NO_COLOR="1")
    results: list[tuple[str, str]] = []

    def run(*argv: str) -> str:
        proc = subprocess.run([shot, *argv], capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise SystemExit(f"`shot {' '.join(argv)}` failed ({proc.returncode}):\n"
                             f"{proc.stdout}{proc.stderr}")
        return proc.stdout

    with tempfile.TemporaryDirectory(prefix="shotspec-hashes-") as tmp_name:
        tmp = Path(tmp_name)
        out = tmp / "closeup.png"
        run("render", "-q", "-o", str(out))
        results.append(("render default", pixel_hash(out)))

        jobs = [("graded.shot", None, "tif"), ("plate.shot", None, "png"),
                ("two_shots.shot", "closeup", "png"), ("two_shots.shot", "medium", "png")]
        for spec, shot_name, ext in jobs:
            out = tmp / f"{spec}.{shot_name or 'all'}.{ext}"
            argv = ["render", "-q", str(specs / "examples" / spec), "-o", str(out)]
            if shot_name:
                argv += ["--shot", shot_name]
            run(*argv)
            results.append((f"render {spec} {shot_name or ''}".strip(), pixel_hash(out)))

        plate = specs / "examples" / "plate" / "portrait.png"
        for mode in ("fidelity", "detail"):
            out = tmp / f"up_{mode}.png"
            run("upscale", "-q", str(plate), "-o", str(out), "--scale", "2", "--mode", mode)
            results.append((f"upscale x2 {mode}", pixel_hash(out)))
        out = tmp / "enhanced.png"
        run("enhance", "-q", str(plate), "-o", str(out))
        results.append(("enhance plate", pixel_hash(out)))

        faces = SHARED / "faces"
        if faces.is_dir():
            refs = tmp / "refs"
            refs.mkdir()
            for photo in sorted(faces.iterdir()):
                shutil.copy(photo, refs / photo.name)
            ident = tmp / "person.identity"
            run("identity", "build", "-q", str(refs), "-o", str(ident), "--seed", "7")
            results.append(("identity build", text_hash(ident.read_text(), (tmp, "<tmp>"))))

        for spec in (specs / "closeup.shot", specs / "examples" / "two_shots.shot"):
            results.append((f"ir {spec.name}", text_hash(run("ir", str(spec)), (tmp, "<tmp>"), (specs, "<specs>"))))
            results.append((f"prompt {spec.name}",
                            text_hash(run("prompt", str(spec), "--target", "sdxl"),
                                      (tmp, "<tmp>"), (specs, "<specs>"))))

    width = max(len(name) for name, _ in results)
    for name, digest in results:
        print(f"{name:<{width}}  {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
