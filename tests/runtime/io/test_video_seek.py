"""Random access into a video plate: a frame read by seeking to the key frame before it is
bit for bit the frame a sequential decode gives, on H.264 with B-frames and a 12-frame GOP
(closed and open GOPs) and on ProRes, and a late frame decodes one GOP, not the whole clip."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from shotspec.runtime.io import video_read

av = pytest.importorskip("av")

N = 40


def _make(path, codec, *, pix_fmt="yuv420p", rate=24, options=None, pts=None):
    """A 64×48 clip of N noisy frames that differ (a ramp sliding 5 px a frame, seeded noise)."""
    rng = np.random.default_rng(5)
    base = np.indices((48, 64)).sum(0) * 3
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate, options=options or {})
        s.width, s.height, s.pix_fmt = 64, 48, pix_fmt
        for i in range(N):
            rgb = np.stack([np.roll(base, 5 * i, axis=1), base, base[::-1]], axis=2)
            rgb = np.clip(rgb + rng.integers(0, 24, rgb.shape), 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            if pts is not None:
                frame.pts, frame.time_base = pts[i], Fraction(1, 24)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return str(path)


CLIPS = {
    "h264_bframes_gop12": dict(codec="libx264", options={"g": "12", "bf": "3",
                                                          "x264-params": "scenecut=0"}),
    "h264_open_gop_2997": dict(codec="libx264", rate=Fraction(30000, 1001),
                               options={"g": "10", "bf": "2",
                                        "x264-params": "scenecut=0:open-gop=1"}),
    "prores_hq_23976": dict(codec="prores_ks", pix_fmt="yuv422p10le", rate=Fraction(24000, 1001),
                            options={"profile": "3"}),
}


def _sequential(path):
    video_read._drop(path)
    frames = [video_read.read_video_codes(path, i)[0] for i in range(N)]
    dec = next(d for k, d in video_read._OPEN.items() if k[0] == path)
    assert dec.seeks == 0 and dec.decoded == N          # in order: each frame decoded once
    video_read._drop(path)
    return frames


@pytest.mark.parametrize("name", list(CLIPS))
def test_every_frame_read_by_seeking_equals_the_sequential_decode(tmp_path, name):
    path = _make(tmp_path / f"{name}.{'mov' if 'prores' in name else 'mp4'}", **CLIPS[name])
    seq = _sequential(path)
    assert len({f.tobytes() for f in seq}) == N               # the frames all differ
    order = list(range(N - 1, -1, -1)) + [17, 3, 36, 0, 25, 24, 26, 11]
    for i in order:                                             # backwards, and jumping about
        got = video_read.read_video_codes(path, i)[0]
        assert np.array_equal(got, seq[i]), f"frame {i}"
    dec = next(d for k, d in video_read._OPEN.items() if k[0] == path)
    assert dec.seekable and dec.seeks > 10
    for i in (N - 1, 29, 13):                                   # a fresh worker's late frame
        video_read._drop(path)
        assert np.array_equal(video_read.read_video_codes(path, i)[0], seq[i])
        dec = next(d for k, d in video_read._OPEN.items() if k[0] == path)
        gop = 1 if "prores" in name else 12
        # one GOP (plus the B-frames' reordering), not the i + 1 frames before it
        assert dec.seeks >= 1 and dec.decoded <= gop + 3, (i, dec.decoded)
    video_read._drop(path)


def test_a_stream_with_a_gap_is_counted_not_seeked(tmp_path):
    # a dropped frame: pts 0 … 19, 21 … 40 at 1/24 s; the i-th picture is frame i
    pts = list(range(20)) + list(range(21, 41))
    path = _make(tmp_path / "gap.mp4", "libx264", options={"g": "8"}, pts=pts)
    seq = _sequential(path)
    for i in (35, 20, 5, 39):
        assert np.array_equal(video_read.read_video_codes(path, i)[0], seq[i])
    dec = next(d for k, d in video_read._OPEN.items() if k[0] == path)
    assert not dec.seekable and dec.seeks == 0
    video_read._drop(path)
