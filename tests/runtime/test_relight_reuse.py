"""A lighting-only edit in one process (what ``shot watch`` does): the lens, skin enhancer and
upscaler reuse what they derived from the unchanged geometry, and the image is the same as a
render of the edited spec from scratch."""

from __future__ import annotations

from pathlib import Path

import torch

from shotspec.cli.session import RenderSession
from shotspec.runtime.cache import DERIVED

SPEC = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs" / "closeup.shot"
SMALL = "output.size=160x200"
RELIT = "lighting.fill.temperature=5150K"


def _render(tmp_path, overrides, executor=None):
    session = RenderSession(SPEC, output=str(tmp_path / "x.png"), device="cpu", overrides=overrides)
    if executor is not None:
        session.executor = executor
    result = session.render()
    assert result.ok, result.diagnostics
    return session, result


def test_lighting_edit_reuses_geometry_work_and_matches_a_fresh_render(tmp_path):
    for cache in DERIVED.values():
        cache.clear()
    session, _ = _render(tmp_path, [SMALL])
    hits = {name: cache.hits for name, cache in DERIVED.items()}
    _, relit = _render(tmp_path, [SMALL, RELIT], session.executor)
    ran = [t.node.op for t in relit.report.timings if not t.cached]
    assert ran[:4] == ["shade", "lens", "skin_enhance", "upscale"]
    assert DERIVED["lens.defocus"].hits == hits["lens.defocus"] + 1
    assert DERIVED["skin_enhance.texture"].hits == hits["skin_enhance.texture"] + 1
    # every AOV but the albedo (shade makes a new tensor of it) arrives unchanged at the upscaler
    frame_aovs = len(relit.report.frames["closeup"].aovs)
    assert DERIVED["upscale.aovs"].hits >= hits["upscale.aovs"] + frame_aovs - 1

    kept = relit.report.frames["closeup"].rgb
    for cache in DERIVED.values():
        cache.clear()
    _, fresh = _render(tmp_path, [SMALL, RELIT])
    assert torch.equal(kept, fresh.report.frames["closeup"].rgb)
