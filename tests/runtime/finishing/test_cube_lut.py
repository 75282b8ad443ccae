""".cube LUTs: identity no-ops, real transforms, strict errors with line numbers."""

import pytest
import torch

from shotspec.color import linear_to_srgb, srgb_to_linear
from shotspec.runtime.finishing import Lut, LutError, apply_lut, parse_cube
from shotspec.runtime.frame import Frame


def cube_3d(n: int, fn=lambda r, g, b: (r, g, b), lo=(0.0,) * 3, hi=(1.0,) * 3, header="") -> str:
    lines = [header, f"LUT_3D_SIZE {n}"]
    if lo != (0.0,) * 3 or hi != (1.0,) * 3:
        lines += [f"DOMAIN_MIN {lo[0]} {lo[1]} {lo[2]}", f"DOMAIN_MAX {hi[0]} {hi[1]} {hi[2]}"]
    for bi in range(n):                     # red fastest
        for gi in range(n):
            for ri in range(n):
                rgb = [lo[c] + (hi[c] - lo[c]) * i / (n - 1) for c, i in enumerate((ri, gi, bi))]
                lines.append("%.7f %.7f %.7f" % fn(*rgb))
    return "\n".join(lines) + "\n"


def cube_1d(n: int, fn=lambda v: (v, v, v), lo=0.0, hi=1.0, domain=False) -> str:
    lines = ['TITLE "ramp"', f"LUT_1D_SIZE {n}"]
    if domain:
        lines += [f"DOMAIN_MIN {lo} {lo} {lo}", f"DOMAIN_MAX {hi} {hi} {hi}"]
    lines += ["%.7f %.7f %.7f" % fn(lo + (hi - lo) * i / (n - 1)) for i in range(n)]
    return "\n".join(lines) + "\n"


def write(tmp_path, text: str, name="grade.cube") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def random_frame() -> Frame:
    g = torch.Generator().manual_seed(0)
    return Frame(rgb=torch.rand((1, 3, 16, 16), generator=g))


@pytest.mark.parametrize("text", [
    cube_3d(17), cube_3d(5, lo=(-0.5, -0.25, 0.0), hi=(1.5, 1.25, 2.0), header="# comment"),
    cube_1d(64), cube_1d(4096, lo=-0.5, hi=1.5, domain=True), cube_1d(2)])
def test_identity_luts_are_no_ops(tmp_path, text):
    f = random_frame()
    out = apply_lut(f, parse_cube(write(tmp_path, text)))
    assert float((out.rgb - f.rgb).abs().max()) < 1e-4


def test_channel_swap_3d_does_what_it_says(tmp_path):
    lut = parse_cube(write(tmp_path, cube_3d(9, lambda r, g, b: (b, r, g))))
    assert lut.kind == "3d" and lut.size == 9 and tuple(lut.table_3d.shape) == (9, 9, 9, 3)
    f = random_frame()
    out = apply_lut(f, lut).rgb
    assert torch.allclose(out[:, 0], f.rgb[:, 2], atol=1e-4)
    assert torch.allclose(out[:, 1], f.rgb[:, 0], atol=1e-4)
    assert torch.allclose(out[:, 2], f.rgb[:, 1], atol=1e-4)


def test_pure_red_input_reads_the_red_fastest_entry(tmp_path):
    # Entry index 1 in the file (r=1, g=0, b=0 for size 2) is set to green.
    text = "LUT_3D_SIZE 2\n0 0 0\n0 1 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"
    out = apply_lut(Frame(rgb=torch.tensor([1.0, 0, 0]).view(1, 3, 1, 1)),
                    parse_cube(write(tmp_path, text))).rgb.flatten()
    assert torch.allclose(out, torch.tensor([0.0, 1.0, 0.0]), atol=1e-6)


def test_1d_curve_is_applied_on_srgb_encoded_values(tmp_path):
    # An inverting 1D LUT: encoded v → 1 − v, so linear 0.18 (code 0.461) → code 0.539.
    lut = parse_cube(write(tmp_path, cube_1d(256, lambda v: (1 - v, 1 - v, 1 - v))))
    out = apply_lut(Frame(rgb=torch.full((1, 3, 1, 1), 0.18)), lut).rgb
    assert float(linear_to_srgb(out).flatten()[0]) == pytest.approx(1 - float(linear_to_srgb(torch.tensor(0.18))), abs=1e-3)
    half = apply_lut(Frame(rgb=torch.full((1, 3, 1, 1), 0.18)), lut, strength=0.5).rgb
    assert float(half.flatten()[0]) == pytest.approx(float(srgb_to_linear(torch.tensor(0.5))), abs=1e-3)


