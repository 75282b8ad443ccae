"""OpenColorIO transforms on frames: equal to OCIO's own processors, known ACES values, CDL in
ACEScct, display LUT after the view, the output node writing the display's code values."""

from __future__ import annotations

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from shotspec.color import linear_to_srgb, srgb_to_linear
from shotspec.color_config import ACES1_CONFIG, DEFAULT_CONFIG, WORKING_SPACE, load_config
from shotspec.compiler.ir import OutputIR
from shotspec.compiler.plan.build import stage_params
from shotspec.runtime import color_management as cm
from shotspec.runtime.finishing import tonemap
from shotspec.runtime.frame import Frame
from shotspec.runtime.io.image_read import read_raw
from shotspec.runtime.ops import OpContext, op_output
from shotspec.runtime.color_files import decode_for_file, display_frame, encode_for_file

ACES2_SDR = "ACES 2.0 - SDR 100 nits (Rec.709)"


def _ramp() -> torch.Tensor:
    g = torch.Generator().manual_seed(3)
    return torch.rand((1, 3, 20, 16), generator=g) * 4.0          # scene-linear, up to +4.5 EV


def _ocio(config: str, transform, rgb: torch.Tensor) -> np.ndarray:
    cpu = load_config(config).getProcessor(transform).getDefaultCPUProcessor()
    pixels = np.ascontiguousarray(rgb[0].permute(1, 2, 0).numpy())
    cpu.applyRGB(pixels)
    return pixels


def test_display_view_equals_ocio_processor():
    x = _ramp()
    ours = cm.display_view(x, DEFAULT_CONFIG, WORKING_SPACE, "sRGB - Display", ACES2_SDR)
    ref = _ocio(DEFAULT_CONFIG, ocio.DisplayViewTransform(src=WORKING_SPACE,
                display="sRGB - Display", view=ACES2_SDR), x)
    assert np.abs(ours[0].permute(1, 2, 0).numpy() - ref).max() < 2e-5


def test_mid_grey_through_the_aces_sdr_views():
    grey = torch.full((1, 3, 2, 2), 0.18)
    # ACES 1.0 RRT + sRGB ODT: 18 % grey → 10.4 % of display white, sRGB code 0.356
    assert float(cm.aces_sdr_video(grey)[0, 1, 0, 0]) == pytest.approx(0.3560, abs=5e-4)
    aces2 = cm.display_view(grey, DEFAULT_CONFIG, WORKING_SPACE, "sRGB - Display", ACES2_SDR)
    assert float(aces2[0, 1, 0, 0]) == pytest.approx(0.3492, abs=5e-4)
    # the tone-map pass's `aces` operator is that view, decoded to display light
    out = tonemap(Frame(rgb=grey), "aces").rgb
    assert float(out[0, 0, 0, 0]) == pytest.approx(float(srgb_to_linear(torch.tensor(0.356))),
                                                   abs=5e-4)


def test_cdl_slope_acts_in_acescct():
    grey = torch.full((1, 3, 1, 1), 0.18)
    warm = cm.cdl(grey, DEFAULT_CONFIG, WORKING_SPACE, "color_timing", slope=(1.1, 1.0, 0.9))
    r, g, b = warm.flatten().tolist()
    # In ACEScct grey 0.18 is 0.4135; ×1.1 = 0.4549 → 0.388 in AP1 red (2^(0.4549·17.52 −
    # 9.72)); back in Rec.709 primaries the AP1 channels mix: a strong warm shift, not a
    # 10 % gain — a log slope is a contrast around ACEScct 0.
    assert r == pytest.approx(0.386, abs=3e-3) and b == pytest.approx(0.095, abs=3e-3)
    assert g == pytest.approx(0.165, abs=3e-3)
    group = ocio.GroupTransform([
        ocio.ColorSpaceTransform(src=WORKING_SPACE, dst="ACEScct"),
        ocio.CDLTransform(slope=[1.1, 1.0, 0.9], offset=[0, 0, 0], power=[1, 1, 1], sat=1.0),
        ocio.ColorSpaceTransform(src="ACEScct", dst=WORKING_SPACE)])
    assert np.allclose(_ocio(DEFAULT_CONFIG, group, grey).ravel(), [r, g, b], atol=1e-5)
    same = cm.cdl(grey, DEFAULT_CONFIG, WORKING_SPACE, "ACEScct")
    assert torch.allclose(same, grey, atol=1e-5)       # the identity CDL is a round trip


