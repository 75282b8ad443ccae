"""The procedural head as a signed distance field (object space, metres).

Object space: origin midway between the eyeball centres, x towards the subject's left
(camera-right when the camera faces the subject), y up, z forward out of the face.
The head is a smooth union (polynomial smin) of ellipsoids and capsules — cranium, brow ridge,
cheeks, cheekbones, maxilla, chin, jaw, nose (bridge, tip, alae, carved nostrils), lips with a
mouth slit, ears with a carved concha, eyelids (a ball with an almond opening) around eyeballs
(sclera sphere plus a corneal bulge), neck — plus a cropped-hair cap and a clothed torso.
Paired parts are mirrored with ``|x|``.  Every dimension is nudged by the identity parameters
(``face_params``), so seeds give different people.

``HeadModel.distance`` is the exact field used for the final refinement, normals and shadows;
``HeadModel.parts`` gives per-material distances for region ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from shotspec.runtime.character.noise import value_noise

__all__ = ["HeadModel", "REGION", "smin", "smax"]

# Region ids stored in the ``_region`` AOV.
REGION = {"background": 0, "skin": 1, "eye": 2, "hair": 3, "cloth": 4, "practical": 5}


def smin(a: torch.Tensor, b: torch.Tensor, k: float) -> torch.Tensor:
    """Polynomial smooth minimum (blend radius ``k`` metres)."""
    h = (0.5 + 0.5 * (b - a) / k).clamp(0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def smax(a: torch.Tensor, b: torch.Tensor, k: float) -> torch.Tensor:
    return -smin(-a, -b, k)


def _ell(x, y, z, c, r):
    """Approximate (bound-like) ellipsoid distance, Quilez's k0·(k0−1)/k1 form."""
    qx, qy, qz = (x - c[0]) / r[0], (y - c[1]) / r[1], (z - c[2]) / r[2]
    k0 = torch.sqrt(qx * qx + qy * qy + qz * qz)
    k1 = torch.sqrt((qx / r[0]) ** 2 + (qy / r[1]) ** 2 + (qz / r[2]) ** 2)
    return k0 * (k0 - 1.0) / k1.clamp_min(1e-9)


def _cap(x, y, z, a, b, ra, rb):
    """Capsule / round cone from ``a`` (radius ``ra``) to ``b`` (radius ``rb``)."""
    bax, bay, baz = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    pax, pay, paz = x - a[0], y - a[1], z - a[2]
    l2 = bax * bax + bay * bay + baz * baz
    h = ((pax * bax + pay * bay + paz * baz) / l2).clamp(0.0, 1.0)
    dx, dy, dz = pax - bax * h, pay - bay * h, paz - baz * h
    return torch.sqrt(dx * dx + dy * dy + dz * dz) - (ra + (rb - ra) * h)


_MARGIN = 0.008
# the nose's wings (alae): centre's distance from the midline at nose_width 0, and radii (m)
_ALA_CENTRE_X = 0.0105
_ALA_RADII = (0.0068, 0.0057, 0.0086)
# The eye opening sits ~1.5 mm nasal of the eyeball's axis: seen from the front the medial
# canthus reaches further in than the eyeball, so the iris is framed by sclera on both sides.
EYE_OPENING_SHIFT_M = 0.0015
# hairline height (m, object space) every 15° of azimuth from the front (0°) to the nape (180°):
# forehead, temples, sideburn in front of the ear, around the ear, behind it, nape
_HAIRLINE = (0.066, 0.070, 0.071, 0.052, 0.022, -0.004, 0.027, 0.029, 0.002, -0.040, -0.060,
             -0.070, -0.072)

# the hairline's noise: full strength within ``_WOBBLE_BAND`` of the noise-free line (it is at most
# 3.3 mm, so the line never leaves the band), fading to nothing over ``_WOBBLE_FADE`` beyond it
_WOBBLE_BAND = 0.0035
_WOBBLE_FADE = 0.005
# how far the ears' box reaches below the ear's centre (m)
_EAR_BOX_BELOW_M = 0.060


