"""`shot info IMAGE --spec`: the self-contained spec of a rendered image, from its provenance.

The image records the fully resolved shot (``shotspec:ir``, ``--set`` overrides included);
``shotspec.compiler.emit`` writes it back as one .shot file with every value explicit and no
imports, so it compiles (and renders the same pixels) anywhere its absolute paths exist; its
output goes to ``renders/NAME`` beside the emitted file, never over the original.

A frame of a sequence also records the sequence (``shotspec:sequence``: the shot at frame 0
with its ``duration``, ``fps`` and keyframe tracks) and its frame number (``shotspec:frame``):
the spec given back is the sequence, every keyframed statement written in its block with its
keys as they were written (``distance 0.9m @ 0f -> 0.75m @ 48f ease in_out``), and it is
checked before it is printed: compiled again, its tracks and its frame N must equal the
recorded ones. An image from before ``shotspec:sequence`` existed gives the frame as a still
shot, with a note.

An image whose IR this version cannot read (or that has none) gives its recorded main spec file
(``shotspec:spec``), with a note saying what that lacks.
"""

from __future__ import annotations

import os

__all__ = ["spec_of_image", "keyframed_text", "key_text"]

_EASE_TEXT = {"linear": "", "in": " ease in", "out": " ease out", "in_out": " ease in_out",
              "hold": " hold"}


def spec_of_image(info: dict[str, str], image: str) -> tuple[str, str | None]:
    """The spec text for an image's provenance ``info`` and a note for stderr: when the image
    records no IR this version can read (an older or newer shotspec wrote it), the text is the
    recorded main spec file and the note says what it lacks."""
    from pydantic import ValidationError

    from shotspec.compiler.ir import ShotIR

    overrides = info.get("shotspec:overrides", "").splitlines()
    written_by = info.get("shotspec:version", "?")
    try:
        shot = ShotIR.model_validate_json(info["shotspec:ir"])
    except (KeyError, ValidationError) as exc:
        why = ("records no shot IR" if isinstance(exc, KeyError) else
               f"records a shot IR this version cannot read (written by {written_by})")
        note = (f"{image} {why}: this is its main spec file as written, without its imports"
                + (" and these overrides: " + " ".join(f"--set {o}" for o in overrides)
                   if overrides else ""))
        return info.get("shotspec:spec", ""), note
    frame = int(info["shotspec:frame"]) if info.get("shotspec:frame", "").isdigit() else None
    if frame is not None:
        try:
            sequence = ShotIR.model_validate_json(info["shotspec:sequence"])
        except (KeyError, ValidationError) as exc:
            why = ("records only this frame's values (it was written before images recorded "
                   "their sequence)" if isinstance(exc, KeyError) else
                   f"records a sequence this version cannot read (written by {written_by})")
            note = f"{image} is frame {frame} of `{shot.name}` but {why}: this is that frame as a still shot"
            return _emitted(shot, image, written_by, overrides), note
        return _sequence_spec(sequence, shot, frame, image, written_by, overrides)
    return _emitted(shot, image, written_by, overrides), None


def _beside(shot):
    """``shot`` writing ``renders/NAME`` beside the emitted file: never over the image it came
    from (an absolute path would make the copy's first render replace it)."""
    return shot.model_copy(update={"output": shot.output.model_copy(
        update={"path": f"renders/{os.path.basename(shot.output.path)}"})})


def _header(shot, image: str, written_by: str, overrides: list[str], more: tuple[str, ...] = ()) -> str:
    from shotspec import __version__

    return "\n".join([
        f"Shot `{shot.name}` of {os.path.abspath(image)},",
        f"rendered by shotspec {written_by}; emitted by shotspec {__version__} "
        f"(`shot info --spec`).",
        "Every value is explicit: imports and presets are inlined"
        + (", the render's overrides are folded in:" if overrides else "."),
        *(f"  --set {o}" for o in overrides),
        *more,
        f"It writes {shot.output.path} beside this file, never over the image it came from.",
    ])


