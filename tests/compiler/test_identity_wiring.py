"""A character naming an identity file: values flow into the IR, changes are diagnosed."""

from __future__ import annotations

from pathlib import Path

import pytest

from shotspec.compiler import compile_file
from shotspec.compiler.identity_file import Identity, IdentitySkin, write_identity
from shotspec.file_hash import sha256_file

SPEC = """\
character mara {
  seed 5
  identity "mara.identity"
  %s
}
shot a {
  character mara
  output "a.png" { size 64x80 }
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    photos = tmp_path / "refs"
    photos.mkdir()
    for i in range(3):
        (photos / f"p{i}.png").write_bytes(bytes([i]) * 100)
    ident = Identity(version=2, seed=4242, photos_dir="refs",
                     photos=tuple((f"p{i}.png", sha256_file(photos / f"p{i}.png")) for i in range(3)),
                     skin=IdentitySkin(tone=7.0, albedo_srgb=(0.51, 0.36, 0.26), undertone="warm",
                                       redness=0.33, freckles=0.45),
                     face={"eye_spacing": -0.4, "mouth_width": 0.3, "jaw_width": -0.2})
    write_identity(tmp_path / "mara.identity", ident)
    return tmp_path


def _compile(project: Path, extra: str = ""):
    (project / "a.shot").write_text(SPEC % extra)
    return compile_file(project / "a.shot")


def test_identity_values_reach_the_ir(project):
    result = _compile(project)
    assert result.ok, result.diagnostics
    ch = result.program.shots[0].character
    assert ch.skin.tone.value == 7.0 and ch.skin.tone.undertone == "warm"
    assert ch.skin.redness == pytest.approx(0.33)
    assert ch.face.eye_spacing == pytest.approx(-0.4)
    assert ch.face.mouth_width == pytest.approx(0.3) and ch.face.jaw_width == pytest.approx(-0.2)
    assert ch.skin.freckles == pytest.approx(0.45)
    assert ch.seed == 5                           # the spec sets the seed itself: it wins
    origins = result.program.shots[0].origins
    assert origins["character.skin.redness"].endswith("(identity)")
    assert origins["character.skin.freckles"].endswith("(identity)")
    assert any(d.endswith("refs/p1.png") for d in result.dependencies)


def test_explicit_spec_values_win(project):
    result = _compile(project, "skin { redness 0.05 }")
    assert result.ok
    ch = result.program.shots[0].character
    assert ch.skin.redness == pytest.approx(0.05) and ch.skin.tone.value == 7.0
    assert ch.skin.freckles == pytest.approx(0.45)
    result = _compile(project, "skin { freckles 0.1 }\n  face { jaw_width 0.6 }")
    assert result.ok, result.diagnostics
    ch = result.program.shots[0].character
    assert ch.skin.freckles == pytest.approx(0.1) and ch.skin.redness == pytest.approx(0.33)
    assert ch.face.jaw_width == pytest.approx(0.6) and ch.face.mouth_width == pytest.approx(0.3)


def test_a_changed_photo_is_an_error_until_rebuilt(project):
    (project / "refs" / "p1.png").write_bytes(b"retouched")
    result = _compile(project)
    assert not result.ok
    (diag,) = [d for d in result.diagnostics if d.code == "E403"]
    assert "p1.png" in diag.message and "identity build" in (diag.help or "")


def test_a_missing_identity_file(project):
    (project / "mara.identity").unlink()
    result = _compile(project)
    assert [d.code for d in result.errors] == ["E401"]
    assert result.errors[0].span.line == 3


def test_skin_tone_far_from_the_identity_is_a_warning(project):
    result = _compile(project, "skin { tone monk 2 }")
    assert result.ok
    assert "W402" in [d.code for d in result.warnings]
    assert result.program.shots[0].character.skin.tone.value == 2.0
