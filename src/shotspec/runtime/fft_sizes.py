"""FFT lengths that are fast: products of 2, 3 and 5 only."""

from __future__ import annotations

__all__ = ["good_fft_size"]


def good_fft_size(n: int) -> int:
    """Smallest integer ≥ ``n`` whose only prime factors are 2, 3 and 5."""
    m = max(1, int(n))
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1
