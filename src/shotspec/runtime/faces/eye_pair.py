"""The two eyes of a plate, found from its skin mask and its irises, without landmarks.

The identity finder (``face_finder``) sizes its iris search from the face's bounding box,
which on a plate is often the face *and* neck, hands and chest together (on
``model_face.jpg`` the box was the whole frame and the "eyes" landed on a hand). Here nothing
about the face's size is assumed; the eye distance of each candidate pair sets the scale of
the checks made on it:

1. candidates: the darkest pixel of every dark spot that is not skin but has skin within
   ``NEAR_SKIN`` of the image width on three of its four sides — inside the face, not on its
   edge where hair, shadow and backdrop meet it (pupils, nostrils, the mouth's corners, lash
   lines, dark strands of hair) — local minima of the smoothed luma below ``DARKNESS`` × the
   skin's median. The reach allows for an eye inside a ring of face paint or dark make-up
   (``kodim15``: the skin begins 13 % of the width from the pupil once the image is resized
   under its own 500 px, where the texture test keeps less of the painted ring);
2. pairs: about as dark as each other (``DARK_MATCH``: two pupils, not a pupil and a pale
   spot; loose, since the far eye's pupil of a turned head is half hidden and blurs paler), no
   more than ``MAX_TILT`` off level, the middle half of the segment between them largely skin
   (``BRIDGE_SKIN``: a nose bridge, not hair; the eye holes reach into that half on a small
   image, 0.47 of it skin on ``model_face.jpg`` at 320 px);
3. irises: each end is given the limbus fit (``iris.limbus_fit``: both side arcs, or one side
   from a whole pupil when the other hides in the eye's corner) for a radius
   ``IRIS_TO_DISTANCE`` × the pair's distance — a frontal face's iris is 0.093 of its eye
   distance, a head turned 55° shows 0.16, so the spacing may shrink by foreshortening; a fit
   counts only with a white sclera beside it (``_sclera_sides``) and a radius at least
   ``MIN_IRIS_TO_DISTANCE`` of the pair's distance (a turn shortens the distance, never
   lengthens it: a smaller "iris" is a pupil's edge, or the pair is not two eyes). A pair
   needs one iris (the far eye of a turned head often shows none); two count together when
   alike (``SAME_SIZE``), otherwise the one read on more sides. Twin irises (``_twin_irises``:
   both ends read on both sides, alike in size and not too small for their distance) count
   without the sclera, at ``UNWHITE_WEIGHT`` — the two limbi and the spacing agree with each
   other; on a small image the sclera test's pixels land on a lid (``model_face.jpg`` at
   320 px, bilinear or Lanczos: no pair survived and a single "iris" at an eye corner read
   the scale 33 % coarse);
4. one eye alone: the ``SINGLES`` darkest candidates are also fitted on their own, the radius
   sized from the skin's width at their height (``IRIS_TO_WIDTH``) — the eye the skin mask
   lost with the face's shadow side does not stop the other from giving the scale;
5. the best by evidence: each iris counts its limbus contrast, halved when read on one side,
   times the darkness of its middle (a pupil reflects almost nothing), times ``ONE_WHITE``
   when the sclera is white on one side only (an eye looking at the camera shows white on both
   sides; a dark patch of hair beside one white stroke of face paint, on one); a pair sums its irises
   and gains up to double by how well their mean radius fits ``IRIS_PRIOR`` × its distance
   (the pair's geometry is evidence too: it never loses to one of its own irises alone).
   Ties go to the higher.

Coordinates are pixels of the arrays given (x right, y down).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.runtime.faces.iris import IrisFit, limbus_fit
from shotspec.runtime.filters import gaussian_blur

__all__ = ["EyePair", "find_eye_pair", "refine_eye_pair", "trusted_irises", "IRIS_TO_DISTANCE"]

DARKNESS = 0.55                # a candidate is darker than this × the skin's median luma
NEAR_SKIN = 0.16               # skin within this share of the image width on 3 of 4 sides
SPACING = 0.015                # one candidate per this share of the image width
MAX_CANDIDATES = 40            # darkest minima kept
DARK_MATCH = (3.0, 0.3)        # the paler candidate ≤ 3 × the darker + 0.3 × skin's luma
MIN_DISTANCE_PX = 8.0          # pairs closer than this are not two eyes
MAX_TILT = 0.45                # |dy| / |dx| of the eye line (about 24°)
BRIDGE_SKIN = 0.4              # share of skin on the middle half of the segment
IRIS_TO_DISTANCE = (0.065, 0.17)   # limbus radius / eye distance searched
MIN_CONTRAST = 0.004           # limbus step, luma per px, both sides
MAX_PAIRS = 80                 # pairs given the iris test, darkest candidates first
SAME_SIZE = 0.7                # two irises (equal in life) whose fits (±12 % one-sided each) agree this well
SEARCH = 0.3                   # the iris centre may lie this × the largest radius from the dark spot
IRIS_TO_WIDTH = (0.03, 0.09)   # one eye alone: 5.85 mm over the skin's width at eye height, 195 mm (face,
                               # ears, neck beside) down to 65 mm (half the face lost to shadow)
SCLERA_SAT = 0.6               # beside an iris, on one side at least: saturation below this × skin's …
WHITE_SAT = 0.2                # … or below this (white under a warm light, or a graded photo) …
SCLERA_BRIGHT = 0.45           # … and luma at least this × the skin's median (the sclera)
SINGLES = 6                    # the darkest candidates tried alone
REFINE = (0.8, 1.1)            # full-resolution refit: within these × the working fit's radius (the same
                               # edge, sharper: 0.92–1.02 × on the size sweep; 1.14 × was a wider step)
IRIS_PRIOR = (0.1, 0.03)       # limbus radius / eye distance: mean and spread weighed in
MIN_IRIS_TO_DISTANCE = 0.078   # a pair's iris radius is at least this × its distance: 0.095 frontal less
                               # two spreads (iris 4 %, eye distance 6 %); a turn only raises it
UNWHITE_WEIGHT = 0.5           # a pair of twin irises without a sclera seen beside either counts half
ONE_WHITE = 0.75               # an iris with white beside it on one side only counts this much


@dataclass(frozen=True)
class EyePair:
    """The eyes found: ``centres`` ((x, y), (x, y), left in the image first) and the ``irises``
    whose limbus was measured there (one or two; on a turned head the far eye's often hides in
    its corner, and one iris gives the scale)."""

    centres: tuple[tuple[float, float], tuple[float, float]] | None
    irises: tuple[IrisFit, ...]

    @property
    def distance(self) -> float:
        """Eye distance (px); 0 when only one eye was found."""
        if self.centres is None:
            return 0.0
        (ax, ay), (bx, by) = self.centres
        return float(np.hypot(bx - ax, by - ay))


def trusted_irises(fa: IrisFit | None, fb: IrisFit | None) -> tuple[IrisFit, ...]:
    """The irises of a pair that give the scale: both when they agree within ``SAME_SIZE``;
    otherwise the one read on more sides (a limbus seen on both sides pins its centre), then
    the sharper."""
    fits = [f for f in (fa, fb) if f is not None]
    if len(fits) == 2 and min(f.radius for f in fits) >= SAME_SIZE * max(f.radius for f in fits):
        return tuple(fits)
    return (max(fits, key=lambda f: (f.sides, f.contrast)),) if fits else ()


def _sclera_sides(f: IrisFit, sat: np.ndarray, sat_ref: float, luma: np.ndarray, ref: float) -> int:
    """On how many sides (0–2) the pixels just beyond the limbus are white: less saturated than
    ``SCLERA_SAT`` × the skin's median saturation ``sat_ref`` or than ``WHITE_SAT`` (the
    sclera's colour is the light's and its vessels'; a nostril's or a mouth corner's rims, lit
    or shaded, are skin and as saturated as skin or more) and not in shadow (at least
    ``SCLERA_BRIGHT`` × the skin's median luma)."""
    h, w = sat.shape
    sides = 0
    for sign in (-1.0, 1.0):
        xs = np.clip(np.round(f.cx + sign * (f.radius + np.array([1.5, 2.5]))).astype(int), 0, w - 1)
        ys = np.clip(np.round(f.cy + np.array([-1.0, 0.0, 1.0])).astype(int), 0, h - 1)
        sides += int(sat[np.ix_(ys, xs)].mean() <= max(SCLERA_SAT * sat_ref, WHITE_SAT)
                     and luma[np.ix_(ys, xs)].mean() >= SCLERA_BRIGHT * ref)
    return sides


def _white(f: IrisFit, sat: np.ndarray, sat_ref: float, luma: np.ndarray, ref: float) -> float:
    """How much a white sclera beside ``f`` vouches for it: 1 on both sides, ``ONE_WHITE`` on one,
    0 on neither (an eye looking at the camera shows white on both sides of its iris; a dark
    patch of hair beside one white stroke of face paint, on one)."""
    return (0.0, ONE_WHITE, 1.0)[_sclera_sides(f, sat, sat_ref, luma, ref)]


def _twin_irises(fa: IrisFit | None, fb: IrisFit | None, dist: float) -> bool:
    """True when both ends of a pair ``dist`` px apart fit an iris read on both sides, alike in
    size (``SAME_SIZE``) and not too small for the distance: two limbi that agree with each
    other and with the eyes' spacing are evidence enough without a white sclera beside them."""
    return (fa is not None and fb is not None and fa.sides == fb.sides == 2
            and min(fa.radius, fb.radius) >= max(SAME_SIZE * max(fa.radius, fb.radius), MIN_IRIS_TO_DISTANCE * dist))


def _quality(f: IrisFit, smooth: np.ndarray, ref: float) -> float:
    """How surely ``f`` is an iris: its limbus contrast, halved when read on one side only,
    times how dark its middle is against the skin (a pupil reflects almost nothing)."""
    y = int(np.clip(round(f.cy), 0, smooth.shape[0] - 1))
    x = int(np.clip(round(f.cx), 0, smooth.shape[1] - 1))
    return f.contrast * f.sides / 2 * max(0.0, 1.0 - float(smooth[y, x]) / ref)


def _centres(a: tuple[int, int], b: tuple[int, int], fa: IrisFit | None, fb: IrisFit | None):
    """Eye centres (x, y) left first: the fitted iris's centre, else the dark candidate's."""
    pts = [(f.cx, f.cy) if f is not None else (float(p[1]), float(p[0])) for p, f in ((a, fa), (b, fb))]
    first, second = sorted(pts)
    return first, second


def _candidates(luma: np.ndarray, skin: np.ndarray, ref: float) -> tuple[list[tuple[int, int]], np.ndarray]:
    """(y, x) of the darkest local minima inside the skin, darkest first, and the smoothed
    luma (H, W) they were read from."""
    t = torch.from_numpy(luma.astype(np.float32))[None, None]
    sm = gaussian_blur(t, 1.0, edge="replicate")
    low = -F.max_pool2d(-sm, 5, 1, 2)
    side = max(2, int(round(NEAR_SKIN * luma.shape[1])))
    sk = torch.from_numpy(skin.astype(np.float32))[None, None]
    k = side + 1
    around = (F.max_pool2d(F.pad(sk, (side, 0, 0, 0)), (1, k), 1).int()      # skin to the left
              + F.max_pool2d(F.pad(sk, (0, side, 0, 0)), (1, k), 1).int()    # … right
              + F.max_pool2d(F.pad(sk, (0, 0, side, 0)), (k, 1), 1).int()    # … above
              + F.max_pool2d(F.pad(sk, (0, 0, 0, side)), (k, 1), 1).int())   # … below
    near = around >= 3
    ok = (sm <= low) & (sm < DARKNESS * ref) & near & (sk < 0.5)
    ys, xs = np.nonzero(ok[0, 0].numpy())
    vals = sm[0, 0].numpy()[ys, xs]
    order = np.argsort(vals, kind="stable")
    out: list[tuple[int, int]] = []
    apart = max(3, int(round(SPACING * luma.shape[1])))
    for i in order:                 # the darkest of each neighbourhood
        y, x = int(ys[i]), int(xs[i])
        if all(abs(y - py) > apart or abs(x - px) > apart for py, px in out):
            out.append((y, x))
        if len(out) >= MAX_CANDIDATES:
            break
    return out, sm[0, 0].numpy()


def _bridge(skin: np.ndarray, a: tuple[int, int], b: tuple[int, int]) -> float:
    n = max(4, (abs(b[1] - a[1]) + abs(b[0] - a[0])) // 2)
    t = np.linspace(0.25, 0.75, n)
    ys = np.clip(np.round(a[0] + t * (b[0] - a[0])).astype(int), 0, skin.shape[0] - 1)
    xs = np.clip(np.round(a[1] + t * (b[1] - a[1])).astype(int), 0, skin.shape[1] - 1)
    return float(skin[ys, xs].mean())


def find_eye_pair(luma: np.ndarray, skin: np.ndarray, sat: np.ndarray) -> EyePair | None:
    """The eyes of the face in display luma ``luma`` (H, W, 0–1) given its skin mask ``skin``
    (H, W bool) and the display saturation ``sat`` ((max − min) / max of sRGB, H, W): a pair
    with one or two measured irises, or one iris alone; None when no iris is found."""
    if luma.shape != skin.shape or luma.ndim != 2:
        raise ValueError(f"luma and skin must be the same (H, W), got {luma.shape} and {skin.shape}")
    if skin.sum() < 64:
        return None
    ref = float(np.median(luma[skin]))
    if sat.shape != skin.shape:
        raise ValueError(f"sat must be {skin.shape}, got {sat.shape}")
    sat_ref = float(np.median(sat[skin]))
    cands, smooth = _candidates(luma, skin, ref)
    fits: dict[tuple[tuple[int, int], float], IrisFit | None] = {}

    def fit(p: tuple[int, int], dist: float) -> IrisFit | None:
        key = (p, round(dist))
        if key not in fits:
            lo, hi = (f * dist for f in IRIS_TO_DISTANCE)
            fits[key] = limbus_fit(luma, (float(p[1]), float(p[0])), max(lo, 1.0), max(hi, 2.0), SEARCH * hi)
        return fits[key]

    pairs = []
    for i, a in enumerate(cands):
        for j, b in enumerate(cands[i + 1:], i + 1):
            dy, dx = abs(a[0] - b[0]), abs(a[1] - b[1])
            dist = float(np.hypot(dx, dy))
            if dist < MIN_DISTANCE_PX or dy > MAX_TILT * dx:
                continue
            la, lb = sorted((float(smooth[a]), float(smooth[b])))
            if lb > DARK_MATCH[0] * la + DARK_MATCH[1] * ref:      # a pupil and a brow's end
                continue
            bridge = _bridge(skin, a, b)
            if bridge >= BRIDGE_SKIN:
                pairs.append((bridge * (1.0 - dy / dx), i + j, a, b, dist))
    # the pairs of the darkest candidates get the iris test; one iris may hide in its corner
    pairs.sort(key=lambda p: (p[1], -p[0]))
    scored = []
    for _, _, a, b, dist in pairs[:MAX_PAIRS]:
        ra, rb = (f if f is not None and f.contrast >= MIN_CONTRAST * ref else None for f in (fit(a, dist), fit(b, dist)))
        white = {id(f): _white(f, sat, sat_ref, luma, ref) for f in (ra, rb) if f is not None}
        fa, fb = (f if f is not None and white[id(f)] > 0 else None for f in (ra, rb))
        irises = tuple(f for f in trusted_irises(fa, fb) if f.radius >= MIN_IRIS_TO_DISTANCE * dist)
        if not irises and _twin_irises(ra, rb, dist):   # each the other's evidence, the sclera lost to a lid
            fa, fb, irises = ra, rb, (ra, rb)
            white = {id(ra): UNWHITE_WEIGHT, id(rb): UNWHITE_WEIGHT}
        if not irises:          # none, or a pupil's edge: too small for the eyes' distance
            continue
        r = float(np.mean([f.radius for f in irises]))
        prior = float(np.exp(-0.5 * ((r / dist - IRIS_PRIOR[0]) / IRIS_PRIOR[1]) ** 2))
        sharp = sum(white[id(f)] * _quality(f, smooth, ref) for f in irises)
        scored.append((sharp * (1.0 + prior), 0.5 * (a[0] + b[0]), _centres(a, b, fa, fb), irises))
    # one eye alone (the other hidden, or lost with the face's shadow side), sized from the
    # skin's width at its height
    for y, x in cands[:SINGLES]:
        rows = skin[max(0, y - 2):y + 3].any(0)
        width = float(np.ptp(np.flatnonzero(rows))) if rows.any() else 0.0
        lo, hi = (f * width for f in IRIS_TO_WIDTH)
        if hi <= max(lo, 1.0):
            continue
        f = limbus_fit(luma, (float(x), float(y)), max(lo, 1.0), hi, SEARCH * hi)
        if f is not None and f.contrast >= MIN_CONTRAST * ref:
            white = _white(f, sat, sat_ref, luma, ref)
            if white > 0:
                scored.append((white * _quality(f, smooth, ref), float(y), None, (f,)))
    if not scored:
        return None
    _, _, centres, irises = max(scored, key=lambda s: (s[0], -s[1]))
    return EyePair(centres, irises)


def refine_eye_pair(luma: np.ndarray, pair: EyePair, scale: float) -> EyePair:
    """``pair`` found on a copy ``1/scale`` the size of ``luma`` (H, W, the full-resolution
    display luma), its irises fitted again there; an iris the fit loses keeps its scaled
    working-resolution fit. The refit only sharpens the working fit's limbus, so its radius
    is held within ``REFINE`` of it: with up to 1.25 × allowed, ``kodim15`` at 750 px (box)
    refitted on a step 1.14 × out, beyond the limbus, and read the scale 15 % fine."""
    def up(x: float) -> float:
        return (x + 0.5) * scale - 0.5

    out = []
    for f in pair.irises:
        coarse = IrisFit(up(f.cx), up(f.cy), f.radius * scale, f.contrast, f.sides)
        fine = (limbus_fit(luma, (coarse.cx, coarse.cy), REFINE[0] * coarse.radius, REFINE[1] * coarse.radius)
                if scale > 1 else None)
        out.append(fine if fine is not None and fine.sides >= f.sides else coarse)
    if pair.centres is None:
        return EyePair(None, tuple(out))
    (ax, ay), (bx, by) = pair.centres
    return EyePair(((up(ax), up(ay)), (up(bx), up(by))), tuple(out))
