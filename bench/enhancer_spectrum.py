"""The skin enhancer's texture against real skin: band levels, spectral peak, contrast by light
level and the identity check, each printed beside its reference and target.

    python bench/enhancer_spectrum.py [--strength 1.0] [--seed 1842] [--crops FILE.png]

Images (../shared/data/faces): ``model_face.jpg`` (an airbrushed studio portrait, 0.21 mm/px, the
issue's figure) is enhanced; the real-skin references are the film scans ``kodim04.png`` and
``kodim15.png`` (500 px crops of the Kodak set, 47 µm/px on the film; face scale from their
irises measured by hand at 400 %: 26 px and 37 px across → 0.45 and 0.32 mm/px). Texture is the
RMS of log-luminance in a band of structure sizes (``texture_stats.band_rms_mm``: a difference of
Gaussians of σ = size / 2) in Hann-windowed 20 mm skin patches, at each image's own face scale.

Printed:

1. band levels per patch (0.25–1 mm, 0.1–0.25 mm) of the plate, the enhanced plate and the
   references, and the enhanced / reference ratio (target 0.7–1.3); a reference patch counts in
   a band only where its pixels resolve it (kodim04's 0.45 mm pixels cannot show 0.1–0.25 mm);
2. the peak of the added texture's energy per octave (target 0.6–1.5 cycles/mm);
3. relative contrast (local std / mean after a 2 mm high-pass, σ 2 mm window) in the darkest,
   middle and brightest fifths of the skin by local light level, before and after, and the
   added texture's own contrast there (target: rising with the light, real skin ≈ 4.5 % → 8.8 %);
4. identity: the RMS of the low-passed change of log-luminance (half power at 3 mm and 6 mm)
   over the skin, beside the added texture's RMS.

``--crops FILE`` writes 100 % crops as one PNG (cheek and forehead, before | after; the
references' cheeks below).

5. at the references' own scales: ``model_face.jpg`` shrunk (Lanczos) to 0.32 and 0.45 mm/px and
   enhanced there, its 0.25–1 mm band beside kodim15's and kodim04's (the texture a coarser face
   gets, where the relief's cells are two to three pixels across).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from shotspec.color import luminance
from shotspec.runtime.enhance import plan_enhance, skin_enhance
from shotspec.runtime.enhance.enhancer import EnhanceControls
from shotspec.runtime.enhance.texture_stats import band_rms_mm, texture_peak_c_per_mm
from shotspec.runtime.filters import gaussian_blur
from shotspec.runtime.frame import Frame, FrameMeta

_ROOT = Path(__file__).resolve().parents[1]
# shared/ sits beside the repository (one level further up for a worktree under wt/)
FACES = next((p for p in (_ROOT.parent / "shared" / "data" / "faces", _ROOT.parents[1] / "shared" / "data" / "faces")
              if p.is_dir()), _ROOT.parent / "shared" / "data" / "faces")
PATCH_MM = 20.0
BANDS_MM = ((0.25, 1.0), (0.1, 0.25))
# name: (file, mm per px, {patch: centre (x, y) px})
IMAGES = {
    "model_face": ("model_face.jpg", 0.21, {"cheek L": (318, 608), "cheek R": (748, 568), "forehead": (468, 298)}),
    "kodim04": ("kodim04.png", 0.45, {"cheek L": (215, 285), "cheek R": (300, 290), "forehead": (285, 140)}),
    "kodim15": ("kodim15.png", 0.32, {"cheek": (355, 262), "chin": (330, 340)}),
}
REFERENCES = ("kodim04", "kodim15")
TARGET_BAND = (0.7, 1.3)
TARGET_PEAK = (0.6, 1.5)


def load(name: str) -> Frame:
    """The image as a linear-RGB frame (1,3,H,W) with its face scale in the metadata."""
    from PIL import Image

    file, mm, _ = IMAGES[name]
    img = np.asarray(Image.open(FACES / file).convert("RGB"), dtype=np.float32) / 255.0
    lin = np.where(img <= 0.04045, img / 12.92, ((img + 0.055) / 1.055) ** 2.4)
    rgb = torch.from_numpy(np.ascontiguousarray(lin.transpose(2, 0, 1)))[None].float()
    return Frame(rgb, {}, FrameMeta(face_mm_per_px=mm, source="plate"))


def log_lum(frame: Frame) -> torch.Tensor:
    return torch.log(luminance(frame.rgb).clamp_min(1e-4))[0, 0]


def boxes(name: str) -> dict[str, tuple[int, int, int, int]]:
    _, mm, centres = IMAGES[name]
    half = int(round(PATCH_MM / mm / 2))
    return {k: (x - half, y - half, x + half, y + half) for k, (x, y) in centres.items()}


def resolved(name: str, hi_mm: float) -> bool:
    """Whether an image's pixels can show a band: the σ of its coarse end is ≥ 0.3 px."""
    return hi_mm / 2 / IMAGES[name][1] >= 0.3


