"""The CLI never shows an internal error: generated specs through check/fmt/explain/ir, and bad
images (0×0 … 8×8, truncated, corrupt, empty, huge-header "bomb" PNGs of a few hundred bytes)
through enhance/upscale/info. Run in-process (``main(argv)``) so the default run stays fast.

The oracle holds before and after exit code 3 (internal error) exists: no Python traceback in
the output and an exit code in {0, 1, 2}. `pytest -m slow` runs the long versions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from shotspec.cli.main import main

TRACEBACK = "Traceback (most recent call last)"
OK_CODES = {0, 1, 2}
ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "src" / "shotspec" / "specs"


_grammar = importlib.util.spec_from_file_location("spec_grammar", ROOT / "tests" / "compiler" / "spec_grammar.py")
G = importlib.util.module_from_spec(_grammar)
_grammar.loader.exec_module(G)
QUICK, MANY = G.quick(150), G.many(2_000)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``shot ARGV`` in this process: (exit code, stdout + stderr)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(argv)
        except SystemExit as exc:          # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue()


def assert_no_internal_error(argv: list[str], code: int, text: str) -> None:
    assert TRACEBACK not in text, f"shot {' '.join(argv)}:\n{text[-3000:]}"
    assert code in OK_CODES, f"shot {' '.join(argv)} exited {code}:\n{text[-3000:]}"


@pytest.fixture(scope="module")
def workdir():
    """A folder with the presets and the plate, so generated imports and plates resolve."""
    with tempfile.TemporaryDirectory(prefix="shot-fuzz-") as tmp:
        shutil.copytree(SPECS / "presets", Path(tmp) / "presets")
        shutil.copytree(SPECS / "examples" / "plate", Path(tmp) / "plate")
        yield Path(tmp)


@pytest.fixture
def no_render(monkeypatch):
    """The render-free commands must stay render-free (and fast)."""
    from shotspec.cli.session import RenderSession

    def refuse(*args, **kwargs):
        raise AssertionError("a compile-only command started a render")

    monkeypatch.setattr(RenderSession, "render", refuse)


COMMANDS = st.sampled_from((["check"], ["check", "--format", "json"], ["fmt", "--check"], ["fmt"],
                            ["explain"], ["explain", "--no-origins"], ["ir"]))
ALLOW = st.lists(st.sampled_from(("W101", "W102", "E201", "W999", "w104", "")), max_size=2)


def _spec_case(workdir: Path, text: str, command: list[str], overrides: list[str],
               allow: list[str]) -> None:
    spec = workdir / "fuzz.shot"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = [*command, str(spec)]
    if command[0] != "fmt":
        argv += [a for o in overrides for a in ("--set", o)] + [a for c in allow for a in ("--allow", c)]
    code, text_out = run_cli(argv)
    assert_no_internal_error(argv, code, text_out)


spec_case = given(text=G.any_spec(), command=COMMANDS, overrides=G.OVERRIDES, allow=ALLOW)


@spec_case
@QUICK
def test_compile_only_commands_on_generated_specs(workdir, no_render, text, command, overrides, allow):
    _spec_case(workdir, text, command, overrides, allow)


@pytest.mark.slow
@spec_case
@MANY
def test_compile_only_commands_on_generated_specs_many(workdir, no_render, text, command,
                                                       overrides, allow):
    _spec_case(workdir, text, command, overrides, allow)


@pytest.mark.parametrize("source", [
    "shot a {\n" + "x {\n" * 400 + "}\n" * 400 + "}\n",                 # deep nesting
    "shot a { camera { lens " + "8" * 1_000_000 + " } }",               # a 1 MB line
    "\ufeffshot a { camera { lens 85ｍｍ; distance 0.75 meters } source plate “x.png” }",
    "shot a { finish { exposure 5000 stops; tint #ggg } }",
    "",
    "\x00" * 100,
])
def test_edge_specs_in_a_real_process(tmp_path, source):
    """A few in a fresh `shot` process: what a user's terminal shows."""
    spec = tmp_path / "edge.shot"
    spec.write_text(source, encoding="utf-8")
    for command in (["check"], ["fmt", "--check"], ["ir"]):
        proc = subprocess.run([sys.executable, "-m", "shotspec", *command, str(spec)],
                              capture_output=True, text=True, timeout=120)
        output = proc.stdout + proc.stderr
        assert_no_internal_error(command, proc.returncode, output)
        assert len(output) < 20_000, f"{command}: {len(output)} characters of output"


