"""Texture coordinates carried by the skin's own motion through a plate sequence.

On a still, the enhancer places its texture with the face frame's similarity map
(:class:`~shotspec.runtime.faces.face_frame.FaceFrame`: slide, roll, scale). Across the frames of
a moving plate that map cannot follow a head turn or an expression, and the texture would slide
over the skin. Here each pixel of frame N gets its own face-plane coordinate (mm, the face
frame's axes: ``u = A⁻¹ (p − origin)``), carried from frame N−1 by the skin's motion:

1. dense optical flow both ways between the frames' display luma (OpenCV's DIS, Kroeger et al.
   2016, on one thread so the result does not depend on the machine's thread count);
2. the previous field is sampled where each pixel came from (``U_adv(p) = U_{N−1}(p + b(p))``,
   b the backward flow N → N−1);
3. forward–backward consistency (Sundaram et al. 2010): a pixel's flow is trusted when the
   round trip ``b(p) + f(p + b(p))`` closes to within ``FB_TOL_PX + FB_REL·(|b| + |f|)``; the
   trust falls off smoothly to twice that and is blurred over ``CONF_BLUR_MM`` of face;
4. from the third frame on, the first frame's field is also carried straight to frame N by the
   flow between the two and, where it passes the same check and lies within ``AGREE_MM`` of
   the chain's, preferred to it: the frame-to-frame flow errors add up (a random walk), one
   long-range flow's do not;
5. untrusted and newly visible pixels are re-seeded from frame N's own similarity field plus
   the offset their trusted neighbours have drifted from it (a normalised blur over
   ``DRIFT_SIGMA_MM``), so the re-seeded texture joins its neighbours without a seam or a pop.

A frame whose pixels are bit-identical to the previous frame's carries the previous field
unchanged: a static plate sequence keeps exactly the still's texture in every frame.

Transport between plan nodes (``skin_track`` op, one node per frame after the first): a track
frame's ``rgb`` is an unused 1×1 image; the field, when the sequence has moved, is the AOV
``FIELD_AOV`` (1, 2, H, W) in mm; without it the frame's own similarity field holds. Node N
reads frame N, frame N−1, node N−1 and frame 0, so the field of frame N is a pure function of
frames 0…N (content-addressed like every node: any worker computes it, in any order).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.color import luminance
from shotspec.runtime.faces.face_frame import FaceFrame
from shotspec.runtime.filters import gaussian_blur, wide_gaussian_blur
from shotspec.runtime.frame import Frame, FrameMeta

__all__ = ["FIELD_AOV", "TRACK_SOURCE", "similarity_field", "dense_flow", "carry_field", "reseed", "advect_field",
           "track_step",
           "track_frame", "field_of", "FB_TOL_PX", "FB_REL", "CONF_BLUR_MM", "DRIFT_SIGMA_MM", "AGREE_MM"]

FIELD_AOV = "face_uv_mm"
TRACK_SOURCE = "skin_track"
FB_TOL_PX = 0.5            # forward–backward round trip trusted below this (px) …
FB_REL = 0.05              # … plus this share of the motion's size
CONF_BLUR_MM = 1.5         # the trust map is smoothed over this much face (no hard seams)
DRIFT_SIGMA_MM = 8.0       # re-seeded pixels take the drift of trusted skin within about this
FB_REL_FIRST = 0.01       # … for the long-range flow from the first frame (stricter)
AGREE_MM = 0.1            # the first frame's direct flow corrects the chain when within this of it


def similarity_field(ff: FaceFrame, height: int, width: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """The face frame's own coordinates ``u = A⁻¹ (p − origin)`` at every pixel centre, (1,2,H,W) mm."""
    Ainv = np.linalg.inv(ff.matrix())
    ys = torch.arange(height, dtype=torch.float64, device=device)[:, None] - ff.origin[1]
    xs = torch.arange(width, dtype=torch.float64, device=device)[None, :] - ff.origin[0]
    u = float(Ainv[0, 0]) * xs + float(Ainv[0, 1]) * ys
    v = float(Ainv[1, 0]) * xs + float(Ainv[1, 1]) * ys
    return torch.stack((u, v))[None].float()


