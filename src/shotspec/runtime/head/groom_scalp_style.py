"""How each scalp hair style grows its strands from their roots: the comb direction field, the
strand's path, clumping and per-strand noise.

Every strand is grown point by point (``S`` points, equal steps along its length), the way a
procedural groom grows fibres along a guide field: the step turns from the strand's current
direction towards the style's *pull* by the style's ``bend`` (stiff at the root: hair leaves the
scalp at its lift angle and then gives in), and each new point is pushed outside the body proxy
by the strand's layer over the skin (``groom_scalp_body``), so hair lies on the head and drapes
over it. The pulls:

* ``buzz`` — none: 2–6 mm hairs stand nearly radial, lying ~35° towards the comb direction;
* ``short`` — the comb direction along the scalp, pressed down to it: combed, with the root's
  lift giving volume;
* ``long`` — the comb direction for the first few centimetres, then gravity; past the
  shoulders hair flows to the front or the back (the side of the ear its root is on);
* ``tied_back`` — to the tie point behind the head, pressed tight to the scalp; past it,
  gravity round the ponytail's axis.

Then strands gather towards clump guides (a clump every ~``clump`` strands, the pull growing
root → tip), frizz with two seeded sinusoids across the strand growing towards the tip, and
3 % of them are strays: unclumped, frizzier and lifted, breaking the silhouette.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shotspec.runtime.head.groom_scalp_body import BodyProxy
from shotspec.runtime.head.hair_shell import comb_direction
from shotspec.runtime.head.nearest import nearest_index

__all__ = ["StyleShape", "STYLE_SHAPES", "comb_field", "grow_strands"]


@dataclass(frozen=True)
class StyleShape:
    """The knobs of one style's growth."""

    lift_deg: tuple[float, float]   # root angle off the scalp (range over strands)
    bend: float                     # how far each step turns towards the pull (0 stiff … 1)
    press: float                    # pull towards the scalp (short, tied: lie on it)
    gravity_after_m: float | None   # arc length over which the pull turns to gravity
    layer_m: tuple[float, float]    # hair's clearance over the skin (range over strands)
    part: float                     # how strongly the top parts sideways from the parting
    clump: int                      # strands per clump (0: none)
    clump_pull: float               # tip's pull to the guide, 0–1
    frizz_m: float                  # tip amplitude of the frizz
    trim_ears: bool                 # cut short round the ears
    whorl: float                    # how much the crown's whorl turns the comb (long hair
                                    # falls from it, a short cut shows it)


STYLE_SHAPES = {
    "buzz": StyleShape((25.0, 45.0), 0.0, 0.0, None, (0.0, 0.0002), 0.3, 0, 0.0, 0.0002, True, 1.0),
    "short": StyleShape((18.0, 35.0), 0.35, 0.45, None, (0.0005, 0.006), 0.6, 25, 0.55,
                        0.0008, True, 1.0),
    "long": StyleShape((10.0, 22.0), 0.3, 0.15, 0.07, (0.0005, 0.009), 1.0, 40, 0.6, 0.0025,
                       False, 0.25),
    "tied_back": StyleShape((2.0, 6.0), 0.5, 0.9, None, (0.0003, 0.0015), 0.0, 60, 0.45,
                            0.0008, False, 0.0),
}
_STRAY = 0.03
_CLUMP_CELL_M = 0.008     # about a clump's spacing on the scalp
_BABY_LIFT_DEG = (20.0, 60.0)


def comb_field(rest: torch.Tensor, rest_n: torch.Tensor, part_x_m: float, part: float,
               whorl: float = 1.0) -> torch.Tensor:
    """Comb direction (N, 3) in the neutral head's frame at rest points with normals: back over
    the top and down the sides and back (``hair_shell.comb_direction``), parted sideways from
    ``x = part_x_m`` on top in front of the crown, and a whorl at the crown (hair spirals out of
    it) of strength ``whorl`` 0–1. Tangent to the scalp, unit."""
    t = comb_direction(rest_n, rest[:, 0], rest[:, 2])
    top = rest_n[:, 1].clamp(0.0, 1.0) ** 2
    front = torch.sigmoid((rest[:, 2] - (rest[:, 2].min() + 0.6 * (rest[:, 2].max()
                                                                   - rest[:, 2].min()))) / 0.01)
    side = torch.tanh((rest[:, 0] - part_x_m) / 0.006)
    t = t + (part * top * front * side)[:, None] * torch.tensor([1.0, 0.0, 0.0], device=rest.device)
    # the crown: top and a third of the way back
    y_top = rest[:, 1].max()
    crown = torch.stack([rest[:, 0].mean() * 0 + 0.01, y_top - 0.012,
                         rest[:, 2].min() + 0.3 * (rest[:, 2].max() - rest[:, 2].min())])
    v = rest - crown
    radial = F.normalize(v - (v * rest_n).sum(1, keepdim=True) * rest_n, dim=1)
    swirl = torch.linalg.cross(rest_n, radial, dim=1)
    w = whorl * torch.exp(-(v.norm(dim=1) / 0.035) ** 2)[:, None]
    t = (1.0 - w) * F.normalize(t, dim=1) + w * F.normalize(radial + 0.9 * swirl, dim=1)
    t = t - (t * rest_n).sum(1, keepdim=True) * rest_n
    return F.normalize(t, dim=1)