def _local(d: torch.Tensor, q, lo, hi, op, union: bool = True) -> torch.Tensor:
    """Apply ``op(d_sub, q_sub)`` only to points inside the box ``lo``–``hi`` of coordinates
    ``q`` (three (N,) tensors). The box must contain the feature grown by its blend radius.
    Outside a union the field becomes ``min(d, box distance + margin)``: still a bound (the
    feature lies ≥ margin inside the box) and never near zero, so it cannot fake a hit. A later
    smooth union wider than the margin must see the unclamped field: use ``union=False`` and
    ``_box_bound`` after that blend."""
    x, y, z = q
    idx = _inside(q, lo, hi).nonzero()[:, 0]
    out = torch.minimum(d, _box_distance(q, lo, hi) + _MARGIN) if union else d.clone()
    if idx.numel():
        out[idx] = op(d[idx], (x[idx], y[idx], z[idx]))
    return out


def _inside(q, lo, hi) -> torch.Tensor:
    x, y, z = q
    return (x > lo[0]) & (x < hi[0]) & (y > lo[1]) & (y < hi[1]) & (z > lo[2]) & (z < hi[2])


def _box_distance(q, lo, hi) -> torch.Tensor:
    """Distance (m) from points ``q`` (three (N,) tensors) to the box ``lo``–``hi`` (0 inside)."""
    x, y, z = q
    bx = (lo[0] - x).clamp_min(0.0) + (x - hi[0]).clamp_min(0.0)
    by = (lo[1] - y).clamp_min(0.0) + (y - hi[1]).clamp_min(0.0)
    bz = (lo[2] - z).clamp_min(0.0) + (z - hi[2]).clamp_min(0.0)
    return torch.sqrt(bx * bx + by * by + bz * bz)


def _box_bound(d: torch.Tensor, q, lo, hi) -> torch.Tensor:
    """``min(d, box distance + margin)`` outside the box ``lo``–``hi``, ``d`` inside: the bound
    ``_local`` keeps for a feature it evaluated only inside the box, applied after later blends.

    The bound must come after every smooth union whose blend radius exceeds the margin: such a
    blend reads the clamped value (``margin`` at the box face) as material 8 mm away and bulges
    towards it outside the box but not inside, so the surface steps at the box face."""
    return torch.where(_inside(q, lo, hi), d, torch.minimum(d, _box_distance(q, lo, hi) + _MARGIN))


def _sph(x, y, z, c, r):
    dx, dy, dz = x - c[0], y - c[1], z - c[2]
    return torch.sqrt(dx * dx + dy * dy + dz * dz) - r


