"""Hypothesis strategies for .shot sources: grammar-aware generation and mutation.

``specs()`` builds files the way the grammar does (items → blocks → statements → value groups)
from the language's real keys, block kinds and literal forms, so most cases get past the parser
into presets, extends, --set, lowering, validation and lints; ``mutated_specs()`` damages the
shipped example specs (braces, keywords, units, junk bytes, look-alike characters, truncation,
swaps). Not a test module: test files load it with ``load_spec_grammar()``.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

def quick(n: int) -> settings:
    """The default run: ``n`` cases, the same ones every run."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def many(n: int) -> settings:
    """A `-m slow` run: ``n`` fresh random cases."""
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"
EXAMPLES = {p.relative_to(SPECS).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(SPECS.rglob("*.shot"))}

TOP = ("shot", "character", "preset", "import", "allow")
BLOCKS = {
    "shot": ("character", "camera", "lighting", "finish", "output", "source", "seed", "allow", "use"),
    "character": ("seed", "skin", "face", "expression", "gaze", "pose", "age", "eyes",
                  "identity", "references", "hair", "brows", "lashes", "stubble", "fuzz", "use"),
    "skin": ("tone", "undertone", "pores", "oil", "freckles", "redness", "fine_lines",
             "imperfections", "age", "texture", "use"),
    "face": ("jaw_width", "cheekbones", "nose_length", "head_width", "age", "use"),
    "expression": ("smile", "blink", "jaw_open", "mouthSmile_L", "eyeWide_R", "mouthClose",
                   "PupilDilate_L", "neutral", "smiel", "use"),
    "pose": ("turn", "tilt", "roll", "yaw", "use"),
    "brows": ("density", "thickness", "length", "colour", "shape", "densty", "use"),
    "lashes": ("length", "curl", "density", "color", "use"),
    "stubble": ("length", "density", "colour", "enabled", "use"),
    "hair": ("style", "length", "density", "colour", "color", "grey", "curl", "use"),
    "camera": ("lens", "aperture", "sensor", "distance", "focus", "blades", "anamorphic",
               "vignetting", "chromatic_aberration", "distortion", "blade_rotation", "use"),
    "lighting": ("key", "fill", "rim", "bounce", "hair", "use"),
    "light": ("from", "size", "temperature", "intensity", "ratio", "color", "key", "cone",
              "azimuth", "elevation", "radius", "image", "use"),
    "finish": ("skin_enhance", "upscale", "grain", "tonemap", "grade", "exposure", "white_balance",
               "smooth", "sharpen", "contrast", "lut", "tint", "vignetting", "use"),
    "output": ("size", "depth", "format", "colorspace", "dither", "path"),
    "source": ("plate", "mask", "depth", "mesh", "frame"),
}
LIGHT_KINDS = ("area", "spot", "point", "directional", "environment")
WORDS = ("full_frame", "agx", "aces", "detail", "fidelity", "warm", "neutral", "cool", "hazel",
         "dark_brown", "monk", "left", "right", "up", "down", "on", "off", "loop", "rembrandt",
         "mara", "ines", "eyes", "mara.eyes", "250D", "500T", "s", "closeup", "look", "bogus",
         "auburn", "black", "arched", "straight",
         "lens", "long", "tied_back", "blonde")
UNITS = ("mm", "cm", "m", "deg", "°", "K", "%", "x", "stops", "stop")
EDGE_NUMBERS = ("0", "-0", "1e308", "9" * 40, "0.0000001", "-1", "+2", ".5", "5.", "5000",
                "-5000", "65536", "2147483648", "1" + "0" * 400)


def _number() -> st.SearchStrategy[str]:
    plain = st.one_of(st.integers(-100_000, 100_000).map(str),
                      st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3g}"))
    return st.one_of(plain, st.sampled_from(EDGE_NUMBERS))


def atoms() -> st.SearchStrategy[str]:
    """One literal: every token class of the grammar, in and out of range."""
    number = _number()
    return st.one_of(
        number,
        st.tuples(number, st.sampled_from(UNITS)).map("".join),
        st.tuples(number, st.sampled_from((" mm", " stops", " meters", " kelvin", " K"))).map("".join),
        st.tuples(st.integers(0, 40000), st.integers(0, 40000)).map(lambda p: f"{p[0]}x{p[1]}"),
        st.tuples(st.integers(0, 99), st.sampled_from(("", "mm"))).map(lambda p: f"36x{p[0]}{p[1]}"),
        st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda p: f"{p[0]}:{p[1]}"),
        number.map(lambda n: f"f/{n.lstrip('+-')}"),
        st.text("0123456789abcdefg", min_size=0, max_size=7).map(lambda h: "#" + h),
        st.sampled_from(WORDS),
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\\n'),
                max_size=12).map(lambda s: f'"{s}"'),
        st.sampled_from(('"plate/portrait.png"', '"renders/x.png"', '"missing.cube"',
                         '"../presets/lighting.shot"', '"/dev/null"', '""', '"."')),
    )


