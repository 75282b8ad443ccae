"""A video plate's frames read in order go on from where decoding stopped, and give exactly the
frames a fresh decode gives; an earlier frame, a frame past the end and a changed file work."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shotspec.runtime.io import video_read
from shotspec.runtime.io.errors import ImageError

av = pytest.importorskip("av")


def _video(path, frames: int, shift: int = 0) -> None:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        base = np.indices((48, 64)).sum(0).astype(np.uint8) * 3
        for i in range(frames):
            rgb = np.stack([np.roll(base, 5 * i + shift, axis=1), base, base[::-1]], axis=2)
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _fresh(path, index):
    video_read._drop(str(path))
    return video_read.read_video_frame(str(path), index)[0]


def test_frames_in_order_equal_fresh_decodes_and_earlier_frames_still_read(tmp_path):
    clip = tmp_path / "clip.mp4"
    _video(clip, 6)
    fresh = [_fresh(clip, i) for i in range(6)]
    video_read._drop(str(clip))
    in_order = [video_read.read_video_frame(str(clip), i)[0] for i in range(6)]
    assert all(torch.equal(a, b) for a, b in zip(fresh, in_order))
    assert not torch.equal(in_order[0], in_order[1])                 # the frames differ
    assert torch.equal(video_read.read_video_frame(str(clip), 2)[0], fresh[2])   # back again
    with pytest.raises(ImageError, match="has no frame 9 .it has 6"):
        video_read.read_video_frame(str(clip), 9)


def test_a_rewritten_video_is_decoded_anew(tmp_path):
    clip = tmp_path / "clip.mp4"
    _video(clip, 3)
    first = video_read.read_video_frame(str(clip), 0)[0]
    _video(clip, 4, shift=17)
    again = video_read.read_video_frame(str(clip), 1)[0]
    assert torch.equal(again, _fresh(clip, 1)) and not torch.equal(first, _fresh(clip, 0))


def test_a_video_plate_converts_from_its_declared_colour_space(tmp_path):
    from shotspec.compiler.ir import CameraIR, SourceIR
    from shotspec.compiler.plan.build import stage_params
    from shotspec.runtime.ops import OpContext, op_plate

    clip = tmp_path / "clip.mp4"
    _video(clip, 2)

    def plate(colorspace):
        source = SourceIR(kind="plate", plate=str(clip), colorspace=colorspace, plate_frame=1)
        params = {"source": stage_params(source, "plate"), "camera": stage_params(CameraIR(), "plate"),
                  "seed": 0, "face_scale_from_camera": False}
        return op_plate([], params, OpContext(device=torch.device("cpu"))).rgb

    plain, video = plate(None), plate("Rec.1886 Rec.709 - Display")
    code = video_read.read_video_frame(str(clip), 1)[0]
    assert torch.equal(plain, code)
    # the declared space starts from the stream's BT.709 code values, not from sRGB ones:
    # a BT.1886 display (gamma 2.4) of those codes, not the BT.709 OETF's inverse
    from shotspec.color import linear_to_rec709

    codes = linear_to_rec709(code.clamp(0, 1))
    assert torch.allclose(video, codes ** 2.4, atol=2e-3)


def test_mask_and_depth_videos_give_each_frame_its_own_matte_and_depth(tmp_path):
    from PIL import Image

    from shotspec.compiler.ir import CameraIR, SourceIR
    from shotspec.runtime.io.plate import load_plate

    Image.fromarray(np.full((48, 64, 3), 128, np.uint8)).save(tmp_path / "plate.png")
    with av.open(str(tmp_path / "mask.mp4"), "w") as c:      # a white box moving 8 px a frame
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(3):
            m = np.zeros((48, 64, 3), np.uint8)
            m[16:32, 8 + 8 * i:24 + 8 * i] = 255
            for p in s.encode(av.VideoFrame.from_ndarray(m, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    with av.open(str(tmp_path / "depth.mp4"), "w") as c:     # flat grey: near + far halfway
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(3):
            d = np.full((48, 64, 3), 64 * (i + 1), np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(d, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    centres, depths = [], []
    for i in range(3):
        source = SourceIR(kind="plate", plate=str(tmp_path / "plate.png"), mask=str(tmp_path / "mask.mp4"),
                          depth=str(tmp_path / "depth.mp4"), depth_near_m=0.5, depth_far_m=1.5,
                          plate_frame=i)
        frame = load_plate(source, CameraIR())
        skin = frame.aovs["skin"][0, 0]
        cols = torch.arange(64, dtype=torch.float32)
        centres.append(float((skin.sum(0) * cols).sum() / skin.sum()))
        depths.append(float(frame.aovs["depth"][0, 0, 24, 32]))
        assert float(skin[24, 8 * i + 16]) > 0.9 and float(skin[5, 5]) < 0.05
    assert centres == pytest.approx([15.5, 23.5, 31.5], abs=0.5)
    # code 64/128/192 of 255: 1.5 m (black) … 0.5 m (white), linear in code value
    assert depths == pytest.approx([1.5 - 64 * k / 255 for k in (1, 2, 3)], abs=0.02)