def test_cdl_file_read_by_ocio(tmp_path):
    path = tmp_path / "grade.cc"
    path.write_text('<ColorCorrection id="shot1"><SOPNode><Slope>1.1 1 0.9</Slope>'
                    '<Offset>0 0 0</Offset><Power>1 1 1</Power></SOPNode>'
                    '<SatNode><Saturation>1</Saturation></SatNode></ColorCorrection>')
    grey = torch.full((1, 3, 1, 1), 0.18)
    from_file = cm.cdl(grey, DEFAULT_CONFIG, WORKING_SPACE, "ACEScct", path=str(path))
    from_values = cm.cdl(grey, DEFAULT_CONFIG, WORKING_SPACE, "ACEScct", slope=(1.1, 1.0, 0.9))
    assert torch.allclose(from_file, from_values, atol=1e-6)


def _cube(tmp_path, fn, name="display.cube") -> str:
    rows = ["LUT_3D_SIZE 2"] + ["%g %g %g" % fn(r, g, b)
                                for b in (0, 1) for g in (0, 1) for r in (0, 1)]
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_display_lut_applies_after_the_view(tmp_path):
    x = _ramp()
    invert = _cube(tmp_path, lambda r, g, b: (1 - r, 1 - g, 1 - b))
    out = OutputIR(path=str(tmp_path / "o.png"), view=ACES2_SDR, lut=invert)
    written = display_frame(Frame(rgb=x), out).rgb
    code = encode_for_file(written, "srgb")
    viewed = cm.display_view(x, DEFAULT_CONFIG, WORKING_SPACE, "sRGB - Display", ACES2_SDR)
    # LUT(view(x)) — inverting before the view would give view(1 − x), a different picture
    assert torch.allclose(code, 1.0 - viewed, atol=2e-4)
    before = cm.display_view(1.0 - x.clamp(0, 1), DEFAULT_CONFIG, WORKING_SPACE,
                             "sRGB - Display", ACES2_SDR)
    assert float((code - before).abs().max()) > 0.1


def test_output_node_writes_the_display_code_values(tmp_path):
    x = _ramp()
    out = OutputIR(path=str(tmp_path / "o.png"), width=16, height=20, bit_depth=16,
                   dither=False, view=ACES2_SDR)
    params = {"output": stage_params(out, "output"), "shot": "s", "seed": 0}
    op_output([Frame(rgb=x)], params, OpContext(device=torch.device("cpu")))
    data, info = read_raw(str(tmp_path / "o.png"))
    assert info["bit_depth"] == 16
    data = data.astype(np.float64) * 65535.0
    expected = cm.display_view(x, DEFAULT_CONFIG, WORKING_SPACE, "sRGB - Display", ACES2_SDR)
    expected = expected[0].permute(1, 2, 0).numpy() * 65535.0
    assert np.abs(data - expected).max() <= 1.0           # within one 16-bit step


def test_decode_for_file_inverts_the_writers_curve():
    code = torch.linspace(0, 1, 1001).view(1, 1, 1, -1).expand(1, 3, 1, -1)
    assert torch.allclose(encode_for_file(decode_for_file(code, "srgb"), "srgb"), code, atol=2e-6)
    # BT.709's two pieces meet with a 2e-4 step at its knee (code 0.081): codes inside the
    # step come back at its edge; elsewhere exact
    back = encode_for_file(decode_for_file(code, "rec709"), "rec709")
    assert float((back - code).abs().max()) < 2.5e-4
    outside = (code < 0.0805) | (code > 0.0815)
    assert float((back - code).abs()[outside].max()) < 2e-6


