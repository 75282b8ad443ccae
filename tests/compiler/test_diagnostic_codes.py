"""Every diagnostic code, triggered by a small bad input, with the message a user sees."""

from __future__ import annotations

import pytest

from shotspec.compiler import compile_source
from shotspec.compiler.diagnostics import CODES


def shot(body: str = "", top: str = "") -> str:
    return f"{top}\nshot s {{\n{body}\n}}\n"


LOOP = "preset loop lighting { key area { from 40deg right, 30deg up } }"

# (source, code, message substring, help substring or None)
CASES = [
    ("shot s { camera { lens 85mm } } $", "E001", "unexpected character `$`", None),
    ("shot s { camera { lens 85mm } }\n}", "E002", "unexpected `}`", "closes nothing"),
    ("shot s extends { }", "E002", "unexpected `{`: expected a name", None),
    ("shot s { camera { lens 85mm }", "E003", "this `{` is never closed", "add a `}`"),
    ("shot s", "E003", "unexpected end of file", None),
    ('shot s { output "renders/x.png }', "E004", "unterminated string", None),
    ("shot s { } /* never closed", "E005", "unterminated block comment", None),
    ("shoot s { }", "E006", "unknown keyword `shoot`", "did you mean `shot`?"),
    ("shot s {" + " a {" * 40 + " }" * 41, "E007", "blocks nested more than 32 deep", "close the blocks"),
    (shot("camera { lense 85mm }"), "E101", "unknown key `lense` in `camera`", "did you mean `lens`?"),
    (shot("lighting { use lop }", LOOP), "E102", "unknown preset `lop`", "did you mean `loop`?"),
    (shot("camera { use loop }", LOOP), "E103", "preset `loop` is a `lighting` preset, used in a `camera`", None),
    (shot("character mra", "character mara { seed 1 }"), "E104", "unknown character `mra`", "did you mean `mara`?"),
    ("shot a extends closup { }\nshot closeup { }", "E105", "unknown parent shot `closup`", "did you mean `closeup`?"),
    ("shot a extends b { }\nshot b extends a { }", "E106", "`extends` cycle", None),
    ("preset p camera { use p }\nshot s { camera { use p } }", "E106", "preset `p` uses itself", None),
    ("shot a { }\nshot a { }", "E108", "shot `a` is defined twice", None),
    (shot("lighting { a area { key }\n b area { key } }"), "E111", "both marked `key`", "exactly one key"),
    ("allow W999\nshot s { }", "E112", "unknown code `W999`", None),
    ('shot a { output "x.png" }\nshot b extends a { camera { lens 50mm } }', "E113",
     "shots `a` and `b` both write `x.png`", None),
    ("allow E201\nshot s { }", "E112", "only warnings can be allowed", None),
    (shot("camera { lens 85 }"), "E201", "`lens` expects a length", "add a unit: `85mm`"),
    (shot("camera { aperture 2.8 }"), "E201", "`aperture` expects an f-number", "write `f/2.8`"),
    (shot("lighting { key area { temperature 5600 } }"), "E201", "expects a colour temperature", "write `5600K`"),
    (shot("camera { sensor fullframe }"), "E202", "unknown sensor `fullframe`", "did you mean `full_frame`?"),
    (shot("finish { tonemap agz }"), "E202", "unknown tone map `agz`", "did you mean `agx`?"),
    (shot("lighting { key aera { } }"), "E202", "unknown light kind `aera`", "did you mean `area`?"),
    (shot("camera { blades 40 }"), "E203", "`blades` 40 is out of range: it must be 0–32", None),
    ("character m { skin { pores 1.5 } }", "E203", "`pores` 1.5 is out of range: it must be 0–1", None),
    (shot("camera { lens 2mm }"), "E204", "focal length 2mm is outside 4–1200mm", None),
    (shot("camera { aperture f/0.5 }"), "E205", "f-number f/0.5 is outside f/0.7–f/64", None),
    (shot("camera { lens 200mm; distance 0.15m }"), "E206", "not beyond the focal length", None),
    (shot("camera { focus 5cm }"), "E206", "focus distance 0.05m is not beyond the focal length", None),
    (shot("camera { sensor 300x200mm }"), "E207", "sensor width 300mm is outside 1–200mm", None),
    (shot('output "x.png" { size 20000x100 }'), "E208", "output width 20000px is outside 16–16384px", None),
    (shot('output "x.png" { size 16000x16000 }'), "E209", "needs about", "upscaling happens at the end"),
    (shot("camera { lens 85mm 50mm }"), "E210", "`lens` takes at most 1 value, found 2", None),
    (shot("lighting { fil { ratio 1:4 } }"), "E210", "new light `fil` needs a kind", None),
    (shot("character mara\ncamera { focus theo.eyes }", "character mara { seed 1 }"), "E211",
     "names character `theo`", "write `focus eyes`"),
    (shot('output "x.jpg" { depth 16 }'), "E212", "jpeg cannot store 16-bit images", None),
    (shot('output "a\x00b.png"'), "E213", "output path contains a NUL character", "remove it"),
    (shot('output "o.png" { view "ACES 1.0 - SDR Video" }'), "E215",
     "unknown view `ACES 1.0 - SDR Video` of display `sRGB - Display`",
     "did you mean `ACES 2.0 - SDR 100 nits (Rec.709)`?"),
    (shot('output "o.png" { config "ocio://studio-config-lates" }'), "E216",
     "is not a config built into OpenColorIO", "did you mean `ocio://studio-config-latest`?"),
    (shot('finish { tonemap agx }\noutput "o.png" { view "Un-tone-mapped" }'), "E217",
     "tone-mapped twice", "remove `tonemap`"),
    ("character m { eyes { pupil 9mm } }", "E214", "pupil diameter 9mm is outside 2–8mm",
     "`pupil auto` follows the light"),
    (shot('finish { grade "missing.cube" }'), "E301", "LUT", "relative to the file"),
    ('import "nowhere.shot"\nshot s { }', "E302", "imported file `nowhere.shot` not found", None),
    (shot('character c', 'character c { references "plate.png" }'), "E304", "is a file, not a folder", None),
    ("character m { expression { smiel 0.3 } }", "E114", "unknown expression shape `smiel`",
     "did you mean `smile`?"),
    (shot("character m", "character m { expression { blink 0.5; eyeWide_L 0.6 } }"), "W110",
     "close and open the subject's left upper lid", "at most 0.3"),
    (shot("character m", "character m { expression { mouthClose 0.4; jawOpen 0.1 } }"), "W111",
     "`mouthClose` 0.4 is more than `jawOpen` 0.1", "at most `jawOpen`"),
    (shot("character m", "character m { expression { jawLeft 0.5; jawRight 0.4 } }"), "W112",
     "shift the jaw both ways", None),
    (shot("character m", "character m { expression { smile; pucker; funnel } }"), "W113",
     "the mouth shapes on the subject's left add up to 3", None),
    (shot("character m", "character m { gaze 33deg left; pose { turn -20deg } }"), "W114",
     "the eyes turn 33° left in a head already turned 20° left", "turn the head further"),
    (shot("camera { lens 24mm; distance 0.5m }"), "W101", "a 24mm lens at 0.5m distorts the face", "50–135mm"),
    (shot("camera { lens 85mm; distance 3m }"), "W115",
     "the frame reaches 0.83m below the eyes, past the end of the character's bust", "move closer"),
    (shot("finish { grain 250D 0.3; upscale 2x detail }"), "W102", "grain is written before the upscale; it is applied after", None),
    (shot("finish { skin_enhance 0.6; smooth 0.5 }"), "W103", "smoothing after skin enhancement", None),
    (shot("finish { skin_enhance 0.6; upscale 2x fidelity }"), "W103", "fidelity upscale after skin", None),
    ("character m { seed 1 }\nshot a { character m\nlighting { key area { temperature 5600K } } }\n"
     "shot b { character m\nlighting { key area { temperature 3200K } } }", "W104",
     "is 3200K here but 5600K in shot `a`", None),
    ("character m { seed 1 }\nshot a { character m\nlighting { key area { from 45deg right } } }\n"
     "shot b { character m\nlighting { key area { from 45deg left } } }", "W105",
     "comes from 90° away", None),
    (shot("character c", 'character c { references "refs" }'), "W106", "has 3 photos; about 20", None),
    (shot("character c", 'character c { references "phone" }'), "W107",
     "holds 25 images in a format shotspec cannot read (.heic)", "convert them to JPEG or PNG"),
    (shot("character c", 'character c { references "phone" }'), "W106", "has 0 photos; about 20", None),
    # time (docs/motion.md)
    (shot("duration 8f\ncamera { distance 0.9m @ 0f -> 0.7m }"), "E230", "key 2 of `distance` has no time",
     "`VALUE @ TIME`"),
    (shot("duration 8f\ncamera { distance 0.9m @ 0 -> 0.7m @ 8f }"), "E230", "`0` is not a time",
     "write `0f` (frames) or `0s` (seconds)"),
    (shot("duration 8f\ncamera { distance 0.9m @ 0f -> 0.7m @ 8f ease inout }"), "E230",
     "unknown easing `ease inout`", "did you mean `in_out`?"),
    (shot("duration 8f\ncamera { distance 0.9m @ 0f ease in -> 0.7m @ 8f }"), "E230",
     "the first key has no motion into it", None),
    (shot("duration 8f\ncamera { distance 0.9m @ 0f -> 0.7m @ 12f }"), "E231",
     "key 2 at 12f is outside the shot", "the shot runs 0f … 8f (0.3333s at 24 fps)"),
    (shot("camera { distance 0.9m @ 0f -> 0.7m @ 12f }"), "E231",
     "keyframed values need the shot's `duration`", "`duration 48f`"),
    (shot("duration 2s\ncamera { distance 0.9m @ 1s -> 0.7m @ 12f }"), "E232",
     "key 2 at 12f is not after key 1 (24f)", "time order"),
    (shot("duration 8f\nlighting { key area { intensity -1 stops @ 0f -> 0.5 @ 8f } }"), "E233",
     "the keys of `intensity` mix units", "same unit"),
    (shot("duration 8f\ncamera { sensor full_frame @ 0f -> super35 @ 8f }"), "E234",
     "`sensor` is not a number", None),
    (shot("duration 48"), "E235", "`duration` takes a length of time, found `48`", "write `48f`"),
    (shot("duration 8f\nfps 0"), "E203", "`fps` 0 is out of range", None),
    (shot('source plate "shots/s.####.png"'), "E237", "cannot count the frames of the plate",
     "files matching its `####`"),
    (shot('output "x.mp4"'), "E236", "a video output needs a sequence", "`duration 48f`"),
    (shot("fps fast"), "E235", "`fps` takes a number", "`fps 23.976`"),
    (shot('duration 8f\noutput "x.png" { timecode "1:00:00" }'), "E238",
     "`1:00:00` is not a timecode", "HH:MM:SS:FF"),
    (shot('duration 8f\noutput "x.png" { timecode "24:00:00:00" }'), "E238",
     "has 24 hours: timecode runs 00–23", "HH:MM:SS:FF"),
    (shot('duration 8f\nfps 25\noutput "x.png" { timecode "01:00:00;00" }'), "E239",
     "drop-frame timecode `01:00:00;00` at 25 fps: only 29.97 and 59.94 fps have drop-frame",
     "write `01:00:00:00` (non-drop)"),
    (shot('duration 8f\nfps 24\noutput "x.png" { timecode "01:00:00:24" }'), "E239",
     "has frame 24: at 24 fps frames count 00–23", "frame 24 is the next second's 00"),
    (shot('duration 8f\nfps 29.97\noutput "x.png" { timecode "01:01:00;00" }'), "E239",
     "`01:01:00;00` does not exist in drop-frame timecode", "the minute starts at `01:01:00;02`"),
    (shot("duration 8f\ncamera { focus 0.5m @ 0f -> 3m @ 2f }"), "W130",
     "the focus moves 34.3 dioptres per second at frame 1", "spread the pull"),
    (shot("duration 8f\nfinish { grain 250D { strength 0.2 @ 0f -> 0.6 @ 8f } }"), "W131",
     "grain strength is keyframed", "one grain strength"),
    (shot("duration 8f\ncamera { lens 24mm; distance 2m @ 0f -> 0.6m @ 8f }"), "W101",
     "at frame 5 a 24mm lens at 1.12m distorts the face", "end the push"),
]


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "plate.png").write_bytes(b"\x89PNG fake")
    refs = tmp_path / "refs"
    refs.mkdir()
    for i in range(3):
        (refs / f"{i}.jpg").write_bytes(b"jpg")
    phone = tmp_path / "phone"            # an iPhone export: HEIC only, none of it readable
    phone.mkdir()
    for i in range(25):
        (phone / f"IMG_{i:04d}.HEIC").write_bytes(b"heic")
    (tmp_path / "self.shot").write_text('import "self.shot"\n')
    return tmp_path


