"""Optics of the eye's front: the camera ray through the corneal sphere onto the iris plane.

The cornea is the sphere fitted to the kit's corneal cap (``eye_parts.eye_geometry``). A pixel
that sees the cornea does not see the iris where its straight ray would land: the ray bends at
the tear film/cornea (Snell, n ≈ 1.376, the Gullstrand eye's cornea and aqueous humour taken
as one medium) and meets the iris ``IRIS_DEPTH_MM`` behind the corneal apex. So the iris
shows parallax as the eye turns, looks magnified (≈ 1.1×) and the pupil stays round and
visible from the side, as a viewer expects of a real eye (François, Gautron, Breton and
Bouatouch 2009, "Image-based modeling of the human eye", IEEE TVCG; Jimenez, Danvoye and von
der Pahlen 2012, "Photorealistic eyes rendering", SIGGRAPH Advances in Real-Time Rendering).

Everything here is per pixel and camera-aware; shapes are given per function, lengths in
metres unless a name says ``_mm``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["CORNEA_INDEX", "IRIS_DEPTH_MM", "EyeFrames", "eye_frames", "CorneaHit",
           "trace_cornea", "refract", "apparent_pupil_shift_mm", "nearest_eye"]

CORNEA_INDEX = 1.376           # cornea (1.376) ≈ aqueous (1.336): one refracting surface
IRIS_DEPTH_MM = 2.7            # iris plane behind the corneal apex (anterior chamber + cornea)
_LIMBUS_SOFT_MM = 0.25         # half width of the cornea's blend into the sclera at the limbus


@dataclass(frozen=True)
class EyeFrames:
    """Both eyes (left, right) as tensors: ``cornea_centre`` (2, 3) m, ``cornea_radius`` (2,)
    m, ``limbus_radius`` (2,) m, ``axis`` (2, 3) unit optical axes, ``globe_centre`` (2, 3) m,
    ``apex`` (2, 3) m (the cornea sphere's point on the axis), ``iris_centre`` (2, 3) m (on
    the iris plane), ``e1``/``e2`` (2, 3) unit vectors spanning the iris plane (``e1`` towards
    the subject's left, ``e2`` up)."""

    cornea_centre: torch.Tensor
    cornea_radius: torch.Tensor
    limbus_radius: torch.Tensor
    axis: torch.Tensor
    globe_centre: torch.Tensor
    apex: torch.Tensor
    iris_centre: torch.Tensor
    e1: torch.Tensor
    e2: torch.Tensor


def eye_frames(corneas: torch.Tensor, axes: torch.Tensor, globe_centres: torch.Tensor,
               iris_depth_mm: float = IRIS_DEPTH_MM) -> EyeFrames:
    """Frames of both eyes from a scene's ``corneas`` (2, 5), ``eye_axes`` (2, 3) and
    ``eye_centres`` (2, 3) (left then right)."""
    c, radius, limbus = corneas[:, :3], corneas[:, 3], corneas[:, 4]
    a = F.normalize(axes, dim=1)
    apex = c + radius[:, None] * a
    across = F.normalize(c[0] - c[1], dim=0).expand_as(a)
    e1 = F.normalize(across - (across * a).sum(1, keepdim=True) * a, dim=1)
    e2 = torch.cross(a, e1, dim=1)
    iris = apex - iris_depth_mm * 1e-3 * a
    return EyeFrames(c, radius, limbus, a, globe_centres, apex, iris, e1, e2)


def nearest_eye(frames: EyeFrames, p: torch.Tensor) -> torch.Tensor:
    """Index (N,) 0 = left, 1 = right of the eye whose globe is nearer each point ``p`` (N, 3)."""
    return ((p[:, None, :] - frames.globe_centre[None]) ** 2).sum(2).argmin(1)


def refract(d: torch.Tensor, n: torch.Tensor, eta: float) -> torch.Tensor:
    """Snell refraction of unit directions ``d`` (N, 3) at unit normals ``n`` (N, 3) facing
    against ``d``, with ``eta`` = n_from / n_to; (N, 3) unit. Total internal reflection (only
    possible for eta > 1) returns the grazing direction."""
    cos_i = -(d * n).sum(1, keepdim=True)
    k = (1.0 - eta * eta * (1.0 - cos_i * cos_i)).clamp_min(0.0)
    return F.normalize(eta * d + (eta * cos_i - torch.sqrt(k)) * n, dim=1)


@dataclass(frozen=True)
class CorneaHit:
    """Where the camera rays of N pixels meet the cornea: ``which`` (N,) eye index; ``cap``
    (N,) 0…1, how much of the pixel sees the cornea (soft over 0.5 mm at the limbus);
    ``normal`` (N, 3) the cornea's outward normal at the hit (the view ray's for misses);
    ``iris_mm`` (N, 2) the refracted ray's landing point on the iris plane in the eye's
    (e1, e2) frame, mm; ``straight_mm`` (N, 2) where the unrefracted ray would land."""

    which: torch.Tensor
    cap: torch.Tensor
    normal: torch.Tensor
    iris_mm: torch.Tensor
    straight_mm: torch.Tensor


def _on_plane(o: torch.Tensor, d: torch.Tensor, centre: torch.Tensor, a: torch.Tensor,
              e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
    """Rays ``o + t d`` (N, 3) meet the plane through ``centre`` normal to ``a``: (N, 2) mm
    in the (e1, e2) frame."""
    denom = (d * a).sum(1)
    denom = torch.where(denom.abs() < 1e-6, torch.full_like(denom, -1e-6), denom)
    t = ((centre - o) * a).sum(1) / denom
    q = o + d * t[:, None] - centre
    return torch.stack(((q * e1).sum(1), (q * e2).sum(1)), 1) * 1e3


def trace_cornea(frames: EyeFrames, origin: torch.Tensor, p: torch.Tensor,
                 index: float = CORNEA_INDEX) -> CorneaHit:
    """Trace the camera rays from ``origin`` (3,) through the surface points ``p`` (N, 3) of
    eye pixels into the nearer eye's cornea (see ``CorneaHit``)."""
    which = nearest_eye(frames, p)
    c, radius = frames.cornea_centre[which], frames.cornea_radius[which]
    a, limbus = frames.axis[which], frames.limbus_radius[which]
    d = F.normalize(p - origin, dim=1)
    oc = origin - c
    b = (oc * d).sum(1)
    disc = b * b - ((oc * oc).sum(1) - radius * radius)
    t = -b - disc.clamp_min(0.0).sqrt()
    hit = origin + d * t[:, None]
    normal = F.normalize(hit - c, dim=1)
    rel = hit - frames.iris_centre[which]
    along = (rel * a).sum(1)
    radial_mm = (rel - along[:, None] * a).norm(dim=1) * 1e3
    limbus_mm = limbus * 1e3
    cap = ((limbus_mm + _LIMBUS_SOFT_MM - radial_mm) / (2.0 * _LIMBUS_SOFT_MM)).clamp(0.0, 1.0)
    cap = cap * ((disc > 0) & ((normal * a).sum(1) > 0)).to(cap.dtype)
    normal = torch.where((disc > 0)[:, None], normal, -d)
    inside = refract(d, normal, 1.0 / index)
    e1, e2, centre = frames.e1[which], frames.e2[which], frames.iris_centre[which]
    return CorneaHit(which, cap, normal, _on_plane(hit, inside, centre, a, e1, e2),
                     _on_plane(origin.expand_as(p), d, centre, a, e1, e2))


def apparent_pupil_shift_mm(view_angle_rad: float, cornea_radius_mm: float,
                            iris_depth_mm: float = IRIS_DEPTH_MM,
                            index: float = CORNEA_INDEX) -> float:
    """How far (mm, across the line of sight) the pupil's centre appears from the corneal
    apex when the eye is seen ``view_angle_rad`` off its axis: the apex lies on the cornea
    sphere (``R sin θ`` from the line of sight through the sphere's centre), the pupil centre
    ``R − depth`` in front of the centre is imaged by the single refracting surface about that
    line (paraxial: ``n/s + 1/s' = (n − 1)/R``, lateral magnification ``n s' / s``).
    Without refraction the shift would be ``depth · sin θ``."""
    r, theta = cornea_radius_mm, view_angle_rad
    lateral = (r - iris_depth_mm) * math.sin(theta)
    s = r - (r - iris_depth_mm) * math.cos(theta)       # object depth below the vertex
    inv = (index - 1.0) / r - index / s                 # 1/s' (negative: a virtual image)
    magnification = index * (-1.0 / inv) / s
    return r * math.sin(theta) - magnification * lateral
