"""The groom's grid nearest-neighbour search gives the exact nearest target, as a brute-force
search of every distance does, including for queries far from every target and for ties."""

import torch

from shotspec.runtime.head.nearest import nearest_index


def _brute(points, targets):
    d = (points[:, None, :] - targets[None]).square().sum(-1)
    return d.argmin(1)


def test_matches_brute_force_on_a_scalp_like_cap():
    g = torch.Generator().manual_seed(3)
    v = torch.randn(6000, 3, generator=g)
    v = v / v.norm(dim=1, keepdim=True) * 0.1
    guides = v[torch.randperm(len(v), generator=g)[:240]]
    for cell in (0.003, 0.008, 0.02):
        assert torch.equal(nearest_index(v, guides, cell), _brute(v, guides))


def test_far_queries_fall_back_to_the_full_search():
    targets = torch.tensor([[0.0, 0.0, 0.0], [0.05, 0.0, 0.0], [0.0, 0.3, 0.0]])
    points = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.2, 0.0], [-0.5, -0.5, 0.5], [0.049, 0.0, 0.0]])
    assert nearest_index(points, targets, 0.01).tolist() == [1, 2, 0, 1]


def test_ties_go_to_the_lower_target_index():
    targets = torch.tensor([[0.01, 0.0, 0.0], [-0.01, 0.0, 0.0], [0.0, 0.01, 0.0]])
    points = torch.zeros(1, 3)
    for cell in (0.008, 0.02):     # the full search and the grid's own
        assert nearest_index(points, targets, cell).tolist() == [0]
        assert nearest_index(points, targets.flip(0), cell).tolist() == [0]
