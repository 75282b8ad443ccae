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

    @property
    def nose_tip(self) -> tuple[float, float, float]:
        nl = self.p("nose_length")
        return (0.0, -0.045 - 0.005 * nl, 0.046 + 0.0025 * nl + 0.001 * self.p("nose_bridge"))

    @property
    def lips_center(self) -> tuple[float, float, float]:
        return (0.0, -0.0745 - 0.002 * self.p("chin_length"), 0.0315)

    @property
    def ear_center(self) -> tuple[float, float, float]:
        return (0.077 * (1 + 0.05 * self.p("head_width")), -0.012, -0.080)

    @property
    def bounds(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """Axis-aligned box (lo, hi) enclosing head, hair and neck down to the collar."""
        return (-0.112, -0.215, -0.195), (0.112, 0.145, 0.085)

    # ------------------------------------------------------------------ the field
    def parts(self, pts: torch.Tensor, cloth: bool = True) -> dict[str, torch.Tensor]:
        """Per-material signed distances at ``pts`` (N, 3): skin, eye, hair (and cloth)."""
        P = self.p
        x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
        ax = x.abs()
        hw, hh = 1 + 0.055 * P("head_width"), 1 + 0.045 * P("head_height")
        jaw = 1 + 0.12 * P("jaw_width")
        chin = 0.007 * P("chin_length")
        cb = P("cheekbones")
        ex = self.eye_x

        # cranium and forehead
        d = _ell(x, y, z, (0, 0.024 * hh, -0.070), (0.074 * hw, 0.100 * hh, 0.098))
        brow = _ell(ax, y, z, (0.027, 0.019, 0.003 + 0.002 * P("brow_ridge")), (0.027, 0.0105, 0.019))
        d = smin(d, brow, 0.010)
        # lower face mass, maxilla, cheeks, cheekbones, chin, jaw
        d = smin(d, _ell(x, y, z, (0, -0.055, -0.045), (0.060 * jaw, 0.062, 0.068)), 0.02)
        d = smin(d, _ell(x, y, z, (0, -0.060, -0.010), (0.036, 0.036, 0.039)), 0.012)
        d = smin(d, _ell(ax, y, z, (0.040, -0.032, 0.003), (0.029, 0.031, 0.026)), 0.016)
        d = smin(d, _ell(ax, y, z, (0.050 + 0.002 * cb, -0.014, -0.010),
                         (0.020, 0.012 + 0.001 * cb, 0.024 + 0.002 * cb)), 0.010)
        d = smin(d, _ell(x, y, z, (0, -0.103 - chin, 0.002), (0.023, 0.016, 0.021)), 0.012)
        d = smin(d, _cap(ax, y, z, (0.016 * jaw, -0.099 - chin, -0.006), (0.052 * jaw, -0.068, -0.064),
                         0.013, 0.015), 0.024)
        # eye sockets, then the lids: a ball around each eye with an almond opening
        d = smax(d, -_ell(ax, y, z, (ex, 0.001, 0.013), (0.019, 0.014, 0.015)), 0.004)
        d = smin(d, self._lids(ax, y, z), 0.0035)
        # nose
        tx, ty, tz = self.nose_tip
        nb = 0.0018 * P("nose_bridge")
        nw = 1 + 0.16 * P("nose_width")
        nose = _cap(x, y, z, (0, 0.004, 0.017 + nb), (0, ty + 0.009, tz - 0.005), 0.0062, 0.0085)
        nose = smin(nose, _sph(x, y, z, (0, ty, tz - 0.002), 0.0092), 0.006)
        alae = _ell(ax, y, z, (0.0140 * nw, ty - 0.0045, tz - 0.017), (0.0078, 0.0068, 0.0088))
        nose = smin(nose, alae, 0.004)
        d = smin(d, nose, 0.006)
        nostril = _ell(ax, y, z, (0.0072 * nw, ty - 0.0098, tz - 0.010), (0.0040, 0.0024, 0.0058))
        d = smax(d, -nostril, 0.0015)
        # lips and the mouth slit
        d = smin(d, self._lips(x, y, z), 0.004)
        lx, ly, lz = self.lips_center
        mw = 1 + 0.10 * P("mouth_width")
        slit = _ell(x, y, z, (0, ly, lz - 0.004), (0.025 * mw, 0.0011, 0.012))
        d = smax(d, -slit, 0.0012)
        # ears
        d = smin(d, self._ears(ax, y, z), 0.004)
        # neck
        nk = 1 + 0.10 * P("neck_width")
        neck = _cap(x, y, z * 1.12, (0, -0.050, -0.066), (0, -0.30, -0.060), 0.050 * nk, 0.052 * nk)
        d = smin(d, neck, 0.020)

        eye = smin(_sph(ax, y, z, (ex, 0, 0), self.eye_radius),
                   _sph(ax, y, z, (ex, 0, 0.0056), 0.0080), 0.0010)
        hair = self._hair(x, y, z, hw, hh)
        out = {"skin": d, "eye": eye, "hair": hair}
        if cloth:
            out["cloth"] = self.torso(pts)
        return out

    def _lids(self, ax, y, z):
        ex = self.eye_x
        es = self.p("eye_size")
        ball = _sph(ax, y, z, (ex, 0.0, 0.0), 0.0136)
        w = 0.0148 * (1 + 0.06 * es)
        u = ax - ex
        s = (1.0 - (u / w) ** 2).clamp_min(0.0)
        tilt = 0.07 * u
        top = 0.0047 * (1 + 0.16 * es) * s.sqrt() + tilt + 0.0004
        bottom = -0.0040 * (1 + 0.10 * es) * s + tilt - 0.0004
        opening = torch.maximum(y - top, bottom - y) * 0.7
        opening = torch.maximum(opening, -0.002 - z)
        return smax(ball, -opening, 0.0008)

    def _lips(self, x, y, z):
        lf = 1 + 0.22 * self.p("lip_fullness")
        mw = 1 + 0.10 * self.p("mouth_width")
        _, ly, lz = self.lips_center
        upper = _ell(x, y, z, (0, ly + 0.0050, lz - 0.0085), (0.0235 * mw, 0.0055 * lf, 0.0100 * lf))
        cupid = _ell(x, y, z, (0, ly + 0.0085, lz - 0.0065), (0.006, 0.004, 0.006))
        lower = _ell(x, y, z, (0, ly - 0.0060, lz - 0.0105), (0.0205 * mw, 0.0072 * lf, 0.0110 * lf))
        return smin(smin(upper, cupid, 0.003), lower, 0.003)

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
        shell = _ell(ux, vy, vz, (0.004, 0.0, 0.0), (0.0085, 0.031 * es, 0.0175 * es))
        concha = _ell(ux, vy, vz, (0.011, -0.006 * es, 0.002), (0.007, 0.012 * es, 0.0085 * es))
        scapha = _ell(ux, vy, vz, (0.011, 0.010 * es, -0.002), (0.0045, 0.017 * es, 0.011 * es))
        ear = smax(shell, -concha, 0.002)
        ear = smax(ear, -scapha, 0.0015)
        root = _ell(ux, vy, vz, (-0.004, -0.004, 0.002), (0.006, 0.018, 0.010))
        return smin(ear, root, 0.004)

    def _hair(self, x, y, z, hw, hh):
        line = (0.060 - (y - 0.55 * z) - 0.045 * (x / 0.07) ** 2) / 1.15
        # the hair thins to ~1 mm at the hairline instead of ending in a step
        thick = 0.0012 + 0.0068 * (-line / 0.025).clamp(0.0, 1.0)
        cap = _ell(x, y, z, (0, 0.024 * hh, -0.070), (0.074 * hw, 0.100 * hh, 0.098)) - thick
        return smax(cap, line, 0.003)

    def torso(self, pts: torch.Tensor) -> torch.Tensor:
        """Clothed shoulders and chest (analytic, outside the baked head grid)."""
        x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
        ax = x.abs()
        chest = _ell(x, y, z, (0, -0.37, -0.055), (0.165, 0.16, 0.115))
        sh = _cap(ax, y, z, (0.05, -0.255, -0.065), (0.185, -0.285, -0.070), 0.055, 0.060)
        collar = _cap(x, y, z * 1.1, (0, -0.20, -0.066), (0, -0.30, -0.060), 0.060, 0.062)
        return smin(smin(chest, sh, 0.05), collar, 0.02)

    def head_distance(self, pts: torch.Tensor) -> torch.Tensor:
        parts = self.parts(pts, cloth=False)
        d = torch.minimum(parts["skin"], parts["eye"])
        return torch.minimum(d, parts["hair"])

    def distance(self, pts: torch.Tensor) -> torch.Tensor:
        parts = self.parts(pts)
        d = torch.minimum(parts["skin"], parts["eye"])
        d = torch.minimum(d, parts["hair"])
        return smin(d, parts["cloth"], 0.006)
