"""Fit the identity builder's head-dependent constants on renders of the procedural head.

    /work/venv/bin/python tools/calibrate_identity.py            # writes runtime/identity/calibration.json
    /work/venv/bin/python tools/calibrate_identity.py --check    # fit, compare, write nothing

Re-run it after any change to ``runtime/character`` (shape, lids, lips, albedo, freckles): the
face-shape ratios and the freckle table are properties of the procedural head and the
renderer, and every change there moves them. Deterministic (fixed seeds, CPU), a few minutes.

What it renders (white-balanced 8-bit sRGB PNGs, measured through the same code path as real
photos — ``load_photo`` → ``find_face`` → ``shape_features`` / ``freckle_statistic``):

* face shape: nine heads, the measured parameters at ±``SWEEP`` (the full 2³ factorial
  design) and the average head, front view at two sizes (``SHAPE_SIZES``), under two soft rigs (key from
  camera-left and camera-right, strong fill); a
  least-squares fit of every ratio on all parameters gives the linear model
  ``ratios = intercept + matrix · params`` (fitted once per landmark method: the built-in one,
  and mediapipe's when it is installed). A ratio whose parameter the fit recovers worse than
  ``MAX_RMS`` (RMS over the renders) is left out of the model: it is not measured.
* skin: the average head, front view at ``SHAPE_SIZES[0]`` under four ordinary portrait rigs
  (``SKIN_RIGS``), shaded at Monk tones ``SKIN_TONES`` (neutral undertone, redness
  ``NEUTRAL_REDNESS``), at redness levels ``REDNESS_LEVELS`` (Monk 4) and with a warm and a cool
  undertone (Monk 4): the tone table (projected Monk position → tone), the neutral ``U`` by
  tone, redness's table and its effect on ``U`` and on the projected tone, and the undertone cut-offs (half-way from
  neutral to the warm / cool renders).
* freckles: a front view of the first head at ``FRECKLE_SIZE`` (≈ 0.75 mm per pixel) shaded at several
  ``skin.freckles`` values, for the people ``FRECKLE_SEEDS`` under ``FRECKLE_RIGS``; the mean
  freckle coverage at each value becomes the lookup table.

The calibration uses seed ``SEED`` (freckle and pore layout); the closed-loop tests use another
seed, so they check the fit on a person it was not fitted on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from shotspec.compiler.ir import FACE_PARAMS, CameraIR, CharacterIR, FaceIR, LightIR, SkinIR, ToneIR
from shotspec.compiler.tables import monk_albedo
from shotspec.runtime.character import render_geometry, shade
from shotspec.runtime.faces.face_finder import find_face, mediapipe_available
from shotspec.runtime.identity.face_shape import CALIBRATION_FILE, SHAPE_FEATURES, shape_features
from shotspec.runtime.identity.freckles import freckle_statistic
from shotspec.runtime.identity.photos import load_photo, save_render_as_photo
from shotspec.runtime.identity.skin_params import skin_statistics, zone_mask

SEED = 3
SHAPE_SIZES = ((96, 120), (160, 200), (256, 320))    # eye distance ≈ 31, 52 and 83 px
FRECKLE_SIZE = (256, 320)
DISTANCE_M = 0.45
SWEEP = 0.8
MAX_RMS = 0.3
FRECKLE_LEVELS = (0.0, 1 / 3, 2 / 3, 1.0)
FRECKLE_SEEDS = (SEED, 5, 8)         # people averaged for the freckle table (the tests use 11)


def _rig(az_deg: float, el_deg: float, kelvin: float, fill: float) -> list[LightIR]:
    return [LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(az_deg),
                    elevation_rad=math.radians(el_deg), distance_m=1.2, size_m=0.8,
                    temperature_k=kelvin, intensity=1.0),
            LightIR(name="fill", kind="environment", intensity=fill, temperature_k=kelvin)]


# soft keys from either side with a strong fill: both cheeks stay in the skin region, so the
# face width at mouth height is measured (the photo advice: soft, even light)
RIGS = (_rig(15, 20, 5600, 0.7), _rig(-15, 20, 5600, 0.7))


# skin: the range of ordinary portrait light — keys 10–35° off axis from either side, fills
# from 0.3 to 0.45 of the key, daylight and tungsten (white-balanced) — not the test rigs
SKIN_RIGS = (_rig(20, 20, 5600, 0.4), _rig(-25, 15, 5600, 0.35), _rig(35, 25, 5600, 0.3),
             _rig(-10, 20, 4300, 0.45))
SKIN_TONES = (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
REDNESS_LEVELS = (0.0, 0.2, 0.4, 0.7, 1.0)
NEUTRAL_REDNESS = 0.1
NEUTRAL_SKIN = {"undertone": "neutral", "redness": NEUTRAL_REDNESS}


# freckles under a soft, evenly filled key and under a harder one with little fill
FRECKLE_RIGS = (RIGS[0], SKIN_RIGS[2])


def character(face: dict[str, float] | None = None, *, freckles: float = 0.0, seed: int = SEED,
              tone: float = 4.0, undertone: str = "warm", redness: float = 0.4) -> CharacterIR:
    """A calibration person: ``face`` sets the face parameters (the others 0; None keeps the
    seed's own face), the skin as given."""
    extra = {}
    if face is not None:
        values = {k: 0.0 for k in FACE_PARAMS}
        values.update(face)
        extra["face"] = FaceIR(**values)
    # brown irises: under a side key a light iris' shading pulls its centroid by up to 1 px
    # (at a 31 px eye distance; brown: 0.6 px), noise the shape fit does not need (docs/identity.md)
    return CharacterIR(name="calibration", seed=seed, eye_color_srgb=(0.36, 0.22, 0.12),
                       skin=SkinIR(tone=ToneIR(value=tone, albedo_srgb=monk_albedo(tone), undertone=undertone),
                                   redness=redness, freckles=freckles), **extra)


def calibrate_skin(log, workdir: Path, cam: CameraIR) -> dict:
    """The ``skin`` section: see the module docstring."""
    geo = render_geometry(character(tone=4.0, **NEUTRAL_SKIN), cam, *SHAPE_SIZES[0])

    def stats(ch: CharacterIR, tag: str) -> tuple[float, float, float]:
        got = []
        for j, rig in enumerate(SKIN_RIGS):
            rgb = photo(ch, geo, rig, cam, workdir / f"skin_{tag}_{j}.png")
            found = find_face(rgb, use_mediapipe=False)
            st = skin_statistics(rgb, found) if found.found else None
            if st is None:
                raise SystemExit(f"calibration failed: no skin measured on the {tag} render")
            got.append((st.position, st.u_raw, st.red_spread))
        return tuple(float(np.mean(v)) for v in zip(*got))

    tones = {t: stats(character(tone=t, **NEUTRAL_SKIN), f"tone{t:g}") for t in SKIN_TONES}
    positions = [tones[t][0] for t in SKIN_TONES]
    if any(b <= a for a, b in zip(positions, positions[1:])):
        raise SystemExit(f"calibration failed: projected tone does not grow with tone: {positions}")
    for t in SKIN_TONES:
        log(f"skin tone {t:g}: projects to {tones[t][0]:.2f}, U {tones[t][1]:+.3f}")
    neutral_u = [[t, round(tones[t][1], 4)] for t in SKIN_TONES]

    def u_at(tone: float) -> float:
        return float(np.interp(tone, SKIN_TONES, [u for _, u in neutral_u]))

    reds = {r: stats(character(tone=4.0, undertone="neutral", redness=r), f"red{r:g}") for r in REDNESS_LEVELS}
    spreads = [reds[r][2] for r in REDNESS_LEVELS]
    if any(b <= a for a, b in zip(spreads, spreads[1:])):
        raise SystemExit(f"calibration failed: the redness statistic does not grow with redness: {spreads}")
    slope = float(np.polyfit(REDNESS_LEVELS, [reds[r][1] for r in REDNESS_LEVELS], 1)[0])
    # redness darkens green and blue on the cheeks: redder skin projects to a darker tone
    tone_slope = float(np.polyfit(REDNESS_LEVELS, [reds[r][0] for r in REDNESS_LEVELS], 1)[0])
    log(f"redness: spreads {[round(v, 4) for v in spreads]}, U slope {slope:+.3f}, "
        f"projected tone slope {tone_slope:+.3f}")
    warm = stats(character(tone=4.0, undertone="warm", redness=NEUTRAL_REDNESS), "warm")[1] - u_at(4.0)
    cool = stats(character(tone=4.0, undertone="cool", redness=NEUTRAL_REDNESS), "cool")[1] - u_at(4.0)
    if not warm < 0.0 < cool:
        raise SystemExit(f"calibration failed: warm/cool renders do not straddle neutral: {warm:+.3f} / {cool:+.3f}")
    log(f"undertone: warm {warm:+.3f}, cool {cool:+.3f} (relative to neutral)")
    return {"tone": [[round(tones[t][0], 4), t] for t in SKIN_TONES],
            "neutral_u": neutral_u,
            "neutral_redness": NEUTRAL_REDNESS,
            "redness": [[round(reds[r][2], 5), r] for r in REDNESS_LEVELS],
            "redness_u_slope": round(slope, 4),
            "tone_redness_slope": round(tone_slope, 4),
            "warm_below": round(0.5 * warm, 4),
            "cool_above": round(0.5 * cool, 4)}


def photo(ch: CharacterIR, geo, rig: list[LightIR], cam: CameraIR, path: Path) -> torch.Tensor:
    """Shade, write it as an 8-bit photo white-balanced to the key, read it back as a photo."""
    save_render_as_photo(shade(geo, ch, rig, cam).rgb, path, white_k=rig[0].temperature_k)
    return load_photo(path)[0]


def fit_shape(samples: list[tuple[dict[str, float], dict[str, float]]], log) -> dict | None:
    """Least-squares ``ratio = a + Σ b_j p_j`` per feature; features the fit recovers worse
    than ``MAX_RMS`` are dropped. ``samples``: (params, ratios) per render."""
    params_all = list(SHAPE_FEATURES.values())
    # a ratio needs two renders more than its model has coefficients (1 + one per parameter)
    need = len(SHAPE_FEATURES) + 3
    feats = [f for f in SHAPE_FEATURES if sum(f in r for _, r in samples) >= need]
    if "eye_ratio" not in feats:
        log("  too few renders with eyes and mouth found: no shape model")
        return None
    while True:
        rows = {}
        for f in feats:
            use = [(p, r[f]) for p, r in samples if f in r]
            x = np.array([[1.0] + [p.get(q, 0.0) for q in params_all] for p, _ in use])
            y = np.array([v for _, v in use])
            rows[f] = np.linalg.lstsq(x, y, rcond=None)[0]
        params = [SHAPE_FEATURES[f] for f in feats]
        cols = [params_all.index(q) + 1 for q in params]
        model = {"features": feats, "params": params,
                 "intercept": [round(float(rows[f][0]), 5) for f in feats],
                 "matrix": [[round(float(rows[f][c]), 5) for c in cols] for f in feats]}
        from shotspec.runtime.identity.face_shape import ShapeModel  # noqa: PLC0415
        sm = ShapeModel.from_json(model)
        err = {q: [] for q in params}
        for p, r in samples:
            got = sm.solve({f: v for f, v in r.items() if f in feats})
            for q, v in got.items():
                err[q].append(v - p.get(q, 0.0))
        rms = {q: float(np.sqrt(np.mean(np.square(e)))) if e else math.inf for q, e in err.items()}
        worst = max((q for q in params if q != "eye_spacing"), key=lambda q: rms[q], default=None)
        if worst is None or rms[worst] <= MAX_RMS:
            model["rms"] = {q: round(v, 3) for q, v in rms.items()}
            for q in params:
                log(f"  {q:12s} RMS error {rms[q]:.3f} over {len(err[q])} renders")
            return model
        log(f"  {worst}: RMS error {rms[worst]:.2f} > {MAX_RMS}: not measured")
        feats = [f for f in feats if SHAPE_FEATURES[f] != worst]


def shape_faces() -> list[dict[str, float]]:
    """The face-shape heads: the full 2³ design at ±``SWEEP`` plus the average head. The
    half-fraction (four heads) that this replaced confounds every slope with an interaction
    of the other two parameters (the jaw's with eye spacing × mouth width): on a head with
    eye spacing −0.5, mouth 0.5, jaw −0.5 it read the jaw 0.3 too narrow. The first head
    (all +) is also the freckle head."""
    names = list(SHAPE_FEATURES.values())
    corners = [dict(zip(names, (SWEEP * a, SWEEP * b, SWEEP * c)))
               for a, b, c in itertools.product((1, -1), repeat=3)]
    return corners + [dict.fromkeys(names, 0.0)]


def calibrate(log, workdir: Path) -> dict:
    torch.manual_seed(0)
    methods = ["fallback"] + (["mediapipe"] if mediapipe_available() else [])
    cam = CameraIR(distance_m=DISTANCE_M)
    faces = shape_faces()
    samples: dict[str, list] = {m: [] for m in methods}
    t0 = time.time()
    for i, face in enumerate(faces):
        ch = character(face)
        for size in SHAPE_SIZES:
            geo = render_geometry(ch, cam, *size)
            for j, rig in enumerate(RIGS):
                rgb = photo(ch, geo, rig, cam, workdir / f"shape{i}_{size[0]}_{j}.png")
                for m in methods:
                    found = find_face(rgb, use_mediapipe=(m == "mediapipe"))
                    if found.found and found.landmarks.method == m:
                        samples[m].append((face, shape_features(found.landmarks)))
        log(f"shape render {i + 1}/{len(faces)} {face or 'average'} ({time.time() - t0:.0f} s)")
    out: dict = {"generated_by": "tools/calibrate_identity.py",
                 "renders": {"seed": SEED, "shape_sizes": [list(z) for z in SHAPE_SIZES],
                             "freckle_size": list(FRECKLE_SIZE), "sweep": SWEEP},
                 "face": {}}
    for m in methods:
        log(f"face-shape model ({m}):")
        model = fit_shape(samples[m], log)
        if model is not None:
            out["face"][m] = model
    if "fallback" not in out["face"]:
        raise SystemExit("calibration failed: the built-in landmarks found no face on the renders")
    out["skin"] = calibrate_skin(log, workdir, cam)
    log(f"skin tables ({time.time() - t0:.0f} s)")
    # freckles: the first head, shaded at each level, averaged over several people (seeds):
    # freckles cluster, so one person's cheeks hold more or fewer than the average face
    table = []
    coverage = {level: [] for level in FRECKLE_LEVELS}
    for seed in FRECKLE_SEEDS:
        geo = render_geometry(character(faces[0], seed=seed), cam, *FRECKLE_SIZE)
        for k, level in enumerate(FRECKLE_LEVELS):
            for j, rig in enumerate(FRECKLE_RIGS):
                chf = character(faces[0], freckles=level, seed=seed)
                rgb = photo(chf, geo, rig, cam, workdir / f"freckles{seed}_{k}_{j}.png")
                found = find_face(rgb, use_mediapipe=False)
                if not found.found:
                    raise SystemExit(f"calibration failed: no face found on the freckles {level} render")
                sample = freckle_statistic(rgb, zone_mask(found), found.landmarks.eye_distance,
                                           zone_mask(found, filled=True))
                coverage[level].append(sample.coverage)
                log(f"freckles {level:.2f} (seed {seed}, rig {j}): coverage {sample.coverage:.4f}, "
                    f"{sample.spots_per_cm2:.1f} spots/cm², threshold {sample.threshold:.3f}, "
                    f"{sample.mm_per_px:.2f} mm/px ({time.time() - t0:.0f} s)")
    for level in FRECKLE_LEVELS:
        table.append([round(float(np.mean(coverage[level])), 5), round(level, 4)])
    cov = [c for c, _ in table]
    if any(b <= a for a, b in zip(cov, cov[1:])):
        raise SystemExit(f"calibration failed: freckle coverage does not grow with freckles: {cov}")
    out["freckles"] = {"table": table}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default=str(CALIBRATION_FILE))
    ap.add_argument("--check", action="store_true", help="fit and print, write nothing")
    ap.add_argument("--keep", help="folder to keep the renders in (default: a temporary one)")
    args = ap.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        result = calibrate(log, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = calibrate(log, Path(tmp))
    text = json.dumps(result, indent=1, sort_keys=True) + "\n"
    if args.check:
        sys.stdout.write(text)
        return 0
    Path(args.output).write_text(text, encoding="utf-8")
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