def band_levels(frame: Frame, name: str) -> dict[str, tuple[float, float]]:
    ll, mm = log_lum(frame), IMAGES[name][1]
    return {k: tuple(band_rms_mm(ll, b, mm, lo, hi) for lo, hi in BANDS_MM) for k, b in boxes(name).items()}


def contrast_by_level(frame: Frame, mask: torch.Tensor, mm: float, lit_by: Frame | None = None) -> list[float]:
    """Mean relative contrast in the darkest, middle and brightest fifth of the skin by the
    local light level (of ``lit_by`` when given: the added texture binned by the plate's light)."""
    lum = luminance(frame.rgb).clamp_min(1e-5)
    detail = lum / gaussian_blur(lum, 2.0 / mm, edge="reflect") - 1.0
    local = torch.sqrt(gaussian_blur(detail * detail, 2.0 / mm, edge="reflect"))
    level = gaussian_blur(luminance((lit_by or frame).rgb), 5.0 / mm, edge="reflect")
    inner = gaussian_blur((mask > 0.5).float(), 3.0 / mm, edge="reflect") > 0.99
    lv, c = level[inner], local[inner]
    q = torch.quantile(lv[:: max(1, lv.numel() // 200000)], torch.tensor([0.2, 0.4, 0.6, 0.8]))
    sel = (lv <= q[0], (lv > q[1]) & (lv <= q[2]), lv > q[3])
    return [float(c[s].mean()) for s in sel]


def identity_check(before: Frame, after: Frame, mask: torch.Tensor, mm: float) -> tuple[float, float, float]:
    """RMS over the skin's interior of the added log texture and of its low-pass at half power 3 and 6 mm."""
    d = (log_lum(after) - log_lum(before))[None, None]
    inner = gaussian_blur((mask > 0.5).float(), 4.0 / mm, edge="reflect") > 0.99
    out = [float(d[inner].pow(2).mean().sqrt())]
    for half_power_mm in (3.0, 6.0):
        sigma_px = math.sqrt(math.log(2) / (2 * math.pi**2)) * half_power_mm / mm
        out.append(float(gaussian_blur(d, sigma_px, edge="reflect")[inner].pow(2).mean().sqrt()))
    return out[0], out[1], out[2]


def write_crops(path: Path, before: Frame, after: Frame, refs: dict[str, Frame]) -> None:
    """One PNG of 100 % crops, 256 × 192 px each: model_face's cheek and forehead before | after,
    then the references' cheeks (kodim04 | kodim15, at their own scan pixels)."""
    from PIL import Image

    def crop(rgb: torch.Tensor, centre) -> Image.Image:
        x, y = centre
        c = rgb[0, :, y - 96:y + 96, x - 128:x + 128].clamp(0, 1).numpy().transpose(1, 2, 0)
        srgb = np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)
        return Image.fromarray((srgb * 255 + 0.5).astype(np.uint8))

    sheet = Image.new("RGB", (512, 576))
    for row, centre in enumerate(((318, 640), (468, 300))):         # cheek, forehead
        sheet.paste(crop(before.rgb, centre), (0, 192 * row))
        sheet.paste(crop(after.rgb, centre), (256, 192 * row))
    for col, (name, centre) in enumerate((("kodim04", (250, 300)), ("kodim15", (360, 290)))):
        sheet.paste(crop(refs[name].rgb, centre), (256 * col, 384))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)


def at_scale(mm: float, strength: float, seed: int) -> tuple[float, float]:
    """The 0.25–1 mm band of model_face.jpg shrunk to ``mm`` per pixel (its patches, scaled),
    before and after the enhancer (told the scale)."""
    from PIL import Image

    file, own, centres = IMAGES["model_face"]
    k = own / mm
    img = Image.open(FACES / file).convert("RGB")
    img = img.resize((round(img.width * k), round(img.height * k)), Image.LANCZOS)
    a = np.asarray(img, dtype=np.float32) / 255.0
    lin = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)
    plate = Frame(torch.from_numpy(np.ascontiguousarray(lin.transpose(2, 0, 1)))[None].float(), {},
                  FrameMeta(face_mm_per_px=mm, source="plate"))
    after = skin_enhance(plate, strength=strength, seed=seed, controls=EnhanceControls())
    half = int(round(PATCH_MM / mm / 2))
    out = []
    for frame in (plate, after):
        ll = log_lum(frame)
        out.append(float(np.mean([band_rms_mm(ll, (int(x * k) - half, int(y * k) - half, int(x * k) + half,
                                                    int(y * k) + half), mm, *BANDS_MM[0])
                                  for x, y in centres.values()])))
    return out[0], out[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1842)
    ap.add_argument("--crops", type=Path, help="a .png file for the 100 %% crops (a folder gets crops.png)")
    args = ap.parse_args(argv)
    console = Console()
    torch.set_num_threads(1)
    plate = load("model_face")
    t0 = time.perf_counter()
    after = skin_enhance(plate, strength=args.strength, seed=args.seed, controls=EnhanceControls())
    took = time.perf_counter() - t0
    mask = plan_enhance(plate).mask
    refs = {n: load(n) for n in REFERENCES}

    t = Table(title=f"texture (RMS of log-luminance) per band, strength {args.strength:g}")
    for col in ("image", "patch", "mm/px", "0.25–1 mm", "0.1–0.25 mm"):
        t.add_column(col, justify="right")
    ref_levels: list[list[float]] = [[] for _ in BANDS_MM]
    for n, frame in refs.items():
        for k, v in band_levels(frame, n).items():
            cells = []
            for i, (lo, hi) in enumerate(BANDS_MM):
                if resolved(n, hi):
                    ref_levels[i].append(v[i])
                    cells.append(f"{v[i]:.4f}")
                else:
                    cells.append(f"({v[i]:.4f}, unresolved)")
            t.add_row(n, k, f"{IMAGES[n][1]:.2f}", *cells)
    ref = np.array([np.mean(r) for r in ref_levels])
    mine = {}
    for label, frame in (("model_face (plate)", plate), ("model_face (enhanced)", after)):
        levels = band_levels(frame, "model_face")
        mine[label] = np.mean(np.array(list(levels.values())), 0)
        for k, v in levels.items():
            t.add_row(label, k, "0.21", f"{v[0]:.4f}", f"{v[1]:.4f}")
    t.add_row("reference (mean)", "", "", f"{ref[0]:.4f}", f"{ref[1]:.4f}")
    ratio = mine["model_face (enhanced)"] / ref
    t.add_row("enhanced / reference", "", "", f"{ratio[0]:.2f}", f"{ratio[1]:.2f}")
    t.add_row("target", "", "", f"{TARGET_BAND[0]}–{TARGET_BAND[1]}", f"{TARGET_BAND[0]}–{TARGET_BAND[1]}")
    console.print(t)

    t = Table(title="spectral peak of the added texture (energy per octave)")
    for col in ("patch", "peak c/mm", "target"):
        t.add_column(col, justify="right")
    d = log_lum(after) - log_lum(plate)
    for k, (x0, y0, x1, y1) in boxes("model_face").items():
        t.add_row(k, f"{texture_peak_c_per_mm(d[y0:y1, x0:x1], 0.21):.2f}", f"{TARGET_PEAK[0]}–{TARGET_PEAK[1]}")
    console.print(t)

    t = Table(title="relative contrast by local light level (fifths of the skin)")
    for col in ("image", "darkest", "middle", "brightest"):
        t.add_column(col, justify="right")
    for label, frame, m, mm in (("model_face (plate)", plate, mask, 0.21), ("model_face (enhanced)", after, mask, 0.21),
                                *[(n, f, plan_enhance(f).mask, IMAGES[n][1]) for n, f in refs.items()]):
        t.add_row(label, *(f"{100 * c:.1f} %" for c in contrast_by_level(frame, m, mm)))
    added = Frame(torch.exp(d)[None, None].expand(1, 3, -1, -1), {}, plate.meta)
    t.add_row("added texture alone", *(f"{100 * c:.1f} %" for c in contrast_by_level(added, mask, 0.21, plate)))
    t.add_row("real skin (literature)", "4.5 %", "", "8.8 %")
    console.print(t)

    rms, lp3, lp6 = identity_check(plate, after, mask, 0.21)
    t = Table(title="identity: change of log-luminance over the skin")
    for col in ("added texture RMS", "low-pass ≥ 3 mm", "low-pass ≥ 6 mm", "≥ 3 mm share"):
        t.add_column(col, justify="right")
    t.add_row(f"{rms:.4f}", f"{lp3:.4f}", f"{lp6:.4f}", f"{lp3 / max(rms, 1e-12):.0%}")
    console.print(t)
    t = Table(title=f"0.25–1 mm band at the references' scales (model_face shrunk), strength {args.strength:g}")
    for col in ("mm/px", "plate", "enhanced", "reference", "enhanced / reference"):
        t.add_column(col, justify="right")
    for name in ("kodim15", "kodim04"):
        mm = IMAGES[name][1]
        before, enhanced = at_scale(mm, args.strength, args.seed)
        reference = float(np.mean([v[0] for v in band_levels(refs[name], name).values()]))
        t.add_row(f"{mm:.2f}", f"{before:.4f}", f"{enhanced:.4f}", f"{reference:.4f} ({name})",
                  f"{enhanced / reference:.2f}")
    console.print(t)
    console.print(f"enhance took {took:.1f} s (one thread, {plate.width}×{plate.height})")
    if args.crops is not None:
        crops = args.crops if args.crops.suffix.lower() == ".png" else args.crops / "crops.png"
        write_crops(crops, plate, after, refs)
        print(f"crops: {crops}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