def _args() -> st.SearchStrategy[str]:
    group = st.lists(atoms(), min_size=1, max_size=3).map(" ".join)
    return st.lists(group, min_size=0, max_size=3).map(", ".join)


def _block(kind: str, depth: int) -> st.SearchStrategy[str]:
    keys = BLOCKS.get(kind, BLOCKS["light"])

    def stmt(key: str) -> st.SearchStrategy[str]:
        if key in BLOCKS and depth < 3:
            return _block(key, depth + 1).map(lambda b: f"{key} {b}")
        if kind == "lighting" and key != "use" and depth < 3:
            return st.tuples(st.sampled_from(LIGHT_KINDS), _block("light", depth + 1)).map(
                lambda p: f"{key} {p[0]} {p[1]}")
        return _args().map(lambda a: f"{key} {a}".rstrip())

    body = st.lists(st.sampled_from(keys).flatmap(stmt), max_size=5)
    seps = st.sampled_from(("\n", "; ", "\n\n"))
    return st.tuples(body, seps).map(lambda p: "{" + p[1] + p[1].join(p[0]) + p[1] + "}")


def _item() -> st.SearchStrategy[str]:
    name = st.sampled_from(("s", "closeup", "medium", "mara", "ines", "look", "loop", "a", "b"))
    kind = st.sampled_from(("shot", "character", "camera", "lighting", "finish", "skin", "light"))
    return st.one_of(
        st.tuples(name, st.one_of(st.none(), name), _block("shot", 1)).map(
            lambda p: f"shot {p[0]}{f' extends {p[1]}' if p[1] else ''} {p[2]}"),
        st.tuples(name, _block("character", 1)).map(lambda p: f"character {p[0]} {p[1]}"),
        st.tuples(name, kind).flatmap(lambda p: _block(p[1], 1).map(
            lambda b: f"preset {p[0]} {p[1]} {b}")),
        st.sampled_from(('import "presets/lighting.shot"', 'import "nowhere.shot"',
                         'import "self.shot"', "allow W101, W102", "allow E201")),
    )


def specs() -> st.SearchStrategy[str]:
    """A whole file built along the grammar; about half parse and compile cleanly."""
    return st.lists(_item(), min_size=0, max_size=4).map("\n\n".join)


JUNK = ("@", "\x00", "}", "{", '"', "/*", "::", "1:", "f/", "#zz", "é", "85", ";;", ",", "\n",
        "ｍｍ", "м", "“", "”", "\u00a0", "\u200b", "−", "\ufeff", "\r", "\t", "'", "\\", "°")
KEYWORDS = ("shot", "camera", "lens", "aperture", "lighting", "finish", "grain", "output",
            "character", "skin", "extends", "import", "use", "ratio", "key", "size")


@st.composite
def mutated_specs(draw, sources: dict[str, str] | None = None) -> str:
    """A shipped example with one to four random edits."""
    text = draw(st.sampled_from(sorted((sources or EXAMPLES).values())))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 6))
        n = len(text)
        i = draw(st.integers(0, max(n - 1, 0)))
        j = draw(st.integers(i, n))
        if kind == 0:                                          # drop a character (a brace often)
            text = text[:i] + text[i + 1:]
        elif kind == 1:                                        # misspell a keyword
            word = draw(st.sampled_from(KEYWORDS))
            text = text.replace(word, word[:-1] + draw(st.sampled_from("xyz_")), 1)
        elif kind == 2:                                        # wrong or missing units
            a, b = draw(st.sampled_from((("mm", "deg"), ("K", "m"), ("f/", ""), ("deg", "K"),
                                         ("x", "mm"), (":", "/"), ("mm", " meters"), ("K", " kelvin"))))
            text = text.replace(a, b, 1)
        elif kind == 3:                                        # junk
            text = text[:i] + draw(st.sampled_from(JUNK)) + text[i:]
        elif kind == 4:                                        # truncate
            text = text[:i]
        elif kind == 5:                                        # swap two slices
            text = text[:i] + text[j:] + text[i:j]
        else:                                                  # duplicate a slice (repeats, nests)
            text = text[:j] + text[i:j] * draw(st.integers(1, 3)) + text[j:]
    return text


def any_spec() -> st.SearchStrategy[str]:
    return st.one_of(specs(), mutated_specs())


OVERRIDES = st.lists(st.one_of(
    st.tuples(st.sampled_from(("camera.lens", "camera.aperture", "closeup.finish.grain.strength",
                               "lighting.key.temperature", "output.size", "camera.lense", "x",
                               "finish.exposure", "camera.distance", "")),
              atoms()).map(lambda p: f"{p[0]}={p[1]}"),
    st.sampled_from(("nonsense", "=", "camera.lens=", "a.b.c.d.e=1"))), max_size=2)