def test_processors_are_cached_and_devices_round_trip():
    x = _ramp()
    before = x.clone()
    first = cm.convert(x, DEFAULT_CONFIG, WORKING_SPACE, "ACEScg")
    assert torch.equal(x, before) and first.is_contiguous()     # the input is never written
    n = cm.processor_key_count()
    a = cm.convert(x, DEFAULT_CONFIG, WORKING_SPACE, "ACEScg")
    assert cm.processor_key_count() == n
    b = cm.convert(x.double(), DEFAULT_CONFIG, WORKING_SPACE, "ACEScg")
    assert b.dtype == torch.float64 and torch.equal(a, b.float())
    assert torch.equal(a, cm.convert(x, DEFAULT_CONFIG, WORKING_SPACE, "ACEScg"))  # deterministic
    if torch.cuda.is_available():
        c = cm.convert(x.cuda(), DEFAULT_CONFIG, WORKING_SPACE, "ACEScg")
        assert c.is_cuda and torch.equal(c.cpu(), a)


def test_aces1_config_is_built_in():
    assert "ACES 1.0 - SDR Video" in load_config(ACES1_CONFIG).getViews("sRGB - Display")


def _plate_params(path, colorspace):
    from shotspec.compiler.ir import CameraIR, SourceIR

    source = SourceIR(kind="plate", plate=str(path), colorspace=colorspace)
    return {"source": stage_params(source, "plate"), "camera": stage_params(CameraIR(), "plate"),
            "seed": 0, "face_scale_from_camera": False}


def test_plates_convert_from_their_declared_colour_space(tmp_path):
    from PIL import Image

    from shotspec.runtime.ops import op_plate

    codes = np.arange(0, 256, 8, dtype=np.uint8)
    img = np.stack([np.tile(codes, (4, 1))] * 3, axis=-1)
    Image.fromarray(img).save(tmp_path / "p.png")
    ctx = OpContext(device=torch.device("cpu"))
    plain = op_plate([], _plate_params(tmp_path / "p.png", None), ctx).rgb
    srgb = op_plate([], _plate_params(tmp_path / "p.png", "sRGB Encoded Rec.709 (sRGB)"), ctx).rgb
    assert float((plain - srgb).abs().max()) < 2e-6       # the default is sRGB, through OCIO too
    g22 = op_plate([], _plate_params(tmp_path / "p.png", "Gamma 2.2 Encoded Rec.709"), ctx).rgb
    expected = torch.from_numpy(codes / 255.0).float() ** 2.2
    assert torch.allclose(g22[0, 1, 0], expected, atol=2e-6)
    acescg = op_plate([], _plate_params(tmp_path / "p.png", "ACEScg"), ctx).rgb
    # an ACEScg plate's greys stay grey, its code values are linear light
    assert torch.allclose(acescg[0, :, 0, 16], torch.full((3,), 128 / 255.0), atol=1e-4)


def test_the_default_output_path_is_untouched(tmp_path):
    # no display, view or LUT: the writer gets the tone-mapped frame itself, so the default
    # render is bit-identical to the one before colour management (measured: 0 codes of
    # difference on the 1024×1280 16-bit default shot)
    frame = Frame(rgb=_ramp().clamp(0, 1))
    assert display_frame(frame, OutputIR(path=str(tmp_path / "o.png"))) is frame
    # a linear file keeps the scene-linear light even with a view
    exr = OutputIR(path=str(tmp_path / "o.exr"), format="exr", bit_depth=32,
                   colorspace="linear", view=ACES2_SDR)
    assert display_frame(frame, exr) is frame