def test_domain_maps_input_range(tmp_path):
    # Domain 0..2 with an identity table: code 0.5 sits at table position 0.25 → output 0.5.
    text = cube_1d(3, lo=0.0, hi=2.0, domain=True)
    f = Frame(rgb=srgb_to_linear(torch.full((1, 3, 1, 1), 0.5)))
    assert torch.allclose(apply_lut(f, parse_cube(write(tmp_path, text))).rgb, f.rgb, atol=1e-5)


def test_resolve_shaper_plus_cube(tmp_path):
    rows = ["LUT_1D_SIZE 2", "LUT_3D_SIZE 2", "LUT_1D_INPUT_RANGE 0 1", "LUT_3D_INPUT_RANGE 0 1",
            "1 1 1", "0 0 0"]                                      # shaper inverts
    rows += ["%d %d %d" % (r, g, b) for b in (0, 1) for g in (0, 1) for r in (0, 1)]
    lut = parse_cube(write(tmp_path, "\n".join(rows)))
    assert lut.kind == "1d+3d"
    out = apply_lut(Frame(rgb=torch.tensor([1.0, 0.0, 1.0]).view(1, 3, 1, 1)), lut).rgb.flatten()
    assert torch.allclose(out, torch.tensor([0.0, 1.0, 0.0]), atol=1e-6)


BAD = [
    # (file text, line, col, message fragment)
    ("LUT_3D_SIZE 2\nLUT_3D_SIZEE 2\n", 2, 1, "unknown keyword"),
    ("TITLE \"x\"\nLUT_3D_SIZE 2\n" + "0 0 0\n" * 3 + "0 0\n" + "0 0 0\n" * 4, 6, 4, "3 values"),
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 7, 8, 1, "too few table rows"),
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 9, 10, 1, "too many table rows"),
    ("LUT_1D_SIZE 4\n" + "0 0 0\n" * 3, 4, 1, "too few table rows"),
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 4 + "0 x 0\n" + "0 0 0\n" * 3, 6, 3, "not a number"),
    ("# no size\n0 0 0\n1 1 1\n", 2, 1, "missing LUT_3D_SIZE"),
    ("", 1, 1, "missing LUT_3D_SIZE"),
    ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 0 1\n" + "0 0 0\n" * 8, 3, 14, "not below"),
    ("LUT_3D_SIZE 300\n", 1, 13, "out of range 2..256"),
    ("LUT_3D_SIZE 1\n0 0 0\n", 1, 13, "out of range"),
    ("LUT_1D_SIZE 1\n0 0 0\n", 1, 13, "out of range"),
    ("LUT_3D_SIZE 2.5\n", 1, 13, "whole number"),
    ("LUT_3D_SIZE\n", 1, 12, "takes 1 value"),
    ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n", 2, 15, "takes 3 values"),
    ("LUT_3D_SIZE 2\n0 0 0\nDOMAIN_MIN 0 0 0\n", 3, 1, "after the table data"),
    ("LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n", 2, 1, "given twice"),
    ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 2 + "0 nan 0\n" + "0 0 0\n" * 5, 4, 3, "not a"),
    ("TITLE unquoted\nLUT_3D_SIZE 2\n", 1, 1, "quoted string"),
]


@pytest.mark.parametrize("text,line,col,fragment", BAD)
def test_malformed_luts_raise_with_line_and_column(tmp_path, text, line, col, fragment):
    path = write(tmp_path, text)
    with pytest.raises(LutError) as info:
        parse_cube(path)
    err = info.value
    assert (err.line, err.col) == (line, col), str(err)
    assert fragment in err.message
    assert err.path == path and str(err).startswith(f"{path}:{line}:{col}: ")


def test_error_hints_and_missing_file(tmp_path):
    with pytest.raises(LutError) as info:
        parse_cube(write(tmp_path, "LUT_3D_SIZ 2\n"))
    assert info.value.hint == "did you mean `LUT_3D_SIZE`?"
    with pytest.raises(LutError) as info:
        parse_cube(str(tmp_path / "nope.cube"))
    assert info.value.line == 0 and "cannot read" in info.value.message
    assert isinstance(info.value, Exception) and not isinstance(info.value, Lut)


def test_comments_blank_lines_and_crlf_inside_the_table(tmp_path):
    text = cube_3d(3, lambda r, g, b: (b, r, g))
    lines = text.splitlines()
    lines.insert(5, "# a comment between rows")
    lines.insert(9, "")
    lines[12] = lines[12] + "   # trailing comment"
    path = tmp_path / "crlf.cube"
    path.write_bytes("\r\n".join(lines).encode())
    lut = parse_cube(str(path))
    reference = parse_cube(write(tmp_path, text))
    assert torch.equal(lut.table_3d, reference.table_3d)
    # An error after a comment still reports the true line.
    lines[14] = "0.1 0.2"
    with pytest.raises(LutError) as info:
        parse_cube(write(tmp_path, "\n".join(lines), "bad.cube"))
    assert info.value.line == 15
