"""``build_scene``: the character of a spec as posed world-space triangles (the ``mesh`` node).

Draws the kit's skin (face, head and neck, eye sockets, mouth socket), teeth, gums and tongue,
the eyeballs' opaque triangles (``eye_parts``), the garment torso and the hair shell. The kit's
eye-blend, eye-occlusion and lacrimal meshes are translucent layers for a real-time engine's
shaders and would cover the eyes drawn opaque, so they are never drawn.
"""

from __future__ import annotations

import numpy as np
import torch

from shotspec.compiler.ir import CameraIR, CharacterIR
from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.attributes import vertex_normals
from shotspec.runtime.head.eye_parts import eye_geometry, eye_parts
from shotspec.runtime.head.model import HeadData, load_head, pose_head
from shotspec.runtime.head.regions import REGIONS, skin_regions
from shotspec.runtime.head.scene import MATERIALS, Scene
from shotspec.runtime.head.hair_shell import hair_shell
from shotspec.runtime.head.wardrobe import Mesh, torso_mesh

__all__ = ["build_scene", "character_coefficients", "DRAWN_PARTS", "ATTRS", "DEFAULT_CHARACTER"]

DEFAULT_CHARACTER = CharacterIR(name="default", seed=0)

# part -> material of its triangles (the eyeballs' opaque triangles come from ``eye_parts``)
DRAWN_PARTS = {"face": "skin", "head_neck": "skin", "eye_socket_left": "skin",
               "eye_socket_right": "skin", "mouth_socket": "mouth", "gums_tongue": "mouth",
               "teeth": "teeth"}
# per-vertex attributes: the skin regions, then each eye vertex's distance from its eye's
# optical axis (mm; 1000 off the eyes: the iris's footprint on the eyeball, which the shading no
# longer reads — it traces the iris through the cornea, ``eye_optics`` — but the face-finder
# tests take as their iris mask) and, on the hair shell, its coverage (0 at the hairline … 1)
# and strand direction (world)
ATTRS = REGIONS + ("eye_radius_mm", "hair_alpha", "hair_tx", "hair_ty", "hair_tz")


def character_coefficients(head: HeadData, character: CharacterIR) -> np.ndarray:
    """Identity coefficients (K,) of ``character``: its identity file's fit when it has one,
    else drawn from its seed, with the face-shape controls of its ``face`` block applied."""
    from shotspec.runtime.identity.face_fit import identity_coefficients_for

    return identity_coefficients_for(character, head)


def _pose(character: CharacterIR) -> dict[str, float]:
    pose = character.pose
    return {"turn_rad": pose.turn_rad, "tilt_rad": pose.tilt_rad, "roll_rad": pose.roll_rad}


def _gaze(character: CharacterIR, camera: CameraIR) -> dict:
    """The eyes look at the lens (the camera's origin) or turn by the spec's angles."""
    gaze = character.gaze
    if gaze.target == "lens":
        return {"gaze_target": PinholeCamera.from_ir(camera, 1, 1).origin}
    return {"gaze_angles_rad": (gaze.yaw_rad, gaze.pitch_rad)}


