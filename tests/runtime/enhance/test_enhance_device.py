"""The plate enhancer follows the frame's device: skin found from the colour alone on CUDA gives
the CPU's mask and texture (the detector's region growing once mixed a host mask into a CUDA
frame). Skipped without CUDA; run it on a GPU machine."""

import sys
from pathlib import Path

import pytest
import torch

from shotspec.runtime.enhance import find_skin_mask, skin_enhance

sys.path.insert(0, str(Path(__file__).parent))
from conftest import make_face  # noqa: E402

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _plate():
    return make_face(256, 208, with_aov=False, light=(-0.5, -0.2, 0.8))


def test_plate_mask_is_found_on_the_cpu():
    mask, desc = find_skin_mask(_plate())
    assert float((mask > 0.5).float().mean()) > 0.3 and "YCbCr" in desc


@needs_cuda
def test_plate_mask_on_cuda_matches_the_cpu():
    cpu = _plate()
    mask_cpu, _ = find_skin_mask(cpu)
    mask_gpu, desc = find_skin_mask(cpu.replace(rgb=cpu.rgb.cuda()))
    assert mask_gpu.device.type == "cuda" and "YCbCr" in desc
    assert float((mask_gpu.cpu() - mask_cpu).abs().max()) < 1e-3


@needs_cuda
def test_plate_enhance_on_cuda_matches_the_cpu():
    cpu = _plate()
    out_cpu = skin_enhance(cpu, strength=1.0, seed=7)
    out_gpu = skin_enhance(cpu.replace(rgb=cpu.rgb.cuda()), strength=1.0, seed=7)
    assert out_gpu.rgb.device.type == "cuda"
    changed = (out_cpu.rgb != cpu.rgb).any(1)
    assert float(changed.float().mean()) > 0.2              # the texture was added …
    assert float((out_gpu.rgb.cpu() - out_cpu.rgb).abs().max()) < 2e-3    # … the same on both
