"""Untouched means untouched: where no pass changes a plate's pixel, the written file holds the
plate's code values exactly (8- and 16-bit; PNG, TIFF and JPEG plates), and a plate gets no
lens effect its spec did not state."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shotspec.compiler import compile_source
from shotspec.compiler.plan import build_plan
from shotspec.runtime.executor import Executor
from shotspec.runtime.io.image_read import read_raw
from shotspec.runtime.io.png import encode_png
from shotspec.runtime.io.tiff import encode_tiff

# shared/ sits beside the checkout (../shared) or beside its worktree folder (../../shared).
FACE = next((p / "shared" / "data" / "faces" / "model_face.jpg"
             for p in Path(__file__).resolve().parents[4:6]
             if (p / "shared" / "data" / "faces" / "model_face.jpg").exists()), Path("model_face.jpg"))
W, H = 256, 320
pytestmark = pytest.mark.skipif(not FACE.exists(), reason="model_face.jpg is not in shared/data")


def _face_codes() -> np.ndarray:
    """A 256 × 320 crop around the face of the real photograph, 8-bit RGB."""
    im = Image.open(FACE).convert("RGB").crop((240, 380, 1040, 1380)).resize((W, H), Image.LANCZOS)
    return np.asarray(im)


def _mask(tmp_path: Path) -> np.ndarray:
    """Skin only in the middle of the frame: the left and right quarters are not skin."""
    m = np.zeros((H, W), np.uint8)
    m[40:280, 64:192] = 255
    Image.fromarray(m).save(tmp_path / "mask.png")
    return m


def _render(tmp_path: Path, plate: str, finish: str, out: str, camera: str = "lens 85mm; aperture f/2",
            output: str = "") -> np.ndarray:
    """Render the plate with ``finish`` into ``out`` (``output`` adds statements to its block);
    the file's code values ``(H, W, 3)``."""
    spec = (f'shot s {{\n  source plate "{plate}" {{ mask "mask.png"; distance 0.7m }}\n'
            f"  camera {{ {camera} }}\n  finish {{ {finish} }}\n"
            f'  output "{out}" {{ size {W}x{H}; {output} }}\n}}\n')
    result = compile_source(spec, tmp_path / "spec.shot")
    assert result.ok, result.diagnostics
    Executor(device="cpu").run(build_plan(result.program))
    arr, info = read_raw(str(tmp_path / out))
    top = (1 << info["bit_depth"]) - 1
    return np.rint(arr[..., :3] * top).astype(np.int64)


def _outside(mask: np.ndarray, margin: int = 2) -> np.ndarray:
    """Pixels at least ``margin`` px from any skin pixel."""
    rows = np.flatnonzero(mask.any(1))
    cols = np.flatnonzero(mask.any(0))
    out = np.ones_like(mask, bool)
    out[max(0, rows[0] - margin):rows[-1] + margin + 1, max(0, cols[0] - margin):cols[-1] + margin + 1] = False
    return out


def test_8bit_png_plate_enhanced_keeps_every_code_outside_the_skin(tmp_path):
    codes = _face_codes()
    Image.fromarray(codes).save(tmp_path / "plate.png")
    mask = _mask(tmp_path)
    got = _render(tmp_path, "plate.png", "skin_enhance 1.0", "out.png")
    outside = _outside(mask)
    assert np.array_equal(got[outside], codes[outside])
    # ...while inside the skin the enhancer did change the picture.
    # the plate's face is at ~1.2 mm/px (85 mm at 0.7 m over 256 px): skin's ~1 mm relief is
    # below a pixel there, and the identity filter keeps out what is coarser than ~3 mm (2.5 px),
    # so the enhancer adds little (measured 0.009 codes on average: the relief's 1 mm cells are
    # pre-filtered away and what remains is its faint coarser variation); but it does change the skin
    changed = got[mask > 0] != codes[mask > 0]
    assert np.abs(got[mask > 0] - codes[mask > 0]).mean() > 0.004 and changed.mean() > 0.004


@pytest.mark.parametrize("plate,out", [("plate16.png", "out16.png"), ("plate16.tif", "out16.tif")])
def test_16bit_plates_written_16bit_keep_every_code(tmp_path, plate, out):
    # True 16-bit codes (not 8-bit × 257): a fine ramp added to the photograph.
    codes = _face_codes().astype(np.int64) * 257
    ramp = (np.arange(W)[None, :, None] * 37 + np.arange(H)[:, None, None] * 11) % 257
    codes16 = np.clip(codes + ramp - 128, 0, 65535).astype(np.uint16)
    data = (encode_png(codes16, text={}, colorspace="srgb") if plate.endswith(".png")
            else encode_tiff(codes16, description="{}"))
    (tmp_path / plate).write_bytes(data)
    mask = _mask(tmp_path)
    got = _render(tmp_path, plate, "skin_enhance 1.0", out, output="depth 16")
    outside = _outside(mask)
    assert np.array_equal(got[outside], codes16.astype(np.int64)[outside])
    assert np.abs(got[mask > 0] - codes16[mask > 0].astype(np.int64)).mean() > 1.0     # measured 1.9


@pytest.mark.parametrize("suffix", ["tif", "jpg"])
def test_tiff_and_jpeg_plates_written_as_png_keep_their_codes(tmp_path, suffix):
    codes = _face_codes()
    path = tmp_path / f"plate.{suffix}"
    Image.fromarray(codes).save(path, **({"quality": 90} if suffix == "jpg" else {}))
    reference = np.asarray(Image.open(path).convert("RGB")).astype(np.int64)   # decoded codes
    mask = _mask(tmp_path)
    got = _render(tmp_path, path.name, "skin_enhance 1.0", "out.png")
    outside = _outside(mask)
    assert np.array_equal(got[outside], reference[outside])


def test_plate_gets_no_vignetting_unless_the_spec_states_it(tmp_path):
    codes = _face_codes()
    Image.fromarray(codes).save(tmp_path / "plate.png")
    _mask(tmp_path)
    # An ordinary camera block and no pass: the file is the plate, code for code.
    same = _render(tmp_path, "plate.png", "", "same.png")
    assert np.array_equal(same, codes.astype(np.int64))
    # Stated vignetting still darkens the corners.
    vignetted = _render(tmp_path, "plate.png", "", "vig.png", camera="lens 85mm; vignetting 0.3")
    corner = (slice(0, 24), slice(0, 24))
    assert (codes[corner].astype(np.int64) - vignetted[corner]).mean() > 5


def test_plate_vignetting_default_is_explained(tmp_path):
    Image.fromarray(_face_codes()).save(tmp_path / "plate.png")
    spec = ('shot s {{\n  source plate "plate.png"\n  camera {{ lens 85mm{} }}\n'
            '  output "o.png" {{ size 64x64 }}\n}}\n')
    shot = compile_source(spec.format(""), tmp_path / "spec.shot").program.shots[0]
    assert shot.camera.vignetting == 0.0
    assert "plate default" in shot.origins["camera.vignetting"]
    stated = compile_source(spec.format("; vignetting 0.2"), tmp_path / "spec.shot").program.shots[0]
    assert stated.camera.vignetting == 0.2
    render = compile_source('shot s {\n  camera { lens 85mm }\n  output "o.png" { size 64x64 }\n}\n',
                            tmp_path / "spec.shot").program.shots[0]
    assert render.camera.vignetting == 0.3