@pytest.mark.parametrize("source,code,message,help", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_code(folder, source, code, message, help):
    result = compile_source(source, folder / "spec.shot")
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [f"{d.code} {d.message}" for d in result.diagnostics]
    d = found[0]
    assert message in d.message
    if help is not None:
        assert d.help is not None and help in d.help
    assert d.span is not None and d.span.line >= 1 and d.span.col >= 1
    assert d.severity == ("warning" if code.startswith("W") else "error")


def test_import_cycle(folder):
    result = compile_file_text(folder, 'import "self.shot"\nshot s { }')
    assert any(d.code == "E107" and "import cycle" in d.message for d in result.diagnostics)


def compile_file_text(folder, text):
    path = folder / "self.shot"
    path.write_text(text)
    from shotspec.compiler import compile_file
    return compile_file(path)


def test_set_codes(folder):
    src = shot("camera { lens 85mm }")
    r = compile_source(src, folder / "spec.shot", overrides=["camera.lense=50mm", "nonsense"])
    codes = {d.code: d for d in r.diagnostics}
    assert codes["E109"].help == "did you mean `lens`?"
    assert codes["E109"].span.file == "<--set>" and codes["E109"].span.col == 8
    assert codes["E110"].span.line == 2


def test_every_code_is_tested():
    # identity codes: tests/compiler/test_identity_file.py, test_identity_wiring.py and
    # tests/runtime/identity/ (E405, E406 come from `shot identity build`)
    identity = {"E401", "E402", "E403", "E404", "E405", "E406", "E407", "W401", "W402", "W403",
                "W404", "W408"}
    # E510: tests/compiler/test_cube_file.py (needs a LUT file next to the spec); W116:
    # tests/compiler/test_color_language.py (likewise)
    # W132 (needs a video plate): tests/compiler/test_timecode.py
    tested = {c[1] for c in CASES} | {"E107", "E109", "E110", "E303", "E510", "W116",
                                      "W132"} | identity
    assert set(CODES) - tested == set()


def test_unreadable_file(tmp_path):
    from shotspec.compiler import compile_file
    bad = tmp_path / "bin.shot"
    bad.write_bytes(b"\xff\xfe\x00bad")
    r = compile_file(bad)
    assert [d.code for d in r.diagnostics] == ["E303"]
    assert r.dependencies == (str(bad.resolve()),)
