"""`shot info IMAGE --spec`: the self-contained spec of a rendered image, from its provenance.

The image records the fully resolved shot (``shotspec:ir``, ``--set`` overrides included);
``shotspec.compiler.emit`` writes it back as one .shot file with every value explicit and no
imports, so it compiles (and renders the same pixels) anywhere its absolute paths exist; its
output goes to ``renders/NAME`` beside the emitted file, never over the original.
An image whose IR this version cannot read (or that has none) gives its recorded main spec file
(``shotspec:spec``), with a note saying what that lacks.
"""

from __future__ import annotations

import os

__all__ = ["spec_of_image"]


def spec_of_image(info: dict[str, str], image: str) -> tuple[str, str | None]:
    """The spec text for an image's provenance ``info`` and a note for stderr: when the image
    records no IR this version can read (an older or newer shotspec wrote it), the text is the
    recorded main spec file and the note says what it lacks."""
    from pydantic import ValidationError

    from shotspec import __version__
    from shotspec.compiler.emit import emit_shot
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
    # Written beside the emitted file, never over the original render (an absolute path
    # would make the copy's first render replace the image it came from).
    shot = shot.model_copy(update={"output": shot.output.model_copy(
        update={"path": f"renders/{os.path.basename(shot.output.path)}"})})
    header = [
        f"Shot `{shot.name}` of {os.path.abspath(image)},",
        f"rendered by shotspec {written_by}; emitted by shotspec {__version__} "
        f"(`shot info --spec`).",
        "Every value is explicit: imports and presets are inlined"
        + (", the render's overrides are folded in:" if overrides else "."),
        *(f"  --set {o}" for o in overrides),
        f"It writes {shot.output.path} beside this file, never over the image it came from.",
    ]
    return emit_shot(shot, "\n".join(header)), None
