"""Derived caches: what the lens, the skin enhancer and the upscaler compute from a frame's
geometry is kept while those tensors live unchanged, and reusing it never changes a pixel."""

from __future__ import annotations

import gc
import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR
from shotspec.runtime.cache import DERIVED, DerivedCache, tensor_token
from shotspec.runtime.enhance import skin_enhance
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.optics import apply_lens
from shotspec.runtime.optics.defocus import defocus_with_plan, layered_defocus, plan_defocus
from shotspec.runtime.upscale import upscale_frame

H, W = 64, 96
CAM = CameraIR(focal_length_m=0.085, f_number=2.0, blades=7, vignetting=0.3)


@pytest.fixture(autouse=True)
def _empty_caches():
    for cache in DERIVED.values():
        cache.clear()
    yield


def _scene(seed: int) -> Frame:
    """A lit square (skin) in front of a far wall; only the colour depends on ``seed``."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    sq = ((yy >= 16) & (yy < 48) & (xx >= 32) & (xx < 72)).float()[None, None]
    depth = torch.where(sq > 0, 0.8, 2.5)
    rgb = 0.2 + 0.6 * torch.rand(1, 3, H, W, generator=g)
    pos = torch.stack([(xx - 52) * 4e-4, (32 - yy) * 4e-4, torch.zeros(H, W)])[None].float()
    return Frame(rgb=rgb, aovs={"depth": depth, "skin": sq, "alpha": sq, "position": pos},
                 meta=FrameMeta(sensor_width_m=0.012, face_mm_per_px=0.4, seed=3))


def _relit(frame: Frame, seed: int) -> Frame:
    """Same AOV tensors (a lighting edit), new colour."""
    return frame.with_rgb(_scene(seed).rgb)


def test_token_follows_the_object_and_its_in_place_changes():
    a = torch.zeros(4)
    b = torch.zeros(4)
    first = tensor_token(a)
    assert tensor_token(a) == first
    assert tensor_token(b) != first            # equal contents, another tensor: another token
    a.add_(1)
    assert tensor_token(a) != first            # changed in place: a new token


def test_cache_hits_misses_and_drops_entries_of_freed_tensors():
    cache = DerivedCache("test")
    t = torch.ones(8)
    calls = []
    compute = lambda: calls.append(1) or t * 2  # noqa: E731
    cache.get_or_compute([t], ("x", 1), compute)
    cache.get_or_compute([t], ("x", 1), compute)
    cache.get_or_compute([t], ("x", 2), compute)      # another parameter: a miss
    assert (cache.hits, cache.misses, len(calls), len(cache)) == (1, 2, 2, 2)
    del t, compute
    gc.collect()
    assert len(cache) == 0                             # nothing can hit them any more


def test_plan_then_apply_equals_layered_defocus_channel_by_channel():
    frame = _scene(1)
    radius = (frame.aovs["depth"] - 0.8) * 30.0
    x = torch.cat([frame.rgb, frame.aovs["skin"]], 1)
    whole = layered_defocus(x, radius, blades=7)
    plan = plan_defocus(radius, blades=7)
    assert torch.equal(defocus_with_plan(x, plan), whole)
    # channels are independent (up to float rounding: the FFT batches channels differently)
    assert torch.allclose(defocus_with_plan(x[:, :3], plan), whole[:, :3], rtol=0, atol=1e-6)


def test_lens_relit_frame_reuses_the_depth_layers_and_equals_a_fresh_lens():
    frame = _scene(1)
    apply_lens(frame, CAM, 0.8)
    cache = DERIVED["lens.defocus"]
    relit = _relit(frame, 2)
    kept = apply_lens(relit, CAM, 0.8)
    assert (cache.hits, cache.misses) == (1, 1)
    assert kept.aovs["skin"] is apply_lens(frame, CAM, 0.8).aovs["skin"]   # same tensors downstream
    cache.clear()
    fresh = apply_lens(relit, CAM, 0.8)
    assert cache.misses == 1
    assert torch.equal(kept.rgb, fresh.rgb)
    assert torch.equal(kept.aovs["skin"], fresh.aovs["skin"])
    # a new focus distance is a new plan
    apply_lens(relit, CAM, 0.9)
    assert cache.misses == 2


def test_lens_misses_when_the_depth_changes_in_place():
    frame = _scene(1)
    before = apply_lens(frame, CAM, 0.8)
    frame.aovs["depth"].mul_(1.5)                        # the square moves back, out of focus
    after = apply_lens(frame, CAM, 0.8)
    assert DERIVED["lens.defocus"].misses == 2
    assert not torch.equal(before.rgb, after.rgb)


def test_skin_enhance_relit_frame_reuses_the_texture_and_equals_a_fresh_pass():
    frame = _scene(1)
    skin_enhance(frame, strength=0.8, seed=5)
    relit = _relit(frame, 2)
    kept = skin_enhance(relit, strength=0.8, seed=5)
    cache = DERIVED["skin_enhance.texture"]
    assert (cache.hits, cache.misses) == (1, 1)
    cache.clear()
    fresh = skin_enhance(relit, strength=0.8, seed=5)
    assert torch.equal(kept.rgb, fresh.rgb)
    assert not torch.equal(kept.rgb, relit.rgb)          # it did add texture
    skin_enhance(relit, strength=0.8, seed=6)            # another seed: other pores
    assert cache.misses == 2


def test_upscale_relit_frame_reuses_the_aovs_and_equals_a_fresh_upscale():
    frame = _scene(1)
    first = upscale_frame(frame, 2, "detail")
    relit = _relit(frame, 2)
    kept = upscale_frame(relit, 2, "detail")
    cache = DERIVED["upscale.aovs"]
    assert cache.hits == len(frame.aovs) and cache.misses == len(frame.aovs)
    assert all(kept.aovs[k] is first.aovs[k] for k in frame.aovs)
    cache.clear()
    fresh = upscale_frame(relit, 2, "detail")
    assert torch.equal(kept.rgb, fresh.rgb)
    assert all(torch.equal(kept.aovs[k], fresh.aovs[k]) for k in frame.aovs)
    assert math.isclose(kept.meta.face_mm_per_px, 0.2)
