"""The README's language tour compiles as written."""

from __future__ import annotations

from pathlib import Path

from shotspec.compiler import compile_source

ROOT = Path(__file__).resolve().parents[1]


def _blocks() -> list[str]:
    """Fenced code blocks of the README, in order."""
    blocks, current = [], None
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append("\n".join(current) + "\n")
                current = None
        elif current is not None:
            current.append(line)
    return [b for b in blocks if "shot " in b and "{" in b]


def test_the_tour_compiles():
    tour = next(b for b in _blocks() if "character mara" in b)
    result = compile_source(tour, ROOT / "src" / "shotspec" / "specs" / "readme.shot")
    assert result.ok, [d.message for d in result.errors]
    assert [s.name for s in result.program.shots] == ["closeup", "closeup_wide"]
    wide = result.program.shots[1]
    assert abs(wide.camera.focal_length_m - 0.050) < 1e-9 and abs(wide.camera.f_number - 2.0) < 1e-9


def test_the_plate_example_parses(tmp_path):
    plate = next(b for b in _blocks() if "source plate" in b)
    for name in ("plate.png", "plate_depth.png", "skin.png"):
        (tmp_path / name).write_bytes((ROOT / "src/shotspec/specs/examples/plate/portrait.png").read_bytes())
    (tmp_path / "look.cube").write_text((ROOT / "src/shotspec/specs/luts/soft_contrast.cube").read_text())
    result = compile_source(plate, tmp_path / "plate.shot")
    assert result.ok, [d.message for d in result.errors]
