"""unique_rows gives exactly what torch.unique(dim=0) gives, faster."""

import torch

from shotspec.runtime.rows import unique_rows


def _same(x):
    want = torch.unique(x, dim=0, return_inverse=True, return_counts=True)
    got = unique_rows(x, return_inverse=True, return_counts=True)
    for w, g in zip(want, got):
        assert torch.equal(w, g)
    assert torch.equal(unique_rows(x), want[0])
    rows, counts = unique_rows(x, return_counts=True)
    assert torch.equal(rows, want[0]) and torch.equal(counts, want[2])


def test_edge_pairs_match_torch_unique():
    g = torch.Generator().manual_seed(3)
    _same(torch.randint(0, 40, (5000, 2), generator=g))


def test_negative_cells_and_three_columns_match():
    g = torch.Generator().manual_seed(5)
    _same(torch.randint(-7, 9, (4000, 3), generator=g))


def test_rows_too_wide_for_one_key_fall_back():
    x = torch.tensor([[0, 0, 0], [1 << 40, 5, 1 << 40], [0, 0, 0], [3, 1 << 40, 2]])
    _same(x)
    assert len(unique_rows(x)) == 3
