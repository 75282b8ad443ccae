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
                  "seed": 0}
        return op_plate([], params, OpContext(device=torch.device("cpu"))).rgb

    plain, video = plate(None), plate("Rec.1886 Rec.709 - Display")
    code = video_read.read_video_frame(str(clip), 1)[0]
    assert torch.equal(plain, code)
    # the declared space starts from the stream's BT.709 code values, not from sRGB ones:
    # a BT.1886 display (gamma 2.4) of those codes, not the BT.709 OETF's inverse
    from shotspec.color import linear_to_rec709

    codes = linear_to_rec709(code.clamp(0, 1))
    assert torch.allclose(video, codes ** 2.4, atol=2e-3)
