"""Identity parameters of the procedural head, resolved without torch.

Each parameter is a signed offset in −1…1 from the average face (0). A value set in the
character's ``face`` block wins; every other value is drawn from the character's seed with
Python's Mersenne Twister (``random.Random(seed)``), which is specified bit-exactly and stable
across processes, platforms and Python versions. The draw order is the fixed order of
``FACE_PARAMS``, and every parameter is always drawn (even when overridden) so overriding one
parameter never changes the others.

The draws are triangular (sum of two uniforms, rescaled): most people are near average and
extreme faces are rare, as in a real population.
"""

from __future__ import annotations

import random

from shotspec.compiler.ir import FACE_PARAMS, CharacterIR

__all__ = ["face_params", "DEFAULT_CHARACTER", "trait_draws"]

DEFAULT_CHARACTER = CharacterIR(name="default", seed=0)

# A salt keeps the face stream independent from other per-seed draws (skin, hair, eyes).
_FACE_SALT = 0x5F3759DF


def face_params(character: CharacterIR | None) -> dict[str, float]:
    """Resolved face-shape parameters, keys ``FACE_PARAMS``, values in −1…1.

    ``None`` means the embedded default character (seed 0).
    """
    character = character or DEFAULT_CHARACTER
    rng = random.Random(_FACE_SALT ^ (int(character.seed) & 0xFFFFFFFFFFFF))
    overrides = character.face
    out: dict[str, float] = {}
    for name in FACE_PARAMS:
        drawn = (rng.random() + rng.random() - 1.0) * 0.85
        given = getattr(overrides, name)
        value = float(given) if given is not None else drawn
        out[name] = max(-1.0, min(1.0, value))
    return out


def trait_draws(seed: int, salt: str, count: int) -> list[float]:
    """``count`` uniform draws in 0…1 for a named per-character trait stream (hair colour,
    eye colour, pore layout offsets…), deterministic in ``seed`` and ``salt``."""
    key = (int(seed) & 0xFFFFFFFFFFFF) * 1_000_003 + sum((i + 1) * ord(c) for i, c in enumerate(salt))
    rng = random.Random(key)
    return [rng.random() for _ in range(count)]