@dataclass(frozen=True)
class HeadModel:
    """Dimensions of one person's head, derived from the identity parameters."""

    params: tuple[tuple[str, float], ...]

    @classmethod
    def from_params(cls, params: dict[str, float]) -> "HeadModel":
        return cls(tuple(sorted((k, float(v)) for k, v in params.items())))

    def p(self, name: str) -> float:
        return dict(self.params).get(name, 0.0)

    # ------------------------------------------------------------------ derived dimensions
    @property
    def eye_x(self) -> float:
        return 0.0315 + 0.0022 * self.p("eye_spacing")

    eye_radius = 0.0120
    # The eyes converge on a point 0.8 m in front (about where a close-up's lens is): each
    # optical axis turns ~2.3° towards the nose. Parallel eyes read as slightly wall-eyed.
    CONVERGENCE_M = 0.8

    @property
    def gaze(self) -> tuple[float, float]:
        """(sin, cos) of the angle each eye's optical axis turns towards the midline."""
        a = math.atan2(self.eye_x, self.CONVERGENCE_M)
        return math.sin(a), math.cos(a)

    @property
    def nose_tip(self) -> tuple[float, float, float]:
        nl = self.p("nose_length")
        return (0.0, -0.041 - 0.004 * nl, 0.038 + 0.002 * nl + 0.001 * self.p("nose_bridge"))

    @property
    def nose_width_scale(self) -> float:
        """Nose width relative to the average (1 ± 0.14 per unit of ``nose_width``)."""
        return 1 + 0.14 * self.p("nose_width")

    @property
    def alar_half_width(self) -> float:
        """Half the nose's width across the wings (m): where the ala meets the cheek."""
        return _ALA_CENTRE_X * self.nose_width_scale + _ALA_RADII[0]

    @property
    def lips_center(self) -> tuple[float, float, float]:
        return (0.0, -0.0715 - 0.002 * self.p("chin_length"), 0.027)

    @property
    def mouth_scale(self) -> float:
        """Mouth width relative to the average (1 ± 0.1 per unit of ``mouth_width``)."""
        return 1 + 0.10 * self.p("mouth_width")

    @property
    def upper_lip_half_width(self) -> float:
        """Half the upper lip's width (m): where the lips' colour and shape end at the corners."""
        return 0.0244 * self.mouth_scale

    @property
    def ear_center(self) -> tuple[float, float, float]:
        return (0.074 * (1 + 0.05 * self.p("face_width")), -0.016, -0.078)

    @property
    def ear_box(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Box (lo, hi) in (|x|, y, z) round an ear and its blend into the head, where the ear's
        field is evaluated. It reaches 60 mm below the ear's centre: the thin cartilage plate's
        approximate ellipsoid distance reads ~3× short far below the ear, so the ear's 7 mm
        blend only dies out that low (a box face inside the blend steps the field)."""
        cx, cy, cz = self.ear_center
        return (cx - 0.040, cy - _EAR_BOX_BELOW_M, cz - 0.045), (cx + 0.040, cy + 0.052, cz + 0.045)

    @property
    def bounds(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Axis-aligned box (lo, hi) enclosing head, hair and neck down to the collar."""
        return (-0.112, -0.215, -0.195), (0.112, 0.145, 0.085)

    # ------------------------------------------------------------------ the field
    def parts(self, pts: torch.Tensor, cloth: bool = True) -> dict[str, torch.Tensor]:
        """Per-material signed distances at ``pts`` (N, 3): skin, eye, hair (and cloth).

        Small features (nose, lips, eyes, ears) are evaluated only inside their bounding boxes;
        outside, the box distance plus a margin keeps the field a bound (see ``_local``).
        """
        P = self.p
        x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
        ax = x.abs()
        hw, hh = 1 + 0.055 * P("face_width"), 1 + 0.045 * P("face_length")
        jaw = 1 + 0.10 * P("jaw_width")
        chin = 0.006 * P("chin_length")
        cb = P("cheekbones")
        ex = self.eye_x

        # cranium and the face: the face is one ellipsoid whose front outline (half-width
        # 67 mm at the cheekbones, 113 mm down to the chin) tapers like a real jaw line
        cran = _ell(x, y, z, (0, 0.026 * hh, -0.075), (0.074 * hw, 0.091 * hh, 0.097))
        d = smin(cran, _ell(x, y, z, (0, -0.008, -0.046), (0.070 * jaw, 0.105 + chin, 0.069)), 0.02)
        d = smin(d, _ell(ax, y, z, (0.024, 0.021, 0.009 + 0.002 * P("brow_ridge")),
                         (0.025, 0.0095, 0.0135)), 0.012)
        d = smin(d, _ell(ax, y, z, (0.044 + 0.002 * cb, -0.013, -0.004),
                         (0.020, 0.013 + 0.001 * cb, 0.020 + 0.002 * cb)), 0.020)
        # temporal / preauricular fill: the side of the head between cheekbone and ear is as
        # wide as the cheekbones (bitragion ≈ bizygomatic), so no gap opens in front of the ear
        d = smin(d, _ell(ax, y, z, (0.056 * hw, -0.014, -0.056), (0.0145, 0.030, 0.030)), 0.016)
        # mastoid / parietal side behind the ear: the head stays broad there, so from the
        # front the ear is seen against the head, not against the wall
        d = smin(d, _ell(ax, y, z, (0.057 * hw, -0.012, -0.092), (0.0150, 0.036, 0.032)), 0.018)
        # the cheek's mass: rounds the turn from the front of the face to its side, which
        # otherwise runs from temple to jaw as one edge between two flat planes
        d = smin(d, _ell(ax, y, z, (0.036 * jaw, -0.026, -0.030), (0.026, 0.036, 0.034)), 0.024)
        # malar fat pads: full cheeks under the eyes
        d = smin(d, _ell(ax, y, z, (0.031, -0.031, -0.001), (0.021, 0.018, 0.014)), 0.015)
        # gonial angles: a soft corner at the back of the jaw
        d = smin(d, _ell(ax, y, z, (0.041 * jaw, -0.076, -0.058), (0.012, 0.018, 0.020)), 0.018)
        # buccal / masseter volume: fills the lower cheeks between cheekbone and jaw
        d = smin(d, _ell(ax, y, z, (0.039 * jaw, -0.048, -0.026), (0.020, 0.032, 0.033)), 0.018)
        # the mandible's lower border: a broad band from the gonial angle to the chin, so the
        # jaw line runs straight and wide instead of tapering into a point. Mirrored with a
        # smooth |x|: the two halves meet at the chin without a crease down the midline
        sax = torch.sqrt(x * x + 0.005 ** 2)
        d = smin(d, _cap(sax, y, z, (0.043 * jaw, -0.074, -0.058), (0.014, -0.100 - chin, -0.008),
                         0.010, 0.011), 0.020)
        # maxilla / mouth mound and a broad, flat chin blended into the jaw
        d = smin(d, _ell(x, y, z, (0, -0.061, -0.006), (0.029, 0.036, 0.031)), 0.016)
        d = smin(d, _ell(x, y, z, (0, -0.096 - chin, -0.001), (0.021, 0.0140, 0.0135)), 0.018)
        # eye sockets, then the lids: a ball around each eye with an almond opening
        d = _local(d, (ax, y, z), (ex - 0.03, -0.025, -0.01), (ex + 0.03, 0.025, 0.04),
                   lambda dd, q: smax(dd, -_ell(*q, (ex - 0.003, 0.002, 0.011), (0.020, 0.0115, 0.011)), 0.005),
                   union=False)
        d = _local(d, (ax, y, z), (ex - 0.028, -0.027, -0.027), (ex + 0.028, 0.027, 0.027),
                   lambda dd, q: smin(dd, self._lids(*q), 0.008))
        # nose, lips, ears
        tx, ty, tz = self.nose_tip
        d = _local(d, (x, y, z), (-0.034, ty - 0.030, 0.0), (0.034, 0.024, tz + 0.012),
                   lambda dd, q: self._nose(dd, *q))
        lx, ly, lz = self.lips_center
        d = _local(d, (x, y, z), (-0.042, ly - 0.030, lz - 0.036), (0.042, ty + 0.004, lz + 0.016),
                   lambda dd, q: self._mouth(dd, *q))
        # the hair grows on this scalp (the ears stay bare)
        scalp = d
        # (their box's bound outside it waits until after the neck's 16 mm blend; see _box_bound)
        ear_box = self.ear_box
        d = _local(d, (ax, y, z), *ear_box, lambda dd, q: smin(dd, self._ears(*q), 0.007), union=False)
        # neck: slightly oval, leaning forward, meeting the jaw under a crisp jaw line
        nk = 1 + 0.10 * P("neck_width")
        neck = _cap(x, y, z * 1.1, (0, -0.070, -0.088), (0, -0.27, -0.062), 0.050 * nk, 0.053 * nk) / 1.1
        # sternocleidomastoids: from behind the ear down to the top of the sternum, the V that
        # keeps a neck from reading as a cylinder
        scm = _cap(ax, y, z, (0.046 * nk, -0.050, -0.078), (0.013, -0.215, -0.034), 0.0085, 0.0105)
        neck = smin(neck, scm, 0.014)
        d = _box_bound(smin(d, neck, 0.016), (ax, y, z), *ear_box)

        eye = torch.full_like(d, 1.0)
        eye = _local(eye, (ax, y, z), (ex - 0.025, -0.025, -0.025), (ex + 0.025, 0.025, 0.025),
                     lambda dd, q: smin(_sph(*q, (ex, 0, 0), self.eye_radius),
                                        _sph(*q, (ex - 0.0056 * self.gaze[0], 0, 0.0056 * self.gaze[1]),
                                             0.0080), 0.0010))
        hair = self._hair(x, y, z, scalp)
        out = {"skin": d, "eye": eye, "hair": hair}
        if cloth:
            out["cloth"] = _local(torch.full_like(d, 1.0), (x, y, z), (-0.40, -0.80, -0.30),
                                  (0.40, -0.085, 0.15), lambda dd, q: self.torso(torch.stack(q, 1)))
        return out

    def _nose(self, d, x, y, z):
        """Bridge, tip, alae blended into the tip (not separate balls), columella, nostrils."""
        P = self.p
        tx, ty, tz = self.nose_tip
        nb = 0.0015 * P("nose_bridge")
        nw = self.nose_width_scale
        ax = x.abs()
        # the bridge is a wedge, not a tube: a narrow dorsal ridge in front of broad, set-back
        # side walls, narrowest at mid-bridge and widening into the tip; the radix blends it
        # into the brow between the eyes
        dorsum = _cap(x, y, z, (0, 0.004, 0.0165 + nb), (0, ty + 0.010, tz - 0.0045), 0.0030, 0.0045)
        walls = _cap(x * 1.15, y, z, (0, 0.001, 0.0085 + nb), (0, ty + 0.004, tz - 0.0135),
                     0.0080, 0.0105) / 1.15
        bridge = smin(dorsum, walls, 0.004)
        radix = _ell(x, y, z, (0, 0.008, 0.0095 + nb), (0.011, 0.010, 0.008))
        bridge = smin(bridge, radix, 0.006)
        tip = _ell(x, y, z, (0, ty, tz - 0.0078), (0.0094 * nw, 0.0078, 0.0080))
        nose = smin(bridge, tip, 0.006)
        alae = _ell(ax, y, z, (_ALA_CENTRE_X * nw, ty - 0.0042, tz - 0.0150), _ALA_RADII)
        nose = smin(nose, alae, 0.0045)
        col = _cap(x, y, z, (0, ty - 0.0045, tz - 0.006), (0, ty - 0.0095, tz - 0.0175), 0.0030, 0.0034)
        nose = smin(nose, col, 0.003)
        d = smin(d, nose, 0.0035)
        nostril = _ell(ax, y - 0.45 * (z - tz + 0.013), z, (0.0063 * nw, ty - 0.0090, tz - 0.0125),
                       (0.0034, 0.0020, 0.0056))
        return smax(d, -nostril, 0.0012)

    def _mouth(self, d, x, y, z):
        """Lips as one mouth shape with a parting line; philtral columns above."""
        lx, ly, lz = self.lips_center
        tx, ty, tz = self.nose_tip
        mw = self.mouth_scale
        ax = x.abs()
        # philtral columns: two faint ridges from the columella base to the cupid's-bow peaks
        top, bot = (0.0035, ty - 0.0105, tz - 0.0200), (0.0052, ly + 0.0098, lz - 0.0042)
        col = _cap(ax, y, z, top, bot, 0.0016, 0.0017)
        d = smin(d, col, 0.003)
        d = smin(d, self._lips(x, y, z), 0.005)
        slit_w = 0.0232 * mw
        slit = _ell(x, y + 0.0009 * (1.0 - (ax / slit_w).clamp(0, 1) ** 2), z,
                    (0, ly, lz - 0.003), (slit_w, 0.00065, 0.011))
        # a needle-thin ellipsoid's approximate distance collapses near its tips, which would
        # cut a crease out past the mouth corners: bound it by the slab it lies in
        slit = torch.maximum(slit, ax - slit_w)
        return smax(d, -slit, 0.0008)

    @property
    def eye_half_width(self) -> float:
        """Half the width of the palpebral fissure (m)."""
        return 0.0148 * (1 + 0.06 * self.p("eye_size"))

    def lid_margins(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Heights (m, object space) of the upper and lower lid margins at ``u`` = |x| − eye_x
        (the eye opening's outline seen from the front; the outer corner sits higher)."""
        es = self.p("eye_size")
        u = u + EYE_OPENING_SHIFT_M                       # centre of the opening, not of the eye
        w = self.eye_half_width
        t = (u / w).clamp(-1.0, 1.0)
        # almond: the upper lid peaks a little nasal of the pupil and falls in a long slope to
        # the outer corner; the lower lid is flatter, lowest a little temporal of the pupil
        su = (1.0 - ((t + 0.12) / (1.0 + 0.12 * t.sign())) ** 2).clamp_min(0.0)
        sl = (1.0 - ((t - 0.10) / (1.0 - 0.10 * t.sign())) ** 2).clamp_min(0.0)
        tilt = 0.07 * u
        top = 0.0046 * (1 + 0.06 * es) * su ** 0.75 + tilt
        bottom = -0.0064 * (1 + 0.05 * es) * sl ** 0.9 + tilt
        return top, bottom

    def _lids(self, ax, y, z):
        ex = self.eye_x
        ball = _sph(ax, y, z, (ex, 0.0, 0.0), 0.0134)
        u = ax - ex
        top, bottom = self.lid_margins(u)
        opening = torch.maximum(y - top, bottom - y) * 0.7
        opening = torch.maximum(opening, -0.002 - z)
        lid = smax(ball, -opening, 0.0008)
        # the upper-lid crease: a shallow groove where the lid folds under the brow
        crease = _sph(ax, y, z, (ex, -0.0012, -0.0005), 0.0150)
        fold = (crease.abs() - 0.0007)
        band = torch.maximum(torch.maximum(0.0070 - y + 0.06 * u, u.abs() - 0.0150), -z)
        return smax(lid, -torch.maximum(fold, band), 0.0006)

    def _lips(self, x, y, z):
        lf = 1 + 0.20 * self.p("lip_fullness")
        mw = self.mouth_scale
        _, ly, lz = self.lips_center
        ax = x.abs()
        # cupid's bow: the upper lip's top edge dips at the centre and peaks either side
        bow = 0.0010 * torch.exp(-(ax / 0.0035) ** 2) - 0.0008 * torch.exp(-((ax - 0.0058) / 0.0030) ** 2)
        # both lips taper to the corners, where they tuck back into the cheek; the upper lip is
        # thinner and juts a little further than the lower, whose fullness sits at the centre
        wu, wl = self.upper_lip_half_width, 0.0226 * mw
        tu = (1.0 - (ax / wu) ** 2).clamp_min(0.0)
        tl = (1.0 - (ax / wl) ** 2).clamp_min(0.0)
        tu_h, tl_h = tu ** 0.6, tl ** 0.5
        back_u, back_l = 0.0012 * (1.0 - tu), 0.0012 * (1.0 - tl)
        upper = _ell(x, y + bow, z + back_u, (0, ly + 0.0032, lz - 0.0088),
                     (wu, 0.0040 * lf * (0.08 + 0.92 * tu_h), 0.0092 * lf * (0.12 + 0.88 * tu_h)))
        lower = _ell(x, y, z + back_l, (0, ly - 0.0050, lz - 0.0100),
                     (wl, 0.0060 * lf * (0.08 + 0.92 * tl_h), 0.0098 * lf * (0.12 + 0.88 * tl_h)))
        # (thin tapered tips: bounded by their slabs, as the mouth slit, so no crease runs on)
        upper = smax(upper, ax - wu + 0.0015, 0.003)
        lower = smax(lower, ax - wl + 0.0015, 0.003)
        return smin(upper, lower, 0.003)

    def lip_distance(self, pts: torch.Tensor) -> torch.Tensor:
        return self._lips(pts[:, 0], pts[:, 1], pts[:, 2])

    def _ears(self, ax, y, z):
        es = 1 + 0.12 * self.p("ear_size")
        cx, cy, cz = self.ear_center
        # rotate into the ear's frame: leaning back ~15°, facing forward-outward ~25°
        qx, qy, qz = ax - cx, y - cy, z - cz
        ca, sa = math.cos(0.44), math.sin(0.44)
        ux, uz = ca * qx + sa * qz, -sa * qx + ca * qz
        cl, sl = math.cos(0.26), math.sin(0.26)
        vy, vz = cl * qy - sl * uz, sl * qy + cl * uz
        # a thin cartilage plate, its outline rolled into the helix rim (a tube along the
        # plate's edge over the top and down the back to the lobe), a lobe, a tragus, and the
        # concha carved as a bowl in front of the root
        ry, rz = 0.028 * es, 0.0150 * es
        plate = _ell(ux, vy, vz, (0.004, 0.0, 0.0), (0.0036, ry + 0.002, rz + 0.002))
        e = torch.sqrt((vy / ry) ** 2 + (vz / rz) ** 2)
        rim = torch.sqrt(((e - 1.0) * rz) ** 2 + (ux - 0.0055) ** 2) - 0.0030
        rim = smax(rim, torch.minimum(vz - 0.003, 0.002 - vy), 0.003)
        ear = smin(plate, rim, 0.0025)
        lobe = _ell(ux, vy, vz, (0.004, -0.023 * es, -0.001), (0.0042, 0.0075 * es, 0.0070 * es))
        ear = smin(ear, lobe, 0.004)
        root = _ell(ux, vy, vz, (-0.004, -0.005, 0.003), (0.0095, 0.019, 0.012))
        ear = smin(ear, root, 0.005)
        # the front edge (helix crus) grows into the scalp along its length, so no gap opens
        # between ear and head where the background could show through
        crus = _cap(ux, vy, vz, (-0.004, 0.016 * es, 0.008 * es), (-0.004, -0.012 * es, 0.009 * es),
                    0.0060, 0.0070)
        ear = smin(ear, crus, 0.005)
        tragus = _ell(ux, vy, vz, (0.005, -0.008 * es, 0.0115 * es), (0.0032, 0.0042, 0.0030))
        ear = smin(ear, tragus, 0.002)
        concha = _ell(ux, vy, vz, (0.0105, -0.005 * es, 0.002), (0.0062, 0.0105 * es, 0.0080 * es))
        return smax(ear, -concha, 0.002)

    def hairline(self, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Signed height (m) of a point above the hairline: > 0 where hair grows.

        The hairline is a height per azimuth around the head (front, temples, sideburns, around
        the ears, nape), broken up by ~2 mm of noise so it never reads as a drawn line.
        """
        above = self._hairline_table(x, y, z)
        # the noise (≤ 3.3 mm) only moves the line within 3.5 mm of the noise-free one: evaluate
        # it there only, fading it out over the next 5 mm (a hard cut-off would make a step in
        # the hair's field, drawn as a line beside the hairline; the line itself is unchanged)
        band = above.abs()
        near = (band < _WOBBLE_BAND + _WOBBLE_FADE).nonzero()[:, 0]
        if near.numel():
            q = torch.stack((x[near], y[near], z[near]), dim=1) * 150.0
            wobble = (value_noise(q, 907) - 0.5) * 0.005 + (value_noise(q * 3.1, 908) - 0.5) * 0.0016
            f = ((_WOBBLE_BAND + _WOBBLE_FADE - band[near]) / _WOBBLE_FADE).clamp(0.0, 1.0)
            above[near] = above[near] - wobble * (f * f * (3.0 - 2.0 * f))
        return above

    def _hairline_table(self, x, y, z):
        """Height above the noise-free hairline (m)."""
        az = torch.atan2(x.abs(), z + 0.075) * (len(_HAIRLINE) - 1) / math.pi
        i = az.floor().clamp(0, len(_HAIRLINE) - 2)
        f = az - i
        table = torch.tensor(_HAIRLINE, device=x.device, dtype=x.dtype)
        ii = i.long()
        # Catmull-Rom through the table (ends mirrored): no kinks for the hair shell to crease at
        p0 = table[(ii - 1).abs()]
        p1, p2 = table[ii], table[ii + 1]
        p3 = table[torch.where(ii + 2 < len(_HAIRLINE), ii + 2, 2 * len(_HAIRLINE) - 4 - ii)]
        h = p1 + 0.5 * f * (p2 - p0 + f * (2 * p0 - 5 * p1 + 4 * p2 - p3 + f * (3 * (p1 - p2) + p3 - p0)))
        return y - h * self.p_hh

    @property
    def p_hh(self) -> float:
        return 1 + 0.045 * self.p("face_length")

    def _hair(self, x, y, z, scalp):
        """A short cut on the ``scalp`` (the skin field without the ears): ~16 mm on top, ~6 mm
        at the sides, thinning to ~1 mm at the hairline over 24 mm instead of ending in a step;
        soft clumps (14 mm, and 5 mm on top) break up the silhouette so it never reads as a cap.
        Following the skin field (not a cranium ellipsoid) keeps the hair lying on the forehead
        and temples right down to the hairline, with no ledge where the brow bulges."""
        out = scalp - 0.026
        # well below the hairline the cut-off plane bounds the hair: skip the noisy part there
        below = -self._hairline_table(x, y, z) - 0.0036
        out = torch.maximum(out, below * 0.45 * 0.8 - 0.0005)
        idx = ((scalp < 0.03) & (below < 0.012)).nonzero()[:, 0]
        if idx.numel():
            xs, ys, zs, cs = x[idx], y[idx], z[idx], scalp[idx]
            above = self.hairline(xs, ys, zs)
            grow = (above / 0.045).clamp(0.0, 1.0)
            grow = grow * grow * (3.0 - 2.0 * grow)
            top = (ys / 0.09).clamp(0.0, 1.0)
            thick = 0.0008 + (0.0045 + 0.0105 * top) * grow
            cl = ((grow > 0) & (cs > -0.012)).nonzero()[:, 0]
            if cl.numel():
                q = torch.stack((xs[cl], ys[cl], zs[cl]), dim=1) * (1000.0 / 14.0)
                clumps = (value_noise(q, 911) - 0.5) * 0.0026 + (value_noise(q * 2.8, 912) - 0.5) * 0.0008 * top[cl]
                thick[cl] += clumps * grow[cl]
            out[idx] = smax(cs - thick, -above * 0.45, 0.002) * 0.8
        return out

    def torso(self, pts: torch.Tensor) -> torch.Tensor:
        """Clothed shoulders and chest (analytic, outside the baked head grid)."""
        x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
        # the shoulders and trapezius reach the midline: mirrored with |x| they would meet there
        # in a crease, drawn as a seam down the chest and the back; a smooth |x| rounds it off
        ax = torch.sqrt(x * x + 0.012 ** 2)
        chest = _ell(x, y, z, (0, -0.34, -0.050), (0.160, 0.150, 0.110))
        sh = _cap(ax, y, z, (0.05, -0.222, -0.062), (0.180, -0.255, -0.068), 0.050, 0.056)
        collar = _cap(x, y, z * 1.1, (0, -0.192, -0.066), (0, -0.29, -0.058), 0.058, 0.061) / 1.1
        # trapezius: the slope from the side of the neck out to the shoulder, so the shoulders
        # rise into the neck instead of meeting it at a flat ledge
        trap = _cap(ax, y, z, (0.040, -0.172, -0.080), (0.150, -0.222, -0.070), 0.022, 0.034)
        return smin(smin(smin(chest, sh, 0.05), collar, 0.02), trap, 0.03)

    def head_distance(self, pts: torch.Tensor) -> torch.Tensor:
        parts = self.parts(pts, cloth=False)
        d = torch.minimum(parts["skin"], parts["eye"])
        return torch.minimum(d, parts["hair"])

    def distance(self, pts: torch.Tensor) -> torch.Tensor:
        parts = self.parts(pts)
        d = torch.minimum(parts["skin"], parts["eye"])
        d = torch.minimum(d, parts["hair"])
        return smin(d, parts["cloth"], 0.006)
