"""SMPTE ST 12-1 timecode: drop-frame and non-drop labels against published values, the start
timecode in the language, and its checks (docs/motion.md, docs/diagnostics.md E238/E239)."""

from __future__ import annotations

import pytest

from shotspec.compiler import compile_source
from shotspec.compiler.emit import emit_shot
from shotspec.compiler.timecode import (drop_frame_rate, fps_fraction, parse_timecode,
                                        shift_timecode, timecode, timecode_frame)
from shotspec.compiler.timeline import frame_timecode, start_timecode

DF30, DF60 = 30000 / 1001, 60000 / 1001


@pytest.mark.parametrize("frame,label", [
    (0, "00:00:00;00"), (1799, "00:00:59;29"), (1800, "00:01:00;02"), (1801, "00:01:00;03"),
    (3598, "00:02:00;02"), (17981, "00:09:59;29"), (17982, "00:10:00;00"),
    (17983, "00:10:00;01"), (19781, "00:10:59;29"), (19782, "00:11:00;02"),
    (107892, "01:00:00;00"),                      # an hour of 29.97 DF is exactly 107892 frames
    (2589408, "00:00:00;00"),                     # 24 hours wrap
])
def test_drop_frame_at_2997_against_smpte_values(frame, label):
    assert timecode(frame, DF30, drop=True) == label
    assert timecode_frame(parse_timecode(label)[0], DF30) == frame % 2589408


@pytest.mark.parametrize("frame,label", [
    (3599, "00:00:59;59"), (3600, "00:01:00;04"), (35964, "00:10:00;00"), (215784, "01:00:00;00"),
])
def test_drop_frame_at_5994_drops_four_labels(frame, label):
    assert timecode(frame, DF60, drop=True) == label


def test_every_label_round_trips_and_drop_frame_keeps_the_clock():
    for fps in (DF30, DF60):
        labels = [timecode(n, fps, drop=True) for n in range(0, 40000)]
        assert len(set(labels)) == len(labels)
        assert all(timecode_frame(parse_timecode(t)[0], fps) == n for n, t in enumerate(labels))
    # an hour of drop-frame is an hour of clock time to 3.6 ms; non-drop is 3.6 s late
    assert 107892 / DF30 == pytest.approx(3600.0, abs=0.004)
    assert timecode(107892, DF30) == "00:59:56:12"


def test_non_drop_rates_and_rationals():
    assert timecode(24 * 61 + 5, 24.0) == "00:01:01:05"
    assert timecode(1001, 24000 / 1001) == "00:00:41:17"         # 23.976 counts as 24
    assert timecode(1800, DF30, drop=False) == "00:01:00:00"
    assert timecode(1800, 25.0, drop=True) == "00:01:12:00"      # no drop-frame at 25
    assert [drop_frame_rate(f) for f in (DF30, DF60, 24000 / 1001, 30.0, 25.0)] == \
        [True, True, False, False, False]
    assert (str(fps_fraction(DF30)), str(fps_fraction(DF60)), str(fps_fraction(25.0))) == \
        ("30000/1001", "60000/1001", "25")
    assert shift_timecode("00:00:59;28", 2, DF30) == "00:01:00;02"
    assert shift_timecode("23:59:59:23", 1, 24.0) == "00:00:00:00"


def compiled(out_body: str, fps: str = "29.97"):
    src = f'shot s {{\n  duration 3f\n  fps {fps}\n  output "/tmp/tc_s.png" {{ {out_body} }}\n}}\n'
    r = compile_source(src, "/tmp/tc.shot")
    assert r.ok, [f"{d.code} {d.message}" for d in r.diagnostics]
    return r.program.shots[0]


def test_start_timecode_in_the_language_and_per_frame():
    shot = compiled('timecode "00:00:59;28"')
    assert shot.output.timecode == "00:00:59;28"
    assert [frame_timecode(shot, i) for i in range(3)] == \
        ["00:00:59;28", "00:00:59;29", "00:01:00;02"]
    # `.` and `,` are drop-frame too (some tools write them); stored with `;`
    assert compiled('timecode "00:00:59.28"').output.timecode == "00:00:59;28"
    # unset: `first_frame` counted non-drop
    plain = compiled("first_frame 1001", fps="24")
    assert start_timecode(plain) == "00:00:41:17" and plain.output.timecode is None
    text = emit_shot(shot)
    assert 'timecode "00:00:59;28"' in text
    again = compile_source(text, "/tmp/tc_emit.shot")
    assert again.ok and again.program.shots[0].output.timecode == "00:00:59;28"


