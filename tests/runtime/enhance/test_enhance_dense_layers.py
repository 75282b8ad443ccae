"""Sub-pixel skin features on a small, far-away face: statistics instead of millions of points."""

from __future__ import annotations

import torch

from shotspec.runtime.enhance import skin_enhance
from shotspec.runtime.enhance import skin_texture
from shotspec.runtime.frame import Frame, FrameMeta


def _tiny_face(mm_per_px: float) -> Frame:
    h, w = 120, 96
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    mask = ((xx / 0.6) ** 2 + (yy / 0.75) ** 2 < 1).float()[None, None]
    rgb = torch.tensor([0.55, 0.38, 0.30]).view(1, 3, 1, 1) * (0.7 + 0.3 * (xx + 1) / 2)[None, None]
    return Frame(rgb=rgb, aovs={"skin": mask}, meta=FrameMeta(face_mm_per_px=mm_per_px, seed=3))


def test_a_face_at_3mm_per_pixel_generates_a_bounded_number_of_points(monkeypatch):
    calls = []
    original = skin_texture._layer_points

    def counting(layer, *args, **kwargs):
        pos, amp = original(layer, *args, **kwargs)
        calls.append(amp.numel())
        return pos, amp

    monkeypatch.setattr(skin_texture, "_layer_points", counting)
    frame = _tiny_face(3.1)
    out = skin_enhance(frame, strength=0.6, seed=3)
    assert max(calls, default=0) < 2_000_000     # was 58 M pore points before the dense path
    outside = frame.aovs["skin"] == 0
    assert torch.equal(out.rgb[outside.expand_as(out.rgb)], frame.rgb[outside.expand_as(frame.rgb)])
    assert torch.isfinite(out.rgb).all()


def test_dense_layers_are_deterministic():
    frame = _tiny_face(3.1)
    a = skin_enhance(frame, strength=0.6, seed=3).rgb
    b = skin_enhance(frame, strength=0.6, seed=3).rgb
    assert torch.equal(a, b)
