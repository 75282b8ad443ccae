"""Per-sample attributes of a ``Raster``, mesh normals, and the anti-aliasing resolve.

``interpolate`` blends per-vertex or per-face-corner attributes with the raster's
perspective-correct barycentrics. ``resolve`` filters a supersampled image (ss×ss samples per
pixel) down to pixels with a box or tent filter. Normals are accumulated without atomics (a
padded vertex→corner table summed in a fixed order), so they are bit-identical on every run.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import torch
import torch.nn.functional as F

from shotspec.runtime.head.raster import Raster

__all__ = ["interpolate", "face_normals", "vertex_normals", "resolve"]


def interpolate(raster: Raster, attr: torch.Tensor,
                faces_for_attr: torch.Tensor | None = None) -> torch.Tensor:
    """(C, Hs, Ws) attribute at each sample (zeros where empty).

    ``attr`` (V, C) per vertex (indexed by the raster's faces) or (T, C) per face corner with
    ``faces_for_attr`` (F, 3) int64 indices into it (e.g. ``face_uv`` into ``uv``). A 1-D
    ``attr`` is treated as (N, 1).
    """
    if attr.ndim == 1:
        attr = attr[:, None]
    if attr.ndim != 2:
        raise ValueError(f"attributes must be (N, C), got {tuple(attr.shape)}")
    index = raster.faces if faces_for_attr is None else faces_for_attr
    if index.shape != raster.faces.shape:
        raise ValueError(f"faces_for_attr must be {tuple(raster.faces.shape)} like the mesh's "
                         f"faces, got {tuple(index.shape)}")
    if index.numel() and int(index.max()) >= attr.shape[0]:
        raise ValueError(f"attribute indices reach {int(index.max())} but attr has "
                         f"{attr.shape[0]} rows")
    hs, ws = raster.face_id.shape
    if index.shape[0] == 0:
        return torch.zeros(attr.shape[1], hs, ws, dtype=raster.bary.dtype, device=attr.device)
    flat_id = raster.face_id.reshape(-1)
    hit = flat_id >= 0
    corners = index.index_select(0, flat_id.clamp(min=0))           # (N, 3)
    bary = raster.bary.reshape(3, -1)
    values = attr.to(raster.bary.dtype).T.contiguous()              # (C, V)
    out = values.index_select(1, corners[:, 0]) * bary[0]
    out += values.index_select(1, corners[:, 1]) * bary[1]
    out += values.index_select(1, corners[:, 2]) * bary[2]
    out = torch.where(hit, out, 0.0)
    return out.view(-1, hs, ws)


def _face_cross(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    v0, v1, v2 = verts[faces[:, 0]], verts[faces[:, 1]], verts[faces[:, 2]]
    return torch.linalg.cross(v1 - v0, v2 - v0)


def face_normals(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(F, 3) unit geometric normals of counter-clockwise triangles (zero for degenerate)."""
    return F.normalize(_face_cross(verts, faces), dim=1)


def vertex_normals(verts: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
    """(V, 3) unit smooth normals: the area-weighted mean of the incident faces' normals.

    Summed through a padded (V, max valence) table of incident faces in ascending face order,
    so the result does not depend on thread scheduling (``index_add_`` on CUDA would). The
    table depends on the faces alone and is kept for the last few meshes (a posed and a rest
    pose share it).
    """
    n_v = verts.shape[0]
    weighted = _face_cross(verts, faces)                           # |cross| = 2·area
    total = torch.zeros(n_v, 3, dtype=weighted.dtype, device=weighted.device)
    for rows, face_ids in _incidence(faces, n_v):
        if rows is None:
            total += weighted[face_ids]
        else:                                   # the few vertices with this many faces
            total[rows] += weighted[face_ids]
    return F.normalize(total, dim=1)


_INCIDENCE: OrderedDict[tuple, list] = OrderedDict()
_INCIDENCE_KEPT = 4


def _incidence(faces: torch.Tensor, n_v: int) -> list[tuple[torch.Tensor | None, torch.Tensor]]:
    """Each vertex's incident faces in ascending order, as columns of a (V, max valence)
    table: column k is (vertex ids, their k-th face id) — vertex ids None when every vertex
    has a k-th face (a valence-108 pole must not make every vertex gather 108 times)."""
    digest = hashlib.blake2b(faces.detach().contiguous().cpu().numpy().tobytes(), digest_size=16)
    key = (digest.hexdigest(), tuple(faces.shape), n_v, str(faces.device))
    table = _INCIDENCE.get(key)
    if table is not None:
        _INCIDENCE.move_to_end(key)
        return table
    vid = faces.reshape(-1)
    order = torch.argsort(vid, stable=True)
    counts = torch.bincount(vid, minlength=n_v)
    starts = torch.cumsum(counts, 0) - counts
    sorted_vid = vid[order]
    rank = torch.arange(vid.numel(), device=vid.device) - starts[sorted_vid]
    width = int(counts.max()) if vid.numel() else 0
    table = torch.full((n_v, max(width, 1)), -1, dtype=torch.int64, device=vid.device)
    table[sorted_vid, rank] = torch.div(order, 3, rounding_mode="floor")
    columns = []
    for k in range(width):
        col = table[:, k]
        present = col >= 0
        if bool(present.all()):
            columns.append((None, col.clone()))
        else:
            rows = present.nonzero()[:, 0]
            columns.append((rows, col[rows]))
    _INCIDENCE[key] = columns
    while len(_INCIDENCE) > _INCIDENCE_KEPT:
        _INCIDENCE.popitem(last=False)
    return columns


def _tent_weights(ss: int, device, dtype) -> torch.Tensor:
    """1-D tent (triangle) filter one output pixel in radius, sampled at the ss-grid offsets."""
    taps = 2 * ss if ss % 2 == 0 else 2 * ss - 1
    centre = (taps - 1) / 2
    t = (torch.arange(taps, device=device, dtype=dtype) - centre) / ss
    w = (1 - t.abs()).clamp(min=0)
    return w / w.sum()


def resolve(x_ss: torch.Tensor, ss: int, filter: str = "box") -> torch.Tensor:
    """Filter a supersampled image (C, H·ss, W·ss) or (B, C, H·ss, W·ss) down to (…, H, W).

    ``box``: the mean of each pixel's ss×ss samples (the coverage-exact resolve). ``tent``: a
    triangle filter of one output pixel's radius (softer, less aliasing on near-horizontal
    edges); image borders repeat their edge samples.
    """
    if ss == 1:
        return x_ss
    squeeze = x_ss.ndim == 3
    x = x_ss[None] if squeeze else x_ss
    if x.ndim != 4 or x.shape[-1] % ss or x.shape[-2] % ss:
        raise ValueError(f"expected (C, H·{ss}, W·{ss}) samples, got {tuple(x_ss.shape)}")
    if filter == "box":
        out = F.avg_pool2d(x, ss)
    elif filter == "tent":
        w = _tent_weights(ss, x.device, x.dtype)
        pad = (w.numel() - ss) // 2
        b, c, h, wd = x.shape
        y = F.pad(x.reshape(b * c, 1, h, wd), (pad, pad, pad, pad), mode="replicate")
        y = F.conv2d(y, w.view(1, 1, 1, -1), stride=(1, ss))
        y = F.conv2d(y, w.view(1, 1, -1, 1), stride=(ss, 1))
        out = y.view(b, c, h // ss, wd // ss)
    else:
        raise ValueError(f"unknown resolve filter {filter!r}; expected 'box' or 'tent'")
    return out[0] if squeeze else out
