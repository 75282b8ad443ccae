"""The posed scene the ``mesh`` plan node makes: the character's triangles in world space.

A scene is camera-independent apart from the gaze (eyes that look at the lens follow the
camera), so the ``geometry`` node re-rasterizes it for a new framing and ``shade`` draws its
shadow maps from it without posing the head again. Between nodes it travels as a *mesh frame*
(``scene_frame`` / ``scene_of``): a Frame whose ``rgb`` holds the vertices as a (1, 3, 1, N)
image and whose AOVs hold the other arrays, so the executor's cache (memory and disk) keeps it
like any other node output.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from shotspec.runtime.frame import Frame, FrameMeta

__all__ = ["Scene", "MATERIALS", "scene_frame", "scene_of"]

# Material ids of scene triangles (the shading model each one gets).
MATERIALS = {"skin": 0, "sclera": 1, "iris": 2, "teeth": 3, "mouth": 4, "hair": 5, "cloth": 6,
             "lashes": 7}


@dataclass(frozen=True)
class Scene:
    """World-space triangles of one character (metres; object space = world space)."""

    vertices: torch.Tensor      # (N, 3) posed
    rest: torch.Tensor          # (N, 3) the same points on the unposed, unexpressive person
    normals: torch.Tensor       # (N, 3) unit smooth normals of the posed surface
    rest_normals: torch.Tensor  # (N, 3) and of the rest surface
    faces: torch.Tensor         # (M, 3) int64 vertex ids
    material: torch.Tensor      # (M,) int64, MATERIALS
    uv: torch.Tensor            # (T, 2) texture coordinates
    face_uv: torch.Tensor       # (M, 3) int64 ids into uv
    attrs: torch.Tensor         # (N, A) per-vertex shading attributes (regions, masks, tangents)
    attr_names: tuple[str, ...]
    eye_centres: torch.Tensor   # (2, 3) eyeball centres, left then right
    eye_axes: torch.Tensor      # (2, 3) unit optical axes (towards the gaze)
    corneas: torch.Tensor       # (2, 5) cornea sphere centre (3), its radius and the limbus
                                # radius (m), left then right
    landmarks: torch.Tensor     # (68, 3) posed landmark points

    def attr(self, name: str) -> torch.Tensor:
        """One per-vertex attribute column (N,)."""
        return self.attrs[:, self.attr_names.index(name)]


_ARRAYS = [f.name for f in fields(Scene) if f.name not in ("vertices", "attr_names")]


def scene_frame(scene: Scene) -> Frame:
    """The scene as a mesh frame (see the module docstring)."""
    def img(t: torch.Tensor) -> torch.Tensor:
        t = t if t.dim() == 2 else t[:, None]
        return t.T.contiguous()[None, :, None, :]

    aovs = {name: img(getattr(scene, name)) for name in _ARRAYS}
    meta = FrameMeta(source="mesh:" + ",".join(scene.attr_names))
    return Frame(rgb=img(scene.vertices), aovs=aovs, meta=meta)


def scene_of(frame: Frame) -> Scene:
    """The scene a mesh frame carries."""
    if not frame.meta.source.startswith("mesh:"):
        raise ValueError("not a mesh frame")

    def arr(t: torch.Tensor, flat: bool = False) -> torch.Tensor:
        a = t[0, :, 0, :].T.contiguous()
        return a[:, 0] if flat else a

    names = tuple(n for n in frame.meta.source[5:].split(",") if n)
    values = {name: arr(frame.aovs[name], flat=name == "material") for name in _ARRAYS}
    return Scene(vertices=arr(frame.rgb), attr_names=names, **values)
