"""The groom through the real plan: mesh → groom → geometry → shade, and a lighting edit that
re-lights the cached strands without regrowing or re-rasterizing them."""

from __future__ import annotations

import math

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR, OutputIR, ProgramIR, ShotIR
from shotspec.compiler.plan import build_plan
from shotspec.runtime.executor import Executor
from shotspec.runtime.head import groom as groom_module
from shotspec.runtime.head.strands import StrandGroup


def _fringe(scene, character) -> StrandGroup:
    """A fringe of 1200 fibres hanging over the forehead from above the brows."""
    lm = scene.landmarks
    brow = (lm[19] + lm[24]) / 2
    g = torch.Generator().manual_seed(int(character.seed))
    x = (torch.rand(1200, generator=g) - 0.5) * 0.08
    s = torch.linspace(0, 1, 6)[None, :]
    pts = torch.stack((brow[0] + x[:, None].expand(1200, 6), brow[1] + 0.05 - 0.04 * s.expand(1200, 6),
                       brow[2] + 0.008 + 0.002 * s.expand(1200, 6)), 2)
    return StrandGroup("scalp", pts.contiguous(), torch.full((1200, 6), 8e-5),
                       torch.tensor([0.25, 0.12, 0.05]).expand(1200, 3).clone())


def _program(tmp_path, temperature_k: float) -> ProgramIR:
    light = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(40),
                    elevation_rad=math.radians(30), temperature_k=temperature_k)
    shot = ShotIR(name="s", character=CharacterIR(name="c", seed=2), camera=CameraIR(distance_m=0.6),
                  lights=(light,), output=OutputIR(path=str(tmp_path / "s.png"), width=64, height=80))
    return ProgramIR(file=str(tmp_path / "x.shot"), shots=(shot,))


def test_a_lighting_edit_relights_cached_strands(tmp_path, monkeypatch):
    grown: list[int] = []

    def grow(scene, character):
        grown.append(1)
        return (_fringe(scene, character),)

    monkeypatch.setattr(groom_module, "grow_groom", grow)
    ex = Executor(device="cpu")
    first = ex.run(build_plan(_program(tmp_path, 5600)))
    assert [n.op for n in first.ran][:4] == ["mesh", "groom", "geometry", "shade"]
    frame = first.frames["s"]
    hair = frame.aovs["hair"][0, 0]
    assert float(hair.max()) > 0.5 and not any(k.startswith("_strand") for k in frame.aovs)
    warm = ex.run(build_plan(_program(tmp_path, 3000)))
    assert [n.op for n in warm.ran] == ["shade", "lens", "output"]
    assert {"mesh", "groom", "geometry"} <= {n.op for n in warm.cached}
    assert grown == [1]
    covered = hair > 0.5
    red_blue = [f.frames["s"].rgb[0, 0][covered].mean() / f.frames["s"].rgb[0, 2][covered].mean()
                for f in (first, warm)]
    assert float(red_blue[1]) > float(red_blue[0]) * 1.2     # the hair took the warmer light