# ---------------------------------------------------------------------------- images

def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header(width: int, height: int, *, with_data: bool = True) -> bytes:
    """A PNG that claims ``width``×``height`` in a few dozen bytes (never decoded in full)."""
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return head + (_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"") if with_data else b"")


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (width, height), 128).save(buf, "PNG")
    return buf.getvalue()


GOOD = png(16, 16)
BAD_IMAGES = {
    "zero.png": png_header(0, 0), "one.png": png(1, 1), "four.png": png(4, 4), "eight.png": png(8, 8),
    "grey.png": png(16, 16, "L"), "rgba.png": png(16, 16, "RGBA"), "deep.png": png(16, 16, "I;16"),
    "truncated.png": GOOD[: len(GOOD) // 2], "header_only.png": png_header(16, 16, with_data=False),
    "corrupt.png": GOOD[:40] + bytes(b ^ 0xFF for b in GOOD[40:60]) + GOOD[60:],
    "empty.png": b"", "bomb.png": png_header(100_000, 100_000), "wide.png": png_header(70_000, 1),
    "text.png": b"hello, not an image", "jpeg.jpg": b"\xff\xd8\xff\xe0" + b"\0" * 20,
}
IMAGE_COMMANDS = (
    lambda img, out: ["info", img], lambda img, out: ["info", img, "--spec"],
    lambda img, out: ["upscale", img, "-o", out, "--scale", "2"],
    lambda img, out: ["upscale", img, "-o", out, "--scale", "4", "--mode", "fidelity"],
    lambda img, out: ["enhance", img, "-o", out],
)


def _image_case(folder: Path, name: str, data: bytes, command) -> None:
    image = folder / name
    image.write_bytes(data)
    argv = command(str(image), str(folder / "out.png"))
    code, text = run_cli(argv)
    assert_no_internal_error(argv, code, text)


@pytest.mark.parametrize("name", sorted(BAD_IMAGES))
def test_image_commands_on_bad_images(tmp_path, name):
    for command in IMAGE_COMMANDS:
        _image_case(tmp_path, name, BAD_IMAGES[name], command)
    good = tmp_path / "good.png"
    good.write_bytes(GOOD)
    argv = ["enhance", str(good), "-o", str(tmp_path / "o.png"), "--mask", str(tmp_path / name)]
    code, text = run_cli(argv)
    assert_no_internal_error(argv, code, text)


def test_tiny_images_are_a_size_diagnostic(tmp_path):
    (tmp_path / "four.png").write_bytes(png(4, 4))
    code, text = run_cli(["upscale", str(tmp_path / "four.png"), "-o", str(tmp_path / "o.png")])
    assert code == 1 and "error[E208]: the result would be 8×8 px" in text
    assert "at least 8×8 px" in text
    code, text = run_cli(["upscale", str(tmp_path / "four.png"), "-o", str(tmp_path / "o.png"),
                          "--scale", "4"])
    assert code == 0 and (tmp_path / "o.png").exists()          # 4×4 ×4 is 16×16: fine


@st.composite
def damaged_pngs(draw) -> bytes:
    """A valid 16×16 PNG with its size rewritten (CRC fixed), bytes flipped or cut."""
    data = bytearray(draw(st.sampled_from((GOOD, png(16, 16, "RGBA"), png(20, 16, "L")))))
    if draw(st.booleans()):
        ihdr = struct.pack(">II", draw(st.integers(0, 2**31 - 1)), draw(st.integers(0, 2**31 - 1)))
        data[16:24] = ihdr
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))]) if draw(st.booleans()) else bytes(data)


@pytest.mark.slow
@given(data=damaged_pngs(), which=st.integers(0, len(IMAGE_COMMANDS) - 1))
@G.many(600)
def test_image_commands_on_damaged_pngs_many(workdir, data, which):
    _image_case(workdir, "damaged.png", data, IMAGE_COMMANDS[which])