def _drawn_faces(head: HeadData, eyes: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Triangles to draw (M,) ids into head.faces, and their materials (M,): the skin and mouth
    parts, and the eyeballs' opaque triangles (``eye_parts``: the corneal cap is shaded as a
    glossy lobe, never drawn; the translucent layers and lash strips are not drawn)."""
    keep, material = [], []
    for part, mat in DRAWN_PARTS.items():
        ids = (head.face_part == PART_IDS[part]).nonzero()[:, 0]
        keep.append(ids)
        material.append(torch.full_like(ids, MATERIALS[mat]))
    keep.append(eyes["opaque_faces"])
    material.append(torch.full_like(eyes["opaque_faces"], MATERIALS["sclera"]))
    return torch.cat(keep), torch.cat(material)


def build_scene(character: CharacterIR | None, camera: CameraIR, *,
                device: torch.device | str = "cpu") -> Scene:
    """The posed character of a shot (``None``: the embedded default), in world metres."""
    character = character or DEFAULT_CHARACTER
    head = load_head(str(torch.device(device)))
    coeffs = character_coefficients(head, character)
    rest = pose_head(head, coeffs)
    posed = pose_head(head, coeffs, character.expression, **_pose(character),
                      **_gaze(character, camera))
    eyes = eye_parts(head, rest)
    tri, material = _drawn_faces(head, eyes)
    faces = head.faces[tri]
    centres, axes, corneas = [], [], []
    for side in ("left", "right"):
        g = eye_geometry(head, posed, side)
        centres.append(g.globe_centre_m)
        axes.append(g.axis)
        corneas.append(torch.cat([g.cornea_centre_m, torch.tensor(
            [g.cornea_radius_m, g.limbus_radius_m], dtype=posed.dtype, device=posed.device)]))
    regions = skin_regions(head, rest).weights
    attrs = torch.zeros(posed.shape[0], len(ATTRS), device=posed.device)
    attrs[:, : len(REGIONS)] = regions
    attrs[:, len(REGIONS)] = eyes["axial_radius_mm"].to(regions.dtype)
    parts = [(posed, rest, faces, material, head.uv, head.face_uv[tri], attrs)]
    seed = int(character.seed)
    meshes = [torso_mesh(posed, head, seed=seed)]
    if character.hair.style != "none" and character.hair.density > 0.0:
        # the scalp under the strands (the groom node grows the strands themselves)
        meshes.append(hair_shell(posed, head, style=character.hair.style, seed=seed))
    for mesh in meshes:
        parts.append(_extra(mesh, len(ATTRS)))
    posed, rest, faces, material, uv, face_uv, attrs = _join(parts)
    return Scene(vertices=posed, rest=rest, normals=vertex_normals(posed, faces),
                 rest_normals=vertex_normals(rest, faces), faces=faces, material=material,
                 uv=uv, face_uv=face_uv, attrs=attrs, attr_names=ATTRS,
                 eye_centres=torch.stack(centres), eye_axes=torch.stack(axes),
                 corneas=torch.stack(corneas), landmarks=posed[head.landmarks68])


def _extra(mesh: Mesh, n_attrs: int) -> tuple[torch.Tensor, ...]:
    """A garment or hair mesh as scene arrays: it has no rest pose of its own (it is made on
    the posed head), carries its own surface UVs, no skin regions and no eye; a hair shell
    brings its coverage and strand directions."""
    n = mesh.vertices.shape[0]
    attrs = torch.zeros(n, n_attrs, device=mesh.vertices.device)
    attrs[:, ATTRS.index("eye_radius_mm")] = 1000.0          # far from every eye's axis
    kind = mesh.material.split("_")[0]
    kind = {"garment": "cloth"}.get(kind, kind)
    if kind == "hair":
        attrs[:, ATTRS.index("hair_alpha")] = mesh.alpha
        attrs[:, ATTRS.index("hair_tx"):ATTRS.index("hair_tz") + 1] = mesh.tangents
    material = torch.full((mesh.faces.shape[0],), MATERIALS[kind], dtype=torch.int64,
                          device=mesh.faces.device)
    return mesh.vertices, mesh.vertices, mesh.faces, material, mesh.uv, mesh.faces, attrs


def _join(parts: list[tuple[torch.Tensor, ...]]) -> tuple[torch.Tensor, ...]:
    """Concatenate meshes (vertices, rest, faces, material, uv, face_uv, attrs), offsetting
    each one's vertex and UV ids."""
    out = [[] for _ in range(7)]
    v_off = t_off = 0
    for verts, rest, faces, material, uv, face_uv, attrs in parts:
        for k, value in enumerate((verts, rest, faces + v_off, material, uv, face_uv + t_off, attrs)):
            out[k].append(value)
        v_off += verts.shape[0]
        t_off += uv.shape[0]
    return tuple(torch.cat(o) for o in out)
