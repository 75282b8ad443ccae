"""Strand rasterization with analytic coverage (the light-independent half of drawing hair).

Every segment of every strand is projected with the shot's pinhole camera and drawn as a ribbon
of its fibre's projected width. The segment is walked one pixel at a time along its major axis
(x for flat segments, y for steep ones): in each column (row) it overlaps, the ribbon's area is
``width_px × length inside the column / cos θ`` (θ the segment's angle to the major axis), and
that area is spread over the pixels of the column as a box ``max(1, area)`` pixels tall centred
on the fibre where it crosses the column (Wu's anti-aliased lines generalised to any width and
to segments that start and end anywhere). A sub-pixel fibre therefore gives fractional coverage
that integrates to width × length, moves smoothly with sub-pixel position and never steps
between 0 and 100 %; a fibre seen end-on covers almost nothing, as it should.

Each such fragment is depth-tested against the mesh's depth (hair behind the head is hidden;
roots get ``ROOT_BIAS_M`` so they are not lost in the scalp). Fragments are composited order
independently: per pixel the optical depth ``τ = Σ −log(1 − αᵢ)`` (a sum that does not depend on the
order of the fragments: ``scatter_sum``) gives the coverage ``A = 1 − e^−τ``, and
each fragment's weight is its coverage times the transmittance in front of it under a uniform
density between the pixel's nearest and farthest fibre (``αᵢ e^{−τ (zᵢ − z_min)/(z_max − z_min)}``,
a depth-aware variant of McGuire & Bavoil's weighted blended OIT). The weights are normalised
per pixel and split onto the segment's two points, so ``shade`` only has to colour the points
and sum (``StrandFragments.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.strands import Groom

__all__ = ["StrandFragments", "rasterize_strands", "strand_points", "fragments_aovs",
           "fragments_of", "scatter_sum", "FRAGMENT_AOVS", "FIXED_SCALE",
           "ROOT_BIAS_M", "MAX_BOX_PX"]

FIXED_SCALE = float(1 << 24)    # fixed-point scale of every order-independent sum (sums < 5e8)
ROOT_BIAS_M = 0.6e-3            # a fibre this close behind the mesh still shows (roots, lashes)
MAX_BOX_PX = 8                  # widest footprint across a column (fibres wider are clamped)
CHUNK_SAMPLES = 1 << 22         # column samples processed at once (bounds the memory)
NEAR_M = 1e-3                   # segments with a point nearer the camera than this are dropped
CULL_BEHIND_M = 0.01            # segments this far behind the mesh at three points are skipped
MAX_ALPHA = 0.999               # one fragment never blocks completely (keeps −log finite)


@dataclass(frozen=True)
class StrandFragments:
    """What the camera sees of a groom: ``pixel`` (F,) int64 flat pixel ids (row-major),
    ``point`` (F,) int64 index of the segment's first point in ``strand_points`` order (the
    second is ``point + 1``), ``w0``/``w1`` (F,) the fragment's normalised blend weight on each
    of the two points; ``coverage`` (H, W) hair coverage 0–1 and ``depth_m`` (H, W) the
    coverage-weighted mean depth of the hair (+inf where none)."""

    pixel: torch.Tensor
    point: torch.Tensor
    w0: torch.Tensor
    w1: torch.Tensor
    coverage: torch.Tensor
    depth_m: torch.Tensor

    @property
    def count(self) -> int:
        return int(self.pixel.numel())

    def resolve(self, values: torch.Tensor) -> torch.Tensor:
        """Per-pixel blend (H·W, C) of per-point ``values`` (P, C): Σ weights × the values at the
        fragment's two points (``scatter_sum``: deterministic on every device); pixels without
        hair are 0. Multiply by ``coverage`` to composite."""
        h, w = self.coverage.shape
        out = torch.zeros(h * w, values.shape[1], device=values.device)
        for s in range(0, self.count, CHUNK_SAMPLES):
            e = s + CHUNK_SAMPLES
            a = self.point[s:e]
            v = values[a] * self.w0[s:e, None] + values[a + 1] * self.w1[s:e, None]
            out += scatter_sum(self.pixel[s:e], v, h * w)
        return out


def scatter_sum(index: torch.Tensor, values: torch.Tensor, size: int) -> torch.Tensor:
    """``out[index[i]] += values[i]`` into ``size`` bins: (size,) or (size, C) float32 for
    ``values`` (F,) or (F, C). Exactly independent of the order of the entries, and the same on
    every device: each value is rounded to a multiple of 1/``FIXED_SCALE`` and the integers are
    summed exactly (float64 ``bincount`` of integer values below 2⁵³ on the CPU, int64 atomics
    elsewhere)."""
    flat = values[:, None] if values.dim() == 1 else values
    fixed = torch.round(flat.to(torch.float64) * FIXED_SCALE)
    if flat.device.type == "cpu":
        out = torch.stack([torch.bincount(index, weights=fixed[:, c], minlength=size)
                           for c in range(flat.shape[1])], 1)
    else:
        out = torch.zeros(size, flat.shape[1], dtype=torch.int64, device=flat.device)
        out.index_add_(0, index, fixed.to(torch.int64))
    out = (out.to(torch.float64) / FIXED_SCALE).to(torch.float32)
    return out[:, 0] if values.dim() == 1 else out


def strand_points(groom: Groom) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every point of every group, concatenated: positions (P, 3) m, widths (P,) m and a
    mask (P,) bool of the points that start a segment (not a strand's last point)."""
    pts = [g.points.reshape(-1, 3) for g in groom]
    widths = [g.width_m.reshape(-1) for g in groom]
    starts = []
    for g in groom:
        first = torch.ones(g.points.shape[:2], dtype=torch.bool, device=g.points.device)
        first[:, -1] = False
        starts.append(first.reshape(-1))
    return torch.cat(pts).to(torch.float32), torch.cat(widths).to(torch.float32), torch.cat(starts)


