"""A photograph given to a spec as a plate gets its face scale from its irises, as `shot enhance`
does: the camera block's defaults describe no real photograph."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import torch

from shotspec.compiler import compile_source
from shotspec.compiler.plan.build import build_plan
from shotspec.runtime.enhance import plan_enhance
from shotspec.runtime.ops import OpContext, op_plate

sys.path.insert(0, str(Path(__file__).parent))
from shared_photos import MODEL_FACE, photo_truth  # noqa: E402

SPEC = """shot s {{
  source plate "model_face.jpg"
  camera {{ {camera} }}
  finish {{ skin_enhance 0.6 }}
  output "out.png"
}}
"""


def _face(tmp_path, camera: str):
    result = compile_source(SPEC.format(camera=camera), tmp_path / "s.shot")
    node = next(n for n in build_plan(result.program).nodes.values() if n.op == "plate")
    frame = op_plate([], node.params, OpContext(device=torch.device("cpu")))
    return plan_enhance(frame).face


def test_a_spec_plate_is_measured_by_its_irises_unless_the_camera_is_stated(tmp_path):
    if not MODEL_FACE.exists():
        pytest.skip(f"shared test photo {MODEL_FACE} not found")
    shutil.copy(MODEL_FACE, tmp_path / "model_face.jpg")
    measured = _face(tmp_path, "aperture f/8")
    assert "iris" in measured.scale_method
    assert measured.mm_per_px == pytest.approx(photo_truth("model_face.jpg", 1280), rel=0.10)
    # the camera's defaults (85 mm at 0.8 m) had read 0.265 mm/px, 39 % coarse
    stated = _face(tmp_path, "lens 50mm; distance 1.2m")
    assert stated.scale_method.startswith("given")
    assert stated.mm_per_px == pytest.approx(1.2 * 0.036 / (0.05 * 1280) * 1000)


def test_a_stated_face_scale_wins_over_the_camera_and_the_irises(tmp_path):
    if not MODEL_FACE.exists():
        pytest.skip(f"shared test photo {MODEL_FACE} not found")
    shutil.copy(MODEL_FACE, tmp_path / "model_face.jpg")
    spec = SPEC.replace('source plate "model_face.jpg"', 'source plate "model_face.jpg" {{ face_scale 0.25mm }}')
    result = compile_source(spec.format(camera="lens 50mm; distance 1.2m"), tmp_path / "s.shot")
    node = next(n for n in build_plan(result.program).nodes.values() if n.op == "plate")
    face = plan_enhance(op_plate([], node.params, OpContext(device=torch.device("cpu")))).face
    assert face.mm_per_px == pytest.approx(0.25) and face.scale_method.startswith("given")