def _tangent(d: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    return F.normalize(d - (d * n).sum(-1, keepdim=True) * n, dim=-1)


def grow_strands(shape: StyleShape, roots: dict[str, torch.Tensor], rot: torch.Tensor,
                 proxy: BodyProxy, length_m: torch.Tensor, points: int, seed: int,
                 g: torch.Generator) -> torch.Tensor:
    """Strand points (N, S, 3) world metres from ``roots`` (``groom_scalp.scalp_roots``), ``rot``
    the neutral → posed rotation (3, 3), per-strand lengths (N,) m."""
    dev = length_m.device
    n = len(length_m)
    baby = roots["baby"]
    part_x = 0.022 * (1.0 if seed % 2 else -1.0)
    t_rest = comb_field(roots["rest"], roots["rest_n"], part_x, shape.part, shape.whorl)
    # baby hairs: the comb direction turned at random about the normal by up to ±70°
    ang = (torch.rand(n, generator=g, device=dev) * 2 - 1) * math.radians(70)
    b_rest = torch.linalg.cross(roots["rest_n"], t_rest, dim=1)
    turned = t_rest * torch.cos(ang)[:, None] + b_rest * torch.sin(ang)[:, None]
    t_rest = torch.where(baby[:, None], turned, t_rest)
    t0 = _tangent(t_rest @ rot.T, roots["n"])
    nrm = roots["n"]
    lo, hi = shape.lift_deg
    lift = torch.deg2rad(lo + (hi - lo) * torch.rand(n, generator=g, device=dev))
    lift = torch.where(baby, torch.deg2rad(_BABY_LIFT_DEG[0] + (_BABY_LIFT_DEG[1] - _BABY_LIFT_DEG[0])
                                           * torch.rand(n, generator=g, device=dev)), lift)
    d = F.normalize(t0 * torch.cos(lift)[:, None] + nrm * torch.sin(lift)[:, None], dim=1)
    layer = shape.layer_m[0] + (shape.layer_m[1] - shape.layer_m[0]) * torch.rand(
        n, generator=g, device=dev) ** 2
    layer = torch.where(baby, torch.full_like(layer, 1e-4), layer)
    step = length_m / (points - 1)
    down = torch.tensor([0.0, -1.0, 0.0], device=dev)
    # tied back: the tie point behind the head at the height of the ears' tops
    c = proxy.centre
    back = rot @ torch.tensor([0.0, 0.0, -1.0], device=dev)
    tie = c + back * 0.105 + (rot @ torch.tensor([0.0, -0.01, 0.0], device=dev))
    front_side = ((roots["p"] - c) @ (-back) > 0.0).float() * 2.0 - 1.0   # +1 ahead of the ears
    side_axis = rot @ torch.tensor([1.0, 0.0, 0.0], device=dev)
    tied = torch.zeros(n, dtype=torch.bool, device=dev)
    pts = [roots["p"]]
    p = roots["p"]
    arc = torch.zeros(n, device=dev)
    style_tied = shape.press > 0.8
    for k in range(1, points):
        arc = arc + step
        radial = F.normalize(p - c, dim=1)
        if shape.bend == 0.0:
            pull = d
        elif style_tied:
            to_tie = tie - p
            tied = tied | (to_tie.norm(dim=1) < 0.012)
            along = _tangent(to_tie, radial) - shape.press * radial
            # past the tie: down, drawn to the ponytail's vertical axis (~2 cm across)
            axis = torch.stack([tie[0] - p[:, 0], torch.zeros(n, device=dev), tie[2] - p[:, 2]], 1)
            pull = torch.where(tied[:, None], down + axis / 0.02, along)
        else:
            along = _tangent(t0, radial) - shape.press * radial
            if shape.gravity_after_m is not None:
                gw = (arc / shape.gravity_after_m).clamp(0.0, 1.0)[:, None]
                flow = down + 0.35 * (arc > 0.2).float()[:, None] * front_side[:, None] * (-back)
                pull = (1.0 - gw) * along + gw * F.normalize(flow, dim=1)
                # never over the face: ahead of the head's centre and within the face's width,
                # hair is combed back
                rel = p - c
                over_face = ((rel @ side_axis).abs() < 0.07) & (rel @ (-back) > -0.01)
                pull = pull + 2.5 * over_face.float()[:, None] * back
            else:
                pull = along
        bend = shape.bend * (0.4 + 0.6 * min(1.0, k / 3.0))
        d = F.normalize(d + bend * (F.normalize(pull, dim=1) - d), dim=1)
        q = p + step[:, None] * d
        clear = layer * min(1.0, k / 2.0)
        if shape.bend > 0.0:          # a buzz cut's stubs stand straight out of the skin
            q = proxy.push_out(q, clear)
        d = F.normalize(q - p, dim=1)
        p = p + step[:, None] * d
        if shape.bend > 0.0:
            p = proxy.push_out(p, clear)
        pts.append(p)
    strands = torch.stack(pts, 1)
    return _finish(shape, strands, roots, proxy, layer, seed, g)


def _finish(shape: StyleShape, s: torch.Tensor, roots: dict[str, torch.Tensor],
            proxy: BodyProxy, layer: torch.Tensor, seed: int, g: torch.Generator) -> torch.Tensor:
    """Clumps, frizz and strays on grown strands (N, S, 3); points kept outside the proxy."""
    n, points, _ = s.shape
    dev = s.device
    u = torch.linspace(0.0, 1.0, points, device=dev)
    stray = (torch.rand(n, generator=g, device=dev) < _STRAY) & ~roots["baby"]
    if shape.clump and n > shape.clump:
        k = max(1, n // shape.clump)
        guides = torch.randperm(n, generator=g, device=dev)[:k]
        rest = roots["rest"]
        owner = guides[nearest_index(rest, rest[guides], _CLUMP_CELL_M)]
        pull = shape.clump_pull * (0.6 + 0.4 * torch.rand(n, generator=g, device=dev))
        pull = torch.where(stray | roots["baby"], torch.zeros_like(pull), pull)
        w = pull[:, None] * u[None] ** 0.8
        gap = (s[owner] - s).norm(dim=-1)
        w = w * (1.0 - (gap - 0.01) / 0.02).clamp(0.0, 1.0)    # a clump holds neighbours only
        s = s + w[..., None] * (s[owner] - s)
    # frizz: two sinusoids across the strand, growing towards the tip
    t = F.normalize(s[:, -1] - s[:, 0] + 1e-9, dim=1)
    a1 = F.normalize(torch.linalg.cross(t, roots["n"], dim=1) + 1e-9, dim=1)
    a2 = torch.linalg.cross(t, a1, dim=1)
    amp = shape.frizz_m * torch.where(stray, torch.full((n,), 5.0, device=dev),
                                      0.5 + torch.rand(n, generator=g, device=dev))
    ph = torch.rand(n, 4, generator=g, device=dev) * 2 * math.pi
    freq = 1.5 + 2.5 * torch.rand(n, 2, generator=g, device=dev)
    env = u[None] ** 1.5 * amp[:, None]
    off = (env * torch.sin(freq[:, :1] * 2 * math.pi * u[None] + ph[:, :1]))[..., None] * a1[:, None] \
        + (env * torch.sin(freq[:, 1:] * 2 * math.pi * u[None] + ph[:, 1:2]))[..., None] * a2[:, None]
    # strays also stand off the head a little towards their tips
    lift = torch.where(stray, torch.full((n,), 3.0, device=dev), torch.zeros(n, device=dev))
    off = off + (shape.frizz_m * lift[:, None] * u[None] ** 2)[..., None] * \
        F.normalize(s - proxy.centre, dim=-1)
    s = s + off
    s[:, 0] = roots["p"]
    if shape.bend > 0.0:
        clear = layer[:, None] * (u[None] * (points - 1) / 2.0).clamp(max=1.0)
        s[:, 1:] = proxy.push_out(s[:, 1:], clear[:, 1:])
    return s
