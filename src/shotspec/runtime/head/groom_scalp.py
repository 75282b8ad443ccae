"""``grow_scalp``: the scalp hair of a character as strands (the ``scalp`` group of its groom).

Roots are sampled by area on the posed head's hair-bearing skin, the region ``hair_shell``
measures (its wandering hairline, the ears' clearance, the nape): each triangle gets its
expected share of ``density × 200 hairs/cm²`` (stratified: the whole part, plus one more with
the remainder's probability), kept with the probability of the hairline's coverage at the root,
so density falls off over the last 6 mm. Along the hairline fine vellus "baby hairs" are added
(shorter, thinner, lighter, in random directions). Each root gets a comb direction (parted on
top, back over the crown with a whorl there, down the sides and back) and its style grows the
strand (``groom_scalp_style``); strands then gather into clumps, get per-strand frizz, and a few
strays break the silhouette. Width tapers root → tip from 60–90 µm.

A style has a render budget (strands × points): when a full head's count is above it, each
drawn strand stands for ``r`` real hairs and is drawn ``√r`` wider, so the hair's opacity stays
near a real head's while each strand still reads as a fibre. Seeded: the same character gives
bit-identical tensors.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from shotspec.compiler.hair_pigment import UNPIGMENTED, melanin_colour
from shotspec.compiler.ir import CharacterIR, hair_length_m
from shotspec.runtime.head.groom_scalp_body import body_proxy
from shotspec.runtime.head.groom_scalp_style import STYLE_SHAPES, grow_strands
from shotspec.runtime.head.hair_shell import HAIRLINE_SOFT_M, hair_coverage, rest_to_posed, skin_faces
from shotspec.runtime.head.model import load_head
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.skin_albedo import hair_albedo
from shotspec.runtime.head.strands import StrandGroup
from shotspec.runtime.head.wardrobe import vertex_normals

__all__ = ["grow_scalp", "scalp_roots", "NATURAL_HAIRS_PER_CM2", "BUDGET", "scalp_fibre_albedo"]

NATURAL_HAIRS_PER_CM2 = 200.0       # a full adult head of terminal hair
# style -> (most strands drawn, points per strand): what the strand renderer is sized for
BUDGET = {"buzz": (90_000, 4), "short": (70_000, 10), "long": (60_000, 24),
          "tied_back": (50_000, 20)}
BABY_HAIRS_PER_CM = 6.0             # vellus hairs per cm of hairline
_ROOT_WIDTH_M = (60e-6, 90e-6)
_BABY_WIDTH_M = (20e-6, 35e-6)
_BABY_LENGTH_M = (0.004, 0.014)


def scalp_fibre_albedo(character: CharacterIR, device) -> torch.Tensor:
    """(3,) linear albedo of the character's pigmented scalp fibres: the spec's ``hair``
    colour, else the colour drawn from its seed."""
    rgb = character.hair.albedo_linear
    if rgb is None:
        return hair_albedo(int(character.seed), device)
    return torch.tensor(rgb, dtype=torch.float32, device=device)


def scalp_roots(scene: Scene, character: CharacterIR, count_scale: float,
                generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Roots on the posed scalp: ``count_scale`` roots per m² of full coverage. Returns
    ``p`` (N, 3) posed, ``n`` (N, 3) posed normals, ``rest`` (N, 3) and ``rest_n`` (N, 3) on
    the neutral head, ``inset`` (N,) m inside the hairline, ``cover`` (N,) 0–1, ``baby`` (N,)
    bool (vellus hairs along the hairline)."""
    dev = scene.vertices.device
    head = load_head(str(dev))
    v_count = head.neutral.shape[0]
    cover, inset = (t.to(dev) for t in hair_coverage(head, seed=int(character.seed)))
    region = skin_faces(head).to(dev)
    faces = region[(inset[region] > -0.0015).any(1)]
    posed = scene.vertices[:v_count].float()
    pn = scene.normals[:v_count].float()
    rest = head.neutral.to(dev)
    rest_n = vertex_normals(rest, region)
    a, b, c = (posed[faces[:, k]] for k in range(3))
    area = 0.5 * torch.linalg.cross(b - a, c - a, dim=1).norm(dim=1)
    out = []
    for baby in (False, True):
        if baby:
            # a band ~2 mm wide along the edge: per-area rate that gives BABY_HAIRS_PER_CM
            expected = area * (BABY_HAIRS_PER_CM * 100.0 / 0.002)
        else:
            expected = area * count_scale
        n_tri = torch.floor(expected + torch.rand(len(faces), generator=generator, device=dev))
        tri = torch.repeat_interleave(torch.arange(len(faces), device=dev), n_tri.long())
        u = torch.rand(len(tri), 2, generator=generator, device=dev)
        flip = u.sum(1) > 1.0
        u = torch.where(flip[:, None], 1.0 - u, u)
        w = torch.stack([1.0 - u[:, 0] - u[:, 1], u[:, 0], u[:, 1]], 1)
        f = faces[tri]
        ins = (inset[f] * w).sum(1)
        cov = (cover[f] * w).sum(1)
        ramp = (ins / HAIRLINE_SOFT_M).clamp(0.0, 1.0)
        keep_p = torch.exp(-((ins - 0.0005) / 0.0012) ** 2) if baby else ramp * ramp * (3 - 2 * ramp)
        keep = torch.rand(len(tri), generator=generator, device=dev) < keep_p
        if baby:
            keep &= ins > -0.0015
        f, w = f[keep], w[keep]

        def at(values: torch.Tensor) -> torch.Tensor:
            return (values[f] * w[..., None]).sum(1)
        out.append({"p": at(posed), "n": F.normalize(at(pn), dim=1), "rest": at(rest),
                    "rest_n": F.normalize(at(rest_n), dim=1), "inset": ins[keep],
                    "cover": cov[keep],
                    "baby": torch.full((len(f),), baby, dtype=torch.bool, device=dev)})
    return {k: torch.cat([o[k] for o in out]) for k in out[0]}