def _grey_u8(rgb: torch.Tensor) -> np.ndarray:
    """Display-encoded luma (H, W) uint8 of a linear frame (what the flow is computed on)."""
    lum = luminance(rgb.float()).clamp(0.0, 1.0)[0, 0]
    return (lum.pow(1.0 / 2.2) * 255.0).round().to(torch.uint8).cpu().numpy()


def dense_flow(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """DIS optical flow (H, W, 2) px from ``src`` to ``dst`` (uint8 greys): ``dst(p + flow) ≈ src(p)``,
    the medium preset refined down to full resolution.

    Run on one OpenCV thread (restored after): the result is then the same on every machine.
    """
    try:
        import cv2
    except ImportError:       # a main dependency: only a broken install gets here
        raise RuntimeError("skin tracking needs OpenCV: pip install opencv-python-headless") from None
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        dis.setFinestScale(0)     # refine to full resolution: drift over 23 frames 0.41 → 0.15 mm
        return dis.calc(np.ascontiguousarray(src), np.ascontiguousarray(dst), None)
    finally:
        cv2.setNumThreads(threads)


def _sample(x: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """Bilinear samples of ``x`` (1,C,H,W) at pixel positions ``at`` (1,2,H,W); edge-clamped."""
    h, w = x.shape[-2:]
    gx = at[:, 0] * (2.0 / max(w - 1, 1)) - 1.0
    gy = at[:, 1] * (2.0 / max(h - 1, 1)) - 1.0
    grid = torch.stack((gx, gy), -1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)


def _smoothstep(e0: float, e1: float, x: torch.Tensor) -> torch.Tensor:
    t = ((x - e0) / (e1 - e0)).clamp(0, 1)
    return t * t * (3 - 2 * t)


def carry_field(field: torch.Tensor, back: torch.Tensor, fwd: torch.Tensor,
                mm_per_px: float, rel: float = FB_REL) -> tuple[torch.Tensor, torch.Tensor]:
    """Another frame's ``field`` (1,2,H,W) mm carried to this frame's pixels, and its trust
    (1,1,H,W) 0–1 from the forward–backward check.

    back (1,2,H,W): flow from this frame to the other at this frame's pixels; fwd: flow from the
    other frame to this one at the other's pixels; mm_per_px: the face's scale (sizes the blur);
    rel: the share of the motion's size added to the round trip's tolerance.
    """
    h, w = field.shape[-2:]
    ys = torch.arange(h, dtype=back.dtype, device=back.device)[:, None].expand(h, w)
    xs = torch.arange(w, dtype=back.dtype, device=back.device)[None, :].expand(h, w)
    src = torch.stack((xs, ys))[None] + back
    carried = _sample(field, src)
    f_at = _sample(fwd, src)
    err = (back + f_at).norm(dim=1, keepdim=True)
    tol = FB_TOL_PX + rel * (back.norm(dim=1, keepdim=True) + f_at.norm(dim=1, keepdim=True))
    inside = ((src[:, 0:1] >= 0) & (src[:, 0:1] <= w - 1) & (src[:, 1:2] >= 0) & (src[:, 1:2] <= h - 1))
    trust = (1.0 - _smoothstep(1.0, 2.0, err / tol)) * inside.to(err)
    return carried, gaussian_blur(trust, max(0.5, CONF_BLUR_MM / mm_per_px), edge="reflect").clamp(0.0, 1.0)


def reseed(field: torch.Tensor, trust: torch.Tensor, sim_field: torch.Tensor, mm_per_px: float) -> torch.Tensor:
    """``field`` where it is trusted; elsewhere the frame's similarity field plus the drift the
    trusted skin around has from it (a normalised blur over ``DRIFT_SIGMA_MM``), blended by trust."""
    sigma = max(1.0, DRIFT_SIGMA_MM / mm_per_px)
    weight = wide_gaussian_blur(trust, sigma, edge="reflect")
    drift = wide_gaussian_blur(trust * (field - sim_field), sigma, edge="reflect") / weight.clamp_min(1e-3)
    drift = drift * _smoothstep(0.0, 0.05, weight)
    return torch.lerp(sim_field + drift, field, trust)


def advect_field(prev_field: torch.Tensor, sim_field: torch.Tensor, back: torch.Tensor, fwd: torch.Tensor,
                 mm_per_px: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Frame N's field (1,2,H,W) mm and its trust (1,1,H,W) 0–1 from frame N−1's alone.

    prev_field: frame N−1's field; sim_field: frame N's similarity field; back (1,2,H,W): flow
    N → N−1 at frame N's pixels; fwd: flow N−1 → N at frame N−1's pixels; mm_per_px: the face's
    scale (sizes the blurs).
    """
    carried, trust = carry_field(prev_field, back, fwd, mm_per_px)
    return reseed(carried, trust, sim_field, mm_per_px), trust


def _flows(a: np.ndarray, b: np.ndarray, device) -> tuple[torch.Tensor, torch.Tensor]:
    """(flow a → b at a's pixels, flow b → a at b's pixels), each (1,2,H,W)."""
    there = torch.from_numpy(dense_flow(a, b)).permute(2, 0, 1)[None].to(device)
    back = torch.from_numpy(dense_flow(b, a)).permute(2, 0, 1)[None].to(device)
    return there, back


def track_frame(field: torch.Tensor | None, device: torch.device | str = "cpu") -> Frame:
    """A plan node's result carrying ``field`` (None: the frame's own similarity field holds)."""
    aovs = {} if field is None else {FIELD_AOV: field.contiguous()}
    return Frame(rgb=torch.zeros(1, 3, 1, 1, device=device), aovs=aovs, meta=FrameMeta(source=TRACK_SOURCE))


def field_of(track: Frame | None) -> torch.Tensor | None:
    """The field a track frame carries (None: none, or not a track frame's result)."""
    if track is None:
        return None
    if track.meta.source != TRACK_SOURCE:
        raise ValueError(f"not a skin_track frame (source {track.meta.source!r})")
    return track.aov(FIELD_AOV)


def track_step(cur: Frame, prev: Frame, prev_track: Frame | None = None, first: Frame | None = None) -> Frame:
    """Frame ``cur``'s track frame from the previous plate frame ``prev`` and its track frame
    (None when ``prev`` is the sequence's first frame or identical to it: its similarity field).

    first: the sequence's first frame, when ``prev`` is not it. Its own field (its similarity
    field) is also carried straight to ``cur`` by the flow between the two; where that passes
    the forward–backward check it is preferred to the frame-to-frame chain, whose flow errors
    add up (the drift stays bounded while the first frame's skin is in view).
    """
    from shotspec.runtime.enhance.enhancer import cached_plan

    for other in (prev, first):
        if other is not None and cur.rgb.shape != other.rgb.shape:
            raise ValueError(f"skin_track: frame sizes differ ({tuple(other.rgb.shape)} → {tuple(cur.rgb.shape)}); "
                             "a sequence's frames must have one size")
    prev_field = field_of(prev_track)
    if torch.equal(cur.rgb, prev.rgb):           # nothing moved: the same coordinates, bit for bit
        return track_frame(prev_field, cur.device)
    h, w = cur.height, cur.width
    ff = cached_plan(cur).face
    if prev_field is None:
        prev_field = similarity_field(cached_plan(prev).face, h, w, cur.device)
    sim = similarity_field(ff, h, w, cur.device)
    grey = _grey_u8(cur.rgb)
    back, fwd = _flows(grey, _grey_u8(prev.rgb), cur.device)
    field, trust = carry_field(prev_field.to(cur.device), back, fwd, ff.mm_per_px)
    if first is not None and first is not prev and not torch.equal(first.rgb, prev.rgb):
        back0, fwd0 = _flows(grey, _grey_u8(first.rgb), cur.device)
        direct, trust0 = carry_field(similarity_field(cached_plan(first).face, h, w, cur.device), back0, fwd0,
                                     ff.mm_per_px, FB_REL_FIRST)
        # a long-range flow that passes its check can still be wrong where the skin has no
        # features: where the chain is trusted, the direct one must also agree with it
        agree = 1.0 - _smoothstep(AGREE_MM, 2.0 * AGREE_MM, (direct - field).norm(dim=1, keepdim=True))
        trust0 = trust0 * (1.0 - trust * (1.0 - agree))
        w_chain = trust * (1.0 - trust0)
        total = trust0 + w_chain
        field = (trust0 * direct + w_chain * field) / total.clamp_min(1e-6)
        field = torch.where(total > 1e-6, field, direct)
        trust = total
    field = reseed(field, trust, sim, ff.mm_per_px)
    if not math.isfinite(float(field.abs().max())):
        raise ValueError("skin_track: the tracked field is not finite")
    return track_frame(field, cur.device)
