"""Write/read round trips, dithering, EXR layers, provenance, atomic writes, corrupt files."""

import io
import os
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.compiler.ir import OutputIR
from shotspec.color import linear_to_srgb
from shotspec.runtime.frame import Frame
from shotspec.runtime.io import ImageError, read_image, read_provenance, same_file, write_image
from shotspec.runtime.io import image_write
from shotspec.runtime.io.exr import exr_module

H, W = 24, 40


def _gradient_frame(aovs=None):
    x = torch.linspace(0, 1, W).expand(H, W)
    y = torch.linspace(0, 1, H)[:, None].expand(H, W)
    rgb = torch.stack([x, y, x * y]).float()[None]
    return Frame(rgb=rgb, aovs=aovs or {})


def _out(tmp_path, name, fmt, bits, **kw):
    return OutputIR(path=str(tmp_path / name), format=fmt, bit_depth=bits, **kw)


@pytest.mark.parametrize("bits,tol", [(8, 0.012), (16, 1e-4)])
def test_png_round_trip_linear_srgb_linear(tmp_path, bits, tol):
    frame = _gradient_frame()
    path = write_image(frame, _out(tmp_path, "a.png", "png", bits))
    back, info = read_image(path)
    assert (info["width"], info["height"], info["bit_depth"], info["format"]) == (W, H, bits, "png")
    assert info["colorspace"] == "srgb" and back.shape == (1, 3, H, W) and back.dtype == torch.float32
    assert float((back - frame.rgb).abs().max()) < tol
    # The file really is sRGB-encoded: a viewer sees the encoded mid-grey.
    with Image.open(path) as im:
        assert im.size == (W, H)


def test_png16_from_another_encoder_with_paeth_filter_reads_at_full_precision(tmp_path):
    rng = np.random.default_rng(0)
    pix = rng.integers(0, 65536, (5, 6, 3), dtype=np.uint16)
    raw = pix.astype(">u2").view(np.uint8).reshape(5, -1).astype(np.int32)
    bpp, rows = 6, []
    for r in range(5):                                        # Paeth-filter every row
        line = bytearray([4])
        for i in range(raw.shape[1]):
            a = raw[r, i - bpp] if i >= bpp else 0
            b = raw[r - 1, i] if r else 0
            c = raw[r - 1, i - bpp] if (r and i >= bpp) else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line.append((raw[r, i] - pred) & 0xFF)
        rows.append(bytes(line))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 6, 5, 16, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    (tmp_path / "p.png").write_bytes(png)
    _, info = read_image(tmp_path / "p.png")
    from shotspec.runtime.io.image_read import read_raw
    arr, _ = read_raw(str(tmp_path / "p.png"))
    assert info["bit_depth"] == 16
    assert np.array_equal(np.round(arr * 65535).astype(np.uint16), pix)


def test_dither_only_when_enabled(tmp_path):
    # A flat level that falls between two 8-bit codes (sRGB code 100.4).
    level = float(torch.tensor(100.4 / 255).pow(1))
    lin = float(((level + 0.055) / 1.055) ** 2.4)
    frame = Frame(rgb=torch.full((1, 3, 32, 32), lin))
    p1 = write_image(frame, _out(tmp_path, "d.png", "png", 8, dither=True))
    p0 = write_image(frame, _out(tmp_path, "n.png", "png", 8, dither=False))
    with Image.open(p1) as a, Image.open(p0) as b:
        dith, flat = np.asarray(a).astype(float), np.asarray(b).astype(float)
    assert np.unique(flat).tolist() == [100.0]
    assert len(np.unique(dith)) >= 3 and np.abs(dith - 100.4).max() <= 1.6
    assert dith.mean() == pytest.approx(100.4, abs=0.05)            # unbiased
    # Deterministic: the same frame gives the same bytes.
    p2 = write_image(frame, _out(tmp_path, "d2.png", "png", 8, dither=True))
    assert open(p1, "rb").read() == open(p2, "rb").read()


