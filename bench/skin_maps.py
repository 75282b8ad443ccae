"""The scanned head's skin material, measured and previewed without the renderer.

    python bench/skin_maps.py [--out DIR] [--size 512] [--seed 3] [--points 1000000]

Prints three tables: the time of each skin function (regions and vertex albedo per identity;
albedo detail and relief per pixel, for ``--points`` samples), the relief's texture statistics
on raking-lit patches at 0.1 mm/px (peak of the per-octave energy and of the ring-averaged power
of log-luminance, the 0.75–1.25 cycles/mm share) and the relative contrast from shadow to sheen
on a lit skin cylinder. With ``--out`` it writes orthographic previews of the neutral head
(front and side): the region map, the albedo, and the relief shaded by a raking light, made with
a painter's-algorithm ID buffer (PIL) and exact barycentrics — a check of where things sit, not a
render.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from rich.console import Console
from rich.table import Table

from shotspec.color import LUMA_REC709, linear_to_srgb, srgb_to_linear
from shotspec.compiler.ir import SkinIR
from shotspec.runtime.head.face_anchors import face_anchors
from shotspec.runtime.head.model import load_head
from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.regions import RegionWeights, regions_at, skin_regions
from shotspec.runtime.head.relief import perturb_normals, skin_relief
from shotspec.runtime.head.skin_albedo import albedo_detail, vertex_albedo
from shotspec.runtime.head.skin_brdf import skin_specular, two_lobe_specular
from shotspec.runtime.head.skin_measure import (band_share, cylinder_contrast, raking_patch, spectrum_of,
                                                spectrum_peak)

_PALETTE = {"forehead": (1, 0.6, 0.2), "nose": (1, 0, 0), "cheeks": (1, 0.4, 0.6), "chin": (0.6, 0.3, 1),
            "upper_lip": (0, 1, 1), "lips": (0.8, 0, 0.3), "eyelids": (0, 1, 0), "under_eye": (0, 0.5, 1),
            "temples": (1, 1, 0), "ears": (0.5, 1, 0.5), "neck": (0.3, 0.3, 1), "scalp": (0.5, 0.3, 0.1),
            "brows": (1, 1, 1), "beard": (0.2, 0.6, 0.2)}


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def _vertex_normals(v: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    fn = torch.linalg.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]], dim=1)
    n = torch.zeros_like(v)
    for i in range(3):
        n = n.index_add(0, f[:, i], fn)
    return torch.nn.functional.normalize(n, dim=1)


def _id_buffer(v2: np.ndarray, depth: np.ndarray, faces: np.ndarray, size: int) -> np.ndarray:
    """Front-most triangle index per pixel (−1: none), by the painter's algorithm."""
    img = Image.new("RGB", (size, size), (0, 0, 0))
    draw = ImageDraw.Draw(img)
    for i in np.argsort(depth[faces].mean(1)):
        k = int(i) + 1
        draw.polygon([tuple(v2[j]) for j in faces[i]], fill=(k & 255, (k >> 8) & 255, k >> 16))
    a = np.asarray(img).astype(np.int64)
    return a[..., 0] + (a[..., 1] << 8) + (a[..., 2] << 16) - 1


