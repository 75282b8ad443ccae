"""A moving plate sequence's enhancer texture through the CLI: the skin_track chain gives the same
pixels whether a frame renders in sequence or alone (resume after frames were lost)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.cli.main import main
from shotspec.runtime.enhance.track_measure import HeadTurn, moving_sequence
from shotspec.runtime.frame import Frame

SHOT = """\
shot s {
  source plate "plate/turn.####.png"
  camera { lens 85mm; aperture f/8; distance 0.7m; focus 0.7m; vignetting 0 }
  finish { skin_enhance 0.8 }
  output "r/s.png" { size 192x240; depth 16 }
}
"""


def _turning_plate(work) -> None:
    im = Image.open(work / "plate" / "portrait.png").convert("RGB").resize((192, 240), Image.LANCZOS)
    rgb = torch.from_numpy(np.asarray(im).astype(np.float32) / 255).permute(2, 0, 1)[None].contiguous()
    frames, _ = moving_sequence(Frame(rgb=rgb), HeadTurn(cx=96, cy=110, radius_px=70, turn_deg=10), 4)
    for i, f in enumerate(frames):
        arr = (f.rgb[0].permute(1, 2, 0).clamp(0, 1).numpy() * 255).round().astype(np.uint8)
        Image.fromarray(arr).save(work / "plate" / f"turn.{i:04d}.png")


def test_a_frame_rendered_alone_matches_the_sequence(plate_workdir):
    work = plate_workdir(SHOT)
    _turning_plate(work)
    assert main(["render", "shot.shot", "-q"]) == 0
    files = [work / "r" / f"s.{i:04d}.png" for i in range(4)]
    first = [f.read_bytes() for f in files]
    for i in (1, 3):                       # lost frames: the resume renders them alone
        files[i].unlink()
    assert main(["render", "shot.shot", "-q"]) == 0
    assert [f.read_bytes() for f in files] == first


def test_a_detail_upscale_of_a_tracked_sequence_resumes_bit_for_bit(plate_workdir):
    """Detail mode's relief in a plate sequence reads the skin_track chain (its own here, no
    enhancer): a lost frame rendered alone gives the sequence's pixels."""
    work = plate_workdir(SHOT.replace("skin_enhance 0.8", "upscale 4x detail").replace("192x240", "768x960"))
    _turning_plate(work)
    assert main(["render", "shot.shot", "-q"]) == 0
    files = [work / "r" / f"s.{i:04d}.png" for i in range(4)]
    first = [f.read_bytes() for f in files]
    files[2].unlink()
    assert main(["render", "shot.shot", "-q"]) == 0
    assert [f.read_bytes() for f in files] == first


def test_the_plan_of_a_turning_plate_has_a_track_per_frame_after_the_first(plate_workdir, capsys):
    work = plate_workdir(SHOT)
    _turning_plate(work)
    assert main(["explain", "shot.shot"]) == 0
    out = capsys.readouterr().out
    assert "skin_track" in out


def test_a_tracked_frame_re_renders_from_its_provenance(plate_workdir, capsys):
    from shotspec.runtime.io import read_provenance

    work = plate_workdir(SHOT)
    _turning_plate(work)
    assert main(["render", "shot.shot", "-q"]) == 0
    frame = work / "r" / "s.0002.png"
    assert "shotspec:earlier_frames" in read_provenance(str(frame))
    assert "shotspec:earlier_frames" not in read_provenance(str(work / "r" / "s.0000.png"))
    capsys.readouterr()
    assert main(["render", "--from", str(frame), "-o", "again.png"]) == 0
    assert "plan differs" not in capsys.readouterr().out        # frames 0 and 1 planned too
    assert (work / "again.png").read_bytes() != b""
    a = np.asarray(Image.open(work / "again.png")).astype(np.int64)
    b = np.asarray(Image.open(frame)).astype(np.int64)
    assert np.array_equal(a, b)


@pytest.mark.ray
def test_the_ray_executor_renders_the_tracked_sequence_byte_for_byte(plate_workdir):
    pytest.importorskip("ray")
    work = plate_workdir(SHOT)
    _turning_plate(work)
    assert main(["render", "shot.shot", "-q"]) == 0
    local = [(work / "r" / f"s.{i:04d}.png").read_bytes() for i in range(4)]
    (work / "r").rename(work / "local")
    assert main(["render", "shot.shot", "-q", "--executor", "ray"]) == 0   # a local Ray cluster
    assert [(work / "r" / f"s.{i:04d}.png").read_bytes() for i in range(4)] == local
