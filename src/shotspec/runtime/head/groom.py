"""``grow_groom``: every strand a character grows on its posed head (the ``groom`` node).

Each kind of hair has its grower module; this one only gathers their groups in a fixed order
(scalp, brows, lashes, stubble, peach fuzz), so the same character and seed always give the same
groom. A grower returns ``None`` when the character has none of its hair.
"""

from __future__ import annotations

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.head.groom_brows import grow_brows
from shotspec.runtime.head.groom_lashes import grow_lashes
from shotspec.runtime.head.groom_scalp import grow_scalp
from shotspec.runtime.head.groom_short_hair import grow_fuzz, grow_stubble
from shotspec.runtime.head.scene import Scene
from shotspec.runtime.head.strands import Groom, StrandGroup

__all__ = ["grow_groom"]


def grow_groom(scene: Scene, character: CharacterIR) -> Groom:
    """The character's strands on ``scene`` (its posed head), one group per kind present."""
    # (scene, character) -> StrandGroup | None, in groom order
    growers: list = [grow_scalp, grow_brows, grow_lashes, grow_stubble, grow_fuzz]
    groups: list[StrandGroup] = []
    for grow in growers:
        group = grow(scene, character)
        if group is not None and group.count:
            groups.append(group)
    return tuple(groups)