def _preview(out: Path, size: int, seed: int, skin: SkinIR,
             views: tuple[tuple[str, str, float, float, float], ...]) -> None:
    """Write the maps of each view: (name, "front" or "side", centre x and y in mm, width mm)."""
    head = load_head()
    reg = skin_regions(head)
    v_m = head.neutral
    skin_faces = torch.nonzero(reg["skin"][head.faces].amin(1) > 0)[:, 0]
    faces = head.faces[skin_faces]
    alb_v = vertex_albedo(skin, seed, reg, v_m)
    nrm_v = _vertex_normals(v_m, head.faces)
    anchors = face_anchors(head, v_m)
    v = v_m.numpy() * 1000.0
    for name, view, cx, cy, width_mm in views:
        mm_per_px = width_mm / size
        px, py, depth = (v[:, 0], v[:, 1], v[:, 2]) if view == "front" else (-v[:, 2], v[:, 1], v[:, 0])
        v2 = np.stack(((px - cx) / mm_per_px + size / 2, size / 2 - (py - cy) / mm_per_px), 1)
        ids = _id_buffer(v2, depth, faces.numpy(), size)
        ys, xs = np.nonzero(ids >= 0)
        tri = faces.numpy()[ids[ys, xs]]
        a, b, c = v2[tri[:, 0]], v2[tri[:, 1]], v2[tri[:, 2]]
        p = np.stack((xs + 0.5, ys + 0.5), 1)
        den = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
        den = np.where(np.abs(den) < 1e-9, 1e-9, den)
        w0 = ((b[:, 1] - c[:, 1]) * (p[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (p[:, 1] - c[:, 1])) / den
        w1 = ((c[:, 1] - a[:, 1]) * (p[:, 0] - c[:, 0]) + (a[:, 0] - c[:, 0]) * (p[:, 1] - c[:, 1])) / den
        bary = np.clip(np.stack((w0, w1, 1 - w0 - w1), 1), 0, 1)        # PIL's edge pixels lie just outside
        bary = torch.tensor(bary / bary.sum(1, keepdims=True), dtype=torch.float32)
        t = torch.tensor(tri)

        def interp(attr: torch.Tensor) -> torch.Tensor:
            return (attr[t] * bary[:, :, None]).sum(1)

        pos = interp(v_m) * 1000.0
        part = head.face_part[skin_faces][torch.tensor(ids[ys, xs])]
        # regions per pixel (the head-and-neck part's long edges would zigzag the hairline)
        pr = regions_at(pos, anchors, (part == PART_IDS["face"]).float(), (part == PART_IDS["head_neck"]).float())
        fp = torch.full((pos.shape[0],), mm_per_px)
        rel = skin_relief(pos, pr, fp, skin, seed, anchors)
        n = perturb_normals(torch.nn.functional.normalize(interp(nrm_v), dim=1), rel.grad)
        alb = albedo_detail(interp(alb_v), pos, pr, fp, skin, seed, rel.cavity)
        key = torch.tensor([0.8, 0.35, 0.5]) if view == "front" else torch.tensor([0.6, 0.4, 0.7])
        key = key / key.norm()
        eye = torch.tensor([0.0, 0.0, 1.0]) if view == "front" else torch.tensor([1.0, 0.0, 0.0])
        ndl = (n @ key).clamp_min(0.0)
        spec = two_lobe_specular(n, eye.expand_as(n), key.expand_as(n), skin_specular(skin, pr, rel.cavity), 0.1)
        colours = torch.full((pos.shape[0], 3), 0.25)
        for region, rgb in _PALETTE.items():
            w = pr[region][:, None]
            colours = colours * (1 - w) + torch.tensor(rgb, dtype=torch.float32) * w
        maps = {"regions": colours,
                "albedo": linear_to_srgb(alb),
                "shaded": linear_to_srgb((alb * (ndl + 0.08)[:, None] + spec[:, None]).clamp(0, 1)),
                "relief": linear_to_srgb(((0.35 * (ndl + 0.08)) * (1 - 0.25 * rel.cavity))[:, None].expand(-1, 3))}
        for kind, rgb in maps.items():
            img = np.zeros((size, size, 3), np.uint8)
            img[ys, xs] = (rgb.clamp(0, 1).numpy() * 255 + 0.5).astype(np.uint8)
            Image.fromarray(img).save(out / f"skin_{kind}_{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="folder for the preview PNGs")
    parser.add_argument("--size", type=int, default=512, help="preview size in pixels (300 mm across)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--age", type=float, default=35.0, help="age of the previews' skin (years)")
    parser.add_argument("--window", default=None, help="front close-up instead: 'x,y,width' in mm")
    parser.add_argument("--tables", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--photo", type=Path, default=None, help="a photograph to measure the same way")
    parser.add_argument("--photo-mm-per-px", type=float, default=None, help="its scale on the skin (e.g. 63 mm / IPD px)")
    parser.add_argument("--photo-patch", action="append", default=[], help="'x,y,size' of a skin patch (px); repeatable")
    parser.add_argument("--points", type=int, default=1_000_000, help="samples for the per-pixel timings")
    args = parser.parse_args()
    console = Console()
    skin = SkinIR()
    if args.tables:
        _tables(console, skin, args.seed, args.points)
    if args.photo is not None:
        if args.photo_mm_per_px is None or not args.photo_patch:
            parser.error("--photo needs --photo-mm-per-px and at least one --photo-patch")
        _photo_table(console, args.photo, args.photo_mm_per_px, args.photo_patch)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        views = (("front", "front", 0.0, -40.0, 300.0), ("side", "side", 65.0, -40.0, 300.0))
        if args.window:
            cx, cy, width = (float(t) for t in args.window.split(","))
            views = (("window", "front", cx, cy, width),)
        _preview(args.out, args.size, args.seed, skin.model_copy(update={"age_years": args.age}), views)
        console.print(f"previews in {args.out}")


def _photo_table(console: Console, path: Path, mm_per_px: float, patches: list[str]) -> None:
    """The relief's statistics measured on a photograph's skin patches (linear luminance)."""
    rgb = srgb_to_linear(torch.tensor(np.asarray(Image.open(path).convert("RGB")), dtype=torch.float32) / 255.0)
    lum = (rgb * torch.tensor(LUMA_REC709)).sum(-1)
    nyquist = 0.5 / mm_per_px
    table = Table(title=f"{path.name} at {mm_per_px:.3f} mm/px (Nyquist {nyquist:.1f} cycles/mm)")
    for col in ("patch x,y,size", "per-octave peak c/mm", "0.75–1.25 share"):
        table.add_column(col)
    for patch in patches:
        x, y, size = (int(t) for t in patch.split(","))
        f, p = spectrum_of(lum[y:y + size, x:x + size], mm_per_px)
        hi = min(4.0, 0.95 * nyquist)
        table.add_row(patch, f"{spectrum_peak(f, p, hi=hi):.2f}", f"{band_share(f, p, 0.75, 1.25, (0.2, hi)):.2f}")
    console.print(table)


def _tables(console: Console, skin: SkinIR, seed: int, points: int) -> None:
    head = load_head()

    times = Table(title="skin functions (CPU)")
    for col in ("function", "points", "seconds"):
        times.add_column(col)
    reg, dt = _timed(skin_regions, head)
    times.add_row("skin_regions", str(head.neutral.shape[0]), f"{dt:.3f}")
    alb, dt = _timed(vertex_albedo, skin, seed, reg, head.neutral)
    times.add_row("vertex_albedo", str(head.neutral.shape[0]), f"{dt:.3f}")
    g = torch.Generator().manual_seed(0)
    ids = torch.nonzero(reg["skin"] > 0)[:, 0]
    pick = ids[torch.randint(ids.numel(), (points,), generator=g)]
    pos = head.neutral[pick] * 1000.0 + torch.randn(points, 3, generator=g)
    pr = RegionWeights(reg.weights[pick])
    anchors = face_anchors(head, head.neutral)
    for fp_mm in (0.1, 0.25):
        fp = torch.full((points,), fp_mm)
        rel, dt = _timed(skin_relief, pos, pr, fp, skin, seed, anchors)
        times.add_row(f"skin_relief (footprint {fp_mm} mm)", str(points), f"{dt:.3f}")
        _, dt = _timed(albedo_detail, alb[pick], pos, pr, fp, skin, seed, rel.cavity)
        times.add_row(f"albedo_detail (footprint {fp_mm} mm)", str(points), f"{dt:.3f}")
    console.print(times)

    spec = Table(title="relief under a raking light (20°), 25.6 mm patches at 0.1 mm/px")
    for col in ("region", "seed", "per-octave peak c/mm", "P(f) peak c/mm", "0.75–1.25 share"):
        spec.add_column(col)
    for region in ("cheeks", "forehead", "nose"):
        for seed in (1, 2, 3):
            f, p = spectrum_of(raking_patch(skin, seed, 256, 0.1, region=region), 0.1)
            spec.add_row(region, str(seed), f"{spectrum_peak(f, p):.2f}",
                         f"{spectrum_peak(f, p, per_octave=False):.2f}", f"{band_share(f, p, 0.75, 1.25):.2f}")
    console.print(spec)

    contrast = Table(title="relative contrast on a lit skin cylinder (r 45 mm, key 60°)")
    for col in ("age", "shadow", "lit", "sheen"):
        contrast.add_column(col)
    for age in (25.0, 35.0, 60.0):
        c = cylinder_contrast(SkinIR(age_years=age), 4)
        contrast.add_row(f"{age:.0f}", *(f"{100 * c[k]:.1f} %" for k in ("shadow", "lit", "sheen")))
    console.print(contrast)


if __name__ == "__main__":
    main()
