"""Connected regions of a binary mask (8-connectivity) without SciPy or OpenCV.

Run-length labelling: each row's runs of set pixels are found with numpy, runs that touch a run in
the previous row are merged with a small union-find, so the Python loop is over runs (thousands),
not pixels. Used on the skin detector's working-resolution mask (a few hundred pixels across).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Region", "label_regions", "regions"]


@dataclass(frozen=True)
class Region:
    """One connected region: its label, pixel count, centroid (x, y) and bounding box (x0, y0, x1, y1)."""

    label: int
    area: int
    cx: float
    cy: float
    bbox: tuple[int, int, int, int]


def _row_runs(row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    padded = np.concatenate(([False], row, [False]))
    d = np.diff(padded.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)  # [start, end)


def label_regions(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Label the 8-connected regions of a boolean (H, W) array: (labels int32 with 0 = unset, count)."""
    if mask.ndim != 2:
        raise ValueError(f"label_regions expects (H, W), got {mask.shape}")
    mask = mask.astype(bool)
    h, _ = mask.shape
    parent: list[int] = []

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    runs: list[tuple[int, int, int, int]] = []  # (row, start, end, run id)
    prev: list[tuple[int, int, int]] = []
    for y in range(h):
        starts, ends = _row_runs(mask[y])
        cur = []
        j = 0
        for s, e in zip(starts.tolist(), ends.tolist()):
            rid = len(parent)
            parent.append(rid)
            # previous-row runs overlapping [s-1, e+1) are 8-connected to this run
            while j < len(prev) and prev[j][1] < s:
                j += 1
            k = j
            while k < len(prev) and prev[k][0] <= e:
                ra, rb = find(rid), find(prev[k][2])
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
                k += 1
            cur.append((s, e, rid))
            runs.append((y, s, e, rid))
        prev = cur
    labels = np.zeros(mask.shape, dtype=np.int32)
    if not runs:
        return labels, 0
    roots = {}
    for y, s, e, rid in runs:
        r = find(rid)
        lab = roots.setdefault(r, len(roots) + 1)
        labels[y, s:e] = lab
    return labels, len(roots)


def regions(labels: np.ndarray, count: int) -> list[Region]:
    """Area, centroid and bounding box of every labelled region, largest first."""
    if count == 0:
        return []
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    area = np.bincount(lab, minlength=count + 1)
    sx = np.bincount(lab, weights=xs, minlength=count + 1)
    sy = np.bincount(lab, weights=ys, minlength=count + 1)
    x0 = np.full(count + 1, np.iinfo(np.int64).max)
    y0 = np.full(count + 1, np.iinfo(np.int64).max)
    x1 = np.full(count + 1, -1)
    y1 = np.full(count + 1, -1)
    np.minimum.at(x0, lab, xs)
    np.minimum.at(y0, lab, ys)
    np.maximum.at(x1, lab, xs)
    np.maximum.at(y1, lab, ys)
    out = [
        Region(i, int(area[i]), float(sx[i] / area[i]), float(sy[i] / area[i]),
               (int(x0[i]), int(y0[i]), int(x1[i]) + 1, int(y1[i]) + 1))
        for i in range(1, count + 1)
    ]
    return sorted(out, key=lambda r: (-r.area, r.label))
