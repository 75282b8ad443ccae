"""Micro-relief of the scanned head's skin, evaluated per pixel in rest-pose object space.

A height field (mm) over the rest surface, returned as its analytic 3-D gradient (for bumping
the shading normal) and a cavity term (how deep a point sits in a pore or line, 0–1, for albedo
and specular occlusion). Because it is a function of the rest position, the relief stays on the
skin when the face moves; the mesh's 2.5 mm edges carry shape only.

Terms, all faded or pre-filtered by the pixel's footprint on the skin (``footprint_mm``) so one
sample per pixel never aliases:

* pebbled relief: a network of furrows (the 0.5-level contours of two value-noise fields on
  rotated 1.0 and 1.4 mm lattices) enclosing plateaus about 1 mm across, what makes skin's
  texture spectrum peak near 1 cycle/mm. Each furrow is a Gaussian across the contour whose
  width grows (and depth falls, area kept) with the footprint: prefiltering, not point sampling.
  With ``network="cells"`` (the skin enhancer's, on a flat plate) they are instead furrows along
  the borders of two Voronoi networks (1.0 and 0.45 mm cells), deep in patches and broken along
  their length, over soft bumps: isotropic polygons, where the families' long furrows follow the
  rest head's axes and on a plane read as crumpled paper.
* pores: one jittered dimple per cell of three lattices — dense on the nose (0.26 mm cells),
  forehead and chin (0.38 mm), sparse enlarged ones on cheeks and nose (0.8 mm); openings
  0.05–0.25 mm across; faded to their mean darkening below two pixels a cell.
* fine lines that follow the face (``FaceAnchors``): forehead lines (horizontal, wavy), the
  glabella's vertical pair, crow's feet radiating from the outer eye corners, arcs under the
  eyes, the nasolabial creases, vertical lines above the lip, neck rings. They deepen with
  ``age_years`` and ``fine_lines``.
* the vermilion's furrows (lip prints, ``LipsIR.furrows``): grooves running across the lips,
  perpendicular to the mouth line — a major set ~1.6 mm apart and a fine one ~0.6 mm apart,
  unevenly spaced (a warp), branching and of varying depth; they occlude (cavity) like pores.
* imperfections: a few soft raised bumps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.head.face_anchors import FaceAnchors
from shotspec.runtime.head.noise import cell_border, cell_feature, detail_fade, value_noise, value_noise_grad
from shotspec.runtime.head.regions import RegionWeights, smoothstep

__all__ = ["Relief", "skin_relief", "bump_from_gradient", "perturb_normals", "age_factor"]

# pore lattices: (cell mm, dimple depth mm, ball radius in cells, presence, salt)
_PORES = ((0.26, 0.060, 0.30, 0.90, 23), (0.38, 0.070, 0.30, 0.80, 11), (0.80, 0.090, 0.16, 0.45, 37))
# pebbled-relief lattices: (cell mm, furrow depth mm, rotation angles, salt)
# (direction of the furrows in the x-y plane (deg), length along, across (mm), depth mm, salt):
# two families crossing at ~70° make rhomboid plateaus; a third, weaker and rounder, breaks them
_CELLS = ((35.0, 3.1, 0.55, 0.065, 41), (-35.0, 3.1, 0.55, 0.065, 43), (90.0, 1.4, 0.7, 0.03, 47))
# the polygonal network (``network="cells"``): (cell mm, furrow depth mm, furrow half-width mm,
# lattice turn deg, salt): primary lines enclosing ~1 mm plateaus, secondary ones splitting them
_NETWORK = ((1.0, 0.07, 0.12, 23.0, 71), (0.45, 0.012, 0.08, 61.0, 73))
_NETWORK_PATCH_MM = 2.5   # the network's depth varies over patches this large …
_NETWORK_PATCH_RANGE = (0.4, 1.6)   # … between these factors
_NETWORK_BREAK = 0.8      # and along its lines, over this many cells …
_NETWORK_BREAK_RANGE = (0.25, 1.75)  # … between these factors
_NETWORK_FADE = (1.5, 4.0)  # the network fades in from this many pixels a cell to this many
# soft bumps under the network: (height mm peak to peak, spacing mm, salt); the coarser ones
# are what a face coarser than ~0.4 mm a pixel shows of the relief once its lines have faded
_NETWORK_BUMPS = ((0.04, 0.6, 83), (0.05, 1.2, 89))
_CONTOUR_SPACING = 2.2    # the noise's 0.5-contours lie ~2.2 lattice cells apart
_CAVITY_DEPTH_MM = 0.16   # relief this deep reads as a full cavity (1)
_FURROW_W_MM = 0.14       # furrow half-width (1/e), mm


@dataclass(frozen=True)
class Relief:
    """Per-point relief: height (N,) mm (≤ 0 in pores and lines), its gradient (N, 3) in object
    space (mm per mm), and the cavity term (N,) 0–1."""

    height_mm: torch.Tensor
    grad: torch.Tensor
    cavity: torch.Tensor


def age_factor(age_years: float) -> float:
    """How developed fine lines are: 0.1 at ≤ 22 years, 1 at 58, 1.6 at 82 and beyond."""
    return min(max((age_years - 18.0) / 40.0, 0.1), 1.6)


def _rotation(a: float, b: float, device) -> torch.Tensor:
    ca, sa, cb, sb = math.cos(a), math.sin(a), math.cos(b), math.sin(b)
    rz = torch.tensor([[ca, -sa, 0.0], [sa, ca, 0.0], [0.0, 0.0, 1.0]], device=device)
    rx = torch.tensor([[1.0, 0.0, 0.0], [0.0, cb, -sb], [0.0, sb, cb]], device=device)
    return rz @ rx


def _stretch(angle_deg: float, along_mm: float, across_mm: float, device) -> torch.Tensor:
    """(3, 3) map from mm to noise cells: long cells along ``angle_deg`` in the x-y plane."""
    a = math.radians(angle_deg)
    rot = torch.tensor([[math.cos(a), math.sin(a), 0.0], [-math.sin(a), math.cos(a), 0.0], [0.0, 0.0, 1.0]],
                       device=device)
    return torch.diag(torch.tensor([1.0 / along_mm, 1.0 / across_mm, 1.0 / across_mm], device=device)) @ rot


def _furrows(q: torch.Tensor, stretch: torch.Tensor, depth: float, seed: int,
             footprint: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Furrows along the 0.5-contours of one stretched noise field: height (N,) and gradient
    (N, 3), prefiltered by the footprint."""
    n, g = value_noise_grad(q @ stretch.T, seed)
    g = g @ stretch                                        # d noise / d mm
    slope = g.norm(dim=1).clamp_min(0.25 * float(stretch.norm(dim=1).min()))
    # distance to the contour (mm, first order): furrows of even width wherever the noise is flat
    u = (n - 0.5) / slope
    w = torch.sqrt(_FURROW_W_MM ** 2 + (0.5 * footprint) ** 2)
    amp = depth * _FURROW_W_MM / w
    e = torch.exp(-(u / w) ** 2)
    return -amp * e, (amp * e * 2.0 * u / (w * w) / slope)[:, None] * g


