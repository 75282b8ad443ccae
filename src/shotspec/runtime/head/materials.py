"""Per-pixel materials of the scanned head: albedo and the two specular lobes, blended by the
coverage fraction of each material in the pixel (``_mat`` from ``render_geometry``).

Skin takes its colour and lobes from the skin model (``skin_albedo``, ``skin_lobes``); the eye
is sclera (soft sheen) and iris (seeded or given colour, dark pupil) under a tear film whose
mirror reflection the shader adds; teeth are ivory enamel with a glossy lobe; the mouth's
inside is a dark, wet red; hair and cloth are matte with the character's seeded colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.character.eyes import iris_colour
from shotspec.runtime.character.skin import cloth_albedo, hair_albedo, skin_base_albedo
from shotspec.runtime.frame import Frame
from shotspec.runtime.head.scene import MATERIALS

__all__ = ["PixelMaterial", "pixel_materials", "SKIN_F0"]

SKIN_F0 = 0.028                       # IOR 1.4
_SCLERA = (0.72, 0.68, 0.64)          # linear: a little warm, never paper white
_TEETH = (0.62, 0.56, 0.45)
_MOUTH = (0.20, 0.05, 0.045)
# (roughness lobe 1, roughness lobe 2, weight 1, weight 2, F0) of the non-skin materials
_LOBES = {"sclera": (0.18, 0.3, 0.4, 0.15, 0.025), "iris": (0.3, 0.5, 0.0, 0.1, 0.025),
          "teeth": (0.25, 0.5, 0.5, 0.3, 0.04), "mouth": (0.2, 0.5, 0.5, 0.2, 0.03),
          "hair": (0.6, 0.8, 0.0, 0.0, 0.046), "cloth": (0.5, 0.8, 0.3, 0.3, 0.04),
          "lashes": (0.5, 0.8, 0.0, 0.0, 0.046)}
_SKIN_LOBES = (0.35, 0.6, 0.45, 0.55)


@dataclass(frozen=True)
class PixelMaterial:
    """Material of N pixels: linear ``albedo`` (N, 3); GGX lobes ``a1``/``a2`` (α, N,) with
    weights ``w1``/``w2``; Fresnel ``f0``; ``eye`` the pixel's eyeball fraction (N,)."""

    albedo: torch.Tensor
    a1: torch.Tensor
    a2: torch.Tensor
    w1: torch.Tensor
    w2: torch.Tensor
    f0: torch.Tensor
    eye: torch.Tensor


def _iris(character: CharacterIR, frame: Frame, idx: torch.Tensor) -> torch.Tensor:
    return iris_colour(character, frame.device).expand(idx.numel(), 3)


def pixel_materials(frame: Frame, idx: torch.Tensor, character: CharacterIR) -> PixelMaterial:
    """The blended material of the pixels ``idx`` (flat ids) of a geometry ``frame``."""
    dev = frame.device
    mat = frame.aovs["_mat"][0].reshape(len(MATERIALS), -1)[:, idx]          # (K, N)
    seed = int(character.seed)
    colours = {
        "skin": skin_base_albedo(character, dev).expand(idx.numel(), 3),
        "sclera": torch.tensor(_SCLERA, device=dev).expand(idx.numel(), 3),
        "iris": _iris(character, frame, idx),
        "teeth": torch.tensor(_TEETH, device=dev).expand(idx.numel(), 3),
        "mouth": torch.tensor(_MOUTH, device=dev).expand(idx.numel(), 3),
        "hair": hair_albedo(seed, dev).expand(idx.numel(), 3),
        "cloth": cloth_albedo(seed, dev).expand(idx.numel(), 3),
        "lashes": hair_albedo(seed, dev).expand(idx.numel(), 3) * 0.5,
    }
    total = mat.sum(0).clamp_min(1e-6)
    albedo = torch.zeros(idx.numel(), 3, device=dev)
    lobes = torch.zeros(5, idx.numel(), device=dev)
    for name, k in MATERIALS.items():
        frac = mat[k] / total
        albedo = albedo + frac[:, None] * colours[name]
        params = _LOBES.get(name, (*_SKIN_LOBES, SKIN_F0))
        lobes = lobes + frac[None] * torch.tensor(params, device=dev)[:, None]
    eye = (mat[MATERIALS["sclera"]] + mat[MATERIALS["iris"]]) / total
    return PixelMaterial(albedo=albedo, a1=lobes[0] ** 2, a2=lobes[1] ** 2, w1=lobes[2],
                         w2=lobes[3], f0=lobes[4], eye=eye)
