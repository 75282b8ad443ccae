"""`shot info IMAGE --spec`: the self-contained spec of a rendered image, from its provenance.

The image records the fully resolved shot (``shotspec:ir``, ``--set`` overrides included);
``shotspec.compiler.emit`` writes it back as one .shot file with every value explicit and no
imports, so it compiles (and renders the same pixels) anywhere its absolute paths exist.
Images written before the IR was recorded only carry the main spec file (``shotspec:spec``).
"""

from __future__ import annotations

import os

from shotspec.compiler import Diagnostic

__all__ = ["spec_of_image"]


def spec_of_image(info: dict[str, str], image: str) -> tuple[str | None, Diagnostic | None]:
    """The spec text for an image's provenance ``info``, or an E522 diagnostic when the
    recorded IR does not validate with this shotspec version."""
    from pydantic import ValidationError

    from shotspec import __version__
    from shotspec.compiler.emit import emit_shot
    from shotspec.compiler.ir import ShotIR

    if "shotspec:ir" not in info:
        return info.get("shotspec:spec", ""), None
    try:
        shot = ShotIR.model_validate_json(info["shotspec:ir"])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, Diagnostic(
            "E522", "error", f"the provenance in {image} does not match this shotspec version "
            f"(written by {info.get('shotspec:version', '?')}; `{where}`: {first['msg']})", None,
            "re-render the image with this version, or use the version that wrote it")
    overrides = info.get("shotspec:overrides", "").splitlines()
    header = [
        f"Shot `{shot.name}` of {os.path.abspath(image)},",
        f"rendered by shotspec {info.get('shotspec:version', '?')}; emitted by shotspec "
        f"{__version__} (`shot info --spec`).",
        "Every value is explicit: imports and presets are inlined"
        + (", the render's overrides are folded in:" if overrides else "."),
        *(f"  --set {o}" for o in overrides),
    ]
    return emit_shot(shot, "\n".join(header)), None
