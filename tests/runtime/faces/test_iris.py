"""The iris limbus fit on synthetic eyes: a disc with lids, lashes and a catch-light."""

from __future__ import annotations

import numpy as np
import pytest

from shotspec.runtime.faces.face_scale import scale_from_eyes
from shotspec.runtime.faces.iris import IRIS_DIAMETER_MM, limbus_fit


def _eye(h, w, cx, cy, r, *, pupil=0.45, lid=0.75, blur=0.8, rng=None):
    """Luma (h, w): skin 0.7, sclera 0.85 in an almond opening, iris 0.35 (radius r), pupil 0.05,
    a bright catch-light, lids covering the iris beyond ``lid`` × r above and below."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.full((h, w), 0.7)
    opening = ((xx - cx) / (2.6 * r)) ** 2 + ((yy - cy) / (lid * r)) ** 2 < 1
    img[opening] = 0.85
    d = np.hypot(xx - cx, yy - cy)
    edge = np.clip(r + 0.5 - d, 0, 1)                        # anti-aliased limbus
    img = np.where(opening, img * (1 - edge) + 0.35 * edge, img)
    img = np.where(opening & (d < pupil * r), 0.05, img)
    img = np.where(np.hypot(xx - cx + 0.25 * r, yy - cy + 0.3 * r) < 0.2 * r, 1.0, img)   # catch-light
    if rng is not None:
        img = img + rng.normal(0, 0.01, img.shape)
    k = np.exp(-0.5 * (np.arange(-3, 4) / blur) ** 2)
    k /= k.sum()
    img = np.apply_along_axis(lambda v: np.convolve(v, k, "same"), 1, img)
    return np.apply_along_axis(lambda v: np.convolve(v, k, "same"), 0, img).astype(np.float32)


def _two_eyes(h, w, xa, xb, y, r):
    """Both eyes in one luma image: each half of the frame from its own eye."""
    split = int(round(0.5 * (xa + xb)))
    out = _eye(h, w, xa, y, r)
    out[:, split:] = _eye(h, w, xb, y, r)[:, split:]
    return out


@pytest.mark.parametrize("r", [8.0, 12.3, 20.7, 31.0])
def test_limbus_radius_to_a_fraction_of_a_pixel(r):
    rng = np.random.default_rng(int(r * 10))
    h, w = int(6 * r), int(10 * r)
    cx, cy = w / 2 + 0.37, h / 2 - 0.21
    fit = limbus_fit(_eye(h, w, cx, cy, r, rng=rng), (cx + 0.3 * r, cy - 0.2 * r), 0.6 * r, 1.8 * r,
                     search=0.4 * r)
    assert fit is not None
    assert fit.radius == pytest.approx(r, abs=max(0.4, 0.03 * r))
    assert np.hypot(fit.cx - cx, fit.cy - cy) < 0.15 * r


def test_no_iris_no_fit():
    flat = np.full((60, 80), 0.6, np.float32)
    assert limbus_fit(flat, (40.0, 30.0), 5.0, 12.0) is None
    with pytest.raises(ValueError, match="r_min < r_max"):
        limbus_fit(flat, (40.0, 30.0), 12.0, 5.0)


def test_scale_from_two_irises_and_their_distance():
    r, dist = 10.0, 108.0                               # 11.7 mm / 20 px = 0.585; 63 / 108 = 0.583
    h, w = 80, 200
    luma = _two_eyes(h, w, 46.0, 46.0 + dist, 40.0, r)
    fs = scale_from_eyes(luma, ((46.0, 40.0), (46.0 + dist, 40.0)), np.ones((h, w), bool))
    assert fs.iris_px == pytest.approx(2 * r, abs=0.6)
    assert fs.mm_per_px == pytest.approx(IRIS_DIAMETER_MM / (2 * r), rel=0.03)
    assert "geometric mean" in fs.method
    # a head turned 40°: the eye distance shrinks by cos 40°, the irises do not — the iris wins
    short = dist * np.cos(np.radians(40))
    luma2 = _two_eyes(h, w, 46.0, 46.0 + short, 40.0, r)
    fs2 = scale_from_eyes(luma2, ((46.0, 40.0), (46.0 + short, 40.0)), np.ones((h, w), bool))
    assert fs2.mm_per_px == pytest.approx(IRIS_DIAMETER_MM / (2 * r), rel=0.05)
    assert "disagrees" in fs2.method


@pytest.mark.parametrize("r", [12.0, 20.0])
def test_one_sided_limbus_when_the_eyes_corner_hides_the_other(r):
    """A turned head: the eye's shaded inner corner (lashes, caruncle; luma 0.25) covers the
    iris's nasal side beyond 0.6 r, as on the renders turned 35°; the pupil is whole, so the
    visible side's distance from its centre is the radius."""
    h, w = int(6 * r), int(10 * r)
    cx, cy = w / 2 + 0.3, h / 2 - 0.2
    img = _eye(h, w, cx, cy, r)
    img[:, int(cx - 2.5 * r): int(cx - 0.6 * r)] = 0.25
    fit = limbus_fit(img, (cx + 1.0, cy), 0.6 * r, 1.6 * r, search=0.3 * r)
    assert fit is not None and fit.sides == 1
    assert fit.radius == pytest.approx(r, rel=0.10)         # the catch-light on the pupil costs ½ px


def test_half_hidden_pupil_gives_no_one_sided_fit():
    """Skin over half the pupil too: its centroid is off the iris's centre, so no radius."""
    r = 12.0
    h, w = int(6 * r), int(10 * r)
    cx, cy = w / 2, h / 2
    img = _eye(h, w, cx, cy, r)
    img[:, : int(cx)] = 0.7
    assert limbus_fit(img, (cx + 1.0, cy), 0.6 * r, 1.6 * r, search=0.3 * r) is None
