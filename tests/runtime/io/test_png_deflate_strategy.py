"""The PNG writer's deflate: run-length matching for noisy renders, string matching kept for
compressible images; the rows' filters are the same as before, every stream is valid zlib."""

from __future__ import annotations

import zlib

import numpy as np

from shotspec.runtime.io.png import RLE_ONLY_ABOVE, _filter_rows, deflate


def _reference_filter(raw: np.ndarray, bpp: int) -> bytes:
    """The filter choice written out in int16 arithmetic (the earlier implementation)."""
    rows = raw.astype(np.int16)
    sub = rows.copy()
    sub[:, bpp:] -= rows[:, :-bpp]
    up = rows.copy()
    up[1:] -= rows[:-1]
    sub, up = (sub & 0xFF).astype(np.uint8), (up & 0xFF).astype(np.uint8)
    use_up = (np.abs(up.view(np.int8).astype(np.int32)).sum(1)
              < np.abs(sub.view(np.int8).astype(np.int32)).sum(1))
    body = np.where(use_up[:, None], up, sub)
    return np.concatenate([np.where(use_up, 2, 1).astype(np.uint8)[:, None], body], axis=1).tobytes()


def test_row_filters_match_the_int16_reference():
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 256, (64, 600), dtype=np.uint8)
    raw[10:20] = 128                                     # a flat band (Up wins) and -128 residuals
    raw[30:40, ::2] = 0
    assert _filter_rows(raw, 6) == _reference_filter(raw, 6)


def test_noisy_data_is_run_length_coded_and_smooth_data_keeps_string_matching():
    rng = np.random.default_rng(4)
    noisy = rng.integers(0, 65535, (500, 1200), dtype=np.uint16).astype(">u2").tobytes()
    y, x = np.mgrid[0:400, 0:1200]
    smooth = np.stack([x * 50, y * 60, (x + y) * 20], -1).astype(">u2")
    smooth_raw = _filter_rows(smooth.view(np.uint8).reshape(400, -1), 6)
    for data in (noisy, smooth_raw):
        assert len(data) > 1 << 20                       # the segmented, threaded path
        stream = deflate(data)
        assert zlib.decompress(stream) == data
        assert stream == deflate(data)
    # string matching would compress the gradient ten times better than runs alone
    rle = zlib.compressobj(3, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    rle_size = len(rle.compress(smooth_raw) + rle.flush())
    assert rle_size < RLE_ONLY_ABOVE * len(smooth_raw)   # so it takes the compare-both path
    assert len(deflate(smooth_raw)) < rle_size / 5
