"""The embedded procedural character: an SDF head, sphere-traced and shaded in torch.

``face_params`` is torch-free; ``render_geometry`` and ``shade`` import torch lazily so that
``import shotspec.runtime.character`` stays cheap for the compiler-side callers.
"""

from __future__ import annotations

from shotspec.runtime.character.face_params import face_params

__all__ = ["face_params", "render_geometry", "shade"]


def __getattr__(name: str):
    if name == "render_geometry":
        from shotspec.runtime.character.geometry import render_geometry
        return render_geometry
    if name == "shade":
        from shotspec.runtime.character.shading import shade
        return shade
    raise AttributeError(name)
