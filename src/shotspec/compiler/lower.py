"""Layered settings → IR models: defaults, the key-light rule, light intensities, output
format, file hashes and ``origins``.

Key-light rule: a light marked ``key`` (at most one); else the light named ``key``; else the
first light. Intensities: the key is 1.0, or 2^stops when it sets stops itself; another light's
``stops`` and ``ratio a:b`` are relative to the key (``ratio 1:4`` → key × 0.25); a plain number
is linear on the same scale.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from shotspec.compiler.diagnostics import DiagnosticSink, nul_in_path
from shotspec.compiler.ir import (CameraIR, CharacterIR, LightIR, OutputIR, ShotIR, SourceIR,
                                  Span)
from shotspec.compiler.ir import PASS_MODELS
from shotspec.compiler.state import Setting, State
from shotspec.diagnostics import did_you_mean
from shotspec.file_hash import sha256_file
from shotspec.plate_sequences import frame_source, is_sequence, sequence_files
from shotspec.image_formats import (CONVERT_HINT, FORMAT_BY_SUFFIX, OUTPUT_SUFFIX_HINT,
                                    VIDEO_BY_SUFFIX, VIDEO_FORMATS,
                                    describe_unreadable, is_readable_image, unreadable_images)

__all__ = ["Lowerer", "DEFAULT_LIGHT", "unflatten"]

# a video's depth is its frames' (PNG): 8 for H.264 (8-bit 4:2:0), 16 for ProRes (10-bit)
DEFAULT_BIT_DEPTH = {"png": 8, "jpeg": 8, "tiff": 16, "exr": 32, "mp4": 8, "mov": 16}
# The rig a shot gets when nothing defines a light: one soft key, camera-right and above.
DEFAULT_LIGHT = {"kind": "area", "azimuth_rad": math.radians(35.0),
                 "elevation_rad": math.radians(25.0), "distance_m": 1.2, "size_m": 0.6,
                 "temperature_k": 5600.0}
DEFAULT_ORIGIN = "<builtin> (default)"
# A plate is a photograph: it already went through a lens. Lens effects it gets only when stated.
PLATE_LENS_DEFAULTS = {"vignetting": 0.0}
PLATE_DEFAULT_ORIGIN = "<builtin> (plate default: a photograph has its own lens)"


def unflatten(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in values.items():
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _sub(state: State, prefix: str) -> dict[str, Setting]:
    return {k[len(prefix):]: s for k, s in state.values.items() if k.startswith(prefix)}


@dataclass
class Lowerer:
    sink: DiagnosticSink
    dependencies: list[str] = field(default_factory=list)
    _hashes: dict[str, str | None] = field(default_factory=dict)

    # ------------------------------------------------------------------ files
    def depend(self, path: str) -> None:
        path = os.path.abspath(path)
        if path not in self.dependencies:
            self.dependencies.append(path)

    def file_hash(self, path: str, setting: Setting, what: str) -> str | None:
        """sha256 of a file that must exist (E301 / E303 otherwise)."""
        self.depend(path)
        if path in self._hashes:
            return self._hashes[path]
        digest = None
        if not os.path.exists(path):
            folder = os.path.dirname(path)
            hint = None
            if os.path.isdir(folder):
                files = [f for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f))]
                hint = did_you_mean(os.path.basename(path), files, list_max=0)
            self.sink.add("E301", f"{what} `{path}` does not exist", setting.span,
                          help=hint or "paths are relative to the file they are written in")
        elif os.path.isdir(path):
            self.sink.add("E303", f"{what} `{path}` is a folder, not a file", setting.span)
        else:
            try:
                digest = sha256_file(path)
            except OSError as err:
                self.sink.add("E303", f"cannot read {what} `{path}`: {err.strerror}", setting.span)
        self._hashes[path] = digest
        return digest

    def reference_photos(self, path: str, setting: Setting) -> list[str] | None:
        self.depend(path)
        if not os.path.exists(path):
            self.sink.add("E301", f"references folder `{path}` does not exist", setting.span,
                          help="point `references` at a folder of ~20 photos of the person")
            return None
        if not os.path.isdir(path):
            self.sink.add("E304", f"references `{path}` is a file, not a folder", setting.span,
                          help="`references` takes a folder of photos")
            return None
        names = sorted(os.listdir(path))
        photos = [os.path.join(path, n) for n in names if is_readable_image(n)]
        unreadable = unreadable_images(names)
        if unreadable:
            self.sink.add("W107", f"`{path}` holds {describe_unreadable(unreadable)}; they do not "
                          "count as reference photos", setting.span, help=CONVERT_HINT)
        for p in photos:
            self.depend(p)
        return photos

    # ------------------------------------------------------------------ models
    def build(self, model: type[BaseModel], settings: dict[str, Setting], span: Span | None,
              extra: dict[str, Any] | None = None, fallback: Span | None = None):
        data = unflatten({k: s.value for k, s in settings.items()})
        data.update(extra or {})
        try:
            return model(span=span, **data)
        except ValidationError as err:
            for e in err.errors():
                loc = ".".join(str(x) for x in e["loc"])
                setting = settings.get(loc)
                where = setting.span if setting else (span or fallback)
                self.sink.add("E203", f"`{loc}` is invalid: {e['msg']}", where)
            return None

    def character(self, state: State, prefix: str, span: Span | None) -> CharacterIR | None:
        settings = _sub(state, prefix)
        refs = settings.get("references")
        if refs is not None and refs.value:
            self.reference_photos(refs.value, refs)
        extra = {}
        ident = settings.get("identity")
        if ident is not None and ident.value:
            # A missing or malformed identity file is reported by the identity check (E401/E402),
            # with a help line that says how to build it.
            self.depend(ident.value)
            if os.path.isfile(ident.value):
                extra["identity_sha256"] = self.file_hash(ident.value, ident, "identity file")
        for key in ("mesh", "texture"):
            s = settings.get(key)
            if s is not None and s.value:
                self.file_hash(s.value, s, f"{key} file")
        return self.build(CharacterIR, settings, span, extra)

    def lights(self, state: State) -> tuple[list[LightIR], dict[str, Setting]]:
        names = list(state.lights)
        origins: dict[str, Setting] = {}
        if not names:
            return [LightIR(name="key", key=True, **DEFAULT_LIGHT)], origins
        marked = [n for n in names if state.get(f"lights.{n}.key") is True]
        if len(marked) > 1:
            s = state.setting(f"lights.{marked[1]}.key")
            self.sink.add("E111", f"lights `{marked[0]}` and `{marked[1]}` are both marked `key`",
                          s.span if s else None, help="a rig has exactly one key light")
        key = marked[0] if marked else ("key" if "key" in names else names[0])
        key_int = state.get(f"lights.{key}.intensity")
        key_value = 1.0
        if key_int is not None:
            mode, v = key_int
            key_value = 2.0 ** v if mode == "stops" else (v if mode == "linear" else 1.0)
        out: list[LightIR] = []
        for name in names:
            settings = _sub(state, f"lights.{name}.")
            intensity = settings.pop("intensity", None)
            settings.pop("key", None)
            if name == key:
                value = key_value
            elif intensity is None:
                value = key_value
            else:
                mode, v = intensity.value
                # (not a dict of all three: 2.0 ** v overflows for a linear value ≥ 1024)
                value = (key_value * 2.0 ** v if mode == "stops"
                         else key_value * v if mode == "ratio" else v)
            if intensity is not None:
                origins[f"lights.{name}.intensity"] = intensity
            extra = {"name": name, "key": name == key, "intensity": value}
            img = settings.get("image")
            if img is not None and img.value:
                self.file_hash(img.value, img, "environment image")
            if "kind" not in settings:
                continue
            light = self.build(LightIR, settings, state.nodes.get(f"lights.{name}"), extra)
            if light is not None:
                out.append(light)
        return out, origins

    def source(self, state: State) -> SourceIR | None:
        settings = _sub(state, "source.")
        extra = {}
        frame = int(settings["plate_frame"].value) if "plate_frame" in settings else 0
        for key in ("plate", "depth", "mask"):
            s = settings.get(key)
            if s is not None and s.value and is_sequence(s.value):
                # an image sequence: this frame's file (frame 0 for the still shot)
                path = frame_source(s.value, frame)
                if path is None:
                    n = len(sequence_files(s.value))
                    self.sink.add("E301", f"{key} sequence `{s.value}` has "
                                  + (f"no frame {frame} (it has {n})" if n else "no files"),
                                  s.span, help="`####` stands for the frame number's digits; "
                                               "paths are relative to the file they are in")
                    continue
                settings[key] = s = Setting(path, s.span, s.layer)
            if s is not None and s.value:
                extra[f"{key}_sha256"] = self.file_hash(s.value, s, f"{key} image")
        return self.build(SourceIR, settings, state.nodes.get("source"), extra)

    def finish(self, state: State) -> list:
        passes = []
        for op in state.finish:
            settings = _sub(state, f"finish.{op}.")
            extra = {}
            if op == "grade":
                lut = settings.get("lut")
                if lut is None:
                    node = state.nodes.get("finish.grade")
                    if not _error_within(self.sink, node):      # (a path that failed said why)
                        self.sink.add("E210", "`grade` needs a LUT file: `grade \"look.cube\"`", node)
                    continue
                extra["lut_sha256"] = self.file_hash(lut.value, lut, "LUT") or ""
                if extra["lut_sha256"]:
                    self.sink.items.extend(_checked_cube(lut.value, extra["lut_sha256"], lut.span))
            if op == "cdl" and settings.get("file") is not None:
                grade = settings["file"]
                extra["file_sha256"] = self.file_hash(grade.value, grade, "CDL file") or ""
            p = self.build(PASS_MODELS[op], settings, state.nodes.get(f"finish.{op}"), extra)
            if p is not None:
                passes.append(p)
        return passes

    def output(self, state: State, shot: str, spec_dir: str, span: Span | None) -> OutputIR | None:
        settings = _sub(state, "output.")
        extra: dict[str, Any] = {}
        if "path" not in settings:
            extra["path"] = os.path.join(spec_dir, "renders", f"{shot}.png")
        path = settings["path"].value if "path" in settings else extra["path"]
        if nul_in_path(self.sink, path, "output", settings["path"].span if "path" in settings else span):
            return None
        if "format" not in settings:
            suffix = os.path.splitext(path)[1].lower()
            fmt = FORMAT_BY_SUFFIX.get(suffix) or VIDEO_BY_SUFFIX.get(suffix)
            if fmt is None:
                s = settings.get("path")
                self.sink.add("E202", f"cannot tell the image format from `{suffix or path}`",
                              s.span if s else span,
                              help=f"use {OUTPUT_SUFFIX_HINT}, or set `format png`")
                return None
            extra["format"] = fmt
        fmt = settings["format"].value if "format" in settings else extra["format"]
        if "bit_depth" not in settings:
            extra["bit_depth"] = DEFAULT_BIT_DEPTH[fmt]
        if fmt in VIDEO_FORMATS and "colorspace" not in settings:
            extra["colorspace"] = "rec709"         # video is BT.709 (docs/motion.md)
        config = settings.get("config")
        if config is not None and not config.value.startswith("ocio://"):
            extra["config_sha256"] = self.file_hash(config.value, config, "colour config") or ""
        lut = settings.get("lut")
        if lut is not None:
            extra["lut_sha256"] = self.file_hash(lut.value, lut, "display LUT") or ""
            if extra["lut_sha256"]:
                self.sink.items.extend(_checked_cube(lut.value, extra["lut_sha256"], lut.span))
        return self.build(OutputIR, settings, state.nodes.get("output", span), extra, span)

    def shot(self, name: str, state: State, span: Span, spec_dir: str,
             characters: dict[str, CharacterIR]) -> ShotIR | None:
        character = None
        if state.get("character.name") is not None:
            character = self.character(state, "character.", state.nodes.get("character"))
        cam_settings = _sub(state, "camera.")
        camera = self.build(CameraIR, cam_settings, state.nodes.get("camera"))
        lights, light_origins = self.lights(state)
        source = self.source(state)
        finish = self.finish(state)
        output = self.output(state, name, spec_dir, span)
        seed = state.get("seed", 0)
        if camera is None or source is None or output is None:
            return None
        # a CDL grades in the output's colour config, from its working space
        finish = [p.model_copy(update={"config": output.config, "working": output.working})
                  if p.op == "cdl" else p for p in finish]
        if source.colorspace is not None:       # a plate converted from its colour space
            source = source.model_copy(update={"config": output.config,
                                               "working": output.working})
        origins = {k: s.origin for k, s in state.values.items()}
        origins.update({k: s.origin for k, s in light_origins.items()})
        if source.kind == "plate":
            unset = {k: v for k, v in PLATE_LENS_DEFAULTS.items() if k not in cam_settings}
            camera = camera.model_copy(update=unset)
            origins.update({f"camera.{k}": PLATE_DEFAULT_ORIGIN for k in unset})
        shot = ShotIR(name=name, span=span, character=character, camera=camera,
                      lights=tuple(lights), source=source, finish=tuple(finish), output=output,
                      seed=seed)
        # (a leaf set per entry, like the expression's shapes, has origins of its entries)
        parents = {k.rsplit(".", 1)[0] for k in origins if "." in k}
        for path in _leaf_paths(shot):
            if path not in parents:
                origins.setdefault(path, DEFAULT_ORIGIN)
        return shot.model_copy(update={"origins": dict(sorted(origins.items()))})


def _leaf_paths(shot: ShotIR) -> list[str]:
    """Every leaf value's dotted path (lights by name, passes by op), spans excluded."""
    out: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("span", "origins"):
                    continue
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            out.append(prefix)

    data = shot.model_dump()
    for key, value in data.items():
        if key == "lights":
            for light in value:
                walk(f"lights.{light['name']}", {k: v for k, v in light.items() if k != "name"})
        elif key == "finish":
            for p in value:
                walk(f"finish.{p['op']}", {k: v for k, v in p.items() if k != "op"})
        elif key not in ("span", "origins", "name"):
            walk(key, value)
    return out


_CUBE_CHECKS: dict[tuple, list] = {}


def _checked_cube(path: str, sha256: str, span) -> list:
    """E510 diagnostics of a LUT, remembered by content hash (watch mode re-compiles often)."""
    key = (path, sha256, span)
    if key not in _CUBE_CHECKS:
        from shotspec.compiler.cube_file import check_cube

        _CUBE_CHECKS[key] = check_cube(path, span)
    return [d for d in _CUBE_CHECKS[key]]


def _error_within(sink: DiagnosticSink, span: Span | None) -> bool:
    """Whether an error was already reported inside ``span`` (a statement that failed to read)."""
    if span is None:
        return False
    start, end = (span.line, span.col), (span.end_line, span.end_col)
    return any(d.is_error and d.span is not None and d.span.file == span.file
               and start <= (d.span.line, d.span.col) and (d.span.end_line, d.span.end_col) <= end
               for d in sink.items)
