"""Skin detection on plates, region labelling, face scale, and the optional mediapipe path."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.color import srgb_to_linear
from shotspec.runtime.enhance import find_skin_mask, plan_enhance
from shotspec.runtime.faces.face_mesh import find_face_features
from shotspec.runtime.faces.regions import label_regions, regions
from shotspec.runtime.frame import Frame, FrameMeta

sys.path.insert(0, str(Path(__file__).parents[1] / "enhance"))
sys.path.insert(0, str(Path(__file__).parent))
from conftest import make_face  # noqa: E402
from shared_photos import MODEL_FACE  # noqa: E402


def test_finds_a_skin_coloured_ellipse_on_blue():
    frame = make_face(with_aov=False, light=(-0.3, -0.2, 0.9))
    mask, desc = find_skin_mask(frame)
    truth = make_face(light=(-0.3, -0.2, 0.9)).aov("skin") > 0.5
    found = mask > 0.5
    iou = float((found & truth).sum()) / float((found | truth).sum())
    assert iou > 0.8
    assert float(mask[..., :5, :5].max()) == 0.0
    assert "YCbCr" in desc and "mediapipe" in desc


def test_no_skin_gives_an_empty_mask_and_says_so():
    frame = Frame(torch.full((1, 3, 64, 64), 0.2) * torch.tensor([0.1, 0.3, 1.0]).view(1, 3, 1, 1))
    mask, desc = find_skin_mask(frame)
    assert float(mask.max()) == 0.0 and "no skin" in desc


@pytest.mark.skipif(not MODEL_FACE.exists(),
                    reason=f"shared test photo {MODEL_FACE} not found (../shared/data/faces next to the repository)")
def test_model_face_cheeks_in_background_out():
    img = Image.open(MODEL_FACE).convert("RGB").resize((256, 384), Image.BILINEAR)
    rgb = srgb_to_linear(torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)[None])
    mask, _ = find_skin_mask(Frame(rgb.contiguous(), meta=FrameMeta(source="plate")))
    m = mask[0, 0]
    assert float(m[115:130, 60:75].mean()) > 0.7      # left cheek (towards the shadow side)
    assert float(m[115:130, 140:155].mean()) > 0.9    # right cheek
    assert float(m[330:370, 150:200].mean()) > 0.9    # chest
    assert float(m[0:60, 0:25].max()) == 0.0          # grey backdrop, top left
    assert float(m[0:40, 225:256].max()) == 0.0       # backdrop, top right
    assert float(m[155:163, 98:125].mean()) < 0.1    # the orange lips


def test_region_labelling_8_connected():
    m = np.zeros((8, 8), bool)
    m[1:3, 1:3] = True
    m[3, 3] = True            # diagonal neighbour joins the first region
    m[6:8, 5:8] = True
    labels, count = label_regions(m)
    found = regions(labels, count)
    assert count == 2
    assert [r.area for r in found] == [6, 5]
    assert found[0].bbox == (5, 6, 8, 8)


def test_scale_from_eye_mask_and_metadata():
    frame = make_face(200, 240, mm_per_px=0.0)
    eyes = torch.zeros(1, 1, 200, 240)
    eyes[..., 80:92, 57:75] = 1.0
    eyes[..., 80:92, 165:183] = 1.0          # centres 108 px apart
    plan = plan_enhance(frame.replace(aovs={**frame.aovs, "eyes": eyes}))
    assert plan.face.mm_per_px == pytest.approx(63.0 / 108.0, rel=1e-3)
    assert "eye distance" in plan.face.scale_method
    assert plan.face.origin == pytest.approx((119.5, 85.5), abs=0.01)
    meta_plan = plan_enhance(make_face(200, 240, mm_per_px=0.2))
    assert meta_plan.face.mm_per_px == 0.2 and meta_plan.face.scale_method.startswith("given")


def test_scale_from_position_aov_follows_the_head():
    frame = make_face(120, 100, mm_per_px=0.0)
    yy, xx = torch.meshgrid(torch.arange(120.0), torch.arange(100.0), indexing="ij")
    # object space: 0.25 mm per pixel, y up, origin at pixel (50, 60)
    pos = torch.stack([(xx - 50) * 0.25e-3, -(yy - 60) * 0.25e-3, torch.zeros_like(xx)])[None]
    plan = plan_enhance(frame.replace(aovs={**frame.aovs, "position": pos}))
    assert plan.face.mm_per_px == pytest.approx(0.25, rel=1e-3)
    assert plan.face.origin == pytest.approx((50.0, 60.0), abs=1e-3)


def _fake_mediapipe(monkeypatch, w, h):
    """A stand-in for mediapipe's face mesh: eyes, brows, lips and oval as small landmark sets."""
    pts = {}

    def ring(name, cx, cy, rx, ry, n=8):
        base = len(pts)
        for k in range(n):
            a = 2 * np.pi * k / n
            pts[base + k] = ((cx + rx * np.cos(a)) / w, (cy + ry * np.sin(a)) / h)
        return frozenset((base + k, base + (k + 1) % n) for k in range(n))

    fm = types.SimpleNamespace(
        FACEMESH_LEFT_EYE=ring("le", 40, 40, 6, 3), FACEMESH_RIGHT_EYE=ring("re", 80, 40, 6, 3),
        FACEMESH_LEFT_EYEBROW=ring("lb", 40, 30, 8, 2), FACEMESH_RIGHT_EYEBROW=ring("rb", 80, 30, 8, 2),
        FACEMESH_LIPS=ring("li", 60, 80, 12, 4), FACEMESH_FACE_OVAL=ring("ov", 60, 55, 45, 50, 16))

    class Mesh:
        def __init__(self, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def process(self, img):
            assert img.dtype == np.uint8 and img.shape == (h, w, 3)
            lm = [types.SimpleNamespace(x=pts[i][0], y=pts[i][1]) for i in sorted(pts)]
            return types.SimpleNamespace(multi_face_landmarks=[types.SimpleNamespace(landmark=lm)])

    fm.FaceMesh = Mesh
    monkeypatch.setitem(sys.modules, "mediapipe", types.SimpleNamespace(solutions=types.SimpleNamespace(face_mesh=fm)))


def test_mediapipe_landmarks_exclude_eyes_lips_brows_and_size_the_face(monkeypatch):
    _fake_mediapipe(monkeypatch, 120, 120)
    frame = make_face(120, 120, mm_per_px=0.0, with_aov=False, light=(-0.3, -0.2, 0.9))
    feats = find_face_features(frame.rgb)
    assert feats is not None and feats.eye_centres[0] == pytest.approx((40.0, 40.0), abs=0.01)
    assert feats.face_width_px == pytest.approx(90.0, abs=0.01)
    mask, desc = find_skin_mask(frame)
    assert "mediapipe" in desc and "landmarks" in desc
    assert float(mask[0, 0, 40, 40]) == 0.0 and float(mask[0, 0, 80, 60]) == 0.0
    plan = plan_enhance(frame)
    assert plan.face.mm_per_px == pytest.approx(63.0 / 40.0, rel=1e-3)
    assert "landmarks" in plan.face.scale_method