def _network(q: torch.Tensor, cell: float, depth: float, width: float, turn_deg: float, seed: int,
             footprint: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Furrows along the borders of a Voronoi cell network (``cell`` mm apart) in the x-y plane:
    height (N,) and gradient (N, 3), prefiltered by the footprint as :func:`_furrows` is."""
    a = math.radians(turn_deg)
    rot = torch.tensor([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]], device=q.device)
    u, du = cell_border((q[:, :2] @ rot.T) / cell, seed)
    u = u * cell
    w = torch.sqrt(width ** 2 + (0.5 * footprint) ** 2)
    amp = depth * width / w
    e = torch.exp(-(u / w) ** 2)
    g = torch.zeros_like(q)
    g[:, :2] = (amp * e * 2.0 * u / (w * w))[:, None] * (du @ rot)
    return -amp * e, g


def _modulation(q: torch.Tensor, size_mm: float, span: tuple[float, float], seed: int
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth factor (N,) between ``span``'s ends varying over ``size_mm``, and its gradient (N, 3)."""
    v, vg = value_noise_grad(q / size_mm, seed)
    lo, hi = span
    return lo + (hi - lo) * v, ((hi - lo) / size_mm) * vg


def _pores(q: torch.Tensor, cell: float, depth: float, radius: float, presence: float, rot: torch.Tensor,
           seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Height (N,) ≤ 0 of one pore lattice and its gradient (N, 3)."""
    off, r1, r2 = cell_feature((q @ rot.T) / cell, seed, margin=radius + 0.02)
    radius2 = (radius * (0.5 + 0.5 * r2)) ** 2
    t = (1.0 - (off * off).sum(1) / radius2).clamp_min(0.0)
    amp = depth * (0.6 + 0.4 * r2) * (r1 < presence).to(q.dtype)
    g_off = (4.0 * amp * t / radius2)[:, None] * off
    return -amp * t * t, (g_off @ rot) / cell


def _grooves(phase: torch.Tensor, dphase: torch.Tensor, width: float, footprint: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Periodic grooves across ``phase`` (N,) of width ``width`` (phase units), prefiltered by the
    footprint: depth profile (N,) 0–1 and its gradient (N, 3) from ``dphase`` (N, 3) per mm."""
    fp = footprint * dphase.norm(dim=1)
    w = torch.sqrt(width * width + (0.5 * fp) ** 2)
    f = phase - torch.floor(phase) - 0.5
    e = torch.exp(-(f / w) ** 2) * (width / w) * ((0.5 - fp) / 0.3).clamp(0.0, 1.0)
    return e, (e * (-2.0 * f / (w * w)))[:, None] * dphase


def _polyline(p: torch.Tensor, line: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distance (N,) from points (N, 3) to a polyline (M, 3) and its gradient (N, 3)."""
    a, b = line[:-1], line[1:]
    e = b - a
    w = p[:, None, :] - a[None]
    t = ((w * e[None]).sum(-1) / (e * e).sum(-1)).clamp(0.0, 1.0)
    off = w - t[..., None] * e[None]
    d = off.norm(dim=-1)
    k = d.argmin(dim=1)
    dist = d.gather(1, k[:, None])[:, 0]
    o = off[torch.arange(p.shape[0], device=p.device), k]
    return dist, o / dist.clamp_min(1e-6)[:, None]


def _lines(q: torch.Tensor, r: RegionWeights, a: FaceAnchors, skin: SkinIR, seed: int,
           footprint: torch.Tensor, creases: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Fine lines that follow the face: height (N,) and gradient (N, 3). Each family is
    evaluated only on the points it can reach. ``creases``: the nasolabial creases too (a
    groove that must lie on the fold: left out where the anchors are an average face's)."""
    dev = q.device
    age = age_factor(skin.age_years)
    h = torch.zeros(q.shape[0], device=dev)
    g = torch.zeros_like(q)
    sx = torch.where(q[:, 0] >= 0, 1.0, -1.0)
    m = torch.stack((q[:, 0] * sx, q[:, 1], q[:, 2]), dim=1)           # mirrored to the +x side
    warp, wg = value_noise_grad(q / 14.0, seed + 51)
    warp, wg = 0.6 * warp, 0.6 * wg / 14.0
    ey = torch.tensor([0.0, 1.0, 0.0], device=dev)
    ex = torch.tensor([1.0, 0.0, 0.0], device=dev)

    def add(i: torch.Tensor, depth: torch.Tensor, prof: tuple[torch.Tensor, torch.Tensor]) -> None:
        h[i] -= depth * prof[0]
        g[i] -= depth[:, None] * prof[1]

    def where(w: torch.Tensor) -> torch.Tensor:
        return (w > 1e-4).nonzero()[:, 0]

    # everyone past their twenties has some lines; ``fine_lines`` sets how marked they are
    lines = 2.5 * (0.25 + 0.75 * skin.fine_lines)
    # forehead: three to five horizontal wavy lines ~11 mm apart, broken and unevenly deep
    i = where(r["forehead"])
    broken = smoothstep(0.25, 0.65, value_noise(q[i] / torch.tensor([9.0, 4.0, 9.0], device=dev), seed + 55))
    add(i, 0.25 * lines * age * r["forehead"][i] * broken,
        _grooves(q[i, 1] / 11.0 + warp[i], ey / 11.0 + wg[i], 0.06, footprint[i]))
    # glabella: a short, slightly wavy vertical pair either side of the midline
    brow_y = float(a.brows[:, 0, 1].mean())
    gx = m[:, 0] - 4.5 - 1.2 * warp
    glab = (smoothstep(float(a.nasion[1]) + 2.0, float(a.nasion[1]) + 7.0, q[:, 1])
            * smoothstep(brow_y + 12.0, brow_y + 3.0, q[:, 1]) * torch.exp(-(gx / 0.8) ** 2))
    gd = 0.10 * lines * age * glab
    h -= gd
    g += (gd * 2.0 * gx / 0.64)[:, None] * (ex * sx[:, None] - 1.2 * wg)
    # crow's feet: four or five wavy lines fanning from beyond the outer eye corner, unevenly deep
    c = a.eye_outer[1]
    dx, dy = m[:, 0] - (float(c[0]) + 3.0), m[:, 1] - float(c[1])
    r2 = (dx * dx + dy * dy).clamp_min(1e-3)
    rr = r2.sqrt()
    theta = torch.atan2(dy, dx.clamp_min(1e-3))
    fan = (smoothstep(3.0, 7.0, rr) * smoothstep(26.0, 14.0, rr) * smoothstep(-2.0, 2.0, dx)
           * smoothstep(-1.2, -0.8, theta) * smoothstep(0.9, 0.5, theta) * (1.0 - r["brows"]))
    i = where(fan)
    uneven = value_noise(torch.stack((theta[i] * 2.4, rr[i] / 6.0, torch.zeros_like(rr[i])), dim=1), seed + 57)
    dtheta = torch.stack((-dy[i] / r2[i] * sx[i], dx[i] / r2[i], torch.zeros_like(r2[i])), dim=1)
    add(i, 0.07 * lines * age * fan[i] * (0.3 + 1.4 * uneven),
        _grooves(theta[i] * 2.4 + 1.2 * warp[i], 2.4 * dtheta + 1.2 * wg[i], 0.07, footprint[i]))
    # under the eyes: arcs round the eye's centre
    i = where(r["under_eye"])
    ec = a.eye_centre[1]
    ux, uy = m[i, 0] - float(ec[0]), m[i, 1] - float(ec[1])
    ur = torch.sqrt(ux * ux + uy * uy).clamp_min(1e-3)
    dur = torch.stack((ux / ur * sx[i], uy / ur, torch.zeros_like(ur)), dim=1)
    add(i, 0.025 * lines * age * r["under_eye"][i],
        _grooves(ur / 2.4 + 0.5 * warp[i], dur / 2.4 + 0.5 * wg[i], 0.07, footprint[i]))
    # nasolabial creases: one groove along each fold, deeper with age
    if creases:
        d, dd = _polyline(m, a.nasolabial)
        nl = 0.05 * (0.3 + 0.7 * lines) * (0.4 + age) * torch.exp(-(d / 1.2) ** 2) * (1.0 - r["lips"])
        h -= nl
        g += (nl * 2.0 * d / 1.44)[:, None] * dd * torch.stack((sx, torch.ones_like(sx), torch.ones_like(sx)), 1)
    # vertical lines above the lip (with age)
    i = where(r["upper_lip"] * max(age - 0.4, 0.0))
    add(i, 0.03 * lines * max(age - 0.4, 0.0) * r["upper_lip"][i],
        _grooves(q[i, 0] / 1.8 + 2.0 * warp[i], ex / 1.8 + 2.0 * wg[i], 0.08, footprint[i]))
    # neck rings
    i = where(r["neck"])
    add(i, 0.10 * lines * age * r["neck"][i], _grooves(q[i, 1] / 14.0 + warp[i], ey / 14.0 + wg[i], 0.05, footprint[i]))
    return h, g


# vermilion furrows: (spacing mm, warp, depth mm at furrows 0.5, groove width in phase, salt)
_LIP_FURROWS = ((1.6, 1.2, 0.060, 0.10, 53), (0.6, 0.8, 0.022, 0.14, 56))


def _lip_furrows(q: torch.Tensor, lips: torch.Tensor, furrows: float, seed: int,
                 footprint: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Height (N,) and gradient (N, 3) of the vermilion's furrows at points ``q`` (N, 3) mm
    with lips weight ``lips`` (N,): grooves across x (vertical on the face), each set warped by
    noise so they wander, branch and vary in spacing; deepest mid-lip, gone at the border."""
    ex = torch.tensor([1.0, 0.0, 0.0], device=q.device)
    body = smoothstep(0.6, 0.95, lips) * (2.0 * furrows)
    h = torch.zeros(q.shape[0], device=q.device)
    g = torch.zeros_like(q)
    for spacing, warp, depth, width, salt in _LIP_FURROWS:
        lw, lwg = value_noise_grad(q / (2.0 * spacing) * torch.tensor([1.0, 0.5, 1.0], device=q.device), seed + salt)
        lwg = lwg * torch.tensor([1.0, 0.5, 1.0], device=q.device) / (2.0 * spacing)
        uneven = 0.35 + 0.65 * value_noise(q / (1.5 * spacing), seed + salt + 1)
        prof, dprof = _grooves(q[:, 0] / spacing + warp * lw, ex / spacing + warp * lwg, width, footprint)
        d = depth * body * uneven
        h -= d * prof
        g -= d[:, None] * dprof
    return h, g


def _line_zone(q: torch.Tensor, r: RegionWeights, a: FaceAnchors, creases: bool = True) -> torch.Tensor:
    """(N,) bool: the points some fine line can reach (the rest skip ``_lines``)."""
    regions = (r["forehead"] + r["under_eye"] + r["upper_lip"] + r["lips"] + r["neck"]) > 0
    ax, y = q[:, 0].abs(), q[:, 1]
    c = a.eye_outer[1]
    crow = (ax - float(c[0]) - 3.0) ** 2 + (y - float(c[1])) ** 2 < 23.0 ** 2
    glabella = (ax < 9.0) & (y > float(a.nasion[1]) - 1.0) & (y < float(a.brows[:, 0, 1].mean()) + 15.0)
    lo, hi = a.nasolabial.amin(0) - 5.0, a.nasolabial.amax(0) + 5.0
    fold = (ax > lo[0]) & (ax < hi[0]) & (y > lo[1]) & (y < hi[1]) & creases
    return regions | crow | glabella | fold


def skin_relief(pos_mm: torch.Tensor, regions: RegionWeights, footprint_mm: torch.Tensor,
                skin: SkinIR, seed: int, anchors: FaceAnchors | None = None,
                lip_furrows: float = 0.5, network: str = "furrows", creases: bool = True) -> Relief:
    """Relief at rest-pose positions ``pos_mm`` (N, 3) with their interpolated ``regions`` and
    pixel footprints ``footprint_mm`` (N,) (a pixel's width on the skin, mm). Without
    ``anchors`` the face-following lines are left out (a flat test patch). ``lip_furrows``
    0–1: the depth of the vermilion's furrows (``LipsIR.furrows``). ``network``: "furrows" (the
    head's families of long furrows along the rest head's axes) or "cells" (an isotropic network
    of polygonal cells in the x-y plane, in patches of varying depth: a flat plate's relief).
    ``creases``: with ``anchors``, the nasolabial creases too (False where the anchors are an
    average face's, not this one's: a crease off its fold would be a line drawn on the cheek)."""
    if network not in ("furrows", "cells"):
        raise ValueError(f"network must be 'furrows' or 'cells', got {network!r}")
    if not 0.0 <= lip_furrows <= 1.0:
        raise ValueError(f"lip_furrows {lip_furrows} is outside 0…1")
    if pos_mm.dim() != 2 or pos_mm.shape[1] != 3:
        raise ValueError(f"pos_mm must be (N, 3), got {tuple(pos_mm.shape)}")
    if footprint_mm.shape != pos_mm.shape[:1]:
        raise ValueError(f"footprint_mm must be ({pos_mm.shape[0]},), got {tuple(footprint_mm.shape)}")
    dev = pos_mm.device
    q = pos_mm.float()
    fp = footprint_mm.float().clamp_min(1e-3)
    r = regions
    age = age_factor(skin.age_years)
    n = q.shape[0]
    h = torch.zeros(n, device=dev)
    g = torch.zeros(n, 3, device=dev)
    hairy = (r["scalp"] + 0.7 * r["brows"]).clamp_max(1.0)
    # pebbled relief: everywhere on the skin, softer on the lips, the nose's tight skin and scalp
    cells = ((0.55 + 0.25 * age) * (0.5 + 0.5 * min(1.0, 1.6 * skin.pores)) * r["skin"]
             * (1.0 - 0.85 * r["lips"]) * (1.0 - 0.4 * r["nose"]) * (1.0 - 0.5 * hairy))
    if network == "cells":
        for cell, depth, width, turn, salt in _NETWORK:
            # a mesh of lines only reads as cells when they are several pixels across: at two
            # pixels a cell, even pre-filtered, its lines read as a crazed glaze
            amp = cells * detail_fade(cell, fp, _NETWORK_FADE)
            sel = (amp > 1e-3).nonzero()[:, 0]
            if sel.numel():
                ch, cg = _network(q[sel], cell, depth, width, turn, seed + salt, fp[sel])
                # patches of deeper and fainter network, and lines that fade along their length
                pm, pg = _modulation(q[sel], _NETWORK_PATCH_MM, _NETWORK_PATCH_RANGE, seed + salt + 1)
                bm, bg = _modulation(q[sel], _NETWORK_BREAK * cell, _NETWORK_BREAK_RANGE, seed + salt + 2)
                m = pm * bm
                h[sel] += amp[sel] * m * ch
                g[sel] += amp[sel, None] * (m[:, None] * cg + ch[:, None] * (pg * bm[:, None] + bg * pm[:, None]))
        for height, spacing, salt in _NETWORK_BUMPS:
            amp = cells * detail_fade(spacing, fp)
            sel = (amp > 1e-3).nonzero()[:, 0]
            if sel.numel():
                b, bg = value_noise_grad(q[sel] / spacing, seed + salt)
                h[sel] += amp[sel] * height * (b - 0.5)
                g[sel] += (amp[sel] * height / spacing)[:, None] * bg
    else:
        for angle, along, across, depth, salt in _CELLS:
            amp = cells * detail_fade(_CONTOUR_SPACING * across, fp)
            sel = (amp > 1e-3).nonzero()[:, 0]
            if sel.numel():
                ch, cg = _furrows(q[sel], _stretch(angle, along, across, dev), depth, seed + salt, fp[sel])
                h[sel] += amp[sel] * ch
                g[sel] += amp[sel, None] * cg
    # pores by region
    not_lip = r["skin"] * (1.0 - r["lips"]) * (1.0 - 0.6 * hairy)
    density = (r["nose"], (r["forehead"] + r["chin"] + 0.6 * r["cheeks"] + 0.35 * r["skin"]).clamp_max(1.0)
               * (1.0 - r["nose"]), (r["cheeks"] + 0.6 * r["nose"] + 0.3 * r["forehead"]).clamp_max(1.0))
    unresolved = torch.zeros(n, device=dev)
    for (cell, depth, radius, presence, salt), where, rot in zip(_PORES, density, ((1.1, 0.5), (0.4, 1.2), (2.1, 1.4))):
        fade = detail_fade(2.0 * radius * cell, fp)       # the opening, not the lattice, must span 2 px
        base = skin.pores * where * not_lip
        amp = base * fade
        unresolved = torch.maximum(unresolved, base * (1.0 - fade))
        sel = (amp > 1e-3).nonzero()[:, 0]
        if sel.numel():
            ph, pg = _pores(q[sel], cell, depth, radius, presence, _rotation(*rot, dev), seed + salt)
            h[sel] += amp[sel] * ph
            g[sel] += amp[sel, None] * pg
    line_h = torch.zeros(n, device=dev)
    if anchors is not None:
        sel = _line_zone(q, r, anchors, creases).nonzero()[:, 0]
        if sel.numel():
            lh, lg = _lines(q[sel], RegionWeights(r.weights[sel]), anchors, skin, seed, fp[sel], creases)
            line_h[sel] = lh
            g[sel] += lg
    sel = (r["lips"] > 0.6).nonzero()[:, 0]
    if lip_furrows > 0 and sel.numel():
        fh, fg = _lip_furrows(q[sel], r["lips"][sel], lip_furrows, seed, fp[sel])
        h[sel] += fh
        g[sel] += fg
    # imperfections: a few soft raised bumps ~2 mm across
    imp = 0.05 * skin.imperfections * detail_fade(2.5, fp) * r["skin"] * (1.0 - r["lips"])
    sel = (imp > 1e-4).nonzero()[:, 0]
    if sel.numel():
        b, bg = value_noise_grad(q[sel] / 2.2, seed + 61)
        bb = ((b - 0.80) / 0.2).clamp(0.0, 1.0)
        h[sel] += imp[sel] * bb * bb
        g[sel] += (imp[sel] * 2.0 * bb / 0.2 / 2.2)[:, None] * bg
    # lines mostly shade (a fifth of their depth reads as cavity); pores and furrows occlude
    cavity = (-(h + 0.2 * line_h) / _CAVITY_DEPTH_MM).clamp(0.0, 1.0)
    h = h + line_h
    # pores the pixel cannot resolve still darken the skin on average (a cell is mostly flat skin)
    cavity = torch.maximum(cavity, 0.08 * unresolved)
    return Relief(h, g, cavity)


def bump_from_gradient(n: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Tilt unit normals ``n`` (N, 3) by the tangential part of a height gradient (N, 3)."""
    g_t = grad - (grad * n).sum(1, keepdim=True) * n
    return F.normalize(n - g_t, dim=1)


def perturb_normals(n_shading: torch.Tensor, grad_rest: torch.Tensor,
                    n_rest: torch.Tensor | None = None) -> torch.Tensor:
    """Bumped shading normals (N, 3). ``grad_rest`` is the relief's gradient in rest space;
    when the surface has moved (pose, expression), ``n_rest`` (N, 3), the rest normal, carries
    it along: the gradient is turned by the smallest rotation taking ``n_rest`` to
    ``n_shading`` (exact for a rigid head turn, first-order for a local deformation)."""
    if n_rest is None:
        return bump_from_gradient(n_shading, grad_rest)
    a, b = F.normalize(n_rest, dim=1), F.normalize(n_shading, dim=1)
    axis = torch.linalg.cross(a, b, dim=1)
    c = (a * b).sum(1, keepdim=True)
    # Rodrigues for unit a → b: v' = v c + (k × v) + k (k·v) / (1 + c), with k = a × b
    kv = torch.linalg.cross(axis, grad_rest, dim=1)
    turned = grad_rest * c + kv + axis * (axis * grad_rest).sum(1, keepdim=True) / (1.0 + c).clamp_min(1e-4)
    return bump_from_gradient(b, turned)
