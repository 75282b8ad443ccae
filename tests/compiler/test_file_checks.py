"""`shot check` finds what a render would meet in its files: bad plates, outputs that overwrite
inputs or cannot be written — from headers and the file system, before any rendering."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from shotspec.cli.main import main
from shotspec.compiler import compile_source
from shotspec.compiler.file_checks import image_header

PLATES = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs" / "examples" / "plate"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width × height`` with a few bytes of data (never decoded)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + _png_chunk(b"IEND", b""))


def plate_spec(plate: str, output: str = "renders/out.png") -> str:
    return (f'shot s {{ source plate "{plate}"; camera {{ lens 85mm; distance 0.7m; focus 0.7m }}\n'
            f'  output "{output}" {{ size 64x80 }} }}\n')


def codes(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    result = compile_source(text, tmp_path / "spec.shot")
    return [(d.code, d.message) for d in result.diagnostics]


@pytest.fixture
def plate_dir(tmp_path):
    shutil.copy(PLATES / "portrait.png", tmp_path / "portrait.png")
    return tmp_path


def test_a_good_plate_passes_and_its_header_is_read(plate_dir):
    assert codes(plate_dir, plate_spec("portrait.png")) == []
    header = image_header(str(plate_dir / "portrait.png"))
    assert header.ok and header.format == "png" and header.width > 16 and header.height > 16


@pytest.mark.parametrize("content, words", [
    (b"", "the file is empty"),
    (b"this is not an image at all", "not a PNG, JPEG, TIFF or OpenEXR image"),
])
def test_empty_and_foreign_plates_are_e520(tmp_path, content, words):
    (tmp_path / "plate.png").write_bytes(content)
    found = codes(tmp_path, plate_spec("plate.png"))
    assert [c for c, _ in found] == ["E520"] and words in found[0][1]


def test_a_truncated_png_plate_is_e520(plate_dir):
    data = (plate_dir / "portrait.png").read_bytes()
    (plate_dir / "cut.png").write_bytes(data[: len(data) // 2])
    found = codes(plate_dir, plate_spec("cut.png"))
    assert [c for c, _ in found] == ["E520"] and "truncated PNG" in found[0][1]


def test_a_truncated_jpeg_plate_is_e520(tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 64), (180, 140, 120)).save(tmp_path / "p.jpg", quality=90)
    data = (tmp_path / "p.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:-40])
    assert codes(tmp_path, plate_spec("p.jpg")) == []
    found = codes(tmp_path, plate_spec("cut.jpg"))
    assert [c for c, _ in found] == ["E520"] and "truncated JPEG" in found[0][1]


def test_a_decompression_bomb_plate_is_e501_without_decoding(tmp_path):
    (tmp_path / "bomb.png").write_bytes(bomb_png(30000, 30000))
    assert os.path.getsize(tmp_path / "bomb.png") < 200
    found = codes(tmp_path, plate_spec("bomb.png"))
    assert [c for c, _ in found] == ["E501"] and "30000x30000px" in found[0][1]


def test_an_output_that_overwrites_the_plate_is_e603_also_through_dots_and_links(plate_dir):
    (plate_dir / "sub").mkdir()
    (plate_dir / "link.png").symlink_to(plate_dir / "portrait.png")
    for output in ("portrait.png", "sub/../portrait.png", "link.png"):
        found = codes(plate_dir, plate_spec("portrait.png", output))
        assert [c for c, _ in found] == ["E603"], output
        assert "would overwrite an input" in found[0][1]


def test_an_output_over_the_spec_itself_is_e603(plate_dir):
    text = plate_spec("portrait.png", "spec.shot").replace("size 64x80", "size 64x80; format png")
    found = codes(plate_dir, text)
    assert [c for c, _ in found] == ["E603"] and found[0][1].endswith("spec.shot")


def test_an_output_folder_under_a_file_is_e523(plate_dir):
    (plate_dir / "notes.txt").write_text("a file, not a folder")
    found = codes(plate_dir, plate_spec("portrait.png", "notes.txt/renders/out.png"))
    assert [c for c, _ in found] == ["E523"] and "is a file" in found[0][1]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_a_read_only_output_folder_is_e523(plate_dir):
    (plate_dir / "ro").mkdir()
    os.chmod(plate_dir / "ro", 0o555)
    try:
        found = codes(plate_dir, plate_spec("portrait.png", "ro/out.png"))
    finally:
        os.chmod(plate_dir / "ro", 0o755)
    assert [c for c, _ in found] == ["E523"] and "not writable" in found[0][1]


def test_exr_output_without_the_openexr_package_is_e523(plate_dir, monkeypatch):
    monkeypatch.setattr("shotspec.compiler.file_checks.openexr_installed", lambda: False)
    found = codes(plate_dir, plate_spec("portrait.png", "renders/out.exr"))
    assert [c for c, _ in found] == ["E523"] and "OpenEXR" in found[0][1]
    monkeypatch.setattr("shotspec.compiler.file_checks.openexr_installed", lambda: True)
    assert codes(plate_dir, plate_spec("portrait.png", "renders/out.exr")) == []


def test_a_nul_character_in_the_output_path_is_one_error_at_check(plate_dir):
    found = codes(plate_dir, plate_spec("portrait.png", "renders/a\x00b.png"))
    assert [c for c, _ in found] == ["E213"]


def test_shot_check_reports_what_render_would_reject(plate_dir, monkeypatch, capsys):
    monkeypatch.chdir(plate_dir)
    (plate_dir / "spec.shot").write_text(plate_spec("portrait.png", "portrait.png"))
    assert main(["check", "spec.shot"]) == 1
    assert "E603" in capsys.readouterr().err


def test_render_with_o_checks_the_o_path_not_the_specs(plate_dir, monkeypatch, capsys):
    """With `-o` the spec's own output is never written, so only the -o path is checked."""
    monkeypatch.chdir(plate_dir)
    monkeypatch.setattr("shotspec.compiler.file_checks.openexr_installed", lambda: False)
    (plate_dir / "spec.shot").write_text(plate_spec("portrait.png", "renders/spec_out.exr"))
    assert main(["render", "-q", "spec.shot", "-o", "elsewhere.exr"]) == 1
    err = capsys.readouterr().err
    assert "E523" in err and "elsewhere.exr" in err and "spec_out" not in err
