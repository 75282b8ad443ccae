"""Frames of animated shots in a plan: output keys, sequence paths and sub-plans.

Every frame of a shot with a ``duration`` is its own entry of ``Plan.outputs``, keyed
``SHOT#NNNN`` (``closeup#0012``: frame 12, zero-padded to four digits or more); a still shot's
entry is its bare name. Frames share every node whose content key is equal (a focus pull
traces the head once), so a sub-plan of some frames (``subplan``) is what a worker, or a
resumed render, runs. Torch-free.
"""

from __future__ import annotations

import re

from shotspec.compiler.plan.graph import Plan

__all__ = ["frame_key", "parse_output_key", "shot_frames", "sequence_path", "subplan", "frame_file",
           "FRAME_SEP", "frame_padding", "shots_text"]

FRAME_SEP = "#"
_HASHES = re.compile(r"#+")
_PRINTF = re.compile(r"%0?(\d*)d")


def frame_padding(n_frames: int) -> int:
    """Digits of a sequence's frame numbers: four, or more for a longer shot."""
    return max(4, len(str(max(0, n_frames - 1))))


def frame_key(shot: str, frame: int, n_frames: int = 0) -> str:
    """The output key of ``shot``'s frame ``frame`` (``closeup#0012``)."""
    return f"{shot}{FRAME_SEP}{frame:0{frame_padding(n_frames)}d}"


def parse_output_key(key: str) -> tuple[str, int | None]:
    """``closeup#0012`` → ``("closeup", 12)``; a still shot's ``closeup`` → ``("closeup", None)``."""
    shot, sep, frame = key.rpartition(FRAME_SEP)
    if sep and frame.isdigit():
        return shot, int(frame)
    return key, None


def shot_frames(plan: Plan, shot: str) -> list[str]:
    """The output keys of ``shot``'s frames in frame order (``[shot]`` for a still shot)."""
    frames = [(parse_output_key(k)[1], k) for k in plan.outputs
              if parse_output_key(k)[0] == shot and parse_output_key(k)[1] is not None]
    if frames:
        return [k for _, k in sorted(frames)]
    return [shot] if shot in plan.outputs else []


def sequence_path(path: str, frame: int, n_frames: int) -> str:
    """A frame's file: ``####`` (one ``#`` a digit) or ``%04d`` in ``path`` is the frame
    number; else ``.NNNN`` goes before the suffix (``closeup.png`` → ``closeup.0012.png``)."""
    if _HASHES.search(path):
        return _HASHES.sub(lambda m: f"{frame:0{len(m.group(0))}d}", path, count=1)
    if _PRINTF.search(path):
        return _PRINTF.sub(lambda m: f"{frame:0{int(m.group(1) or 1)}d}", path, count=1)
    head, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix:
        return f"{path}.{frame:0{frame_padding(n_frames)}d}"
    return f"{head}.{frame:0{frame_padding(n_frames)}d}.{suffix}"


def frame_file(path: str, frame: int, n_frames: int) -> str:
    """The file a sequence's frame is written to: ``sequence_path``, or for a video output
    (``closeup.mp4``) a 16/8-bit PNG in the folder next to it that the video is encoded from
    (``closeup.frames/closeup.0012.png``): frames on disk make a render resumable."""
    from shotspec.image_formats import VIDEO_BY_SUFFIX

    head, dot, suffix = path.rpartition(".")
    if dot and "." + suffix.lower() in VIDEO_BY_SUFFIX:
        folder, _, stem = head.rpartition("/")
        base = f"{folder}/" if folder else ""
        return sequence_path(f"{base}{stem}.frames/{stem}.png", frame, n_frames)
    return sequence_path(path, frame, n_frames)


def subplan(plan: Plan, outputs: list[str]) -> Plan:
    """The part of ``plan`` that computes the given output keys (their ancestors only)."""
    wanted: set[str] = set()
    for key in outputs:
        wanted.update(plan.ancestors(plan.outputs[key]))
    return Plan(nodes={nid: n for nid, n in plan.nodes.items() if nid in wanted},
                outputs={k: plan.outputs[k] for k in outputs})


def shots_text(shots) -> str:
    """The shots a node serves; a run of one sequence's frames as ``closeup#0000–0047 (48
    frames)``."""
    parsed = [parse_output_key(s) for s in shots]
    if len(shots) > 3 and all(f is not None for _, f in parsed) and len({s for s, _ in parsed}) == 1:
        digits = len(shots[0].rpartition(FRAME_SEP)[2])
        return f"{shots[0]}–{max(f for _, f in parsed):0{digits}d} ({len(shots)} frames)"
    return ", ".join(shots)