def test_tiff16_round_trip_and_pillow_agrees(tmp_path):
    frame = _gradient_frame()
    path = write_image(frame, _out(tmp_path, "t.tiff", "tiff", 16))
    back, info = read_image(path)
    assert info["bit_depth"] == 16 and info["format"] == "tiff"
    assert float((back - frame.rgb).abs().max()) < 1e-4
    with Image.open(path) as im:                                   # a valid TIFF for others too
        assert im.size == (W, H)
        hi = np.asarray(im.convert("RGB")).astype(int)
    enc = (linear_to_srgb(frame.rgb[0]).permute(1, 2, 0).numpy() * 255)
    assert np.abs(hi - enc).max() <= 1.5


def test_rec709_and_linear_encodings_round_trip(tmp_path):
    frame = _gradient_frame()
    for cs in ("rec709", "linear"):
        path = write_image(frame, _out(tmp_path, f"{cs}.png", "png", 16, colorspace=cs))
        back, info = read_image(path)
        assert info["colorspace"] == cs
        assert float((back - frame.rgb).abs().max()) < 2e-4
    with Image.open(tmp_path / "linear.png") as im:                # linear is stored unencoded
        assert abs(np.asarray(im.convert("RGB"))[0, W - 1, 0] - 255) <= 1


@pytest.mark.skipif(exr_module() is None, reason="OpenEXR not installed")
def test_exr_has_aov_layers(tmp_path):
    aovs = {"depth": torch.full((1, 1, H, W), 1.25), "normal": torch.rand(1, 3, H, W),
            "skin": torch.rand(1, 1, H, W), "alpha": torch.ones(1, 1, H, W)}
    frame = _gradient_frame(aovs)
    path = write_image(frame, _out(tmp_path, "a.exr", "exr", 32), provenance={"shotspec:plan": "abc"})
    OpenEXR = exr_module()
    with OpenEXR.File(path, separate_channels=True) as f:
        ch = f.parts[0].channels
        assert {"R", "G", "B", "A", "Z", "N.X", "N.Y", "N.Z", "mask.skin"} <= set(ch)
        assert np.allclose(ch["Z"].pixels, 1.25)
        assert np.allclose(ch["N.Y"].pixels, aovs["normal"][0, 1].numpy())
    back, info = read_image(path)
    assert torch.equal(back, frame.rgb) and info["colorspace"] == "linear"
    assert torch.allclose(info["channels"]["mask.skin"], aovs["skin"])
    assert read_provenance(path)["shotspec:plan"] == "abc"
    half = write_image(frame, _out(tmp_path, "h.exr", "exr", 16))
    assert read_image(half)[1]["bit_depth"] == 16


@pytest.mark.parametrize("fmt,bits,name", [("png", 8, "p.png"), ("png", 16, "p16.png"),
                                           ("tiff", 16, "t.tif"), ("jpeg", 8, "j.jpg")])
def test_provenance_survives_write_read(tmp_path, fmt, bits, name):
    prov = {"shotspec:spec": 'shot closeup {\n  camera { lens 85mm }\n}  // “quotes” é' * 20,
            "shotspec:version": "0.1.0", "shotspec:plan": "9f" * 32}
    path = write_image(_gradient_frame(), _out(tmp_path, name, fmt, bits), provenance=prov)
    got = read_provenance(path)
    for k, v in prov.items():
        assert got[k] == v
    assert got["shotspec:colorspace"] == "srgb"


def test_no_provenance_reads_as_empty(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "plain.png")
    assert read_provenance(tmp_path / "plain.png") == {}


