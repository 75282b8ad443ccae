"""Hair fibres as polylines: the ``groom`` a character grows and the strand renderer draws.

A groom is a tuple of ``StrandGroup``s, one per kind of hair (scalp hair, brows, lashes,
stubble, peach fuzz). Every strand of a group has the same number of points, root first, in
world metres on the *posed* head (growers root them on the posed mesh by triangle and
barycentric coordinates, so they move with pose and expression). Between plan nodes a groom
travels as a *groom frame* (``groom_frame`` / ``groom_of``), like the mesh frame of
``scene.py``, so the executor's caches keep it like any other node output.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.runtime.frame import Frame, FrameMeta

__all__ = ["STRAND_KINDS", "StrandGroup", "Groom", "groom_frame", "groom_of"]

# the kinds of hair a groom can hold (the renderer shades each kind with its own fibre model)
STRAND_KINDS = ("scalp", "brow", "lash", "stubble", "fuzz")


@dataclass(frozen=True)
class StrandGroup:
    """``N`` strands of one kind, each ``S`` points (S ≥ 2), root first."""

    kind: str                   # one of STRAND_KINDS
    points: torch.Tensor        # (N, S, 3) world metres, posed
    width_m: torch.Tensor       # (N, S) fibre diameter at each point (tapering to the tip)
    colour: torch.Tensor        # (N, 3) linear albedo of the fibre (its pigment seen diffusely)

    def __post_init__(self) -> None:
        if self.kind not in STRAND_KINDS:
            raise ValueError(f"unknown strand kind {self.kind!r}; one of {STRAND_KINDS}")
        n, s = self.points.shape[:2]
        if self.points.shape != (n, s, 3) or s < 2:
            raise ValueError(f"points must be (N, S>=2, 3), got {tuple(self.points.shape)}")
        if self.width_m.shape != (n, s) or self.colour.shape != (n, 3):
            raise ValueError(f"width_m must be {(n, s)} and colour {(n, 3)}, got "
                             f"{tuple(self.width_m.shape)} and {tuple(self.colour.shape)}")

    @property
    def count(self) -> int:
        return int(self.points.shape[0])


Groom = tuple[StrandGroup, ...]


def groom_frame(groom: Groom) -> Frame:
    """The groom as a frame: ``rgb`` is an unused 1×1 black image and each
    group's arrays are AOVs named ``<i>:points`` (1, 3, N, S), ``<i>:width`` (1, 1, N, S) and
    ``<i>:colour`` (1, 3, N, 1); the kinds travel in ``meta.source``."""
    aovs = {}
    for i, g in enumerate(groom):
        aovs[f"{i}:points"] = g.points.permute(2, 0, 1)[None].contiguous()
        aovs[f"{i}:width"] = g.width_m[None, None].contiguous()
        aovs[f"{i}:colour"] = g.colour.T[None, :, :, None].contiguous()
    device = groom[0].points.device if groom else torch.device("cpu")
    meta = FrameMeta(source="groom:" + ",".join(g.kind for g in groom))
    return Frame(rgb=torch.zeros(1, 3, 1, 1, device=device), aovs=aovs, meta=meta)


def groom_of(frame: Frame) -> Groom:
    """The groom a groom frame carries."""
    if not frame.meta.source.startswith("groom:"):
        raise ValueError("not a groom frame")
    kinds = [k for k in frame.meta.source[6:].split(",") if k]
    return tuple(StrandGroup(kind=kind,
                             points=frame.aovs[f"{i}:points"][0].permute(1, 2, 0).contiguous(),
                             width_m=frame.aovs[f"{i}:width"][0, 0].contiguous(),
                             colour=frame.aovs[f"{i}:colour"][0, :, :, 0].T.contiguous())
                 for i, kind in enumerate(kinds))
