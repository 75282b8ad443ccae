"""The inside of the mouth: enamel, gums, tongue and the dark cavity behind the lips.

Per pixel, from the tooth table (``teeth.tooth_table``, interpolated on the pixel's triangle)
and the pixel's rest position (so texture stays on the tissue when the jaw moves):

* **teeth** — enamel over dentin, measured shade-guide colours (CIELAB below): the body a
  warm off-white, the incisal edge greyer and bluer where the enamel is thin and translucent,
  the cervical third by the gum yellower (dentin through thin enamel); each tooth gets a
  seeded shift of lightness and yellowness (canines darker and yellower, as they are), and
  teeth yellow a little with age. The faces where two teeth meet darken (the interproximal
  gap). A sharp lobe for the saliva film on polished enamel, a wider one under it, and wrap
  lighting (``TEETH_WRAP``) for the light the enamel and dentin scatter past the terminator.
* **gums** — coral-pink attached gingiva with a faint stipple, wet and glossy;
* **tongue** — redder, with papillae: red fungiform dots (~1 mm apart) on a pale velvety
  coat of filiform papillae that also breaks up its wet sheen;
* **the rest** (palate, throat, inner cheeks, the mouth socket) — dark wet mucosa.

``cavity_visibility`` is what makes a mouth read as a mouth: a point inside sees the world
only through the lips' opening, so the light reaching it scales with the opening's form
factor from that point — about 1 for the front teeth just behind a wide-open mouth, a few
percent at the back of the mouth, which falls to near black as in photographs
(interreflection inside the mouth, which lifts real cavities slightly, is left out). The
opening is a rectangle as wide as the lips' corners and of the opening's area, so a
near-closed mouth is a slit: the teeth seen through it get the little light a slit lets in,
as they do in a photograph, not the light of a round hole of the same area.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.head.noise import cell_feature, detail_fade, hash3, value_noise
from shotspec.runtime.head.regions import smoothstep

__all__ = ["MouthOpening", "mouth_opening", "cavity_visibility", "rectangle_form_factor", "teeth_shading",
           "mouth_shading", "TEETH_BODY", "TEETH_INCISAL", "TEETH_CERVICAL", "GUM", "TONGUE",
           "MUCOSA", "TEETH_WRAP", "INNER_LIP"]

# linear albedos; CIELAB (D65) in the comments
TEETH_BODY = (0.550, 0.456, 0.326)       # L 74, a 1.5, b 15: a natural A2-like enamel body
TEETH_INCISAL = (0.373, 0.352, 0.312)    # L 66, a 0, b 5: thin translucent enamel at the edge
TEETH_CERVICAL = (0.509, 0.395, 0.235)   # L 70, a 2, b 21: dentin through thin enamel
GUM = (0.410, 0.122, 0.127)              # L 50, a 30, b 12: attached gingiva
TONGUE = (0.383, 0.082, 0.077)           # L 45, a 35, b 18
_PAPILLA = (0.30, 0.035, 0.04)           # fungiform papillae: darker, redder dots
_COAT = (0.52, 0.30, 0.28)               # the pale filiform coat
MUCOSA = (0.30, 0.060, 0.060)            # palate, throat, inner cheeks and lips
TEETH_WRAP = 0.4          # light scattered in enamel and dentin reaches this far past N·L = 0
INNER_LIP = tuple(range(60, 68))          # the 68-point landmarks round the lips' opening
_RIM_MM = 0.5             # the lips' inner rims, at the opening's plane, see the world
# (rough 1, rough 2, weight 1, weight 2, F0): GGX lobes as ``materials`` blends them
_TEETH_LOBES = (0.12, 0.35, 0.55, 0.30, 0.045)   # saliva on enamel (n ≈ 1.63 under 1.33)
_GUM_LOBES = (0.16, 0.40, 0.55, 0.25, 0.03)
_TONGUE_LOBES = (0.20, 0.45, 0.50, 0.30, 0.03)
_MUCOSA_LOBES = (0.18, 0.45, 0.50, 0.20, 0.03)


@dataclass(frozen=True)
class MouthOpening:
    """The lips' opening as a flat polygon: ``centre`` (3,) m, unit outward ``normal`` (3,),
    ``area_m2`` (0 when the lips are closed), and its ``width_m`` from corner to corner along
    the unit ``across`` (3,) ⊥ ``normal`` (None: a square of the area)."""

    centre: torch.Tensor
    normal: torch.Tensor
    area_m2: float
    across: torch.Tensor | None = None
    width_m: float | None = None


def _corner_factor(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Form factor from a point to a parallel rectangle with one corner facing it, sides
    ``x``, ``y`` over the distance (odd in each: a signed side subtracts)."""
    sx, sy = torch.sqrt(1.0 + x * x), torch.sqrt(1.0 + y * y)
    return (x / sx * torch.atan(y / sx) + y / sy * torch.atan(x / sy)) / (2.0 * math.pi)