def test_atomic_write_leaves_no_temp_files_and_creates_folders(tmp_path):
    path = write_image(_gradient_frame(), _out(tmp_path, "deep/er/out.png", "png", 8))
    assert os.path.exists(path)
    assert os.listdir(tmp_path / "deep" / "er") == ["out.png"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    out = _out(tmp_path, "keep.png", "png", 8)
    path = write_image(_gradient_frame(), out)
    before = open(path, "rb").read()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(image_write.os, "replace", broken_replace)
    dark = Frame(rgb=torch.zeros(1, 3, H, W))
    with pytest.raises(ImageError, match="No space left"):
        write_image(dark, out)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["keep.png"]


def test_unsupported_bit_depth_is_an_image_error(tmp_path):
    with pytest.raises(ImageError) as e:
        write_image(_gradient_frame(), _out(tmp_path, "x.jpg", "jpeg", 16))
    assert "JPEG cannot be written at 16 bits" in e.value.message and e.value.hint


def test_same_file(tmp_path):
    a = tmp_path / "a.png"
    a.write_bytes(b"x")
    assert same_file(a, tmp_path / "sub" / ".." / "a.png")
    assert not same_file(a, tmp_path / "b.png")
    os.symlink(a, tmp_path / "link.png")
    assert same_file(tmp_path / "link.png", a)


def test_grey_and_rgba_pngs(tmp_path):
    Image.new("L", (5, 3), 188).save(tmp_path / "g.png")
    rgb, info = read_image(tmp_path / "g.png")
    assert rgb.shape == (1, 3, 3, 5) and "alpha" not in info
    assert float(rgb[0, 0, 0, 0]) == pytest.approx(((188 / 255 + 0.055) / 1.055) ** 2.4, abs=1e-5)
    Image.new("RGBA", (5, 3), (255, 0, 0, 128)).save(tmp_path / "a.png")
    rgb, info = read_image(tmp_path / "a.png")
    assert info["alpha"].shape == (1, 1, 3, 5)
    assert float(info["alpha"].mean()) == pytest.approx(128 / 255)


@pytest.mark.parametrize("compression", ["tiff_lzw", "packbits", "tiff_adobe_deflate", None])
def test_tiffs_from_other_writers(tmp_path, compression):
    a = np.random.default_rng(4).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    kw = {"compression": compression} if compression else {}
    Image.fromarray(a).save(tmp_path / "x.tif", **kw)
    rgb, info = read_image(tmp_path / "x.tif")
    assert info["bit_depth"] == 8 and info["colorspace"] == "srgb"
    assert torch.allclose(linear_to_srgb(rgb[0]).permute(1, 2, 0) * 255, torch.from_numpy(a).float(),
                          atol=0.01)


def test_float_tiff_is_linear_metres_friendly(tmp_path):
    z = np.linspace(0.5, 7.0, 30 * 20, dtype=np.float32).reshape(20, 30)
    Image.fromarray(z).save(tmp_path / "z.tif")
    rgb, info = read_image(tmp_path / "z.tif")
    assert info["colorspace"] == "linear" and info["bit_depth"] == 32
    assert np.allclose(rgb[0, 0].numpy(), z)


def test_large_png_is_deflated_in_segments_that_any_decoder_reads():
    from shotspec.runtime.io.png import DEFLATE_SEGMENTS, deflate, encode_png
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:300, 0:640]
    smooth = (np.sin(x / 40.0) + np.cos(y / 55.0)) * 15000 + 32000
    pixels = (smooth[..., None] + rng.normal(0, 200, (300, 640, 3))).clip(0, 65535).astype(np.uint16)
    raw = pixels.astype(">u2").tobytes()
    assert len(raw) > 1 << 20                      # large enough to take the segmented path
    stream = deflate(raw)
    assert zlib.decompress(stream) == raw          # one valid zlib stream, checksum included
    assert stream == deflate(raw)                  # same bytes every time (fixed segment count)
    assert DEFLATE_SEGMENTS > 1
    data = encode_png(pixels)
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        assert im.size == (640, 300) and im.mode.startswith("RGB")
        assert np.array_equal(np.asarray(im), (pixels >> 8).astype(np.uint8))


def test_a_bomb_header_is_refused_by_its_size_before_decoding(tmp_path):
    """A few hundred bytes claiming 30000×30000 px: one ImageError naming the size, never
    Pillow's DecompressionBombError or an allocation."""
    import struct
    import zlib

    from shotspec.runtime.io import ImageError, read_image

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
    (tmp_path / "bomb.png").write_bytes(png)
    with pytest.raises(ImageError) as exc:
        read_image(tmp_path / "bomb.png")
    assert "30000x30000 px is more than 16384 px a side" in str(exc.value)
