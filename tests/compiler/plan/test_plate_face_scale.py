"""A plate's face scale comes from its camera only when the spec states one: the lens and the
subject's distance. Otherwise (an AI image has no camera; the defaults describe none) the plate
carries no scale and the skin enhancer measures it from the irises."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.compiler import compile_source
from shotspec.compiler.plan.build import face_scale_from_camera
from shotspec.runtime.ops import OpContext, op_plate

SPEC = """shot s {{
  source plate "plate.png" {{ {source} }}
  camera {{ {camera} }}
  output "out.png"
}}
"""


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    Image.fromarray(np.full((40, 32, 3), 128, np.uint8)).save(tmp_path / "plate.png")
    Image.fromarray(np.full((40, 32), 32768, np.uint16)).save(tmp_path / "depth.png")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _shot(workdir, camera: str = "", source: str = ""):
    result = compile_source(SPEC.format(camera=camera, source=source), workdir / "s.shot")
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result.program.shots[0]


@pytest.mark.parametrize("camera,source,expected", [
    ("", "", False),                                    # nothing stated: measure the face
    ("lens 50mm", "", False),                           # a lens without a distance
    ("distance 1.2m", "", False),                       # a distance without a lens
    ("lens 50mm; distance 1.2m", "", True),
    ("lens 50mm", "distance 1.5m", True),               # the plate's own subject distance
    ("lens 50mm", 'depth "depth.png"', True),           # a depth image gives the distance
])
def test_the_camera_gives_the_scale_only_when_stated(workdir, camera, source, expected):
    assert face_scale_from_camera(_shot(workdir, camera, source)) is expected


def _plate_meta(workdir, camera: str):
    from shotspec.compiler.plan.build import build_plan

    plan = build_plan(compile_source(SPEC.format(camera=camera, source=""), workdir / "s.shot").program)
    node = next(n for n in plan.nodes.values() if n.op == "plate")
    return op_plate([], node.params, OpContext(device=torch.device("cpu"))).meta


def test_the_plate_carries_the_camera_scale_or_none(workdir):
    stated = _plate_meta(workdir, "lens 50mm; distance 1.2m")
    # 1.2 m × 36 mm sensor / (50 mm × 32 px) = 27 mm a pixel
    assert stated.face_mm_per_px == pytest.approx(1.2 * 0.036 / (0.05 * 32) * 1000)
    assert _plate_meta(workdir, "").face_mm_per_px == 0.0