def rectangle_form_factor(u: torch.Tensor, v: torch.Tensor, h: torch.Tensor, a: float,
                          b: float) -> torch.Tensor:
    """Form factor (N,) from points at ``h`` > 0 in front of an ``a`` × ``b`` rectangle,
    offset ``u``, ``v`` from its centre along its sides, facing it (the four corner
    rectangles, signed; Howell's catalogue, configuration B-3)."""
    hc = h.clamp_min(1e-9)
    x1, x2 = (0.5 * a - u) / hc, (0.5 * a + u) / hc
    y1, y2 = (0.5 * b - v) / hc, (0.5 * b + v) / hc
    return (_corner_factor(x1, y1) + _corner_factor(x1, y2) + _corner_factor(x2, y1)
            + _corner_factor(x2, y2))


def mouth_opening(landmarks: torch.Tensor) -> MouthOpening:
    """The opening bounded by the inner-lip landmarks 60–67 of the posed ``landmarks`` (68, 3)
    m; its normal points out of the mouth (towards the nose tip's side of the ears)."""
    if landmarks.shape != (68, 3):
        raise ValueError(f"landmarks must be (68, 3), got {tuple(landmarks.shape)}")
    ring = landmarks[list(INNER_LIP)].double()
    centre = ring.mean(0)
    rel = ring - centre
    area_vec = 0.5 * torch.linalg.cross(rel, rel.roll(-1, 0), dim=1).sum(0)
    forward = landmarks[30].double() - 0.5 * (landmarks[0] + landmarks[16]).double()
    area = float(area_vec.norm())
    normal = area_vec / max(area, 1e-12) if area > 1e-12 else F.normalize(forward, dim=0)
    if float(normal @ forward) < 0:
        normal = -normal
    corners = ring[INNER_LIP.index(64)] - ring[INNER_LIP.index(60)]
    corners = corners - (corners @ normal) * normal
    width = float(corners.norm())
    return MouthOpening(centre.float(), normal.float(), area,
                        (corners / max(width, 1e-12)).float(), width)


def cavity_visibility(p: torch.Tensor, opening: MouthOpening) -> torch.Tensor:
    """(N,) 0–1: how much of the world points ``p`` (N, 3) m see through the opening. Behind
    its plane (depth h > 0) it is the form factor of the opening as a rectangle of its width
    and area (``rectangle_form_factor``; the point's own cosine is left to the shading's N·L);
    within ``_RIM_MM`` of the plane it rises to 1 (the lips' inner rims see the world)."""
    d = p - opening.centre.to(p.device)
    h = -(d @ opening.normal.to(p.device))
    area = opening.area_m2
    if area > 0:
        if opening.across is None or not opening.width_m:
            a = b = math.sqrt(area)
            normal = opening.normal.to(p.device, p.dtype)
            helper = torch.zeros_like(normal)
            helper[1 if abs(float(normal[1])) < 0.9 else 0] = 1.0
            across = F.normalize(torch.linalg.cross(normal, helper, dim=0), dim=0)
        else:
            a, across = opening.width_m, opening.across
            b = area / a
        across = across.to(p.device, p.dtype)
        up = torch.linalg.cross(opening.normal.to(p.device, p.dtype), across, dim=0)
        form = rectangle_form_factor(d @ across, d @ up, h, a, b).clamp(0.0, 1.0)
        form = torch.where(h > 0, form, torch.zeros_like(form))
    else:
        form = torch.zeros_like(h)
    rim = 1.0 - smoothstep(0.0, _RIM_MM * 1e-3, h)
    return torch.maximum(form, rim)


def _lobes(spec: tuple[float, ...], n: int, device) -> torch.Tensor:
    return torch.tensor(spec, device=device)[:, None].expand(5, n).clone()


