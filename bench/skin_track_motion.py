"""Does the enhancer's texture stay on the skin through a moving plate sequence?

    python bench/skin_track_motion.py [--scale 0.4] [--frames 24] [--turn 15]

A real face (``../shared/data/faces/model_face.jpg``, cropped to the head, 0.21 mm/px at full
size: ``face_mm_per_px`` is given so the scale is known) is moved by a known smooth non-rigid
motion (``track_measure.HeadTurn``: a cylinder turn of ``--turn`` degrees, a nod and a smile,
eased over the frames). For every frame the enhancer's added texture is compared with the one it
adds when each pixel's texture coordinate is exactly where that skin was in frame 0 (the
texture glued to the skin), for the face frame's similarity map alone (before) and for the
skin_track field (after: the frame-to-frame chain alone, and anchored on the first frame as
the plan runs it): the relative RMS texture error, and the coordinate error in mm (median and
95th percentile). A static sequence (the plate repeated) is also run: the largest
frame-to-frame difference of the added texture must be exactly 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
from PIL import Image

from shotspec.runtime.enhance import skin_enhance
from shotspec.runtime.enhance.enhancer import cached_plan
from shotspec.runtime.enhance.skin_track import field_of, similarity_field, track_step
from shotspec.runtime.enhance.track_measure import (HeadTurn, added_texture, coordinate_error, evaluation_mask,
                                                    moving_sequence, texture_error, true_field)
from shotspec.runtime.frame import Frame, FrameMeta

FACE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "faces", "model_face.jpg")
CROP = (160, 80, 960, 1080)          # the head, in the 1280×1920 original
FULL_MM_PER_PX = 0.21


def face_plate(path: str, scale: float) -> tuple[Frame, HeadTurn]:
    """The cropped face at ``scale`` × its full size, and the head's geometry for the motion."""
    w, h = round((CROP[2] - CROP[0]) * scale), round((CROP[3] - CROP[1]) * scale)
    im = Image.open(path).convert("RGB").crop(CROP).resize((w, h), Image.BICUBIC)
    rgb = (torch.from_numpy(np.asarray(im).astype(np.float32) / 255.0).permute(2, 0, 1)[None] ** 2.2).contiguous()
    frame = Frame(rgb=rgb, meta=FrameMeta(source="plate", face_mm_per_px=FULL_MM_PER_PX / scale))
    return frame, HeadTurn(cx=400 * scale, cy=520 * scale, radius_px=340 * scale, nod_px=12 * scale,
                           mouth=(380 * scale, 720 * scale))


def track(frames: list[Frame], anchored: bool) -> tuple[list, float]:
    """Each frame's track frame (None for frame 0) and the seconds per frame."""
    t0 = time.perf_counter()
    tracks = [None]
    for i in range(1, len(frames)):
        tracks.append(track_step(frames[i], frames[i - 1], tracks[-1], frames[0] if anchored else None))
    return tracks, (time.perf_counter() - t0) / (len(frames) - 1)


def run(plate: Frame, motion: HeadTurn, n_frames: int, strength: float = 1.0, seed: int = 5):
    """Per moving frame: (frame, skin px, texture error for the similarity frame, the chain alone
    and the chain anchored on frame 0, then coordinate median / p95 for each); seconds per frame
    (mask and face frame, chain, anchored); the static sequence's largest difference."""
    frames, maps = moving_sequence(plate, motion, n_frames)
    t0 = time.perf_counter()
    for f in frames:                # each frame's mask and face frame (the enhancer needs them anyway)
        cached_plan(f)
    t_plan = (time.perf_counter() - t0) / n_frames
    chained, t_chain = track(frames, False)
    anchored, t_anchor = track(frames, True)
    plan0 = cached_plan(frames[0])
    u0 = similarity_field(plan0.face, plate.height, plate.width)
    rows = []
    for i in range(1, n_frames):
        f = frames[i]
        plan = cached_plan(f)
        where = evaluation_mask(plan0.mask, plan.mask, maps[i])
        ref = added_texture(f, skin_enhance(f, strength=strength, seed=seed, field=true_field(u0, maps[i])))
        fields = (similarity_field(plan.face, f.height, f.width), field_of(chained[i]), field_of(anchored[i]))
        errs = [texture_error(ref, added_texture(f, skin_enhance(f, strength=strength, seed=seed, field=u)), where)
                for u in (None, fields[1], fields[2])]
        coords = [coordinate_error(u0, u, maps[i], where) for u in fields]
        rows.append((i, int(where.sum()), *errs, *coords))
    # a static sequence: the plate again and again
    still = [track_step(plate, plate, None)]
    still.append(track_step(plate, plate, still[-1], plate))
    added = [added_texture(plate, skin_enhance(plate, strength=strength, seed=seed, field=field_of(t)))
             for t in [None, *still]]
    static = max(float((added[k] - added[k - 1]).abs().max()) for k in range(1, len(added)))
    return rows, (t_plan, t_chain, t_anchor), static


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.4)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--turn", type=float, default=15.0)
    ap.add_argument("--face", default=FACE)
    args = ap.parse_args()
    plate, motion = face_plate(args.face, args.scale)
    motion = HeadTurn(**{**motion.__dict__, "turn_deg": args.turn})
    rows, per_frame, static = run(plate, motion, args.frames)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, threads "
          f"{torch.get_num_threads()}, {plate.width}×{plate.height} px at {plate.meta.face_mm_per_px:.3f} mm/px, "
          f"{args.frames} frames, turn {args.turn:g}°")
    print("| frame | skin px | texture error: similarity / chain / anchored | coordinate error mm, median / p95: "
          "similarity · chain · anchored |")
    print("|---|---|---|---|")
    for i, n, es, ec, ea, cs, cc, ca in rows:
        print(f"| {i} | {n} | {es:.3f} / {ec:.3f} / {ea:.3f} | {cs[0]:.2f} / {cs[1]:.2f} · {cc[0]:.2f} / "
              f"{cc[1]:.2f} · {ca[0]:.2f} / {ca[1]:.2f} |")
    mean = lambda k, j=None: statistics.mean(r[k] if j is None else r[k][j] for r in rows)  # noqa: E731
    print(f"| mean | | {mean(2):.3f} / {mean(3):.3f} / {mean(4):.3f} | {mean(5, 0):.2f} / {mean(5, 1):.2f} · "
          f"{mean(6, 0):.2f} / {mean(6, 1):.2f} · {mean(7, 0):.2f} / {mean(7, 1):.2f} |")
    print(f"\nper frame: mask and face frame {per_frame[0] * 1000:.0f} ms (shared with the enhancer); tracking: "
          f"chain {per_frame[1] * 1000:.0f} ms (two DIS flows), anchored {per_frame[2] * 1000:.0f} ms (four)")
    print(f"static sequence: largest frame-to-frame difference of the added texture = {static:g}")


if __name__ == "__main__":
    main()