def _emitted(shot, image: str, written_by: str, overrides: list[str]) -> str:
    from shotspec.compiler.emit import emit_shot

    shot = _beside(shot)
    return emit_shot(shot, _header(shot, image, written_by, overrides))


def _sequence_spec(sequence, frame_ir, frame: int, image: str, written_by: str,
                   overrides: list[str]) -> tuple[str, str | None]:
    """The sequence's spec with its keyframes, checked against the recorded frame."""
    from shotspec.compiler.emit import emit_shot
    from shotspec.compiler.plan import sequence_path
    from shotspec.compiler.timeline import timecode

    sequence = _beside(sequence.model_copy(update={"tracks": sequence.tracks, "frames": ()}))
    n = sequence.duration_frames or 0
    first = sequence.output.first_frame or 0
    more = (f"The image is frame {frame} ({timecode(first + frame, sequence.fps)}) of this {n}-frame "
            f"sequence at {sequence.fps:g} fps;",
            f"rendered again it is {sequence_path(sequence.output.path, frame + first, n + first)}.")
    still = emit_shot(sequence.model_copy(update={"tracks": ()}),
                      _header(sequence, image, written_by, overrides, more))
    path = os.path.abspath("info_spec.shot")
    problem = "the spec could not be written"
    for positional in (False, True):
        text = keyframed_text(still, sequence, positional_passes=positional)
        problem = _differs(text, path, sequence, frame_ir, frame)
        if problem is None:
            return text, None
    return text, (f"{image}: the sequence's spec below does not compile back to frame {frame} "
                  f"as recorded ({problem}); `shot render --from {image}` renders that frame")


def _differs(text: str, path: str, sequence, frame_ir, frame: int) -> str | None:
    """What differs between ``text`` compiled and the recorded sequence and frame (None: same)."""
    from shotspec.compiler import compile_source

    result = compile_source(text, path, check_outputs=False)
    if not result.ok or not result.program.shots:
        errors = [d for d in result.diagnostics if d.severity == "error"]
        return f"{errors[0].code} {errors[0].message}" if errors else "no shot"
    got = result.program.shots[0]
    tracks = {t.path: _bare(t) for t in got.tracks}
    for track in sequence.tracks:
        if tracks.pop(track.path, None) != _bare(track):
            return f"the keys of `{track.path}`"
    if tracks:
        return f"keys of `{next(iter(tracks))}` that the sequence lacks"
    if len(got.frames) != sequence.duration_frames or frame >= len(got.frames):
        return "its duration"
    if _bare(got.frames[frame].model_copy(update={"output": frame_ir.output})) != _bare(frame_ir):
        return "the frame's values"
    return None


def _bare(value):
    """An IR value as plain data without spans and origins (they name the source's places)."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        value = value.model_dump(exclude={"origins"})
    if isinstance(value, dict):
        return {k: _bare(v) for k, v in value.items() if k not in ("span", "origins", "name")}
    if isinstance(value, (list, tuple)):
        return [_bare(v) for v in value]
    return value


def key_text(track) -> str:
    """A track's keys as the language writes them: ``0.9m @ 0f -> 0.75m @ 48f ease in_out``."""
    from shotspec.compiler.emit import number_text

    return " -> ".join(f"{value} @ {number_text(at)}f{_EASE_TEXT[ease] if i else ''}"
                       for i, (value, at, ease) in enumerate(zip(track.values, track.frames, track.eases)))