def _colour(base: torch.Tensor, baby: torch.Tensor, grey: float,
            g: torch.Generator) -> torch.Tensor:
    """Per-strand linear albedo (N, 3): the base with ±15 % melanin (absorption ``k`` raises
    the colour to ``√k``), unpigmented fibres with probability ``grey``, vellus hairs with a
    third of the melanin."""
    n, dev = len(baby), base.device
    k = torch.exp(0.15 * torch.randn(n, generator=g, device=dev))
    k = torch.where(baby, 0.33 * k, k)
    col = base.clamp(1e-4, 1.0)[None] ** torch.sqrt(k)[:, None]
    white = torch.tensor(melanin_colour(*UNPIGMENTED), device=dev)
    is_grey = torch.rand(n, generator=g, device=dev) < grey
    return torch.where(is_grey[:, None], white[None] ** torch.sqrt(k)[:, None], col)


def grow_scalp(scene: Scene, character: CharacterIR) -> StrandGroup | None:
    """The character's scalp strands on its posed head; ``None`` for ``style none`` or a
    density of 0."""
    hair = character.hair
    if hair.style == "none" or hair.density <= 0.0:
        return None
    dev = scene.vertices.device
    g = torch.Generator(device=dev).manual_seed((int(character.seed) * 7919 + 0x5CA1) % 2**63)
    shape = STYLE_SHAPES[hair.style]
    max_strands, points = BUDGET[hair.style]
    head = load_head(str(dev))
    # a full head's count against the budget: how many real hairs a drawn strand stands for
    area_cm2 = float(_scalp_area_m2(scene, character)) * 1e4
    natural = NATURAL_HAIRS_PER_CM2 * area_cm2
    stands_for = max(1.0, natural / max_strands)
    per_m2 = hair.density * NATURAL_HAIRS_PER_CM2 * 1e4 / stands_for
    roots = scalp_roots(scene, character, per_m2, g)
    baby = roots["baby"]
    n = len(baby)
    if n == 0:
        return None
    v_count = head.neutral.shape[0]
    skin_ids = torch.unique(skin_faces(head))
    cranium = skin_ids[head.neutral[skin_ids, 1] > 0.03].to(dev)
    rot = rest_to_posed(head, scene.vertices[:v_count].float(), cranium).float()
    proxy = body_proxy(scene, v_count, skin_ids.to(dev))
    length = hair_length_m(hair) * torch.exp(0.08 * torch.randn(n, generator=g, device=dev))
    baby_len = _BABY_LENGTH_M[0] + (_BABY_LENGTH_M[1] - _BABY_LENGTH_M[0]) * torch.rand(
        n, generator=g, device=dev)
    length = torch.where(baby, torch.minimum(baby_len, length), length)
    pts = grow_strands(shape, roots, rot, proxy, length, points, int(character.seed), g)
    if shape.trim_ears:
        pts = _trim_at_hairline(pts, roots["inset"], rot[:, 1], baby)
    width0 = _ROOT_WIDTH_M[0] + (_ROOT_WIDTH_M[1] - _ROOT_WIDTH_M[0]) * torch.rand(
        n, generator=g, device=dev)
    width0 = width0 * math.sqrt(stands_for)
    bw = _BABY_WIDTH_M[0] + (_BABY_WIDTH_M[1] - _BABY_WIDTH_M[0]) * torch.rand(
        n, generator=g, device=dev)
    width0 = torch.where(baby, bw, width0)
    u = torch.linspace(0.0, 1.0, points, device=dev)
    width = width0[:, None] * (1.0 - 0.65 * u[None] ** 3)
    colour = _colour(scalp_fibre_albedo(character, dev), baby, hair.grey, g)
    return StrandGroup(kind="scalp", points=pts.contiguous(), width_m=width.contiguous(),
                       colour=colour.contiguous())


def _trim_at_hairline(pts: torch.Tensor, inset: torch.Tensor, up: torch.Tensor,
                      baby: torch.Tensor) -> torch.Tensor:
    """Short cuts are trimmed at the hairline: a strand whose tip would hang below it (its
    drop along the head's up axis ``up`` (3,) beyond its root's ``inset`` (N,) m) is shortened
    about its root, the way a barber tapers the sideburns and the neckline."""
    rise = (pts - pts[:, :1]) @ up
    drop = (-rise).amax(1)
    allowed = (inset + torch.where(baby, 0.0015, 0.0005)).clamp_min(0.0003)
    scale = torch.where(drop > allowed, allowed / drop.clamp_min(1e-9), torch.ones_like(drop))
    return pts[:, :1] + (pts - pts[:, :1]) * scale[:, None, None]


def _scalp_area_m2(scene: Scene, character: CharacterIR) -> torch.Tensor:
    """Area (m²) of the posed hair-bearing skin, weighted by the hairline's coverage."""
    dev = scene.vertices.device
    head = load_head(str(dev))
    cover, _ = (t.to(dev) for t in hair_coverage(head, seed=int(character.seed)))
    faces = skin_faces(head).to(dev)
    v = scene.vertices[: head.neutral.shape[0]].float()
    a, b, c = (v[faces[:, k]] for k in range(3))
    area = 0.5 * torch.linalg.cross(b - a, c - a, dim=1).norm(dim=1)
    return (area * cover[faces].mean(1)).sum()
