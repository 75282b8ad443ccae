"""Where the lids meet the eye: contact shadow, tear line, lid margins and the inner corner.

Measured in the image, where the lids' edges are exact to the pixel: an eyeball pixel's
distance (mm) to the lid above it and below it along its column, and a skin pixel's distance
to the eye below it (the upper lid's margin) or above it (the lower lid's margin). From these:

* the upper lid's contact shadow on the eyeball (the lid and its lashes overhang the globe
  and block the light from above: an occlusion falling off over ~1.2 mm), a lighter one at
  the lower lid;
* the tear meniscus: a ~0.3 mm wet fillet along the lower lid where the eye meets it, a
  concave mirror cylinder that reflects every light in front as a thin bright line;
* the lid margins: the flat 1–2 mm band between the lash line and the eye, pinker than the
  skin and wet — seen from the front, the lower lid's faces up and shows as a ~1 mm pink band,
  the upper lid's faces down and shows as a sliver;
* the lash line: where the lashes leave the lid, their roots (2–3 rows, ~5 a millimetre) and
  follicles make a dark line ~0.6 mm wide along the upper lid's edge and a fainter, thinner one
  at the outer edge of the lower lid's margin. At a close-up's scale a lash is a fraction of a
  pixel, so the strands alone grey the line instead of drawing it; the line is given as the
  share of each skin pixel that the root band covers (exact for any pixel size), which the
  materials mix towards the lashes' own colour;
* the caruncle and plica at the inner corner (pink, wet), from the inner-canthus landmarks.

Columns stand in for the lids' normals, which holds for camera rolls within ~35°.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["LidTerms", "lid_terms", "tear_glint", "MARGIN_TINT", "CARUNCLE_ALBEDO", "band_share"]

MARGIN_TINT = (1.06, 0.90, 0.88)        # the lid margin's mucosa: the skin, a little pinker
CARUNCLE_ALBEDO = (0.58, 0.25, 0.23)    # the caruncle at the inner corner
_SHADOW_MM, _SHADOW = 1.2, 0.6          # upper lid contact shadow: falloff and depth
_LOWER_SHADOW_MM, _LOWER_SHADOW = 0.5, 0.25
_MENISCUS_MM = 0.3                      # the tear meniscus's width on the lower lid
_MARGIN_MM = 1.0                        # lower lid margin band width (it faces up)
_UPPER_MARGIN_MM = 0.3                  # the upper lid's, seen edge-on from the front
_UPPER_ROOTS_MM = (0.0, 0.9)            # the upper lash line: from the eye opening up
_LOWER_ROOTS_MM = (0.8, 1.15)           # the lower: along the outer edge of its margin
_LOWER_ROOTS = 0.45                     # the lower lash line's strength (sparser lashes)
_CARUNCLE_MM = 2.2                      # radius of the pink inner corner
_INNER_CORNERS = (42, 39)               # 68-landmark inner canthi: subject's left, right
_FAR = 1.0e6


@dataclass(frozen=True)
class LidTerms:
    """Per pixel (N,) of the subject pixels: ``occlusion`` of the eyeball 0…1 (1: open),
    ``tear`` the tear meniscus's share of the pixel 0…1, ``margin`` the lid margin's share
    0…1 (skin pixels), ``caruncle`` the inner corner's pinkness 0…1; ``inward`` (N, 2) the
    image direction (x right, y up) across the lid's edge into the eye opening, unit where a
    lid edge is near (zeros elsewhere); ``lash_line`` the share of a skin pixel covered by the
    lashes' root band 0…1."""

    occlusion: torch.Tensor
    tear: torch.Tensor
    margin: torch.Tensor
    caruncle: torch.Tensor
    inward: torch.Tensor
    lash_line: torch.Tensor


def band_share(rows: torch.Tensor, mm_px: torch.Tensor, band_mm: tuple[float, float]) -> torch.Tensor:
    """The share (N,) of each pixel ``rows`` (N,) pixels from an edge (1: the first pixel
    past it, spanning ``0 … mm_px`` mm) that a band ``band_mm`` (from, to) mm off the edge
    covers: the overlap of the intervals over the pixel's width, for any pixel size."""
    near, far = (rows - 1.0) * mm_px, rows * mm_px
    lo, hi = band_mm
    return ((far.clamp_max(hi) - near.clamp_min(lo)).clamp_min(0.0)
            / mm_px.clamp_min(1e-9)).clamp(0.0, 1.0)


def _inward(eye: torch.Tensor) -> torch.Tensor:
    """(H, W, 2) image direction (x right, y up) into the eye opening: the gradient of the
    eye mask smoothed over 7 pixels, normalised where it is not flat."""
    m = F.avg_pool2d(eye.to(torch.float32)[None, None], 7, stride=1, padding=3,
                     count_include_pad=False)[0, 0]
    gx = torch.zeros_like(m)
    gy = torch.zeros_like(m)
    gx[:, 1:-1] = m[:, 2:] - m[:, :-2]
    gy[1:-1, :] = m[:-2, :] - m[2:, :]              # rows grow downwards: up is −row
    g = torch.stack((gx, gy), -1)
    norm = g.norm(dim=-1, keepdim=True)
    return torch.where(norm > 1e-3, g / norm.clamp_min(1e-6), torch.zeros_like(g))


