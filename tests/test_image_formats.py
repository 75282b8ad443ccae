"""shotspec.image_formats: the one suffix table the compiler, runtime and CLI share."""

from __future__ import annotations

from pathlib import Path

from shotspec.compiler import compile_source
from shotspec.image_formats import (FORMAT_BY_SUFFIX, is_readable_image, output_format,
                                    unreadable_images)


def test_output_formats():
    assert output_format("a/B.JPG") == "jpeg" and output_format("x.tiff") == "tiff"
    assert output_format("x.gif") is None and output_format("x.heic") is None
    assert set(FORMAT_BY_SUFFIX.values()) == {"png", "tiff", "exr", "jpeg"}


def test_heic_is_recognised_but_not_readable():
    assert not is_readable_image("IMG_0001.HEIC") and not is_readable_image("a.webp")
    assert is_readable_image("a.JPEG") and not is_readable_image("._a.jpg")
    assert unreadable_images(["a.jpg", "b.heic", "c.HEIF", ".d.heic", "e.txt"]) == ["b.heic", "c.HEIF"]


def test_the_compiler_and_the_identity_builder_count_the_same_photos(tmp_path):
    from shotspec.runtime.identity.photos import list_photos

    refs = tmp_path / "refs"
    refs.mkdir()
    names = ["a.jpg", "b.JPEG", "c.png", "d.tif", "e.exr", "f.heic", "g.webp", "h.bmp", ".i.jpg",
             "notes.txt"]
    for n in names:
        (refs / n).write_bytes(b"x")
    result = compile_source('character c { references "refs" }\nshot s { character c }',
                            tmp_path / "s.shot")
    counted = next(d for d in result.diagnostics if d.code == "W106")
    assert "has 5 photos" in counted.message
    assert [p.name for p in list_photos(refs)] == ["a.jpg", "b.JPEG", "c.png", "d.tif", "e.exr"]
    unreadable = next(d for d in result.diagnostics if d.code == "W107")
    assert "3 images in a format shotspec cannot read (.bmp, .heic, .webp)" in unreadable.message


def test_no_other_module_declares_a_suffix_table():
    package = Path(__file__).resolve().parents[1] / "src" / "shotspec"
    tables = [p.name for p in package.rglob("*.py")
              if '".tiff"' in p.read_text(encoding="utf-8") or "'.tiff'" in p.read_text(encoding="utf-8")]
    assert tables == ["image_formats.py"]
