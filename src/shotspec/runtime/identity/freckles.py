"""Freckle density of one photo: small brown spots on the cheeks and nose, per skin area.

The face's own size is the ruler: the eye distance is taken as ``IPD_MM`` (63 mm, the adult
mean), so a pixel's size in millimetres is known and the detector works at the scale of
freckles whatever the photo's resolution. In the measurement zone (skin under the eyes, see
``skin_params.zone_mask``), each pixel is compared with the skin around it (the zone's mean in a
window of ``BASELINE_MM``, masked, so shading and the light's fall-off cancel) in two channels:

* ``ln`` luminance: a freckle is darker than its surroundings (by at least ``MIN_CONTRAST``);
* ``ln(B/G)``: a freckle is melanin, which absorbs blue more than green, so it is *browner*
  than the skin around it — by more than ``NOISE_K`` σ of the photo's chroma noise (σ from the
  deviations on the other side, which freckles never reach: their median / 0.674). Pores,
  fine lines, mottling and shading darken all channels alike and cancel in this ratio;
  redness (haemoglobin absorbs green) moves it the other way. This is what separates freckles
  from pores, which at these scales are darker pixels too.

Connected spots count when their equivalent diameter lies in ``SPOT_MM`` (freckles, 1–4 mm;
single noisy pixels finer than that and large blotches fall outside) and they do not touch the
zone's edge (nostrils, lips, the eyes' shadows are outside the zone; their rims would count).
The statistic is the share of the zone the spots cover (number times size: both grow with
``skin.freckles``); ``skin_calibration.json`` maps it to the 0–1 ``freckles`` value (fitted
on renders of the scanned head by ``tools/calibrate_identity.py``). A face coarser than
``MAX_MM_PER_PX`` gives no measurement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from shotspec.color import luminance
from shotspec.runtime.faces.face_frame import IPD_MM
from shotspec.runtime.faces.regions import label_regions, regions
from shotspec.runtime.filters import masked_box_mean

__all__ = ["FreckleSample", "freckle_statistic", "freckles_from_statistic", "MAX_MM_PER_PX", "TARGET_MM_PER_PX", "SPOT_MM", "MIN_CONTRAST", "MIN_CHROMA", "NOISE_K",
           "BASELINE_MM"]

MAX_MM_PER_PX = 1.0        # coarser than this: freckles are a pixel or less, not measured
TARGET_MM_PER_PX = 0.75    # finer photos are resampled to this (the calibration renders' scale)
SPOT_MM = (0.7, 4.5)       # equivalent diameter of a freckle
MIN_CONTRAST = 0.03        # ln luminance below the baseline (≈ 3 % darker) at least
MIN_CHROMA = 0.015         # ln(B/G) below the baseline at least this …
NOISE_K = 3.0              # … and this many σ of the photo's chroma noise
BASELINE_MM = 6.0          # window of the local skin baseline


@dataclass(frozen=True)
class FreckleSample:
    """One photo: ``coverage`` (share of the zone covered by freckle-sized brown spots),
    ``spots_per_cm2``, the chroma ``threshold`` used (ln B/G) and the scale ``mm_per_px``."""

    coverage: float
    spots_per_cm2: float
    threshold: float
    mm_per_px: float


def freckle_statistic(rgb: torch.Tensor, zone: np.ndarray, ipd_px: float,
                      filled: np.ndarray | None = None) -> FreckleSample | None:
    """Freckle coverage of ``rgb`` (1, 3, H, W linear) inside ``zone`` (H, W bool, skin), for a
    face whose eye distance is ``ipd_px`` pixels. ``filled`` (H, W bool, optional): the zone with
    the face's holes filled; holes of at most a freckle's size (dark freckles the skin-colour
    model left out) join the zone. None when the face is too small or the zone holds under
    1 cm² of skin."""
    if rgb.dim() != 4 or rgb.shape[:2] != (1, 3):
        raise ValueError(f"rgb must be (1, 3, H, W), got {tuple(rgb.shape)}")
    mm = IPD_MM / max(ipd_px, 1e-6)
    area_mm2 = float(zone.sum()) * mm * mm
    if mm > MAX_MM_PER_PX or area_mm2 < 100.0:
        return None
    lo, hi = (np.pi / 4.0) * (np.asarray(SPOT_MM) / mm) ** 2     # spot areas in pixels
    if filled is not None:
        holes, n_holes = label_regions(filled & ~zone)
        small = [r.label for r in regions(holes, n_holes) if r.area <= hi]
        zone = zone | np.isin(holes, small)
    lin = rgb.double().cpu().clamp_min(1e-5)
    ell = torch.log(luminance(lin))
    chroma = torch.log(lin[:, 2:3]) - torch.log(lin[:, 1:2])
    m = torch.from_numpy(zone.astype(np.float64))[None, None]
    r = max(3, int(round(BASELINE_MM / mm)) | 1) // 2

    def below_baseline(x: torch.Tensor) -> np.ndarray:
        return (masked_box_mean(masked_box_mean(x, m, r, edge="zero"), m, r, edge="zero") - x)[0, 0].numpy()

    dark, brown = below_baseline(ell), below_baseline(chroma)
    other = -brown[zone & (brown < 0)]
    sigma = float(np.median(other)) / 0.674 if other.size else 0.0
    thr = max(MIN_CHROMA, NOISE_K * sigma)
    # spots may not touch the zone's edge: erode the zone by one pixel for the test
    inner = zone.copy()
    inner[1:] &= zone[:-1]
    inner[:-1] &= zone[1:]
    inner[:, 1:] &= zone[:, :-1]
    inner[:, :-1] &= zone[:, 1:]
    spots = zone & (brown > thr) & (dark > MIN_CONTRAST)
    labels, count = label_regions(spots)
    edge = np.bincount(labels[spots & ~inner], minlength=count + 1) > 0
    covered, n = 0, 0
    for r in regions(labels, count):
        if lo <= r.area <= hi and not edge[r.label]:
            covered += r.area
            n += 1
    return FreckleSample(coverage=covered / float(zone.sum()),
                         spots_per_cm2=n / (area_mm2 / 100.0), threshold=thr, mm_per_px=mm)


def freckles_from_statistic(coverage: float, table) -> float:
    """``freckles`` (0–1) of a coverage through the calibration table ((coverage, value), …)."""
    xs, ys = zip(*table)
    return float(np.clip(np.interp(coverage, xs, ys), 0.0, 1.0))
