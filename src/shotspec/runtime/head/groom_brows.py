"""Eyebrows grown over the brow ridge of the posed head (``grow_brows``, kind ``brow``).

A brow is laid out along its own line on the rest face, from the head of the brow (beside the
nose, landmark 22/21) to its tail (landmark 26/17), ``u`` 0 → 1. The line is the landmarks'
brow band moved by the ``shape`` (``straight`` flattens it towards the chord from head to tail,
``arched`` lifts the middle, ``angled`` peaks it at two thirds); its height is set by
``thickness`` (tallest at the head, tapering to the tail). Roots are drawn inside it, densest in
the body, sparser at the head and thinning to the tail, with soft irregular edges, and only where
the skin's ``brows`` region is. Hair directions fan as a brow artist combs them: up and a little
towards the nose at the head, turning to lateral in the body (the upper hairs angled down and the
lower ones up, meeting along the line: the brow's herringbone) and out-and-down along the tail,
each hair curving a little clockwise on its way. Hairs emerge at a shallow angle and lie along
the skin (0.08 mm above it at the root rising to about 0.4 mm at the tip), rooted on the posed
triangles so a brow raise lifts them. References: the standard brow-mapping proportions
(head over the ala, arch at two thirds, tail on the line from the ala past the outer canthus);
Yoon et al. 2017 (eyebrow hair direction maps, Arch Plast Surg 44).
"""

from __future__ import annotations

import math

import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.head_facts import LANDMARKS_68
from shotspec.runtime.head.groom_skin import (head_of, lay_on_skin, rest_to_posed, sample_roots,
                                              seeded, strand_colours, face_hair_colour)
from shotspec.runtime.head.regions import smoothstep
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.strands import StrandGroup

__all__ = ["grow_brows", "brow_layout", "brow_landmarks", "brow_angle_deg", "BROW_POINTS", "BROW_HAIRS"]

BROW_POINTS = 8
BROW_HAIRS = 550                      # per brow at density 1, thickness 0.5
_ROOT_WIDTH_M = (60e-6, 100e-6)
_LIFT_M = (0.08e-3, 0.32e-3)          # height above the skin at the root, and gained to the tip
# the comb direction along the brow (degrees above lateral; > 90: towards the nose)
_ANGLE_U = (0.0, 0.12, 0.3, 0.7, 1.0)
_ANGLE_DEG = (100.0, 70.0, 18.0, 5.0, -22.0)
_CURVE_DEG = 12.0                     # each hair turns this much clockwise root to tip
_SHAPE_MM = {"straight": 0.0, "soft_arch": 0.0, "arched": 2.0, "angled": 2.0}


def _lerp_table(x: torch.Tensor, xs, ys) -> torch.Tensor:
    """Piecewise-linear ``ys`` over increasing ``xs`` at ``x``, held flat beyond the ends."""
    xs_t = torch.tensor(xs, dtype=x.dtype, device=x.device)
    ys_t = torch.tensor(ys, dtype=x.dtype, device=x.device)
    i = (torch.searchsorted(xs_t, x.contiguous()) - 1).clamp(0, len(xs) - 2)
    f = ((x - xs_t[i]) / (xs_t[i + 1] - xs_t[i])).clamp(0.0, 1.0)
    return ys_t[i] + f * (ys_t[i + 1] - ys_t[i])


def brow_angle_deg(u: torch.Tensor) -> torch.Tensor:
    """The comb direction (degrees above lateral) at place ``u`` along the brow (0 head … 1 tail)."""
    return _lerp_table(u, _ANGLE_U, _ANGLE_DEG)


def brow_landmarks(rest_mm: torch.Tensor) -> torch.Tensor:
    """The +x brow's landmarks 22–26 (5, 3) on the rest head ``rest_mm`` (V, 3) mm."""
    return rest_mm[torch.tensor(LANDMARKS_68[22:27], device=rest_mm.device)]


def brow_layout(landmarks_mm: torch.Tensor, p_mm: torch.Tensor, shape: str,
                thickness: float) -> tuple[torch.Tensor, ...]:
    """Where rest-face points ``p_mm`` (N, 3) sit in the brow of their side (``landmarks_mm``
    from ``brow_landmarks``): ``u`` (N,) along it (0 head … 1 tail), ``across`` (N,) from its
    centre line in half-heights (+ above) and the brow's density there (N,) 0–1 (0 outside)."""
    return _layout(landmarks_mm, p_mm, shape, thickness)