def keyframed_text(still: str, shot, *, positional_passes: bool = False) -> str:
    """``still`` (``emit_shot``'s text of the shot at frame 0) with each keyframed statement of
    ``shot.tracks`` written into its block in place of the still statement. A statement that
    sets several tracks (``gaze``, a focus pull, a blink's two shapes…) is written once per
    block path and key. ``positional_passes``: a finishing pass's keys are written as the pass's
    positional statement (``grain 250D 0.3 @ 0f -> …``) rather than inside its block."""
    from shotspec.compiler.formatter import format_source

    lines = still.splitlines()
    written: set[tuple] = set()
    for track in shot.tracks:
        place = _place(track.path, shot, positional_passes)
        if place is None:
            continue
        blocks, keyword = place
        statement = f"{keyword} {key_text(track)}"
        if (tuple(blocks), statement) in written:
            continue
        written.add((tuple(blocks), statement))
        lines = _put(lines, blocks, keyword, statement)
    text = "\n".join(lines) + "\n"
    formatted, _ = format_source(text, "info_spec.shot")
    return formatted or text


def _place(path: str, shot, positional_passes: bool) -> tuple[list[str], str] | None:
    """``(block headers from the top, statement key)`` of the statement that sets ``path``."""
    from shotspec.compiler.schema import fields_of

    parts = path.split(".")
    top = [f"shot {shot.name}"]
    if parts[0] == "character" and shot.character is not None:
        blocks, obj, rest = [f"character {shot.character.name}"], shot.character, parts[1:]
        if rest[:1] == ["expression"] and len(rest) == 2:
            return blocks + ["expression"], rest[1]
    elif parts[0] == "lights" and len(parts) > 2:
        light = next((li for li in shot.lights if li.name == parts[1]), None)
        if light is None:
            return None
        blocks, obj, rest = top + ["lighting", f"{light.name} {light.kind}"], light, parts[2:]
    elif parts[0] == "finish" and len(parts) > 2:
        found = next((p for p in shot.finish if p.op == parts[1]), None)
        if found is None:
            return None
        if positional_passes:
            return top + ["finish"], found.op
        blocks, obj, rest = top + ["finish", found.op], found, parts[2:]
    else:
        blocks, obj, rest = top, shot, parts
    while rest:
        keys = dict(fields_of(type(obj)))
        k = keys.get(rest[0])
        if k is None:
            return None
        word = k.key or rest[0]
        if len(rest) == 1 or (k.block is None and k.handler is not None):
            return blocks, word
        if k.block is None:
            return None
        blocks, obj, rest = blocks + [word], getattr(obj, rest[0]), rest[1:]
    return None


def _blocks(lines: list[str]) -> dict[tuple[str, ...], tuple[int, int]]:
    """Each block's header path → (its header's line, its closing line), in formatted text."""
    stack: list[tuple[str, int]] = []
    found: dict[tuple[str, ...], tuple[int, int]] = {}
    for i, line in enumerate(lines):
        text = line.split("//", 1)[0].strip()
        if text.endswith("{"):
            stack.append((text[:-1].strip(), i))
        elif text == "}" and stack:
            path = tuple(h for h, _ in stack)
            found.setdefault(path, (stack[-1][1], i))
            stack.pop()
    return found


def _matches(header: str, want: str) -> bool:
    return header == want or header.startswith(want + " ")


def _put(lines: list[str], blocks: list[str], keyword: str, statement: str) -> list[str]:
    """``statement`` at the end of the block ``blocks`` (made when missing), the block's still
    statement of ``keyword`` removed."""
    found = _blocks(lines)
    have: tuple[str, ...] = ()
    for want in blocks:
        nxt = next((p for p in found if len(p) == len(have) + 1 and p[:-1] == have
                    and _matches(p[-1], want)), None)
        if nxt is None:
            break
        have = nxt
    if not have:
        return lines
    start, end = found[have]
    missing = blocks[len(have):]
    new = [f"{h} {{" for h in missing] + [statement] + ["}"] * len(missing)
    out = lines[:end] + new + lines[end:]
    if missing:
        return out
    depth, kept = 0, []
    for i, line in enumerate(out):      # drop the still statement (same key, directly inside)
        text = line.strip()
        if start < i < end and depth == 0 and (text == keyword or text.startswith(keyword + " ")) \
                and not text.endswith("{"):
            continue
        if start < i < end:
            depth += text.endswith("{") - (text == "}")
        kept.append(line)
    return kept
