"""Stubble and peach fuzz: the short hair of the face (``grow_stubble``, ``grow_fuzz``).

**Stubble** (kind ``stubble``; off unless the spec grows it) covers the beard area — the skin
regions ``beard`` and ``upper_lip`` — and never the lips, the nose or the eyelids (roots there
are refused outright, not just made rare). Shaved hair regrows nearly straight out of the skin:
each hair leaves at 25° ± 8° from the skin's normal, leaning along the beard's flow (down, and
out towards the ears on the cheeks), and keeps the cut end's width (70–110 µm, hardly tapered).
At ``density 1`` there are 8000 hairs (about 50 per cm² over the beard area).

**Peach fuzz** (kind ``fuzz``; ``skin { fuzz }``, 0.3 by default) is vellus hair: 1–3 mm,
15–30 µm at the root tapering to 10 µm, barely pigmented (a pale straw with a quarter of the
brows' colour, so a dark-haired person's fuzz is a little darker; nearly invisible against the
skin, it shows where it is back- or rim-lit against the dark), lying almost flat (it leaves at 12° and stays within a few tenths of a mm of
the skin) and combed along the face's flow: down and out on the cheeks and jaw, up and out on
the forehead. It grows over the forehead, temples, cheeks, chin, jaw and upper lip, thinning
under the eyes, and not on the lips, eyelids, brows, nose or scalp. At ``fuzz 1`` there are
20000 hairs. References: Blume et al. 1991 (vellus hair, Br J Dermatol 124); the beard
growth rate of about 0.4 mm a day (Saitoh et al. 1969).
"""

from __future__ import annotations

import math

import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.color import srgb_decode
from shotspec.runtime.head.groom_skin import (SkinRoots, head_of, rest_to_posed, sample_roots,
                                              seeded, strand_colours, face_hair_colour)
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.strands import StrandGroup

__all__ = ["grow_stubble", "grow_fuzz", "stubble_weight", "fuzz_weight", "STUBBLE_HAIRS",
           "FUZZ_HAIRS", "SHORT_POINTS"]

SHORT_POINTS = 4
STUBBLE_HAIRS = 8000          # at density 1
FUZZ_HAIRS = 20000            # at fuzz 1
_STUBBLE_TILT_DEG = (25.0, 8.0)
_FUZZ_TILT_DEG = 12.0
_FUZZ_LENGTH_M = (1.0e-3, 3.0e-3)
_FUZZ_PALE_SRGB = (0.86, 0.78, 0.64)    # unpigmented vellus hair, seen diffusely
_FUZZ_PIGMENT = 0.25                    # how much of the person's (brow) pigment it keeps (linear)


def _region(scene: Scene, name: str) -> torch.Tensor:
    _, nv = head_of(scene)
    return scene.attr(name)[:nv]


def stubble_weight(scene: Scene) -> torch.Tensor:
    """Where stubble grows (V,) 0–1: the beard and upper lip, never the lips, nose or lids."""
    r = lambda n: _region(scene, n)
    keep = (r("lips") < 0.02) & (r("nose") < 0.02) & (r("eyelids") <= 0.0) & (r("under_eye") < 0.1)
    return torch.maximum(r("beard"), r("upper_lip")) * keep


def fuzz_weight(scene: Scene) -> torch.Tensor:
    """Where peach fuzz grows (V,) 0–1."""
    r = lambda n: _region(scene, n)
    grows = torch.stack((r("forehead"), r("temples"), r("cheeks"), r("chin"), r("beard"),
                         r("upper_lip"), 0.4 * r("under_eye")), 1).amax(1)
    keep = ((r("lips") < 0.05) & (r("eyelids") < 0.05) & (r("brows") < 0.1) & (r("nose") < 0.3)
            & (r("scalp") < 0.1))
    return grows * keep


def _flow_rest(roots: SkinRoots, up: torch.Tensor) -> torch.Tensor:
    """The face's hair flow at the roots (rest frame, unit (N, 3)): out and down, or out and up
    where ``up`` (N,) is 1 (the forehead)."""
    out = torch.sign(roots.rest_mm[:, 0])
    down = torch.stack((0.5 * out, -torch.ones_like(out), torch.zeros_like(out)), 1)
    rise = torch.stack((0.7 * out, 0.7 * torch.ones_like(out), torch.zeros_like(out)), 1)
    f = down + up[:, None] * (rise - down)
    return f / f.norm(dim=1, keepdim=True)


