"""Video plates tagged with HDR and log transfers and wide-gamut primaries are taken to linear
light by their tags (PQ, HLG, H.273 log, BT.2020), a camera log is read by its declared colour
space through OpenColorIO, and a tag shotspec cannot decode is refused, never read as BT.709."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from shotspec.plate_tags import stream_colour, to_rec709_matrix
from shotspec.runtime.io import video_read
from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.video_read import hlg_inverse_oetf, pq_eotf_nits

av = pytest.importorskip("av")


def _tagged(path, frames_rgb, trc: int, primaries: int, matrix: int = 1):
    """A ProRes 422 HQ (10-bit) clip of flat frames with the given RGB code values (0–1),
    Y'CbCr with ``matrix`` in limited range, tagged with H.273 ``trc`` and ``primaries``."""
    space = {1: "itu709", 9: "bt2020"}[matrix]
    with av.open(str(path), "w") as c:
        s = c.add_stream("prores_ks", rate=24, options={"profile": "3"})
        s.width, s.height, s.pix_fmt = 32, 16, "yuv422p10le"
        cc = s.codec_context
        cc.color_trc, cc.color_primaries, cc.colorspace, cc.color_range = trc, primaries, matrix, 1
        for rgb in frames_rgb:
            arr = np.empty((16, 32, 3), np.uint16)
            arr[:] = np.round(np.asarray(rgb) * 65535)
            f = av.VideoFrame.from_ndarray(arr, format="rgb48le")
            f = f.reformat(format="yuv422p10le", dst_colorspace=space, src_color_range="JPEG",
                           dst_color_range="MPEG")
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    video_read._drop(str(path))
    return str(path)


def _centre(path, index, **kw):
    rgb, info = video_read.read_video_frame(path, index, **kw)
    return rgb[0, :, 8, 16].double().numpy(), info


def pq_code(nits: float) -> float:
    m1, m2, c1, c2, c3 = 2610 / 16384, 2523 / 32, 3424 / 4096, 2413 / 128, 2392 / 128
    y = (nits / 10000) ** m1
    return ((c1 + c2 * y) / (1 + c3 * y)) ** m2


def test_pq_bt2020_is_display_light_over_the_bt2408_reference_white(tmp_path):
    assert pq_code(203) == pytest.approx(0.5807, abs=1e-4)     # BT.2408: 58 % PQ
    assert float(pq_eotf_nits(torch.tensor(pq_code(1000.0), dtype=torch.float64))) == \
        pytest.approx(1000.0, rel=1e-9)
    white, bright, red = pq_code(203), pq_code(1000), pq_code(203)
    clip = _tagged(tmp_path / "pq.mov", [(white,) * 3, (bright,) * 3, (red, 0, 0)], 16, 9, 9)
    grey, info = _centre(clip, 0)
    assert info["colorspace"] == "pq" and info["primaries"] == "bt2020"
    assert grey == pytest.approx([1.0] * 3, abs=0.012)           # diffuse white → 1.0
    assert _centre(clip, 1)[0] == pytest.approx([1000 / 203] * 3, rel=0.012)   # highlight 4.93
    # BT.2020 red at reference white, in BT.709 primaries: outside the gamut (negative G, B)
    expect = np.array(to_rec709_matrix("bt2020"))[:, 0]
    assert _centre(clip, 2)[0] == pytest.approx(expect, abs=0.03)
    # read as BT.709 (what it did before), the white was 0.34 and the highlight 0.57
    assert video_read.video_transfer(clip) == "pq"


def test_hlg_through_the_reference_ootf_agrees_with_pq(tmp_path):
    # HLG 75 % is BT.2408's reference white: 1000 · E^1.2 = 203 cd/m² at system gamma 1.2
    e = float(hlg_inverse_oetf(torch.tensor(0.75, dtype=torch.float64)))
    assert 1000 * e ** 1.2 == pytest.approx(203.0, rel=2e-3)
    clip = _tagged(tmp_path / "hlg.mov", [(0.75,) * 3, (0.5,) * 3], 18, 9, 9)
    assert _centre(clip, 0)[0] == pytest.approx([1.0] * 3, abs=0.012)
    # HLG 50 %: E = 1/12, display 1000 · (1/12)^1.2 = 50.6 cd/m², / 203
    assert _centre(clip, 1)[0] == pytest.approx([1000 * (1 / 12) ** 1.2 / 203] * 3, rel=0.01)


