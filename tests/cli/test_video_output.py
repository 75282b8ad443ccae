"""Video out: a sequence encoded to H.264 (.mp4) and ProRes (.mov) with BT.709 tags."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from shotspec.cli.main import main
from shotspec.runtime.io.image_read import read_raw

av = pytest.importorskip("av")
from av.video.reformatter import Interpolation  # noqa: E402

SPEC = """\
shot seq {
  duration 4f
  fps 23.976
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.6m @ 0f -> 0.9m @ 4f }
  finish { tonemap agx }
  output "renders/seq.mp4" { size 64x80 }
}
"""


def decoded(path):
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        cc = s.codec_context
        tags = (cc.name, cc.pix_fmt, cc.color_primaries, cc.color_trc, cc.colorspace,
                cc.color_range, s.average_rate)
        accurate = Interpolation.BICUBIC | Interpolation.ACCURATE_RND
        frames = [f.reformat(format="rgb48le", src_colorspace="itu709", src_color_range="MPEG",
                             dst_color_range="JPEG", interpolation=accurate)
                  .to_ndarray().astype(np.float64) / 257.0 for f in c.decode(s)]
    return tags, frames


def test_h264_and_prores_with_bt709_tags_and_the_rendered_pictures(plate_workdir, capsys):
    work = plate_workdir(SPEC)
    assert main(["render", "shot.shot"]) == 0
    assert "encoded" in capsys.readouterr().out
    tags, frames = decoded(work / "renders" / "seq.mp4")
    assert tags[:6] == ("h264", "yuv420p", 1, 1, 1, 1)        # BT.709, limited range
    assert float(tags[6]) == pytest.approx(24000 / 1001)
    assert len(frames) == 4
    png = read_raw(str(work / "renders" / "seq.frames" / "seq.0002.png"))[0][..., :3] * 255
    # the decoded video shows the rendered frame (lossy 4:2:0: a few codes off on average)
    assert np.abs(frames[2] - png).mean() < 2.0

    assert main(["render", "shot.shot", "-q", "-o", "pro/seq.mov"]) == 0
    with av.open(str(work / "renders" / "seq.mp4")) as c:     # a timecode track from frame 0
        assert [s.metadata.get("timecode") for s in c.streams if s.type == "data"] == ["00:00:00:00"]
    tags, frames = decoded(work / "pro" / "seq.mov")
    assert tags[:6] == ("prores", "yuv422p10le", 1, 1, 1, 1)
    png = read_raw(str(work / "pro" / "seq.frames" / "seq.0002.png"))[0][..., :3] * 255
    assert np.abs(frames[2] - png).mean() < 1.0


def test_a_video_needs_a_sequence(plate_workdir, capsys):
    plate_workdir(SPEC.replace("  duration 4f\n", "").replace(" @ 0f -> 0.9m @ 4f", ""))
    assert main(["render", "shot.shot"]) == 1
    cap = capsys.readouterr()
    assert "E236" in cap.out + cap.err


def test_drop_frame_timecode_in_the_video_and_every_frame(plate_workdir):
    from shotspec.runtime.io.png import read_png_text

    work = plate_workdir(SPEC.replace("duration 4f", "duration 3f").replace("23.976", "29.97")
                         .replace("@ 4f", "@ 3f").replace("renders/seq.mp4\" { size 64x80",
                                                          "renders/seq.mov\" { size 64x80; "
                                                          "timecode \"00:00:59;28\""))
    assert main(["render", "shot.shot", "-q"]) == 0
    with av.open(str(work / "renders" / "seq.mov")) as c:   # the tmcd track, drop-frame flag
        assert [s.metadata.get("timecode") for s in c.streams if s.type == "data"] == \
            ["00:00:59;28"]
        assert c.streams.video[0].average_rate == Fraction(30000, 1001)
    texts = [read_png_text((work / "renders" / "seq.frames" / f"seq.000{i}.png").read_bytes())
             for i in range(3)]
    assert [t["timecode"] for t in texts] == ["00:00:59;28", "00:00:59;29", "00:01:00;02"]
    assert {t["frame_rate"] for t in texts} == {"30000/1001"}


def test_exr_frames_carry_smpte_time_code_attributes(plate_workdir):
    exr = pytest.importorskip("OpenEXR")
    work = plate_workdir(SPEC.replace("duration 4f", "duration 3f").replace("23.976", "59.94")
                         .replace("@ 4f", "@ 3f").replace("renders/seq.mp4\" { size 64x80",
                                                          "renders/seq.exr\" { size 64x80; "
                                                          "first_frame 1001; "
                                                          "timecode \"00:09:59;58\""))
    assert main(["render", "shot.shot", "-q"]) == 0
    got = []
    for i in range(3):
        with exr.File(str(work / "renders" / f"seq.{1001 + i}.exr")) as f:
            h = f.header()
            tc = h["timeCode"]
            got.append((tc.hours, tc.minutes, tc.seconds, tc.frame, tc.fieldPhase, tc.dropFrame,
                        str(h["framesPerSecond"])))
    # 59.94: SMPTE frame pairs (the frames field 0–29, the field-phase flag on the second)
    rate = "60000/1001"
    assert got == [(0, 9, 59, 29, False, True, rate), (0, 9, 59, 29, True, True, rate),
                   (0, 10, 0, 0, False, True, rate)]