def _short_hairs(roots: SkinRoots, along: torch.Tensor, tilt_rad: torch.Tensor,
                 length_m: torch.Tensor, droop: float) -> torch.Tensor:
    """Points (N, SHORT_POINTS, 3): from each root, ``tilt_rad`` off the skin's normal towards
    ``along`` (unit, on the skin), bending a further ``droop`` of the remaining angle towards
    the skin by the tip."""
    n = roots.normal
    along = along - (along * n).sum(1, keepdim=True) * n
    along = along / along.norm(dim=1, keepdim=True).clamp_min(1e-12)
    s = torch.linspace(0.0, 1.0, SHORT_POINTS, device=n.device)
    pts = [roots.posed_m]
    for k in range(1, SHORT_POINTS):
        mid = 0.5 * (s[k - 1] + s[k])
        a = tilt_rad + droop * mid * (0.5 * math.pi - tilt_rad)
        step = torch.cos(a)[:, None] * n + torch.sin(a)[:, None] * along
        pts.append(pts[-1] + step * (length_m / (SHORT_POINTS - 1))[:, None])
    return torch.stack(pts, 1)


def grow_stubble(scene: Scene, character: CharacterIR) -> StrandGroup | None:
    """The beard area's stubble (None unless ``stubble`` is on with a density above 0)."""
    spec = character.stubble
    count = round(STUBBLE_HAIRS * spec.density) if spec.enabled else 0
    if count == 0:
        return None
    gen = seeded(character.seed, "stubble")
    roots = sample_roots(scene, stubble_weight(scene), count, gen)
    n, dev = len(roots.tri), scene.vertices.device
    rnd = lambda *shape: torch.rand(*shape, generator=gen).to(dev)
    along = rest_to_posed(scene, roots, _flow_rest(roots, torch.zeros(n, device=dev)))
    tilt = torch.deg2rad(_STUBBLE_TILT_DEG[0] + _STUBBLE_TILT_DEG[1] * (2.0 * rnd(n) - 1.0))
    length = spec.length_m * (0.7 + 0.6 * rnd(n))
    points = _short_hairs(roots, along, tilt, length, 0.1)
    s = torch.linspace(0.0, 1.0, SHORT_POINTS, device=dev)
    width = (70e-6 + 40e-6 * rnd(n, 1)) * (1.0 - 0.2 * s[None])
    colour = face_hair_colour(spec.colour_srgb, character.seed)
    return StrandGroup("stubble", points, width, strand_colours(colour, n, 0.15, gen, dev))


def grow_fuzz(scene: Scene, character: CharacterIR) -> StrandGroup | None:
    """The face's peach fuzz (None at ``fuzz 0``)."""
    count = round(FUZZ_HAIRS * character.skin.fuzz)
    if count == 0:
        return None
    gen = seeded(character.seed, "fuzz")
    roots = sample_roots(scene, fuzz_weight(scene), count, gen)
    n, dev = len(roots.tri), scene.vertices.device
    rnd = lambda *shape: torch.rand(*shape, generator=gen).to(dev)
    head, nv = head_of(scene)
    forehead = (scene.attr("forehead")[:nv][head.faces[roots.tri]] * roots.bary).sum(1)
    along = rest_to_posed(scene, roots, _flow_rest(roots, (2.0 * forehead).clamp(0.0, 1.0)))
    tilt = torch.full((n,), math.radians(90.0 - _FUZZ_TILT_DEG), device=dev)
    length = _FUZZ_LENGTH_M[0] + (_FUZZ_LENGTH_M[1] - _FUZZ_LENGTH_M[0]) * rnd(n)
    points = _short_hairs(roots, along, tilt, length, 0.6)
    s = torch.linspace(0.0, 1.0, SHORT_POINTS, device=dev)
    w0 = 15e-6 + 15e-6 * rnd(n, 1)
    width = w0 - (w0 - 10e-6) * s[None]
    brow = face_hair_colour(character.brows.colour_srgb, character.seed)
    straw = torch.tensor([srgb_decode(c) for c in _FUZZ_PALE_SRGB], dtype=torch.float64)
    pale = _FUZZ_PIGMENT * brow + (1.0 - _FUZZ_PIGMENT) * straw
    return StrandGroup("fuzz", points, width, strand_colours(pale, n, 0.1, gen, dev))