def test_h273_log_and_gamma_transfers(tmp_path):
    clip = _tagged(tmp_path / "log.mov", [(0.5,) * 3], 9, 1)             # log 100:1
    assert _centre(clip, 0)[0] == pytest.approx([10 ** (2 * (0.5 - 1))] * 3, rel=0.01)
    clip = _tagged(tmp_path / "g28.mov", [(0.5,) * 3], 5, 5)             # BT.470 B/G
    assert _centre(clip, 0)[0] == pytest.approx([0.5 ** 2.8] * 3, rel=0.01)
    clip = _tagged(tmp_path / "240m.mov", [(0.5,) * 3], 7, 7)            # SMPTE 240M
    assert _centre(clip, 0)[0] == pytest.approx([(0.6115 / 1.1115) ** (1 / 0.45)] * 3, rel=0.01)


def test_an_untaggable_transfer_is_refused_not_read_as_bt709(tmp_path):
    assert stream_colour(17, 1).problem is not None and stream_colour(1, 11).problem is not None
    clip = _tagged(tmp_path / "xyz.mov", [(0.5,) * 3], 17, 1)            # SMPTE ST 428 (DCI)
    with pytest.raises(ImageError) as err:
        video_read.read_video_frame(clip, 0)
    d = err.value.diagnostics[0]
    assert d.code == "E520" and "SMPTE ST 428-1" in d.message and "H.273 transfer 17" in d.message
    assert "colorspace" in d.help
    codes, info = _centre(clip, 0, linear=False)                          # declared: code values
    assert info["colorspace"] == "code" and codes == pytest.approx([0.5] * 3, abs=0.003)


def _op_plate(path, colorspace):
    from shotspec.compiler.ir import CameraIR, SourceIR
    from shotspec.compiler.plan.build import stage_params
    from shotspec.runtime.ops import OpContext, op_plate

    source = SourceIR(kind="plate", plate=path, colorspace=colorspace, plate_frame=0)
    params = {"source": stage_params(source, "plate"),
              "camera": stage_params(CameraIR(), "plate"), "seed": 0, "face_scale_from_camera": False}
    return op_plate([], params, OpContext(device=torch.device("cpu"))).rgb[0, :, 8, 16]


def slog3(x: float) -> float:
    """Sony S-Log3's OETF (linear reflection → code value), above its toe."""
    return (420 + math.log10((x + 0.01) / 0.19) * 261.5) / 1023


def test_a_camera_log_plate_is_read_by_its_declared_colour_space(tmp_path):
    # cameras tag S-Log3 as BT.709 (H.273 has no code point for it): the declared space wins
    clip = _tagged(tmp_path / "slog3.mov", [(slog3(0.9),) * 3], 1, 1)
    declared = _op_plate(clip, "S-Log3 S-Gamut3.Cine").double().numpy()
    assert declared == pytest.approx([0.9] * 3, abs=0.01)                 # 90 % grey card
    from shotspec.color import rec709_to_linear

    undeclared = _op_plate(clip, None).double().numpy()                   # its tag: BT.709
    as_bt709 = float(rec709_to_linear(torch.tensor(slog3(0.9))))
    assert undeclared == pytest.approx([as_bt709] * 3, abs=0.003)
    assert abs(undeclared[0] - 0.9) > 0.5
    # a PQ plate declared as OCIO's Rec.2100-PQ display space is handed its PQ code values
    pq = _tagged(tmp_path / "pq.mov", [(0.5807,) * 3], 16, 9, 9)
    assert torch.isfinite(_op_plate(pq, "Rec.2100-PQ - Display")).all()


def test_shot_check_refuses_the_tag_at_the_plate_statement(tmp_path):
    from shotspec.compiler import compile_file

    _tagged(tmp_path / "xyz.mov", [(0.5,) * 3], 17, 1)
    spec = tmp_path / "s.shot"
    spec.write_text('shot s {\n  source plate "xyz.mov"\n  output "out.mov" { size 32x16 }\n}\n')
    found = [d for d in compile_file(spec).diagnostics if d.code == "E520"]
    assert len(found) == 1 and "SMPTE ST 428-1" in found[0].message
    assert (found[0].span.line, found[0].span.col) == (2, 3)
    spec.write_text('shot s {\n  source plate "xyz.mov" { colorspace "ACEScg" }\n'
                    '  output "out.mov" { size 32x16 }\n}\n')
    assert not [d for d in compile_file(spec).diagnostics if d.code == "E520"]
