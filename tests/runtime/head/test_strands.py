"""The groom's data contract: groups validate their shapes and survive the groom frame."""

import pytest
import torch

from shotspec.runtime.head.strands import StrandGroup, groom_frame, groom_of


def _group(kind: str, n: int, s: int, seed: int) -> StrandGroup:
    g = torch.Generator().manual_seed(seed)
    return StrandGroup(kind, torch.rand(n, s, 3, generator=g), torch.rand(n, s, generator=g),
                       torch.rand(n, 3, generator=g))


def test_groom_frame_round_trip_is_exact():
    groom = (_group("scalp", 7, 5, 1), _group("lash", 3, 4, 2))
    back = groom_of(groom_frame(groom))
    assert [b.kind for b in back] == ["scalp", "lash"]
    for a, b in zip(groom, back):
        assert torch.equal(a.points, b.points)
        assert torch.equal(a.width_m, b.width_m)
        assert torch.equal(a.colour, b.colour)


def test_empty_groom_round_trips():
    assert groom_of(groom_frame(())) == ()


def test_group_rejects_bad_shapes_and_kinds():
    with pytest.raises(ValueError, match="unknown strand kind"):
        StrandGroup("beard", torch.zeros(1, 2, 3), torch.zeros(1, 2), torch.zeros(1, 3))
    with pytest.raises(ValueError, match="width_m"):
        StrandGroup("brow", torch.zeros(2, 3, 3), torch.zeros(2, 2), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="S>=2"):
        StrandGroup("brow", torch.zeros(2, 1, 3), torch.zeros(2, 1), torch.zeros(2, 3))
