"""One render session: compile → plan → execute, with a cache that lives across renders.

``shot render`` uses one session once; ``shot watch`` keeps one alive so each save recomputes
only the plan nodes whose content keys changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shotspec import __version__
from shotspec.compiler import CompileResult
from shotspec.diagnostics import Diagnostic, did_you_mean
from shotspec.file_hash import sha256_file
from shotspec.image_formats import OUTPUT_SUFFIX_HINT, VIDEO_FORMATS, output_format

__all__ = ["RenderSession", "BuildResult", "provenance_for", "unknown_shot",
           "unknown_output_format"]


def unknown_shot(name: str, names: list[str], spec) -> Diagnostic:
    """E601: ``--shot NAME`` names no shot of the file (with did-you-mean)."""
    return Diagnostic.of("E601", f"no shot named `{name}` in {spec}",
                         help=did_you_mean(name, names, "shots in this file")
                         or "this file defines no shot")


def unknown_output_format(path: str, *, video: bool = False) -> Diagnostic | None:
    """E605 when a command-line output path's suffix names no image format we write (nor a
    video format, where ``video``: `shot render` of a sequence)."""
    fmt = output_format(path)
    if fmt is not None and (video or fmt not in VIDEO_FORMATS):
        return None
    more = " (a sequence also .mp4 or .mov)" if video else ""
    return Diagnostic.of("E605", f"cannot tell the image format of `{path}`",
                         help=f"use a {OUTPUT_SUFFIX_HINT} file name{more}")


@dataclass
class BuildResult(CompileResult):
    """A compile result, then its plan and, once rendered, the run report. Planning and runtime
    problems join ``diagnostics``, so ``ok`` means the same as for a compile: no errors."""

    plan: object | None = None
    report: object | None = None      # RunReport when rendered


def earlier_frames_text(frames) -> str:
    """A plate sequence's earlier frames (ShotIRs) as provenance text: their JSON list,
    zlib-compressed (consecutive frames differ in a few values), base64."""
    import base64
    import json
    import zlib

    data = json.dumps([f.model_dump(mode="json", exclude={"origins"}) for f in frames])
    return base64.b64encode(zlib.compress(data.encode(), 9)).decode()


def earlier_frames_of(text: str) -> list:
    """The inverse of :func:`earlier_frames_text`: the frames as validated ShotIRs."""
    import base64
    import json
    import zlib

    from shotspec.compiler.ir import ShotIR

    return [ShotIR.model_validate(f) for f in json.loads(zlib.decompress(base64.b64decode(text)))]


def provenance_for(program, plan, shot_name: str, spec_text: str,
                   overrides: list[str] | tuple[str, ...] = ()) -> dict[str, str]:
    """The text chunks embedded in a shot's output: enough to re-render it with no spec at hand
    (``shotspec:ir`` is the fully resolved shot, ``--set`` overrides included). A frame of a
    sequence records its own still shot as ``shotspec:ir`` (what ``render --from`` renders) and
    the sequence as ``shotspec:sequence``: the shot at frame 0 with its duration, fps and
    keyframes (``tracks``) but not the per-frame shots, which the keyframes give back
    (``shot info --spec`` writes it out; one more shot IR, not one per frame)."""
    from shotspec.compiler.plan import parse_output_key

    name, frame = parse_output_key(shot_name)
    shot = next(s for s in program.shots if s.name == name)
    extra = {"shotspec:overrides": "\n".join(overrides)} if overrides else {}
    if frame is not None:           # a frame of a sequence: its own still shot
        from shotspec.compiler.timecode import fps_fraction
        from shotspec.compiler.timeline import frame_timecode

        extra["shotspec:frames"] = str(len(shot.frames))
        if frame and any(n.op == "skin_track" for n in plan.nodes.values() if name in
                         {parse_output_key(s)[0] for s in n.shots}):
            # the enhancer's texture coordinates come from the frames before (skin_track)
            extra["shotspec:earlier_frames"] = earlier_frames_text(shot.frames[:frame])
        if shot.duration_frames is not None:
            extra["shotspec:sequence"] = shot.model_dump_json(exclude={"origins", "frames"})
        # an editor's and a compositor's tools read these (EXR: timeCode, framesPerSecond)
        extra["timecode"] = frame_timecode(shot, frame)
        extra["frame_rate"] = str(fps_fraction(shot.fps))
        shot = shot.frames[frame]
        extra["shotspec:frame"] = str(frame)
    return {**extra,
        "shotspec:version": __version__,
        "shotspec:shot": name,
        "shotspec:plan": plan.nodes[plan.outputs[shot_name]].key,
        "shotspec:spec": spec_text,
        "shotspec:ir": shot.model_dump_json(exclude={"origins"}),
        "shotspec:file": program.file,
    }


class RenderSession:
    def __init__(self, spec: str | os.PathLike, *, overrides=(), allow=(), shots=None,
                 output: str | None = None, device: str = "auto", cache_dir: str | None = None,
                 on_event=None):
        from shotspec.runtime.cache import FrameCache
        from shotspec.runtime.executor import Executor

        self.spec = Path(spec)
        self.overrides = list(overrides)
        self.allow = list(allow)
        self.shots = list(shots) if shots else None
        self.output = output
        self.skipped: list[str] = []      # sequence frames the last render found on disk
        self.videos: dict[str, str] = {}  # shot -> video file the last render encoded
        self.executor = Executor(device=device, cache=FrameCache(disk_dir=cache_dir), on_event=on_event)

    def compile(self) -> BuildResult:
        from shotspec.compiler import compile_file

        result = compile_file(self.spec, overrides=self.overrides, allow=self.allow,
                              check_outputs=not self.output)
        build = BuildResult(result.program, list(result.diagnostics), dict(result.sources),
                            tuple(result.dependencies))
        if not result.ok:
            return build
        return self._plan(build)

    def _plan(self, build: BuildResult) -> BuildResult:
        from shotspec.compiler.plan import build_plan

        names = [s.name for s in build.program.shots]
        if self.shots:
            unknown = [s for s in self.shots if s not in names]
            if unknown:
                build.diagnostics.append(unknown_shot(unknown[0], names, self.spec))
                return build
        if not names:
            build.diagnostics.append(Diagnostic.of("E602", f"{self.spec} defines no `shot` to render",
                                                   file=str(self.spec),
                                                   help="add a `shot NAME { … }` block"))
            return build
        if self.output and (bad := unknown_output_format(self.output, video=True)) is not None:
            build.diagnostics.append(bad)
            return build
        if self.output and output_format(self.output) in VIDEO_FORMATS:
            still = [s.name for s in build.program.shots
                     if not s.frames and (not self.shots or s.name in self.shots)]
            if still:
                build.diagnostics.append(Diagnostic.of(
                    "E236", f"-o {self.output}: a video needs a sequence, and shot `{still[0]}` "
                    "has no `duration`", help="write an image (.png, .exr), or give the shot a "
                                              "`duration`"))
                return build
        build.plan = build_plan(build.program, self.shots)
        if self.output:     # the spec's own outputs were checked by the compile
            build.diagnostics.extend(self._redirected_output_problems(build))
        return build

    def _redirected_output_problems(self, build: BuildResult) -> list:
        """``-o`` paths get the checks the compiler gives a spec's own outputs (not an input,
        writable folder, a format the installed packages can write): E603 / E523."""
        from shotspec.compiler.diagnostics import DiagnosticSink
        from shotspec.compiler.file_checks import check_output_path

        sink = DiagnosticSink()
        inputs = [str(self.spec), *build.dependencies]
        for shot, path in self.output_paths(build).items():
            fmt = output_format(path) or ""
            check_output_path(path, fmt, inputs, sink, None, f"shot `{shot}` (-o {self.output})")
        return sink.items

    def output_paths(self, build: BuildResult) -> dict[str, str]:
        """``-o``: one shot → that file; several → the name gets ``-SHOT`` before its suffix."""
        if not self.output:
            return {}
        from shotspec.compiler.plan import frame_file, parse_output_key

        keys = list(build.plan.outputs)
        shots = list(dict.fromkeys(parse_output_key(k)[0] for k in keys))
        out = Path(self.output).resolve()
        paths = {s: str(out) if len(shots) == 1 else str(out.with_name(f"{out.stem}-{s}{out.suffix}"))
                 for s in shots}
        n_frames = {s: sum(1 for k in keys if parse_output_key(k)[0] == s) for s in shots}
        result = {}
        for key in keys:            # a sequence's frames: `-o x.png` → x.0000.png, x.0001.png …
            shot, frame = parse_output_key(key)
            first = build.plan.nodes[build.plan.outputs[key]].params.output.first_frame
            result[key] = (paths[shot] if frame is None else
                           frame_file(paths[shot], frame + first, n_frames[shot] + first))
        return result

    def frames_on_disk(self, build: BuildResult) -> list[str]:
        """Output keys of sequence frames already written with this plan's key (resume): the
        file exists and its provenance names the frame's output-node key."""
        from shotspec.compiler.plan import parse_output_key
        from shotspec.runtime.io.sequence import written_with_key

        paths = self.output_paths(build)
        done = []
        for key, nid in build.plan.outputs.items():
            if parse_output_key(key)[1] is None:
                continue
            node = build.plan.nodes[nid]
            if written_with_key(paths.get(key, node.params.output.path), node.key):
                done.append(key)
        return done

    def render(self, build: BuildResult | None = None) -> BuildResult:
        """Compile (unless given a build), then execute; errors come back as values (the
        runtime's diagnostics join the compile's)."""
        from shotspec.diagnostics import ShotspecError

        build = build or self.compile()
        if not build.ok:
            return build
        spec_text = build.sources.get(str(self.spec.resolve()), build.sources.get(str(self.spec), ""))
        try:
            from shotspec.compiler import format_source

            formatted, _ = format_source(spec_text, str(self.spec))
            spec_text = formatted or spec_text
        except Exception:  # noqa: BLE001 - provenance falls back to the source as written
            pass
        from shotspec.compiler.plan import subplan

        done = set(self.frames_on_disk(build))
        plan = build.plan
        if done:
            plan = subplan(plan, [k for k in plan.outputs if k not in done])
        self.skipped = sorted(done)
        provenance = {s: provenance_for(build.program, build.plan, s, spec_text, self.overrides)
                      for s in plan.outputs}
        try:
            build.report = self.executor.run(plan, provenance=provenance,
                                             output_paths=self.output_paths(build))
            self.videos = self.encode_videos(build)
        except ShotspecError as err:
            build.diagnostics.extend(err.diagnostics)
        return build

    def video_outputs(self, build: BuildResult) -> dict[str, tuple[str, list[str]]]:
        """shot → (video file, its frame files in order) for each sequence written as video."""
        from shotspec.compiler.plan import parse_output_key, shot_frames

        paths = self.output_paths(build)
        out = {}
        for shot in build.program.shots:
            keys = shot_frames(build.plan, shot.name) if shot.frames else []
            if not keys:
                continue
            target = shot.output.path
            if self.output:
                target = str(Path(self.output).resolve()) if len(build.program.shots) == 1 else \
                    paths[keys[0]].rsplit(".frames/", 1)[0] + Path(self.output).suffix
            if output_format(target) not in VIDEO_FORMATS:
                continue
            frames = [paths.get(k, build.plan.nodes[build.plan.outputs[k]].params.output.path)
                      for k in keys]
            out[parse_output_key(keys[0])[0]] = (target, frames)
        return out

    def encode_videos(self, build: BuildResult) -> dict[str, str]:
        """Encode every video output from its frames (rendered now or kept from disk)."""
        from shotspec.compiler.timeline import start_timecode
        from shotspec.plate_sequences import is_video
        from shotspec.runtime.io.video import codec_of, encode_video

        written = {}
        shots = {s.name: s for s in build.program.shots}
        for name, (target, frames) in self.video_outputs(build).items():
            shot = shots[name]
            written[name] = encode_video(
                frames, target, fps=shot.fps, codec=codec_of(target, shot.output.codec),
                colorspace=shot.output.colorspace,
                audio_from=shot.source.plate if is_video(shot.source.plate) else None,
                timecode=start_timecode(shot),
                metadata={"comment": f"shotspec {__version__}: shot {name}, "
                                     f"{len(frames)} frames at {shot.fps:.5g} fps"})
        return written


def file_digest(path: str) -> str | None:
    """sha256 of a file's bytes, or None when it does not exist / cannot be read."""
    try:
        return sha256_file(path)
    except OSError:
        return None
