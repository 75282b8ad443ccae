"""Per-character traits drawn from the seed: the draw streams, the iris colour, the cloth colour.

Every trait has its own named stream (``trait_draws(seed, "iris", 1)``), drawn with Python's
Mersenne Twister (``random.Random``), which is specified bit-exactly and stable across
processes, platforms and Python versions; a stream never shifts when another trait changes.
"""

from __future__ import annotations

import random

import torch

from shotspec.color import srgb_to_linear
from shotspec.compiler.ir import CharacterIR

__all__ = ["trait_draws", "iris_colour", "cloth_albedo"]

# sRGB iris colours: dark brown, brown, hazel, green, blue, grey, with their population shares
_IRIS = ((0.20, 0.11, 0.05), (0.33, 0.19, 0.09), (0.45, 0.35, 0.16), (0.33, 0.42, 0.24),
         (0.32, 0.45, 0.60), (0.42, 0.46, 0.50))
_IRIS_P = (0.35, 0.25, 0.12, 0.08, 0.14, 0.06)
# linear albedos of the top's fabric: navy, charcoal, brown, bottle green, light grey
_CLOTH = ((0.025, 0.03, 0.045), (0.05, 0.05, 0.05), (0.06, 0.045, 0.03), (0.03, 0.045, 0.035),
          (0.10, 0.10, 0.11))


def trait_draws(seed: int, salt: str, count: int) -> list[float]:
    """``count`` uniform draws in 0…1 for a named per-character trait stream (hair colour,
    eye colour, cloth…), deterministic in ``seed`` and ``salt``."""
    key = (int(seed) & 0xFFFFFFFFFFFF) * 1_000_003 + sum((i + 1) * ord(c) for i, c in enumerate(salt))
    rng = random.Random(key)
    return [rng.random() for _ in range(count)]


def iris_colour(character: CharacterIR, device) -> torch.Tensor:
    """(3,) linear iris colour: the spec's ``eyes.iris_srgb`` or drawn from the seed."""
    if character.eyes.iris_srgb is not None:
        srgb = character.eyes.iris_srgb
    else:
        r = trait_draws(int(character.seed), "iris", 1)[0]
        acc, srgb = 0.0, _IRIS[-1]
        for c, p in zip(_IRIS, _IRIS_P):
            acc += p
            if r < acc:
                srgb = c
                break
    return srgb_to_linear(torch.tensor(srgb, device=device, dtype=torch.float32))


def cloth_albedo(seed: int, device) -> torch.Tensor:
    """(3,) linear albedo of the character's top, one of a few dark plain fabrics."""
    r = trait_draws(seed, "cloth", 2)
    return torch.tensor(_CLOTH[min(int(r[0] * len(_CLOTH)), len(_CLOTH) - 1)], device=device)
