"""Plates in: an image sequence and a video (with audio) as per-frame sources."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from shotspec.cli.main import main
from shotspec.compiler import compile_file

SHOT = """\
shot s {{
  source plate "{plate}"
  camera {{ lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m }}
  finish {{ skin_enhance {strength}; tonemap agx }}
  output "{out}" {{ size 64x80 }}
}}
"""


def pixels(path):
    return np.asarray(Image.open(path)).astype(np.int64)


SCALE = 4     # the example plate (96×120, ~1.2 mm/px) enlarged so skin relief (~1 mm) is resolved


def enlarged(path) -> Image.Image:
    """The example plate's picture (or mask, depth) at ``SCALE`` × its size."""
    im = Image.open(path)
    resample = Image.NEAREST if im.mode in ("I", "I;16", "L") and "depth" in str(path) else Image.LANCZOS
    return im.resize((im.width * SCALE, im.height * SCALE), resample)


@pytest.fixture
def still_sequence(plate_workdir):
    work = plate_workdir("")
    big = enlarged(work / "plate" / "portrait.png")
    for i in range(3):                      # a static plate sequence numbered from 1001
        big.save(work / "plate" / f"still.{1001 + i}.png")
    return work


def test_a_sequence_plate_sets_the_length_and_resolves_each_frame(still_sequence):
    spec = still_sequence / "shot.shot"
    spec.write_text(SHOT.format(plate="plate/still.####.png", strength=0.8, out="r/s.png"))
    r = compile_file(spec)
    assert r.ok, [d.message for d in r.diagnostics]
    shot = r.program.shots[0]
    assert shot.duration_frames == 3                     # as long as the plate
    assert [f.source.plate.rsplit("/", 1)[1] for f in shot.frames] == \
        ["still.1001.png", "still.1002.png", "still.1003.png"]
    spec.write_text(SHOT.format(plate="plate/still.####.png", strength=0.8, out="r/s.png")
                    .replace("  source", "  duration 5f\n  source"))
    r = compile_file(spec)
    assert [d.code for d in r.errors] == ["E237"] and "has 3" in r.errors[0].message


def test_the_skin_texture_does_not_boil_on_a_static_plate_sequence(still_sequence):
    spec = still_sequence / "shot.shot"
    size = "size 64x80"
    full = f"size {96 * SCALE}x{120 * SCALE}"
    spec.write_text(SHOT.format(plate="plate/still.####.png", strength=0.8, out="enh/s.png").replace(size, full))
    assert main(["render", str(spec), "-q"]) == 0
    spec.write_text(SHOT.format(plate="plate/still.####.png", strength=0, out="raw/s.png").replace(size, full))
    assert main(["render", str(spec), "-q"]) == 0
    added = [pixels(still_sequence / "enh" / f"s.{i:04d}.png")
             - pixels(still_sequence / "raw" / f"s.{i:04d}.png") for i in range(3)]
    assert np.abs(added[0]).max() > 0                    # the enhancer adds texture …
    assert all(np.array_equal(added[0], a) for a in added[1:])   # … the same on every frame


def test_a_video_plate_keeps_its_audio_in_the_video_output(plate_workdir):
    av = pytest.importorskip("av")
    work = plate_workdir("")
    im = np.asarray(Image.open(work / "plate" / "portrait.png").convert("RGB"))
    h, w = im.shape[0] // 2 * 2, im.shape[1] // 2 * 2
    with av.open(str(work / "clip.mp4"), "w") as c:
        v = c.add_stream("libx264", rate=24)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = c.add_stream("aac", rate=48000)
        for i in range(4):                               # the subject slides 3 px a frame
            frame = np.ascontiguousarray(np.roll(im, 3 * i, axis=1)[:h, :w])
            for p in v.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
        tone = (0.2 * np.sin(np.arange(24000) * 2 * np.pi * 440 / 48000)).astype(np.float32)
        sound = av.AudioFrame.from_ndarray(tone[None], format="fltp", layout="mono")
        sound.sample_rate, sound.pts = 48000, 0
        for p in [*a.encode(sound), *a.encode()]:
            c.mux(p)
    (work / "shot.shot").write_text(SHOT.format(plate="clip.mp4", strength=0.8, out="r/s.mp4"))
    assert main(["render", "shot.shot", "-q"]) == 0
    frames = [pixels(work / "r" / "s.frames" / f"s.{i:04d}.png") for i in range(4)]
    assert np.abs(frames[0] - frames[3]).mean() > 1.0      # the plate moves
    with av.open(str(work / "r" / "s.mp4")) as c:
        kinds = sorted(s.type for s in c.streams)
        video, audio = c.streams.video[0], c.streams.audio[0]
        assert kinds == ["audio", "data", "video"] and video.frames == 4   # data: timecode
        assert audio.codec_context.name == "aac"
        assert float(audio.duration * audio.time_base) == pytest.approx(4 / 24, abs=0.03)


def test_the_skin_texture_follows_a_moving_plate(plate_workdir):
    from shotspec.runtime.io.image_read import read_raw

    work = plate_workdir("")
    plate = work / "plate"
    step = 3 * SCALE
    for name, role in (("portrait.png", "p"), ("portrait_mask.png", "m"), ("portrait_depth.png", "d")):
        pic = np.asarray(enlarged(plate / name))
        for i in range(3):                  # plate, mask and depth slide 12 px a frame
            Image.fromarray(np.roll(pic, step * i, axis=1)).save(plate / f"{role}.{i:04d}.png")
    shot = ('shot s {{\n source plate "plate/p.####.png" {{ mask "plate/m.####.png"; '
            'depth "plate/d.####.png" }}\n camera {{ lens 85mm; aperture f/8; distance 0.7m; '
            'focus 0.7m; vignetting 0 }}\n finish {{ skin_enhance {s} }}\n'
            ' output "{o}/s.png" {{ size 384x480; depth 16 }}\n}}\n')
    for s, o in ((0.8, "enh"), (0, "raw")):
        (work / "shot.shot").write_text(shot.format(s=s, o=o))
        assert main(["render", "shot.shot", "-q"]) == 0
    code = lambda p: read_raw(str(p))[0].astype(np.float64) * 255
    added = [code(work / "enh" / f"s.{i:04d}.png") - code(work / "raw" / f"s.{i:04d}.png")
             for i in range(3)]
    inner = np.s_[:, 40:-40]
    # texture is added (faintly: the plate's face is 0.69 mm/px by its skin's width, where the
    # relief's 1 mm cells, under two pixels, are pre-filtered to a fifth of their depth) …
    assert np.abs(added[0][inner]).mean() > 0.08
    for i in (1, 2):
        followed = np.roll(added[i], -step * i, axis=1)[inner] - added[0][inner]
        still = added[i][inner] - added[0][inner]
        assert np.abs(followed).mean() < 0.01                     # … and moves with the face
        assert np.abs(still).mean() > 0.12                        # (it does not stand still)
