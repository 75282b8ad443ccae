"""Render the gallery in docs/images/gallery/: the default shot, six seeds, four expressions,
three lighting presets, the hair styles and stubble, each with 100 % crops of the eye, the cheek
and the hairline.

    python tools/gallery.py [--out docs/images/gallery] [--only NAME...]

Every picture is the embedded default spec (``specs/closeup.shot``) with one change, rendered by
the normal pipeline (``RenderSession``), so the gallery shows what a user gets. The crops are
taken at the output's full resolution around the projected landmarks of the rendered person.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT / "src" / "shotspec" / "specs" / "closeup.shot"
CROP_PX = 256
_CHEEK_VERTEX = 1150      # head_facts' right-cheek point (below the outer eye corner)
_HAIRLINE_ABOVE_BROWS_M = 0.055   # a typical forehead's height from the brows to the hairline


def _variants() -> dict[str, tuple[str, str]]:
    """name -> (caption, a function of the spec text given as a (pattern, replacement))."""
    v: dict[str, tuple[str, str]] = {"default": ("the default shot", "")}
    for seed in (3, 17, 256, 1001, 4242, 90210):
        v[f"seed_{seed}"] = (f"seed {seed}", f"seed:{seed}")
    for name, expr in (("smile", "smile 0.7"), ("jaw_open", "jaw_open 0.35"),
                       ("brows_up", "brows_up 0.8"), ("squint", "squint 0.6\n    smile 0.3")):
        v[f"expression_{name}"] = (f"expression {{ {expr.replace(chr(10) + '    ', '; ')} }}",
                                   f"expression:{expr}")
    for preset in ("rembrandt", "butterfly", "split"):
        v[f"lighting_{preset}"] = (f"lighting preset `{preset}`", f"lighting:{preset}")
    for style in ("buzz", "long", "tied_back"):     # `short` is the default's
        v[f"hair_{style}"] = (f"hair {{ style {style} }}", f"character:hair {{ style {style} }}")
    v["stubble"] = ("stubble 2mm", "character:stubble 2mm")
    return v


def variant_spec(text: str, change: str) -> str:
    """The default spec's text with one change applied."""
    if not change:
        return text
    kind, value = change.split(":", 1)
    if kind == "seed":
        return re.sub(r"seed \d+", f"seed {value}", text, count=1)
    if kind == "expression":
        return text.replace("  eyes hazel\n", f"  eyes hazel\n  expression {{\n    {value}\n  }}\n", 1)
    if kind == "character":
        return text.replace("  eyes hazel\n", f"  eyes hazel\n  {value}\n", 1)
    if kind == "lighting":
        return re.sub(r"use loop\b", f"use {value}", text, count=1)
    raise ValueError(change)


def _crop_centres(spec_path: Path, width: int, height: int) -> dict[str, tuple[int, int]]:
    """Output-pixel centres of the right eye, the right cheek and the hairline above the middle
    of the forehead (55 mm above the brows along the head's nasion-chin axis) of the spec's
    first shot."""
    from shotspec.compiler import compile_file
    from shotspec.runtime.head.camera import PinholeCamera
    from shotspec.runtime.head.build import build_scene

    shot = compile_file(str(spec_path)).program.shots[0]
    scene = build_scene(shot.character, shot.camera)
    cam = PinholeCamera.from_ir(shot.camera, width, height)
    eye = 0.5 * (scene.landmarks[36] + scene.landmarks[39])
    cheek = scene.vertices[_CHEEK_VERTEX]
    up = scene.landmarks[27] - scene.landmarks[8]
    brows = 0.5 * (scene.landmarks[19] + scene.landmarks[24])
    hairline = brows + up / up.norm() * _HAIRLINE_ABOVE_BROWS_M

    def project(p) -> tuple[int, int]:
        rel = [float(p[i]) - cam.origin[i] for i in range(3)]
        x = sum(rel[i] * cam.right[i] for i in range(3))
        y = sum(rel[i] * cam.up[i] for i in range(3))
        z = -sum(rel[i] * cam.back[i] for i in range(3))
        return (round(width / 2 + cam.focal_px * x / z), round(height / 2 - cam.focal_px * y / z))

    return {"eye": project(eye), "cheek": project(cheek), "hairline": project(hairline)}


def render_variant(name: str, change: str, out_dir: Path, tmp: Path) -> list[Path]:
    from shotspec.cli.session import RenderSession

    spec = tmp / f"{name}.shot"
    spec.write_text(variant_spec(DEFAULT_SPEC.read_text(), change))
    (tmp / "presets").mkdir(exist_ok=True)
    for preset in (DEFAULT_SPEC.parent / "presets").glob("*.shot"):
        (tmp / "presets" / preset.name).write_text(preset.read_text())
    target = out_dir / f"{name}.png"
    result = RenderSession(str(spec), output=str(target)).render()
    if not result.ok:
        raise SystemExit(f"{name}: {result.diagnostics or result.error}")
    image = Image.open(target)
    written = [target]
    for part, (cx, cy) in _crop_centres(spec, *image.size).items():
        half = CROP_PX // 2
        box = (cx - half, cy - half, cx + half, cy + half)
        crop_path = out_dir / f"{name}_{part}.png"
        image.crop(box).save(crop_path, optimize=True)
        written.append(crop_path)
    # the full frame at half size keeps the repository small; the crops carry the 100 % detail
    image.convert("RGB").resize((image.width // 2, image.height // 2), Image.LANCZOS).save(
        target, optimize=True)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "gallery")
    ap.add_argument("--only", nargs="*", help="render only these variants")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    variants = _variants()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (caption, change) in variants.items():
            if args.only and name not in args.only:
                continue
            files = render_variant(name, change, args.out, Path(tmp))
            lines.append(f"{name}: {caption} -> {', '.join(f.name for f in files)}")
            print(lines[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
