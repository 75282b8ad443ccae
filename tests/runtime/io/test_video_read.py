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
