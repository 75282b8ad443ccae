"""Cases the long fuzz runs (`pytest -m slow`) found, kept in the default run: each once gave an
internal error (exit 3) and now gives its diagnostic."""

from __future__ import annotations

import contextlib
import io

import numpy as np
from PIL import Image

from shotspec.cli.main import main
from shotspec.compiler import compile_source

# a PNG whose IHDR's CRC is wrong (the header check gives up) but which decodes to 1×1 px
DAMAGED_1X1 = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
               b"\x90wS\xde\x01\x00\x00\x17IDATx\x9ccl` \r0\x91\xa8~T\xc3\xa8\x86!\xa4\x01\x00\xbb\x9f"
               b"\x00\xa0a\xc1\xdeU\x00\x00\x00\x00IEND\xaeB`\x82")


def _shot(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    return code, out.getvalue()


def test_upscale_of_an_image_that_decodes_to_one_pixel_is_e208(tmp_path):
    (tmp_path / "damaged.png").write_bytes(DAMAGED_1X1)
    code, text = _shot(["upscale", str(tmp_path / "damaged.png"), "-o", str(tmp_path / "out.png"),
                        "--scale", "2"])
    assert code == 1 and "E208" in text and "the result would be 2×2 px" in text
    assert "internal error" not in text and not (tmp_path / "out.png").exists()


def test_a_one_pixel_plate_upscales_by_repeating_its_pixel(tmp_path):
    Image.new("RGB", (1, 1), (200, 150, 120)).save(tmp_path / "t.png")
    spec = tmp_path / "t.shot"
    spec.write_text('shot t {\n  source plate "t.png"\n  finish {\n    upscale 2x detail\n  }\n'
                    '  output "o.png" {\n    size 64x64\n  }\n}\n')
    code, text = _shot(["render", str(spec), "-q"])
    assert code == 0, text
    out = np.asarray(Image.open(tmp_path / "o.png").convert("RGB"))
    assert out.shape == (64, 64, 3) and np.abs(out.astype(int) - [200, 150, 120]).max() <= 1


def test_a_nul_character_in_any_path_is_e213(tmp_path):
    for stmt, what in (('identity "\x00"', "identity"),):
        result = compile_source(f"shot s {{\n}}\n\ncharacter s {{\n  {stmt}\n}}\n", tmp_path / "a.shot")
        assert [d.code for d in result.diagnostics] == ["E213"]
        assert f"the {what} path contains a NUL character" in result.diagnostics[0].message
    result = compile_source('shot s {\n  source plate "a\x00b.png"\n}\n', tmp_path / "b.shot")
    assert [d.code for d in result.diagnostics] == ["E213"]          # not also "needs the image"
    result = compile_source('shot s {\n  finish {\n    grade "x\x00.cube"\n  }\n}\n', tmp_path / "c.shot")
    assert [d.code for d in result.diagnostics] == ["E213"]
    result = compile_source('import "\x00p.shot"\nshot s {\n  output "o.png"\n}\n', tmp_path / "d.shot")
    assert [d.code for d in result.diagnostics] == ["E213"]
    assert "the import path contains a NUL character" in result.diagnostics[0].message