def _runs(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows (H, W) from each pixel up to the nearest row where ``mask`` (H, W bool) is true
    above it (inclusive), and down to the nearest below; ``_FAR`` where there is none."""
    h = mask.shape[0]
    rows = torch.arange(h, device=mask.device, dtype=torch.float32)[:, None].expand_as(mask)
    above = torch.where(mask, rows, torch.full_like(rows, -_FAR)).cummax(0).values
    below = torch.where(mask, -rows, torch.full_like(rows, -_FAR)).flip(0).cummax(0).values.flip(0)
    return rows - above, -below - rows


def lid_terms(mat: torch.Tensor, alpha: torch.Tensor, depth: torch.Tensor, focal_px: float,
              eye_frac: torch.Tensor, position: torch.Tensor, landmarks: torch.Tensor,
              idx: torch.Tensor, footprint_mm: torch.Tensor) -> LidTerms:
    """The lid terms at the subject pixels ``idx`` (N,) of an H×W frame from its ``eye``
    fraction image ``mat`` (H, W), coverage ``alpha`` (H, W), ``depth`` (H, W) m and
    ``focal_px``; ``eye_frac`` (N,), ``position`` (N, 3) m, ``footprint_mm`` (N,) at those
    pixels; the scene's 68 ``landmarks`` (68, 3) m."""
    eye = (mat >= 0.5) & (alpha >= 0.5)
    not_eye = ~eye
    mm_px = (1000.0 * depth / focal_px).reshape(-1)[idx]
    up_px, down_px = _runs(not_eye)                # eye pixel → lid above / below
    to_eye_above, to_eye_below = _runs(eye)
    flat = lambda t: t.reshape(-1)[idx]            # noqa: E731
    upper_mm = (flat(up_px) - 0.5) * mm_px
    lower_mm = (flat(down_px) - 0.5) * mm_px
    on_eye = (eye_frac >= 0.5).to(eye_frac.dtype)
    occlusion = 1.0 - on_eye * (_SHADOW * torch.exp(-upper_mm.clamp_min(0.0) / _SHADOW_MM)
                                + _LOWER_SHADOW * torch.exp(-lower_mm.clamp_min(0.0)
                                                            / _LOWER_SHADOW_MM))
    occlusion = occlusion.clamp(0.0, 1.0)
    # the meniscus straddles the junction: eye pixels just above the lower lid, and the lid's
    # first pixels below the eye; a pixel wider than the meniscus holds its area share
    share = (_MENISCUS_MM / footprint_mm).clamp(max=1.0)
    lid_below_eye = (flat(to_eye_above) - 0.5) * mm_px
    tear = on_eye * torch.exp(-(lower_mm.clamp_min(0.0) / _MENISCUS_MM) ** 2) \
        + (1.0 - on_eye) * torch.exp(-(lid_below_eye.clamp_min(0.0) / _MENISCUS_MM) ** 2)
    tear = (tear * share).clamp(0.0, 1.0)
    # the margins: skin within the band above (upper lid) or below (lower lid) the eye
    above_eye = (flat(to_eye_below) - 0.5) * mm_px
    margin = (1.0 - on_eye) * torch.maximum(
        torch.exp(-(above_eye.clamp_min(0.0) / _UPPER_MARGIN_MM) ** 2),
        torch.exp(-(lid_below_eye.clamp_min(0.0) / _MARGIN_MM) ** 2))
    # the lash lines: the root bands' share of each skin pixel above and below the eye
    lash_line = (1.0 - on_eye) * torch.maximum(
        band_share(flat(to_eye_below), mm_px, _UPPER_ROOTS_MM),
        _LOWER_ROOTS * band_share(flat(to_eye_above), mm_px, _LOWER_ROOTS_MM))
    # the inner corner
    corners = landmarks[list(_INNER_CORNERS)].to(position.dtype)
    near_mm = torch.cdist(position, corners).min(1).values * 1000.0
    caruncle = torch.exp(-(near_mm / _CARUNCLE_MM) ** 2)
    inward = _inward(eye).reshape(-1, 2)[idx]
    return LidTerms(occlusion, tear, margin, caruncle, inward, lash_line)


def tear_glint(v: torch.Tensor, l: torch.Tensor, along: torch.Tensor, up: torch.Tensor,
               out: torch.Tensor, angular_radius: float) -> torch.Tensor:
    """Mirror reflection (N,) of a round light of ``angular_radius`` in the tear meniscus:
    a concave cylinder along the lid (``along`` (N, 3) unit) whose normal sweeps from the
    eyeball's (``out``) to ``up`` (both (N, 3), ⊥ ``along``). The normal that best mirrors the
    light (the half vector within the sweep) reflects it at the light's radiance; the share of
    the fillet that does is the light's angular size over the sweep (a cylinder spreads a
    light into a line). View ``v`` and light ``l`` (N, 3) unit."""
    h = F.normalize(v + l, dim=1)
    h_perp = h - (h * along).sum(1, keepdim=True) * along
    beta = torch.atan2((h_perp * up).sum(1), (h_perp * out).sum(1))
    sweep = math.pi / 2.0
    inside = ((beta > -0.05) & (beta < sweep + 0.05)).to(v.dtype)
    # how far the light's centre sits off the cylinder's plane of reflection
    off = (h * along).sum(1).abs() * 2.0
    radius = max(angular_radius, 0.01)
    cover = ((radius - off) / (0.5 * radius) + 0.5).clamp(0.0, 1.0)
    n = F.normalize(h_perp, dim=1)
    cos_v = (n * v).sum(1).clamp(0.0, 1.0)
    fres = 0.025 + 0.975 * (1.0 - cos_v) ** 5
    share = min(2.0 * radius / sweep, 1.0)
    radiance = 1.0 / (radius * radius)
    return radiance * share * cover * fres * inside