def test_set_overrides_the_timecode():
    src = 'shot s {\n  duration 3f\n  fps 59.94\n  output "/tmp/tc_s.png"\n}\n'
    r = compile_source(src, "/tmp/tc.shot", overrides=['output.timecode="00:09:59;58"'])
    assert r.ok, [f"{d.code} {d.message}" for d in r.diagnostics]
    shot = r.program.shots[0]
    assert [frame_timecode(shot, i) for i in range(3)] == \
        ["00:09:59;58", "00:09:59;59", "00:10:00;00"]
    bad = compile_source(src, "/tmp/tc.shot", overrides=['output.timecode="00:01:00;03"'])
    assert [d.code for d in bad.diagnostics] == ["E239"]        # 59.94 drops 00–03


def test_the_diagnostic_points_at_the_statement():
    src = 'shot s {\n  duration 3f\n  fps 24\n  output "/tmp/x.png" { timecode "00:00:01;00" }\n}\n'
    d = compile_source(src, "/tmp/tc.shot").diagnostics[0]
    assert (d.code, d.span.line, d.span.col) == ("E239", 4, 25)
    assert "only 29.97 and 59.94 fps have drop-frame" in d.message
    assert d.help == "write `00:00:01:00` (non-drop), or set `fps 29.97` / `fps 59.94`"


def _plate(path, rate, timecode):
    av = pytest.importorskip("av")
    import numpy as np

    with av.open(str(path), "w") as c:
        if timecode:
            c.metadata["timecode"] = timecode
        s = c.add_stream("prores_ks", rate=rate)
        s.width, s.height, s.pix_fmt = 32, 16, "yuv422p10le"
        for _ in range(3):
            f = av.VideoFrame.from_ndarray(np.full((16, 32, 3), 99, np.uint8), format="rgb24")
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def test_a_video_plate_gives_the_shot_its_rate_and_timecode(tmp_path):
    from fractions import Fraction

    _plate(tmp_path / "pal.mov", 25, "10:00:00:00")
    _plate(tmp_path / "ntsc.mov", Fraction(30000, 1001), "01:00:00;00")

    def shot(plate, extra="", out=""):
        src = (f'shot s {{\n  source plate "{plate}"\n{extra}\n'
               f'  output "{tmp_path}/o.mov" {{ size 32x16 {out} }}\n}}\n')
        r = compile_source(src, str(tmp_path / "s.shot"))
        assert r.ok, [f"{d.code} {d.message}" for d in r.diagnostics]
        return r.program.shots[0]

    pal = shot("pal.mov")
    assert pal.fps == 25.0 and pal.duration_frames == 3
    assert [frame_timecode(pal, i) for i in range(3)] == \
        ["10:00:00:00", "10:00:00:01", "10:00:00:02"]
    ntsc = shot("ntsc.mov")
    assert ntsc.fps == DF30 and ntsc.output.timecode == "01:00:00;00"
    assert all(f.output.timecode == "01:00:00;00" for f in ntsc.frames)
    # what the spec says wins; a rate the plate's timecode cannot be counted at drops it
    assert shot("ntsc.mov", out='; timecode "00:00:10;00"').output.timecode == "00:00:10;00"
    forced = shot("ntsc.mov", extra="  fps 24")
    assert forced.fps == 24.0 and forced.output.timecode is None
    warned = compile_source(f'shot s {{\n  source plate "pal.mov"\n  fps 24\n'
                            f'  output "{tmp_path}/o.mov" {{ size 32x16 }}\n}}\n',
                            str(tmp_path / "s.shot")).diagnostics
    assert [(d.code, d.span.line, d.span.col) for d in warned] == [("W132", 3, 3)]
    assert "runs at 24 fps but its plate `pal.mov` was shot at 25: its frames play at " \
           "1.04× speed" in warned[0].message


def test_an_exr_plate_sequence_gives_its_rate_and_timecode(tmp_path):
    exr = pytest.importorskip("OpenEXR")
    import numpy as np
    from fractions import Fraction

    for i in range(3):                  # a scan at 59.94: 00:09:59;58 is pair 29, second half 0
        code = exr.TimeCode()
        code.hours, code.minutes, code.seconds = 0, 9, 59
        code.frame, code.fieldPhase, code.dropFrame = 29, bool(i % 2), True
        header = {"compression": exr.ZIP_COMPRESSION, "type": exr.scanlineimage,
                  "timeCode": code, "framesPerSecond": Fraction(60000, 1001)}
        with exr.File(header, {"RGB": np.zeros((16, 32, 3), np.float16)}) as f:
            f.write(str(tmp_path / f"scan.{1001 + i}.exr"))
    src = (f'shot s {{\n  source plate "scan.####.exr"\n'
           f'  output "{tmp_path}/o.####.exr" {{ size 32x16 }}\n}}\n')
    r = compile_source(src, str(tmp_path / "s.shot"))
    assert r.ok, [f"{d.code} {d.message}" for d in r.diagnostics]
    shot = r.program.shots[0]
    assert shot.fps == DF60 and shot.output.timecode == "00:09:59;58"
    assert frame_timecode(shot, 2) == "00:10:00;00"