def teeth_shading(tooth: torch.Tensor, rest_mm: torch.Tensor, footprint_mm: torch.Tensor,
                  seed: int, age_years: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Enamel albedo (N, 3) and lobes (5, N) of tooth pixels from their interpolated tooth
    table rows ``tooth`` (N, 7, ``teeth.COLUMNS``), rest positions ``rest_mm`` (N, 3) and
    footprints (N,) mm."""
    dev = tooth.device
    n = tooth.shape[0]
    ident = tooth[:, 0].round().clamp_min(0).to(torch.int64)
    rank, incisal, side = tooth[:, 1].round(), tooth[:, 3], tooth[:, 4].clamp(0.0, 1.0)
    body = torch.tensor(TEETH_BODY, device=dev).expand(n, 3)
    edge = smoothstep(2.4, 0.3, incisal) * (1.0 - 0.15 * rank.clamp_max(4.0))
    neck = smoothstep(5.5, 10.0, incisal)
    alb = torch.lerp(body, torch.tensor(TEETH_INCISAL, device=dev).expand(n, 3), edge[:, None])
    alb = torch.lerp(alb, torch.tensor(TEETH_CERVICAL, device=dev).expand(n, 3), neck[:, None])
    # per tooth: seeded lightness and yellowness; canines darker and yellower; age yellows
    zero = torch.zeros_like(ident)
    light = 1.0 + 0.10 * (hash3(ident, zero, zero, seed + 941) - 0.5)
    yellow = (0.10 * (hash3(ident, zero, zero, seed + 942) - 0.5) + 0.05 * (rank == 2).float()
              + 0.05 * (rank >= 5).float() + 0.004 * max(age_years - 30.0, 0.0))
    light = light * (1.0 - 0.07 * (rank == 2).float() - 0.04 * (rank >= 5).float())
    alb = alb * light[:, None] * torch.stack((1.0 + 0.2 * yellow, torch.ones_like(yellow),
                                              1.0 - yellow), 1)
    # enamel's faint surface texture (perikymata, mottling), faded under two pixels
    mottle = value_noise(rest_mm * torch.tensor([2.5, 6.0, 2.5], device=dev), seed + 943) - 0.5
    alb = alb * (1.0 + 0.06 * mottle * detail_fade(0.4, footprint_mm))[:, None]
    # the interproximal gap: the faces where two teeth meet turn away and are occluded
    gap = smoothstep(0.68, 1.0, side)
    alb = alb * (1.0 - 0.6 * gap)[:, None]
    lobes = _lobes(_TEETH_LOBES, n, dev)
    lobes[2:4] *= (1.0 - 0.7 * gap)
    return alb.clamp(0.0, 1.0), lobes


def mouth_shading(tooth: torch.Tensor, rest_mm: torch.Tensor, footprint_mm: torch.Tensor,
                  seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Albedo (N, 3) and lobes (5, N) of the mouth's soft tissue at pixels with interpolated
    tooth-table rows ``tooth`` (N, 7; its ``gum`` and ``tongue`` columns say which tissue),
    rest positions ``rest_mm`` (N, 3) and footprints (N,) mm."""
    dev = tooth.device
    n = tooth.shape[0]
    gum, tongue = tooth[:, 5].clamp(0.0, 1.0), tooth[:, 6].clamp(0.0, 1.0)
    q = rest_mm.float()
    # gums: a faint orange-peel stipple, redder at the free margin by the teeth
    stipple = (value_noise(q / 0.5, seed + 951) - 0.5) * detail_fade(0.5, footprint_mm)
    gum_alb = torch.tensor(GUM, device=dev) * (1.0 + 0.12 * stipple)[:, None]
    # tongue: fungiform papillae (red dots ~0.4 mm across in 1 mm cells) on a filiform coat
    off, r1, r2 = cell_feature(q / 1.0, seed + 952, margin=0.3)
    dot = ((0.2 + 0.1 * r2 - off.norm(dim=1)) / 0.06).clamp(0.0, 1.0) * (r1 < 0.55).float()
    coat = smoothstep(0.35, 0.8, value_noise(q / 0.35, seed + 953))
    lod_dot, lod_coat = detail_fade(0.4, footprint_mm), detail_fade(0.35, footprint_mm)
    dot = dot * lod_dot + 0.1 * (1.0 - lod_dot)
    coat = 0.35 * (coat * lod_coat + 0.45 * (1.0 - lod_coat))
    tongue_alb = torch.lerp(torch.tensor(TONGUE, device=dev).expand(n, 3),
                            torch.tensor(_COAT, device=dev).expand(n, 3), coat[:, None])
    tongue_alb = torch.lerp(tongue_alb, torch.tensor(_PAPILLA, device=dev).expand(n, 3),
                            (0.8 * dot)[:, None])
    mucosa = torch.tensor(MUCOSA, device=dev).expand(n, 3)
    alb = mucosa + gum[:, None] * (gum_alb - mucosa) + tongue[:, None] * (tongue_alb - mucosa)
    lobes = (_lobes(_MUCOSA_LOBES, n, dev) * (1.0 - gum - tongue)
             + _lobes(_GUM_LOBES, n, dev) * gum + _lobes(_TONGUE_LOBES, n, dev) * tongue)
    # the coat's papillae break the tongue's film into a sparkle: less sharp lobe on the coat
    lobes[2] = lobes[2] * (1.0 - tongue * (0.8 * coat + 0.3 * dot))
    return alb.clamp(0.0, 1.0), lobes