def _project(cam: PinholeCamera, p: torch.Tensor, width_m: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pixel coordinates u, v (P,) (0 = left/top edge), depth (P,) m and width (P,) px."""
    rot = cam.rotation(p.device)
    pc = (p - torch.tensor(cam.origin, device=p.device)) @ rot
    z = -pc[:, 2]
    zs = z.clamp_min(NEAR_M)
    f = cam.focal_px
    return cam.width / 2 + f * pc[:, 0] / zs, cam.height / 2 - f * pc[:, 1] / zs, z, width_m * f / zs


def _column_samples(m0: torch.Tensor, m1: torch.Tensor, limit: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """For segments from major coordinate ``m0`` to ``m1`` (K,): the first column each
    overlaps (K,) and how many columns [k, k + 1) it overlaps inside [0, ``limit``) (K,) int64."""
    lo, hi = torch.minimum(m0, m1), torch.maximum(m0, m1)
    first = torch.floor(lo).clamp_min(0)
    last = torch.minimum(torch.maximum(torch.ceil(hi), torch.floor(lo) + 1), limit.to(m0.dtype))
    return first, (last - first).clamp_min(0).to(torch.int64)


def _fragments(seg: torch.Tensor, u: torch.Tensor, v: torch.Tensor, z: torch.Tensor,
               wpx: torch.Tensor, cam: PinholeCamera, depth: torch.Tensor
               ) -> tuple[torch.Tensor, ...]:
    """Fragments of the segments starting at points ``seg`` (K,): pixel ids, point ids, the
    parameter t along the segment, depth and coverage, each (F,), after the depth test."""
    dev = u.device
    w_img, h_img = cam.width, cam.height
    a, b = seg, seg + 1
    du, dv = u[b] - u[a], v[b] - v[a]
    x_major = du.abs() >= dv.abs()
    M0 = torch.where(x_major, u[a], v[a])
    M1 = torch.where(x_major, u[b], v[b])
    m0 = torch.where(x_major, v[a], u[a])
    span = M1 - M0
    span = torch.where(span == 0, torch.full_like(span, 1e-6), span)
    inv_span = 1.0 / span
    slope = (torch.where(x_major, v[b], u[b]) - m0) * inv_span    # minor per major pixel
    sec = torch.sqrt(1.0 + slope * slope)                          # ribbon area per unit width
    one = torch.ones((), dtype=torch.int64, device=dev)
    stride_minor = torch.where(x_major, one * w_img, one)
    stride_major = torch.where(x_major, one, one * w_img)
    limit_major = torch.where(x_major, one * w_img, one * h_img)
    limit_minor = torch.where(x_major, one * h_img, one * w_img)
    first, count = _column_samples(M0, M1, limit_major)
    keep = (count > 0).nonzero()[:, 0]
    if keep.numel() == 0:
        empty = torch.zeros(0, device=dev)
        return (empty.long(), empty.long(), empty, empty, empty)
    count = count[keep]
    owner = torch.repeat_interleave(keep, count)
    start = torch.cumsum(count, 0) - count
    step = torch.arange(owner.numel(), device=dev) - torch.repeat_interleave(start, count)
    col = first[owner] + step.to(first.dtype)                      # column (major) index
    # the part of the segment inside this column: its length along the major axis, and its middle
    lo = torch.maximum(torch.minimum(M0, M1)[owner], col)
    hi = torch.minimum(torch.maximum(M0, M1)[owner], col + 1)
    inside_len = (hi - lo).clamp_min(0)
    along = 0.5 * (lo + hi) - M0[owner]
    t = (along * inv_span[owner]).clamp(0, 1)
    minor = m0[owner] + along * slope[owner]
    pa = a[owner]
    zf = torch.lerp(z[pa], z[pa + 1], t)
    # ribbon area in the column: width × length, the length being the major extent × sec θ
    area = torch.lerp(wpx[pa], wpx[pa + 1], t) * sec[owner] * inside_len
    area = area.clamp_max(MAX_BOX_PX - 1)
    box = area.clamp_min(1.0)
    top = minor - box / 2
    row0 = torch.floor(top)
    rows = int(torch.ceil(box.max()).item()) + 1
    lim = limit_minor[owner]
    base = col.to(torch.int64) * stride_major[owner]
    smin = stride_minor[owner]
    scale = area / box
    depth_flat = depth.reshape(-1)
    last_px = h_img * w_img - 1
    pix, pts, ts, zs, cov = [], [], [], [], []
    for r in range(rows):
        row = row0 + r
        c = (torch.minimum(row + 1, top + box) - torch.maximum(row, top)).clamp_min(0) * scale
        ri = row.to(torch.int64)
        px = base + ri * smin
        inside = (c > 0) & (ri >= 0) & (ri < lim) & (zf > NEAR_M)
        inside &= zf < depth_flat[px.clamp(0, last_px)] + ROOT_BIAS_M
        sel = inside.nonzero()[:, 0]
        pix.append(px[sel])
        pts.append(pa[sel])
        ts.append(t[sel])
        zs.append(zf[sel])
        cov.append(c[sel].clamp_max(MAX_ALPHA))
    return tuple(torch.cat(x) for x in (pix, pts, ts, zs, cov))


def _surely_hidden(seg: torch.Tensor, u: torch.Tensor, v: torch.Tensor, z: torch.Tensor,
                   depth: torch.Tensor) -> torch.Tensor:
    """(K,) bool: segments whose two ends and middle all lie inside the frame more than
    ``CULL_BEHIND_M`` behind the mesh (the hair at the back of the head): skipped before any
    fragment is made (a smooth head cannot show a segment between three points it hides)."""
    h, w = depth.shape
    flat = depth.reshape(-1)
    hidden = torch.ones(seg.shape, dtype=torch.bool, device=seg.device)
    for f in (0.0, 0.5, 1.0):
        uu = torch.lerp(u[seg], u[seg + 1], f)
        vv = torch.lerp(v[seg], v[seg + 1], f)
        zz = torch.lerp(z[seg], z[seg + 1], f)
        inside = (uu >= 0) & (uu < w) & (vv >= 0) & (vv < h)
        px = vv.long().clamp(0, h - 1) * w + uu.long().clamp(0, w - 1)
        hidden &= inside & (zz > flat[px] + CULL_BEHIND_M)
    return hidden


def rasterize_strands(groom: Groom, cam: PinholeCamera, mesh_depth_m: torch.Tensor
                      ) -> StrandFragments:
    """The fragments of ``groom`` seen by ``cam`` in front of ``mesh_depth_m`` (H, W)."""
    h, w = cam.height, cam.width
    dev = mesh_depth_m.device
    if mesh_depth_m.shape != (h, w):
        raise ValueError(f"mesh depth must be {(h, w)}, got {tuple(mesh_depth_m.shape)}")
    empty = torch.zeros(0, dtype=torch.int64, device=dev)
    nothing = StrandFragments(empty, empty, empty.float(), empty.float(),
                              torch.zeros(h, w, device=dev), torch.full((h, w), float("inf"), device=dev))
    if not groom:
        return nothing
    p, width_m, starts = strand_points(groom)
    u, v, z, wpx = _project(cam, p.to(dev), width_m.to(dev))
    segs = starts.to(dev).nonzero()[:, 0]
    segs = segs[~_surely_hidden(segs, u, v, z, mesh_depth_m)]
    if segs.numel() == 0:
        return nothing
    # chunks of segments sized by their column counts, so no chunk exceeds CHUNK_SAMPLES
    length = torch.maximum((u[segs + 1] - u[segs]).abs(), (v[segs + 1] - v[segs]).abs())
    cum = torch.cumsum(length.clamp(max=float(max(w, h))) + 2.0, 0)
    bounds = torch.searchsorted(cum, torch.arange(CHUNK_SAMPLES, float(cum[-1]) + CHUNK_SAMPLES,
                                                  CHUNK_SAMPLES, device=dev, dtype=cum.dtype))
    parts, s = [], 0
    for e in [*bounds.tolist(), segs.numel()]:
        e = min(max(int(e), s + 1), segs.numel())
        if e > s:
            parts.append(_fragments(segs[s:e], u, v, z, wpx, cam, mesh_depth_m))
        s = e
    pix, pts, t, zf, alpha = (torch.cat(x) for x in zip(*parts))
    if pix.numel() == 0:
        return nothing
    return _composite(pix, pts, t, zf, alpha, h, w)


def _composite(pix: torch.Tensor, pts: torch.Tensor, t: torch.Tensor, zf: torch.Tensor,
               alpha: torch.Tensor, h: int, w: int) -> StrandFragments:
    """Order-independent per-pixel coverage and the fragments' normalised weights."""
    dev = pix.device
    n = h * w
    tau = -torch.log1p(-alpha)
    tau_px = scatter_sum(pix, tau, n)
    inf = torch.full((n,), float("inf"), device=dev)
    zmin = inf.scatter_reduce(0, pix, zf, "amin")
    zmax = (-inf).scatter_reduce(0, pix, zf, "amax")
    span = (zmax - zmin).clamp_min(1e-6)
    weight = alpha * torch.exp(-tau_px[pix] * (zf - zmin[pix]) / span[pix])
    # a pixel whose fragments' weights all round to 0 in the fixed-point sum (a faint fibre's
    # tip alone in it: coverage ~1e-8) keeps weight 0 instead of 0 / 0
    total = scatter_sum(pix, weight, n)[pix]
    weight = torch.where(total > 0, weight / total.clamp_min(1e-30), torch.zeros_like(weight))
    coverage = (-torch.expm1(-tau_px)).view(h, w)
    depth = torch.where(coverage.reshape(-1) > 0, scatter_sum(pix, weight * zf, n), inf).view(h, w)
    return StrandFragments(pix, pts, weight * (1.0 - t), weight * t, coverage, depth)


FRAGMENT_AOVS = ("_strand_pixel", "_strand_point", "_strand_w0", "_strand_w1")


def fragments_aovs(frags: StrandFragments) -> dict[str, torch.Tensor]:
    """The fragments as geometry-frame AOVs: ``hair`` (1, 1, H, W) coverage, ``_hair_depth``
    (1, 1, H, W) and the flat (F,) fragment arrays named ``FRAGMENT_AOVS`` (``shade`` reads and
    drops them; they are not images)."""
    return {"hair": frags.coverage[None, None].contiguous(),
            "_hair_depth": frags.depth_m[None, None].contiguous(),
            **dict(zip(FRAGMENT_AOVS, (frags.pixel, frags.point, frags.w0, frags.w1)))}


def fragments_of(aovs: dict[str, torch.Tensor]) -> StrandFragments | None:
    """The fragments a geometry frame carries (``fragments_aovs``), or ``None`` without hair."""
    if FRAGMENT_AOVS[0] not in aovs:
        return None
    pixel, point, w0, w1 = (aovs[k] for k in FRAGMENT_AOVS)
    return StrandFragments(pixel, point, w0, w1, aovs["hair"][0, 0], aovs["_hair_depth"][0, 0])
