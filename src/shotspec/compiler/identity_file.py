"""The ``.identity`` file: one person's skin and face, measured from reference photos.

Torch-free (numpy only), so ``shot check`` and the language server can verify identities fast.
The file is a small, diffable subset of TOML (every value on its own line, keys sorted, a
header comment saying how it was made); ``docs/identity.md`` documents it. This module:

* reads and writes it (``load_identity``, ``parse_identity``, ``format_identity``,
  ``write_identity``), with ``IdentityFileError(path, line, message, hint)`` on malformed files;
  version 2 keeps the fitted identity coefficients of the packaged head in ``[shape]`` (with
  the head model they belong to); version 1 files (the procedural head's ``[face]`` values)
  still read, their face values set aside in ``Identity.face_ignored``;
* checks it against its photos and the packaged head (``check_identity`` → E401–E404, E407,
  W401, W408);
* applies it to a character (``apply_identity``; explicit spec values win);
* lints shots of one character for drift (``identity_lints`` → W402–W404);
* knows the Monk scale geometry in CIELAB (``monk_position``), shared with the builder.
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from shotspec.atomic_files import atomic_write
from shotspec.head_vocabulary import FACE_CONTROL_ALIASES, FACE_SD_LIMIT
from shotspec.compiler.ir import FACE_PARAMS, CharacterIR, LightIR, ProgramIR, ShotIR, Span, ToneIR
from shotspec.color import SRGB_TO_XYZ, hex_to_srgb, srgb_to_lab
from shotspec.compiler.tables import MONK_SWATCHES
from shotspec.diagnostics import Diagnostic, ShotspecError, did_you_mean, line_span
from shotspec.file_hash import sha256_file_memoised

__all__ = [
    "Identity", "IdentitySkin", "IdentityFileError", "FORMAT_NAME", "FORMAT_VERSION",
    "RECOMMENDED_PHOTOS", "TONE_DRIFT_MONK", "TEMPERATURE_DRIFT_K", "SIDE_MIN_AZIMUTH_DEG",
    "load_identity", "parse_identity", "format_identity", "write_identity",
    "check_identity", "apply_identity", "identity_lints", "monk_position",
    "rebuild_command", "packaged_head_model", "COEFFICIENT_LIMIT",
]

FORMAT_NAME = "shotspec-identity"
FORMAT_VERSION = 2
# fitted identity coefficients are in population SDs; a file beyond this is not a person
COEFFICIENT_LIMIT = 10.0
# the packaged head (numpy data; read here without the torch runtime for its model name)
HEAD_DATA_FILE = Path(__file__).resolve().parents[1] / "runtime" / "head" / "data" / "facekit.npz"
# Seeds are what a spec's `seed` takes (0 … 2^63 − 1): an identity's seed must compile there too.
SEED_MAX = 2**63 - 1
RECOMMENDED_PHOTOS = 20          # W401 below this many usable photos
TONE_DRIFT_MONK = 1.0            # W402 when a shot's tone is further than this (Monk steps)
TEMPERATURE_DRIFT_K = 500.0      # W403 when key temperatures differ by more than this
SIDE_MIN_AZIMUTH_DEG = 10.0      # W404 ignores keys within ±10° of the camera axis

_SHA = re.compile(r"^[0-9a-f]{64}$")


class IdentityFileError(ShotspecError):
    """A malformed identity file: one E402 diagnostic at the 1-based ``line`` (0: the whole
    file), with a fix. ``reason`` is the bare problem."""

    def __init__(self, path: str, line: int, reason: str, hint: str | None = None):
        self.path, self.line, self.reason = str(path), line, reason
        span = line_span(self.path, line)
        super().__init__(Diagnostic.of("E402", f"malformed identity file `{self.path}`: {reason}",
                                       span=span, file=None if span else self.path, help=hint))


@dataclass(frozen=True)
class IdentitySkin:
    """Skin values matching ``SkinIR``/``ToneIR``; ``pores``/``oil`` only when measured."""

    tone_scale: str = "monk"
    tone: float = 5.0
    albedo_srgb: tuple[float, float, float] = (0.843, 0.741, 0.588)
    undertone: str = "neutral"
    redness: float = 0.1
    freckles: float | None = None     # None: not measured (faces too small)
    pores: float | None = None
    oil: float | None = None


@dataclass(frozen=True)
class Identity:
    """A parsed identity file. ``photos`` are (path relative to ``photos_dir``, sha256)."""

    version: int
    seed: int
    photos_dir: str                       # relative to the identity file's folder (POSIX)
    photos: tuple[tuple[str, str], ...]
    skin: IdentitySkin
    face: dict[str, float] = field(default_factory=dict)
    stats: dict[str, object] = field(default_factory=dict)
    rejected: tuple[tuple[str, str], ...] = ()   # (photo, reason) that the build left out
    path: str | None = None               # where it was read from (absolute), if any
    coefficients: tuple[float, ...] | None = None   # fitted identity coefficients ([shape])
    head_model: str | None = None         # the head model they belong to ("ICT-FaceKit <commit>")
    face_ignored: tuple[str, ...] = ()    # a version-1 file's procedural-head [face] keys

    def photos_root(self) -> Path:
        base = Path(self.path).parent if self.path else Path.cwd()
        return (base / self.photos_dir).resolve()


# ----------------------------------------------------------------------------- colour

_MONK_LAB = srgb_to_lab([hex_to_srgb(h) for h in MONK_SWATCHES])


def monk_position(srgb) -> float:
    """Continuous Monk tone (1–10) of an sRGB colour: its projection onto the polyline through
    the ten published swatches in CIELAB (nearest segment, clamped to the ends)."""
    p = srgb_to_lab(srgb)
    best, best_d = 1.0, math.inf
    for i in range(9):
        a, b = _MONK_LAB[i], _MONK_LAB[i + 1]
        ab = b - a
        t = float(np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0.0, 1.0))
        d = float(np.linalg.norm(a + t * ab - p))
        if d < best_d - 1e-9:
            best, best_d = i + 1 + t, d
    return best


# ----------------------------------------------------------------------------- writing

def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num(x: float) -> str:
    return repr(round(float(x), 4)) if not float(x).is_integer() else f"{float(x):.1f}"


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _num(v)
    if isinstance(v, str):
        return _q(v)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to an identity file")


def rebuild_command(identity_path: str | Path, photos_dir: str | Path) -> str:
    """The command that rebuilds an identity (for help lines), paths as the user sees them."""
    def show(p) -> str:
        try:
            return os.path.relpath(p)
        except ValueError:
            return str(p)
    return f"shot identity build {show(photos_dir)} -o {show(identity_path)}"


def format_identity(identity: Identity) -> str:
    """The file text: header comment, then sorted keys, one value per line."""
    s = identity.skin
    skin = {"tone_scale": s.tone_scale, "tone": float(s.tone), "albedo_srgb": list(s.albedo_srgb),
            "undertone": s.undertone, "redness": float(s.redness)}
    if s.freckles is not None:
        skin["freckles"] = float(s.freckles)
    if s.pores is not None:
        skin["pores"] = float(s.pores)
    if s.oil is not None:
        skin["oil"] = float(s.oil)
    lines = [
        "# shotspec identity: one person's skin and face, measured from reference photos.",
        f"# Rebuild with `shot identity build {identity.photos_dir} -o <this file>` after changing",
        "# a photo. Values set in the .shot file win over the ones here (docs/identity.md).",
        f"format = {_q(FORMAT_NAME)}",
        f"version = {identity.version}",
        f"photos_dir = {_q(identity.photos_dir)}",
        f"seed = {int(identity.seed)}",
        "",
        "[skin]",
    ]
    lines += [f"{k} = {_value(skin[k])}" for k in sorted(skin)]
    if identity.face:
        lines += ["", "[face]"]
        lines += [f"{k} = {_value(float(identity.face[k]))}" for k in sorted(identity.face)]
    if identity.coefficients is not None:
        lines += ["", "[shape]", f"model = {_q(identity.head_model or '')}",
                  f"coefficients = [{', '.join(_num(c) for c in identity.coefficients)}]"]
    lines += ["", "[stats]"]
    lines += [f"{k} = {_value(identity.stats[k])}" for k in sorted(identity.stats)]
    lines += ["", "[photos]"]
    lines += [f"{_q(p)} = {_q(h)}" for p, h in sorted(identity.photos)]
    lines += ["", "[rejected]"]
    lines += [f"{_q(p)} = {_q(r)}" for p, r in sorted(identity.rejected)]
    return "\n".join(lines) + "\n"


def write_identity(path: str | Path, identity: Identity) -> None:
    """Write atomically: a temporary file in the same folder, then ``os.replace``."""
    atomic_write(path, format_identity(identity))


# ----------------------------------------------------------------------------- reading

_SECTIONS = ("skin", "face", "shape", "stats", "photos", "rejected")
_HEADER_KEYS = ("format", "version", "photos_dir", "seed")
_SKIN_KEYS = ("tone_scale", "tone", "albedo_srgb", "undertone", "redness", "freckles", "pores", "oil")


def _parse_string(text: str, i: int, err) -> tuple[str, int]:
    """A basic string starting at ``text[i] == '"'`` → (value, index after the closing quote)."""
    out, i = [], i + 1
    escapes = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
    while i < len(text):
        c = text[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            nxt = text[i + 1: i + 2]
            if nxt in escapes:
                out.append(escapes[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2: i + 6] or ""):
                out.append(chr(int(text[i + 2: i + 6], 16)))
                i += 6
                continue
            err(f"unknown escape `\\{nxt}` in a string", 'write `\\\\` for a backslash')
        out.append(c)
        i += 1
    err("unterminated string", 'close it with `"`')
    raise AssertionError


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _parse_value(text: str, i: int, err):
    """One value (string, number, bool, or a one-line array of those) → (value, next index)."""
    if i >= len(text):
        err("missing value after `=`", "write e.g. `tone = 5.2`")
    c = text[i]
    if c == '"':
        return _parse_string(text, i, err)
    if c == "[":
        items, i = [], i + 1
        while True:
            while i < len(text) and text[i] in " \t":
                i += 1
            if i < len(text) and text[i] == "]":
                return items, i + 1
            value, i = _parse_value(text, i, err)
            if isinstance(value, list):
                err("nested arrays are not allowed", None)
            items.append(value)
            while i < len(text) and text[i] in " \t":
                i += 1
            if i < len(text) and text[i] == ",":
                i += 1
            elif i < len(text) and text[i] == "]":
                continue
            else:
                err("expected `,` or `]` in an array", "arrays stay on one line: `[0.8, 0.7, 0.6]`")
    for word, value in (("true", True), ("false", False)):
        if text.startswith(word, i):
            return value, i + len(word)
    m = _NUMBER.match(text, i)
    if m:
        s = m.group(0)
        return (float(s) if any(ch in s for ch in ".eE") else int(s)), m.end()
    err(f"cannot read the value `{text[i:].strip()}`",
        'strings are quoted ("warm"), numbers plain (0.25), arrays in brackets')
    raise AssertionError


def _parse_lines(text: str, path: str) -> dict[str, dict[str, tuple[object, int]]]:
    """Sections → key → (value, line). The header (before any section) is section ``""``."""
    out: dict[str, dict[str, tuple[object, int]]] = {"": {}}
    section = ""
    for n, raw in enumerate(text.splitlines(), start=1):
        def err(message: str, hint: str | None, n=n):
            raise IdentityFileError(path, n, message, hint)

        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            m = re.fullmatch(r"\[([A-Za-z_]+)\]\s*(#.*)?", line)
            if not m:
                err(f"malformed section header `{line}`", "write e.g. `[skin]`")
            name = m.group(1)
            if name not in _SECTIONS:
                err(f"unknown section `[{name}]`", did_you_mean(name, _SECTIONS))
            if name in out:
                err(f"section `[{name}]` appears twice", "merge the two sections")
            out[name], section = {}, name
            continue
        if line[0] == '"':
            key, i = _parse_string(line, 0, err)
        else:
            m = re.match(r"[A-Za-z0-9_.-]+", line)
            if not m:
                err(f"expected `key = value`, found `{line}`", None)
            key, i = m.group(0), m.end()
        rest = line[i:].lstrip()
        if not rest.startswith("="):
            err(f"expected `=` after `{key}`", f"write `{key} = <value>`")
        rest = rest[1:].lstrip()
        value, j = _parse_value(rest, 0, err)
        tail = rest[j:].strip()
        if tail and not tail.startswith("#"):
            err(f"unexpected text after the value: `{tail}`", "one value per line")
        if key in out[section]:
            where = f"[{section}]" if section else "the header"
            err(f"`{key}` is set twice in {where}", "keep one of the two lines")
        out[section][key] = (value, n)
    return out


def parse_identity(text: str, path: str = "<identity>") -> Identity:
    """Parse identity file text; raises ``IdentityFileError`` with the offending line."""
    data = _parse_lines(text, path)
    last_line = max(1, len(text.splitlines()))

    def need(section: str, key: str, kind, *, lo=None, hi=None, choices=None, required=True):
        entry = data.get(section, {}).get(key)
        where = f"[{section}] " if section else ""
        if entry is None:
            if required:
                raise IdentityFileError(path, last_line, f"missing {where}`{key}`",
                                        "rebuild the file with `shot identity build`")
            return None
        value, line = entry
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise IdentityFileError(path, line, f"{where}`{key}` must be a {kind.__name__}, "
                                    f"not {type(value).__name__}", None)
        if choices is not None and value not in choices:
            raise IdentityFileError(path, line, f"{where}`{key}` is `{value}`",
                                    did_you_mean(str(value), choices))
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise IdentityFileError(path, line, f"{where}`{key}` = {value} is outside {lo}…{hi}", None)
        return value

    face_keys = (*FACE_PARAMS, *FACE_CONTROL_ALIASES)
    for section, allowed in (("", _HEADER_KEYS), ("skin", _SKIN_KEYS), ("face", face_keys),
                             ("shape", ("model", "coefficients"))):
        for key, (_, line) in data.get(section, {}).items():
            if key not in allowed:
                where = f"in [{section}]" if section else "in the header"
                raise IdentityFileError(path, line, f"unknown key `{key}` {where}",
                                        did_you_mean(key, allowed))
    fmt = need("", "format", str)
    if fmt != FORMAT_NAME:
        raise IdentityFileError(path, data[""]["format"][1], f"not an identity file (format `{fmt}`)",
                                f'the first key of an identity file is `format = "{FORMAT_NAME}"`')
    version = need("", "version", int, lo=1)
    if version > FORMAT_VERSION:
        raise IdentityFileError(path, data[""]["version"][1],
                                f"identity format version {version} is newer than this shotspec "
                                f"reads ({FORMAT_VERSION})", "update shotspec or rebuild the file")
    for section in ("skin", "photos"):
        if section not in data:
            raise IdentityFileError(path, last_line, f"missing section `[{section}]`",
                                    "rebuild the file with `shot identity build`")
    scale = need("skin", "tone_scale", str, choices=("monk", "fitzpatrick", "color"))
    hi = {"monk": 10.0, "fitzpatrick": 6.0, "color": 10.0}[scale]
    albedo = need("skin", "albedo_srgb", list)
    a_line = data["skin"]["albedo_srgb"][1]
    if len(albedo) != 3 or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                   and 0.0 <= x <= 1.0 for x in albedo):
        raise IdentityFileError(path, a_line, "`albedo_srgb` must be three numbers in 0…1",
                                "e.g. `albedo_srgb = [0.84, 0.74, 0.59]`")
    skin = IdentitySkin(
        tone_scale=scale, tone=need("skin", "tone", float, lo=0.0, hi=hi),
        albedo_srgb=tuple(float(x) for x in albedo),
        undertone=need("skin", "undertone", str, choices=("warm", "neutral", "cool")),
        redness=need("skin", "redness", float, lo=0.0, hi=1.0),
        freckles=need("skin", "freckles", float, lo=0.0, hi=1.0, required=False),
        pores=need("skin", "pores", float, lo=0.0, hi=1.0, required=False),
        oil=need("skin", "oil", float, lo=0.0, hi=1.0, required=False))
    # face controls in SDs; the procedural head's old names read as the controls they became
    face = {FACE_CONTROL_ALIASES.get(k, k): need("face", k, float, lo=-FACE_SD_LIMIT,
                                                 hi=FACE_SD_LIMIT)
            for k in data.get("face", {})}
    # version 1 described the procedural head's face; the scanned head draws it from the seed
    face_ignored = tuple(sorted(face)) if version < 2 else ()
    face = face if version >= 2 else {}
    coefficients, head_model = _shape_section(data, path, need, last_line)
    photos = []
    for name, (sha, line) in data["photos"].items():
        if not isinstance(sha, str) or not _SHA.match(sha):
            raise IdentityFileError(path, line, f"photo `{name}` has no valid sha256",
                                    "a sha256 is 64 lowercase hex digits; rebuild the file")
        photos.append((name, sha))
    rejected = tuple((k, str(v)) for k, (v, _) in data.get("rejected", {}).items())
    stats = {k: v for k, (v, _) in data.get("stats", {}).items()}
    return Identity(version=version, seed=need("", "seed", int, lo=0, hi=SEED_MAX), photos_dir=need("", "photos_dir", str),
                    photos=tuple(photos), skin=skin, face=face, stats=stats, rejected=rejected,
                    path=None if path.startswith("<") else str(Path(path).resolve()),
                    coefficients=coefficients, head_model=head_model, face_ignored=face_ignored)


def _shape_section(data: dict, path: str, need, last_line: int
                   ) -> tuple[tuple[float, ...] | None, str | None]:
    """The ``[shape]`` section: (coefficients, head model), both None when it is absent."""
    if "shape" not in data:
        return None, None
    model = need("shape", "model", str)
    values = need("shape", "coefficients", list)
    line = data["shape"]["coefficients"][1]
    if not values or not all(isinstance(x, (int, float)) and not isinstance(x, bool)
                             and math.isfinite(x) and abs(x) <= COEFFICIENT_LIMIT for x in values):
        raise IdentityFileError(path, line, "[shape] `coefficients` must be a list of numbers "
                                f"within ±{COEFFICIENT_LIMIT:g}", "rebuild the file with "
                                "`shot identity build`")
    return tuple(float(x) for x in values), model


def packaged_head_model() -> str:
    """The name of the head model this shotspec ships ("ICT-FaceKit <commit>"), the value a
    fitted identity's ``[shape] model`` must have; read from the packaged data's provenance."""
    return _head_model_of(str(HEAD_DATA_FILE))


@functools.lru_cache(maxsize=2)
def _head_model_of(path: str) -> str:
    import json  # noqa: PLC0415

    with np.load(path, allow_pickle=False) as z:
        prov = json.loads(str(z["provenance"][0]))
    return f"{prov.get('kit', 'head')} {prov.get('commit', 'unknown')}"


def load_identity(path: str | Path) -> Identity:
    """Read and parse an identity file (``IdentityFileError`` on any problem, line 0 for I/O)."""
    p = str(path)
    try:
        text = Path(p).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IdentityFileError(p, 0, "identity file not found",
                                "build it with `shot identity build PHOTOS_DIR -o FILE`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IdentityFileError(p, 0, f"cannot read the identity file ({exc})", None) from None
    return parse_identity(text, p)


# ----------------------------------------------------------------------------- checks

def _show(path: str | Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _line_span(path: str, text: str, line: int) -> Span:
    lines = text.splitlines()
    src = lines[line - 1] if 1 <= line <= len(lines) else ""
    indent = len(src) - len(src.lstrip())
    return Span(file=path, line=line, col=indent + 1, end_line=line, end_col=max(len(src), indent + 1) + 1)


def check_identity(path: str, span: Span | None = None) -> list[Diagnostic]:
    """Diagnostics for the identity file at ``path`` (absolute), referenced at ``span``.

    E401 file missing · E402 malformed (span points into the identity file, with a note naming
    ``span``) · E404 a recorded photo is missing · E403 a photo's bytes changed since the build
    · W401 built from fewer than ``RECOMMENDED_PHOTOS`` usable photos. Empty list: all good.
    """
    p = Path(path)
    shown = _show(p)
    if not p.is_file():
        what = "is a folder, not an identity file" if p.is_dir() else "not found"
        return [Diagnostic("E401", "error", f"identity file `{shown}` {what}", span,
                           help=f"build it from reference photos: `shot identity build PHOTOS_DIR "
                                f"-o {shown}`")]
    try:
        ident = load_identity(p)
    except IdentityFileError as exc:
        where, notes = span, ()
        if exc.line > 0:
            text = p.read_text(encoding="utf-8", errors="replace")
            where = _line_span(str(path), text, exc.line)
            if span is not None:
                notes = (f"referenced from {span.file}:{span.line}:{span.col}",)
        return [Diagnostic("E402", "error", f"malformed identity file `{shown}`: {exc.reason}", where,
                           help=exc.hint or f"rebuild it: `shot identity build PHOTOS_DIR -o {shown}`",
                           notes=notes)]
    root = ident.photos_root()
    rebuild = rebuild_command(p, root)
    diags: list[Diagnostic] = []
    if ident.coefficients is not None and ident.head_model != packaged_head_model():
        diags.append(Diagnostic(
            "E407", "error", f"identity `{shown}` was fitted to another head model "
            f"(`{ident.head_model}`); this shotspec ships `{packaged_head_model()}`", span,
            help=f"rebuild the identity for this head: `{rebuild}`"))
    if ident.face_ignored:
        diags.append(Diagnostic(
            "W408", "warning", f"identity `{shown}` was built for the procedural head: its face "
            f"shape ({', '.join(ident.face_ignored)}) is ignored and the face is drawn from the "
            "seed", span, help=f"rebuild it to fit the scanned head to the photos: `{rebuild}`"))
    for name, sha in ident.photos:
        photo = root / name
        if not photo.is_file():
            diags.append(Diagnostic(
                "E404", "error", f"reference photo `{_show(photo)}` of `{shown}` is missing", span,
                help=f"restore the photo, or rebuild the identity without it: `{rebuild}`"))
            continue
        try:
            now = sha256_file_memoised(photo)
        except OSError as exc:
            diags.append(Diagnostic("E404", "error", f"reference photo `{_show(photo)}` of `{shown}` "
                                    f"cannot be read ({exc.strerror})", span,
                                    help=f"fix its permissions, or rebuild: `{rebuild}`"))
            continue
        if now != sha:
            diags.append(Diagnostic(
                "E403", "error", f"reference photo `{_show(photo)}` changed since `{shown}` was built",
                span, help=f"rebuild the identity: `{rebuild}`",
                notes=(f"sha256 recorded {sha[:12]}…, now {now[:12]}…",)))
    if len(ident.photos) < RECOMMENDED_PHOTOS:
        diags.append(Diagnostic(
            "W401", "warning", f"identity `{shown}` was built from {len(ident.photos)} usable photo"
            f"{'s' if len(ident.photos) != 1 else ''}; {RECOMMENDED_PHOTOS} are recommended", span,
            help=f"add well-lit photos (front, three-quarter and profile, soft light) to "
                 f"`{_show(root)}` and rebuild: `{rebuild}`"))
    return diags


# ----------------------------------------------------------------------------- precedence

def _normalise(names: Iterable[str]) -> set[str]:
    out = set()
    for n in names:
        n = n.strip()
        for prefix in ("character.",):
            if n.startswith(prefix):
                n = n[len(prefix):]
        out.add(n)
    return out


def _explicit(name: str, explicit: set[str]) -> bool:
    """``name`` (or a part of it, or a block containing it) was set in the spec."""
    return any(e == name or name.startswith(e + ".") or e.startswith(name + ".") for e in explicit)


def apply_identity(character: CharacterIR, identity: Identity,
                   explicit: Iterable[str] = ()) -> CharacterIR:
    """The character with the identity's skin, face shape and seed filled in.

    Precedence: a value the spec sets explicitly wins over the identity, which wins over the
    defaults (and over seed-drawn face values). ``explicit`` holds dotted IR paths relative to
    the character (``skin.tone.value``, ``skin.redness``, ``face.eye_spacing``, ``seed``; a
    leading ``character.`` is ignored; a block path such as ``skin`` covers all its fields).
    ``skin.tone.*`` is one unit: setting any part of the tone keeps the spec's whole tone
    (scale, value, albedo); ``skin.tone.undertone`` is separate.
    """
    ex = _normalise(explicit)
    s = identity.skin
    skin_update: dict[str, object] = {}
    tone_update: dict[str, object] = {}
    if not any(_explicit(f"skin.tone.{k}", ex) for k in ("scale", "value", "albedo_srgb")):
        tone_update.update(scale=s.tone_scale, value=float(s.tone), albedo_srgb=tuple(s.albedo_srgb))
    if not _explicit("skin.tone.undertone", ex):
        tone_update["undertone"] = s.undertone
    if tone_update:
        skin_update["tone"] = character.skin.tone.model_copy(update=tone_update)
    for key in ("redness", "freckles", "pores", "oil"):
        value = getattr(s, key)
        if value is not None and not _explicit(f"skin.{key}", ex):
            skin_update[key] = float(value)
    face_update = {k: float(v) for k, v in identity.face.items()
                   if k in FACE_PARAMS and not _explicit(f"face.{k}", ex)}
    update: dict[str, object] = {}
    if skin_update:
        update["skin"] = character.skin.model_copy(update=skin_update)
    if face_update:
        update["face"] = character.face.model_copy(update=face_update)
    if not _explicit("seed", ex):
        update["seed"] = int(identity.seed)
    return character.model_copy(update=update)


# ----------------------------------------------------------------------------- lints

def _tone_position(tone: ToneIR) -> float:
    if tone.scale == "monk":
        return float(tone.value)
    if tone.scale == "fitzpatrick":
        return 0.5 + 1.5 * float(tone.value)
    return monk_position(tone.albedo_srgb)


def _identity_tone(skin: IdentitySkin) -> float:
    return _tone_position(ToneIR(scale=skin.tone_scale, value=skin.tone, albedo_srgb=skin.albedo_srgb))


def _key_light(shot: ShotIR) -> LightIR | None:
    lights = [l for l in shot.lights if l.kind != "environment"]
    keyed = [l for l in lights if l.key]
    if keyed:
        return keyed[0]
    return max(lights, key=lambda l: l.intensity, default=None)


def _temperature(light: LightIR) -> float | None:
    """The key's colour temperature; a colour-only light gets McCamy's CCT of its chromaticity."""
    if light.color is None:
        return None if light.temperature_k is None else float(light.temperature_k)
    r, g, b = light.color
    X, Y, Z = (m[0] * r + m[1] * g + m[2] * b for m in SRGB_TO_XYZ)
    s = X + Y + Z
    if s <= 0:
        return None
    x, y = X / s, Y / s
    if abs(0.1858 - y) < 1e-9:
        return None
    n = (x - 0.3320) / (0.1858 - y)
    return float(449.0 * n ** 3 + 3525.0 * n ** 2 + 6823.3 * n + 5520.33)


_LOADED: dict[tuple[str, str | None], Identity | None] = {}


def _load_quiet(character: CharacterIR) -> Identity | None:
    key = (str(character.identity), character.identity_sha256)
    if key not in _LOADED:
        try:
            _LOADED[key] = load_identity(character.identity)
        except IdentityFileError:
            _LOADED[key] = None          # check_identity reports it (E401/E402)
    return _LOADED[key]


def _side(azimuth_rad: float) -> str:
    return "camera-right" if azimuth_rad > 0 else "camera-left"


def identity_lints(program: ProgramIR, *, lighting: bool = True) -> list[Diagnostic]:
    """Consistency lints across the shots of each character that has an identity.

    W402: a shot's effective skin tone is more than ``TONE_DRIFT_MONK`` Monk steps from the
    identity's (an explicit ``tone`` overriding the identity). With ``lighting``: W403 key light
    temperatures of two shots of the character differ by more than ``TEMPERATURE_DRIFT_K``;
    W404 the key lights the other side of the face (camera-relative azimuth changes sign, both
    keys beyond ±``SIDE_MIN_AZIMUTH_DEG``). Shots are compared with the character's first shot
    that has a key light. Pass ``lighting=False`` where W104/W105 already cover all characters.
    """
    groups: dict[str, list[ShotIR]] = {}
    for shot in program.shots:
        ch = shot.character
        if ch is not None and ch.identity:
            groups.setdefault(ch.name, []).append(shot)
    diags: list[Diagnostic] = []
    for name, shots in groups.items():
        ident = _load_quiet(shots[0].character)
        if ident is not None:
            want = _identity_tone(ident.skin)
            seen: dict[tuple, list[str]] = {}
            for shot in shots:
                tone = shot.character.skin.tone
                got = _tone_position(tone)
                if abs(got - want) > TONE_DRIFT_MONK:
                    span = tone.span or shot.character.skin.span or shot.character.span or shot.span
                    seen.setdefault((round(got, 2), span), []).append(shot.name)
            for (got, span), names in seen.items():
                listed = ", ".join(f"`{n}`" for n in names)
                diags.append(Diagnostic(
                    "W402", "warning",
                    f"`{name}`'s skin tone is Monk {got:.1f} in shot{'s' if len(names) > 1 else ''} "
                    f"{listed}, but identity `{_show(shots[0].character.identity)}` measured Monk "
                    f"{want:.1f}", span,
                    help="remove the explicit `tone` so the identity's applies, or rebuild the "
                         "identity if the person's skin really changed"))
        if not lighting or len(shots) < 2:
            continue
        ref = next((s for s in shots if _key_light(s) is not None), None)
        if ref is None:
            continue
        ref_key = _key_light(ref)
        ref_t = _temperature(ref_key)
        for shot in shots:
            key = _key_light(shot)
            if shot is ref or key is None:
                continue
            span = key.span or shot.span
            t = _temperature(key)
            if ref_t is not None and t is not None and abs(t - ref_t) > TEMPERATURE_DRIFT_K:
                diags.append(Diagnostic(
                    "W403", "warning",
                    f"key light of shot `{shot.name}` is {t:.0f} K but shot `{ref.name}` of the "
                    f"same character `{name}` is {ref_t:.0f} K ({abs(t - ref_t):.0f} K apart)", span,
                    help=f"keep the key temperatures of `{name}`'s shots within "
                         f"{TEMPERATURE_DRIFT_K:.0f} K so the skin reads the same in every shot"))
            lim = math.radians(SIDE_MIN_AZIMUTH_DEG)
            a, b = ref_key.azimuth_rad, key.azimuth_rad
            if abs(a) >= lim and abs(b) >= lim and (a > 0) != (b > 0):
                diags.append(Diagnostic(
                    "W404", "warning",
                    f"key light of shot `{shot.name}` comes from {_side(b)} "
                    f"({math.degrees(b):+.0f}°) but in shot `{ref.name}` of `{name}` from "
                    f"{_side(a)} ({math.degrees(a):+.0f}°)", span,
                    help="light the same side of the face in every shot of a character "
                         "(mirror the azimuth), unless the flip is intended"))
    return diags
