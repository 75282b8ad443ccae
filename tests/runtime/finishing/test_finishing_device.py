"""Finishing passes follow the input's device and are deterministic (CUDA parity when present)."""

import pytest
import torch

from shotspec.runtime.finishing import (apply_lut, exposure, film_grain, parse_cube, sharpen,
                                        smooth, tonemap, white_balance)
from shotspec.runtime.frame import Frame, FrameMeta


def chain(frame: Frame, lut) -> Frame:
    f = smooth(frame, 0.5)
    f = sharpen(f, 0.5)
    f = exposure(f, 0.5)
    f = white_balance(f, 4300.0, 0.5)
    f = film_grain(f, stock="250D", strength=0.8, seed=42, frame_index=3)
    f = tonemap(f, "agx", contrast=1.1, look="punchy")
    return apply_lut(f, lut, 0.7)


@pytest.fixture
def scene(tmp_path):
    g = torch.Generator().manual_seed(1)
    rgb = torch.rand((1, 3, 48, 80), generator=g) * 3.0
    skin = (torch.rand((1, 1, 48, 80), generator=g) > 0.5).float()
    frame = Frame(rgb=rgb, aovs={"skin": skin}, meta=FrameMeta(sensor_width_m=0.01))
    rows = ["LUT_3D_SIZE 3"] + ["%g %g %g" % (g_ * 0.5, r * 0.5, b * 0.5)
                                for b in range(3) for g_ in range(3) for r in range(3)]
    p = tmp_path / "swap.cube"
    p.write_text("\n".join(rows))
    return frame, parse_cube(str(p))


def test_whole_chain_is_bit_identical_across_runs(scene):
    frame, lut = scene
    a, b = chain(frame, lut), chain(frame, lut)
    assert torch.equal(a.rgb, b.rgb)
    assert a.rgb.shape == (1, 3, 48, 80) and torch.isfinite(a.rgb).all()
    assert float(a.rgb.min()) >= 0.0 and float(a.rgb.max()) <= 1.0
    assert a.aovs is frame.aovs


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(scene):
    frame, lut = scene
    gpu = frame.replace(rgb=frame.rgb.cuda(), aovs={k: v.cuda() for k, v in frame.aovs.items()})
    out = chain(gpu, lut)
    assert out.rgb.device.type == "cuda"
    assert torch.allclose(out.rgb.cpu(), chain(frame, lut).rgb, atol=2e-3)