def _layout(lm: torch.Tensor, p: torch.Tensor, shape: str, thickness: float):
    ax, y = p[:, 0].abs(), p[:, 1]
    x_in, x_out = float(lm[0, 0]), float(lm[-1, 0])
    u = (ax - x_in) / (x_out - x_in)
    knots_u = ((lm[:, 0] - x_in) / (x_out - x_in)).tolist()
    line = _lerp_table(u, knots_u, (lm[:, 1] - 3.0).tolist())
    chord = float(lm[0, 1]) - 3.0 + u.clamp(0, 1) * float(lm[-1, 1] - lm[0, 1])
    if shape == "straight":
        line = chord + 0.3 * (line - chord)
    elif shape == "arched":
        line = line + _SHAPE_MM[shape] * torch.sin(math.pi * u.clamp(0, 1))
    elif shape == "angled":
        line = line + _SHAPE_MM[shape] * _lerp_table(u, (0.0, 0.65, 1.0), (0.0, 1.0, 0.0))
    half = (1.8 + 3.2 * thickness) * _lerp_table(u, (0.0, 0.35, 1.0), (1.15, 1.0, 0.35))
    across = (y - line) / half
    along = (smoothstep(-0.08, 0.05, u) * smoothstep(1.08, 0.95, u)
             * _lerp_table(u, (0.0, 0.15, 0.25, 0.65, 1.0), (0.55, 0.8, 1.0, 1.0, 0.4)))
    density = along * smoothstep(1.1, 0.6, across.abs())
    return u, across, density


def grow_brows(scene: Scene, character: CharacterIR) -> StrandGroup | None:
    """Both brows on the posed ``scene`` (None at ``density 0``)."""
    spec = character.brows
    count = round(2 * BROW_HAIRS * spec.density * (0.6 + 0.8 * spec.thickness))
    if count == 0:
        return None
    head, nv = head_of(scene)
    rest_mm = scene.rest[:nv] * 1000.0
    region = scene.attr("brows")[:nv]
    lm = brow_landmarks(rest_mm)
    _, _, density = brow_layout(lm, rest_mm, spec.shape, spec.thickness)
    gen = seeded(character.seed, "brow")
    roots = sample_roots(scene, density * (3.0 * region).clamp(0.0, 1.0), count, gen)
    n = len(roots.tri)
    u, across, _ = brow_layout(lm, roots.rest_mm, spec.shape, spec.thickness)
    lateral = torch.sign(roots.rest_mm[:, 0])
    angle = (brow_angle_deg(u) - 12.0 * across.clamp(-1.0, 1.0)
             + 8.0 * torch.randn(n, generator=gen).to(u.device))
    ends = []
    for a in (angle, angle - _CURVE_DEG):
        rad = torch.deg2rad(a)
        ends.append(rest_to_posed(scene, roots, torch.stack(
            (lateral * torch.cos(rad), torch.sin(rad), torch.zeros_like(rad)), 1)))
    s = torch.linspace(0.0, 1.0, BROW_POINTS, device=u.device)
    length = (spec.length_m * _lerp_table(u, (0.0, 0.3, 0.7, 1.0), (0.8, 1.0, 1.0, 0.8))
              * (0.85 + 0.5 * torch.rand(n, generator=gen).to(u.device)))
    d = ends[0][:, None] * (1.0 - s)[None, :, None] + ends[1][:, None] * s[None, :, None]
    d = d / d.norm(dim=-1, keepdim=True)
    steps = d[:, :-1] * (length / (BROW_POINTS - 1))[:, None, None]
    points = torch.cat((roots.posed_m[:, None], roots.posed_m[:, None] + steps.cumsum(1)), 1)
    rise = 0.6 + 0.8 * torch.rand(n, 1, generator=gen).to(u.device)
    height = _LIFT_M[0] + _LIFT_M[1] * s[None] ** 0.6 * rise
    near = _vertices_near(head, rest_mm, roots.rest_mm, spec.length_m * 1000.0 + 3.0)
    points = lay_on_skin(scene, points, height.expand(n, -1), near)
    w0 = _ROOT_WIDTH_M[0] + (_ROOT_WIDTH_M[1] - _ROOT_WIDTH_M[0]) * torch.rand(n, 1, generator=gen)
    width = (w0.to(u.device) * (1.0 - 0.75 * s[None] ** 1.5))
    colour = face_hair_colour(spec.colour_srgb, character.seed)
    return StrandGroup("brow", points, width, strand_colours(colour, n, 0.12, gen, u.device))


def _vertices_near(head, rest_mm: torch.Tensor, roots_mm: torch.Tensor,
                   reach_mm: float) -> torch.Tensor:
    """Face-part vertex ids within ``reach_mm`` of the roots' bounding box (the skin a hair of
    these roots can lie on)."""
    ids = head.part_vertices("face")
    lo, hi = roots_mm.amin(0) - reach_mm, roots_mm.amax(0) + reach_mm
    p = rest_mm[ids]
    inside = ((p >= lo) & (p <= hi)).all(1)
    return ids[inside]
