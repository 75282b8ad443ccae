"""The .identity file: format round trip, malformed files (E402 with a line), photo hashes
(E403/E404), W401, precedence of explicit spec values, and the W402–W404 lints."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib

import pytest

from shotspec.compiler.identity_file import (Identity, IdentityFileError, IdentitySkin,
                                             apply_identity, check_identity, format_identity,
                                             identity_lints, load_identity, monk_position,
                                             write_identity)
from shotspec.compiler.ir import (CameraIR, CharacterIR, LightIR, OutputIR, ProgramIR, ShotIR,
                                  SkinIR, Span, ToneIR)
from shotspec.color import hex_to_srgb
from shotspec.compiler.tables import MONK_SWATCHES, monk_albedo
from shotspec.file_hash import sha256_file

SPAN = Span(file="/x/closeup.shot", line=3, col=3, end_line=3, end_col=30)


def _identity(photos, **skin) -> Identity:
    s = dict(tone_scale="monk", tone=5.2, albedo_srgb=monk_albedo(5.2), undertone="warm",
             redness=0.25, freckles=0.1)
    s.update(skin)
    return Identity(version=2, seed=1842, photos_dir="refs/mara", photos=tuple(photos),
                    skin=IdentitySkin(**s), face={"eye_spacing": -0.3},
                    stats={"photos_used": len(photos), "landmarks": "fallback"},
                    rejected=(("dark.jpg", "too dark"),))


@pytest.fixture
def built(tmp_path):
    refs = tmp_path / "refs" / "mara"
    refs.mkdir(parents=True)
    photos = []
    for i in range(20):
        p = refs / f"img_{i:02d}.jpg"
        p.write_bytes(f"photo {i}".encode())
        photos.append((p.name, sha256_file(p)))
    path = tmp_path / "mara.identity"
    write_identity(path, _identity(photos))
    return path, refs


def test_round_trip_is_sorted_text_and_valid_toml(built):
    path, _ = built
    text = path.read_text()
    ident = load_identity(path)
    assert ident.skin.tone == 5.2 and ident.skin.undertone == "warm" and ident.seed == 1842
    assert ident.face == {"eye_spacing": -0.3} and len(ident.photos) == 20
    assert dict(ident.rejected) == {"dark.jpg": "too dark"}
    assert format_identity(ident) == text                      # stable: parse ∘ format = id
    data = tomllib.loads(text)                                  # a TOML subset
    assert data["skin"]["tone"] == 5.2 and data["photos"]["img_03.jpg"] == ident.photos[3][1]
    skin_keys = [line.split(" = ")[0] for line in text.split("[skin]")[1].split("[face]")[0].split("\n")
                 if " = " in line]
    assert skin_keys == sorted(skin_keys)


def test_untouched_identity_checks_clean(built):
    path, _ = built
    assert check_identity(str(path), SPAN) == []


def test_changed_photo_is_E403_naming_it_with_rebuild_help(built):
    path, refs = built
    (refs / "img_07.jpg").write_bytes(b"retouched")
    diags = check_identity(str(path), SPAN)
    assert [d.code for d in diags] == ["E403"]
    d = diags[0]
    assert d.severity == "error" and d.span == SPAN
    assert "img_07.jpg" in d.message and "changed since" in d.message
    assert d.help.startswith("rebuild the identity: `shot identity build ") and "mara.identity" in d.help


def test_missing_photo_is_E404_and_missing_file_E401(built, tmp_path):
    path, refs = built
    (refs / "img_00.jpg").unlink()
    diags = check_identity(str(path), SPAN)
    assert [d.code for d in diags] == ["E404"] and "img_00.jpg" in diags[0].message
    gone = check_identity(str(tmp_path / "nobody.identity"), SPAN)
    assert [d.code for d in gone] == ["E401"] and "not found" in gone[0].message
    assert "shot identity build" in gone[0].help


def test_few_photos_is_W401(tmp_path):
    refs = tmp_path / "refs" / "mara"
    refs.mkdir(parents=True)
    (refs / "a.jpg").write_bytes(b"a")
    path = tmp_path / "mara.identity"
    write_identity(path, _identity([("a.jpg", sha256_file(refs / "a.jpg"))]))
    diags = check_identity(str(path), SPAN)
    assert [d.code for d in diags] == ["W401"] and diags[0].severity == "warning"
    assert "1 usable photo;" in diags[0].message and "20 are recommended" in diags[0].message


@pytest.mark.parametrize("edit, line_of, words", [
    (lambda t: t.replace("tone = 5.2", "tone = 12.0"), "tone = 12.0", "outside"),
    (lambda t: t.replace('undertone = "warm"', 'undertone = "wram"'), "undertone", "did you mean `warm`"),
    (lambda t: t.replace("redness = 0.25", "redness = 0.25 0.3"), "redness", "unexpected text"),
    (lambda t: t.replace("[face]", "[faces]"), "[faces]", "unknown section"),
    (lambda t: t.replace("eye_spacing = -0.3", "eye_spacin = -0.3"), "eye_spacin", "did you mean `eye_spacing`"),
    (lambda t: t.replace('"img_03.jpg" = "', '"img_03.jpg" = "zz'), "img_03.jpg", "sha256"),
    (lambda t: t.replace('photos_dir = "refs/mara"', 'photos_dir = "refs/mara'), "photos_dir", "unterminated"),
    (lambda t: t.replace("version = 2", "version = 9"), "version", "newer"),
    (lambda t: t.replace("seed = 1842", "seed = -5"), "seed = -5", "outside 0…"),
    (lambda t: t.replace("seed = 1842", "seed = 9223372036854775808"), "seed = 922", "outside 0…"),
])
def test_malformed_file_is_E402_with_its_line(built, edit, line_of, words):
    path, _ = built
    text = edit(path.read_text())
    path.write_text(text)
    want_line = next(i for i, l in enumerate(text.splitlines(), 1) if line_of in l)
    with pytest.raises(IdentityFileError) as exc:
        load_identity(path)
    assert exc.value.line == want_line
    diags = check_identity(str(path), SPAN)
    assert [d.code for d in diags] == ["E402"]
    d = diags[0]
    assert d.span.file == str(path) and d.span.line == want_line
    assert words in (d.message + " " + (d.help or ""))
    assert d.notes == ("referenced from /x/closeup.shot:3:3",)


def test_not_an_identity_file(tmp_path):
    p = tmp_path / "x.identity"
    p.write_text("hello world\n")
    with pytest.raises(IdentityFileError) as exc:
        load_identity(p)
    assert exc.value.line == 1 and "expected `=`" in exc.value.message


def test_apply_identity_fills_values_and_explicit_spec_values_win(built):
    path, _ = built
    ident = load_identity(path)
    ch = CharacterIR(name="mara", seed=3, skin=SkinIR(redness=0.9))
    out = apply_identity(ch, ident)
    assert out.skin.tone.value == 5.2 and out.skin.tone.undertone == "warm"
    assert out.skin.tone.albedo_srgb == monk_albedo(5.2)
    assert out.skin.redness == 0.25 and out.skin.freckles == 0.1
    assert out.face.eye_spacing == -0.3 and out.face.face_width is None
    assert out.seed == 1842
    kept = apply_identity(ch, ident, {"skin.redness", "character.seed", "skin.tone.value",
                                      "face.eye_spacing"})
    assert kept.skin.redness == 0.9 and kept.seed == 3 and kept.face.eye_spacing is None
    assert kept.skin.tone.value == 5.0 and kept.skin.tone.undertone == "warm"  # tone kept, undertone filled
    block = apply_identity(ch, ident, {"skin"})
    assert block.skin == ch.skin and block.face.eye_spacing == -0.3


def _shot(name, character, key_k=5600.0, key_az=40.0, line=10):
    span = Span(file="/x/a.shot", line=line, col=5, end_line=line, end_col=20)
    key = LightIR(name="key", kind="area", key=True, azimuth_rad=math.radians(key_az),
                  temperature_k=key_k, span=span)
    return ShotIR(name=name, character=character, lights=(key,), camera=CameraIR(),
                  output=OutputIR(path=f"/x/{name}.png"))


def test_identity_lints_tone_temperature_and_side(built):
    path, _ = built
    ident = load_identity(path)
    ch = apply_identity(CharacterIR(name="mara", identity=str(path)), ident)
    dark = ch.model_copy(update={"skin": ch.skin.model_copy(update={
        "tone": ToneIR(value=8.0, albedo_srgb=monk_albedo(8.0))})})
    program = ProgramIR(file="/x/a.shot", shots=(
        _shot("a", ch), _shot("b", ch, key_k=3200.0, line=20), _shot("c", ch, key_az=-45.0, line=30),
        _shot("d", dark, key_k=5800.0, line=40)))
    diags = identity_lints(program)
    codes = sorted(d.code for d in diags)
    assert codes == ["W402", "W403", "W404"]
    by = {d.code: d for d in diags}
    assert "Monk 8.0" in by["W402"].message and "Monk 5.2" in by["W402"].message
    assert "`d`" in by["W402"].message
    assert "3200 K" in by["W403"].message and "5600 K" in by["W403"].message and by["W403"].span.line == 20
    assert "camera-left" in by["W404"].message and by["W404"].span.line == 30
    assert [d.code for d in identity_lints(program, lighting=False)] == ["W402"]
    # shots of characters without an identity are not linted here
    plain = ProgramIR(file="/x/a.shot", shots=(_shot("a", CharacterIR(name="x")),
                                               _shot("b", CharacterIR(name="x"), key_k=2000.0)))
    assert identity_lints(plain) == []


def test_monk_position_hits_the_published_swatches():
    for i, h in enumerate(MONK_SWATCHES, start=1):
        assert abs(monk_position(hex_to_srgb(h)) - i) < 0.05
    assert 4.4 < monk_position(monk_albedo(4.5)) < 4.6


def test_identity_file_module_does_not_import_torch():
    code = ("import sys, shotspec.compiler.identity_file as m; "
            "assert 'torch' not in sys.modules, 'torch imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
