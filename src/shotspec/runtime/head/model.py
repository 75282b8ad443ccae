"""The packaged ICT-FaceKit head: load it, draw a person from a seed, pose and express it.

The data file (``data/facekit.npz``, made once by ``tools/convert_facekit.py`` from the kit's
commit da5f95a; MIT licence beside it) holds the neutral mesh in metres, 50 identity modes
(each the kit's mean + 1 σ shape, so coefficients are ~ N(0, 1)), 55 expression shapes (the 53
ARKit-named ones and two pupil dilations, stored sparse), the topology and the face-shape
controls' gradients. Object space: x to the subject's left (camera right when the camera faces
the subject), y up, z out of the face; the midpoint of the neutral corneal apexes is
``(0, 0, EYE_PLANE_Z)``.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch

from shotspec.head_facts import EYE_PLANE_Z, PART_IDS

__all__ = ["HeadData", "load_head", "identity_coefficients", "with_face_controls", "pose_head", "COEFF_CLIP",
           "NECK_PIVOT", "DATA_FILE"]

DATA_FILE = Path(__file__).with_name("data") / "facekit.npz"

# a drawn coefficient is clipped to ±COEFF_CLIP standard deviations (no implausible extremes)
COEFF_CLIP = 2.5
# the head turns about the top of the spine (near the atlanto-occipital joint), object space m
NECK_PIVOT = (0.0, -0.060, EYE_PLANE_Z - 0.095)
# the neck twists between these heights (m): fully with the head above, not at all below;
# below the menton (≈ −0.11) and above the neck cut's highest point (≈ −0.17 at the sides),
# so the cut stays where the garment (wardrobe.torso_mesh) was fitted round it
_NECK_BLEND_Y = (-0.165, -0.12)
_ID_SALT = 0x1D3A7F


@dataclass(frozen=True)
class HeadData:
    """The head model as torch tensors on one device (float32 metres, int64 indices)."""

    neutral: torch.Tensor          # (V, 3)
    faces: torch.Tensor            # (F, 3) vertex ids
    face_uv: torch.Tensor          # (F, 3) ids into uv
    uv: torch.Tensor               # (T, 2)
    face_part: torch.Tensor        # (F,) part id (head_facts.PARTS order)
    id_basis: torch.Tensor         # (K, V, 3) one standard deviation of each identity mode
    expr_names: tuple[str, ...]
    expr_index: torch.Tensor       # (N,) vertex ids of every stored expression delta
    expr_offsets: tuple[int, ...]  # expression e owns expr_index[offsets[e]:offsets[e+1]]
    expr_delta: torch.Tensor       # (N, 3)
    landmarks68: torch.Tensor      # (68,) vertex ids
    control_names: tuple[str, ...]
    control_grad_mm: np.ndarray    # (C, K) mm per unit identity coefficient
    provenance: dict

    @property
    def n_modes(self) -> int:
        return int(self.id_basis.shape[0])

    def part_vertices(self, name: str) -> torch.Tensor:
        """Vertex ids of part ``name`` (sorted, unique)."""
        return torch.unique(self.faces[self.face_part == PART_IDS[name]])

    def control_sd_mm(self) -> dict[str, float]:
        """Population standard deviation of each face-shape measure, mm."""
        return {n: float(np.linalg.norm(g)) for n, g in zip(self.control_names, self.control_grad_mm)}


@lru_cache(maxsize=4)
def load_head(device: str = "cpu") -> HeadData:
    """The packaged head on ``device`` (cached; the file is read once per process)."""
    with np.load(DATA_FILE, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    dev = torch.device(device)

    def t(a: np.ndarray, dtype=torch.float32) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a)).to(dev, dtype)

    return HeadData(
        neutral=t(d["neutral_m"]), faces=t(d["faces"], torch.int64),
        face_uv=t(d["face_uv"], torch.int64), uv=t(d["uv"]),
        face_part=t(d["face_part"], torch.int64),
        id_basis=t(d["id_basis_cm"].astype(np.float32) / 100.0),
        expr_names=tuple(str(n) for n in d["expr_names"]),
        expr_index=t(d["expr_index"].astype(np.int64), torch.int64),
        expr_offsets=tuple(int(o) for o in d["expr_offsets"]),
        expr_delta=t(d["expr_delta_cm"].astype(np.float32) / 100.0),
        landmarks68=t(d["landmarks68"], torch.int64),
        control_names=tuple(str(n) for n in d["control_names"]),
        control_grad_mm=d["control_grad_mm"].astype(np.float64),
        provenance=json.loads(str(d["provenance"][0])))


def identity_coefficients(head: HeadData, seed: int,
                          controls: Mapping[str, float | None] | None = None) -> np.ndarray:
    """Identity coefficients (K,) float64 of the person ``seed``, with face-shape ``controls``.

    The seed draws each coefficient ~ N(0, 1) with Python's Mersenne Twister (bit-exact across
    platforms and versions), clipped to ±COEFF_CLIP. A control set to ``s`` (population standard
    deviations) moves the face along that measure's gradient until the measure sits ``s`` SD
    from the average, with the smallest change to the coefficients (jointly for every control
    set, so two controls never undo each other), leaving the rest of the person as drawn.
    """
    rng = random.Random(_ID_SALT ^ (int(seed) & 0xFFFFFFFFFFFF))
    c = np.array([max(-COEFF_CLIP, min(COEFF_CLIP, rng.normalvariate(0.0, 1.0)))
                  for _ in range(head.n_modes)])
    return with_face_controls(head, c, controls)


def with_face_controls(head: HeadData, coefficients: np.ndarray,
                       controls: Mapping[str, float | None] | None) -> np.ndarray:
    """``coefficients`` (K,) moved so each control set to ``s`` sits ``s`` population SDs from
    the average, by the smallest change to the coefficients (see ``identity_coefficients``)."""
    c = np.asarray(coefficients, dtype=np.float64).copy()
    chosen = [(i, float(v)) for i, n in enumerate(head.control_names)
              if controls and (v := controls.get(n)) is not None]
    if chosen:
        g = head.control_grad_mm[[i for i, _ in chosen]]                     # (S, K) mm
        target = np.array([v * np.linalg.norm(head.control_grad_mm[i]) for i, v in chosen])
        # minimum-norm change (lstsq is deterministic; rank-deficient mixes get the best fit)
        dc = np.linalg.lstsq(g, target - g @ c, rcond=None)[0]
        c = c + dc
    return c


def _rotation(turn: float, tilt: float, roll: float) -> torch.Tensor:
    """(3, 3) head rotation: turn about y (+ = face to the subject's left), tilt about x (+ =
    chin up), roll about z (+ = head leans to the subject's left shoulder)."""
    cy, sy = math.cos(turn), math.sin(turn)
    cx, sx = math.cos(-tilt), math.sin(-tilt)
    cz, sz = math.cos(-roll), math.sin(-roll)
    ry = torch.tensor([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]], dtype=torch.float64)
    rx = torch.tensor([[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]], dtype=torch.float64)
    rz = torch.tensor([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    return (ry @ rx @ rz).float()


def _turn_between(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(3, 3) smallest rotation taking the direction ``a`` to the direction ``b`` (Rodrigues)."""
    a, b = a / a.norm(), b / b.norm()
    axis = torch.linalg.cross(a, b)
    s, c = axis.norm(), torch.dot(a, b)
    if s < 1e-9:
        return torch.eye(3, dtype=a.dtype, device=a.device)
    k = axis / s
    kx = torch.tensor([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]],
                      dtype=a.dtype, device=a.device)
    return torch.eye(3, dtype=a.dtype, device=a.device) + s * kx + (1.0 - c) * (kx @ kx)


def pose_head(head: HeadData, coefficients: Sequence[float] | np.ndarray,
              expression: Mapping[str, float] | Sequence[tuple[str, float]] = (), *,
              turn_rad: float = 0.0, tilt_rad: float = 0.0, roll_rad: float = 0.0,
              gaze_target: Sequence[float] | None = None,
              gaze_angles_rad: tuple[float, float] | None = None) -> torch.Tensor:
    """World-space vertices (V, 3) metres of a person, expression and pose.

    ``coefficients`` (K,) weight the identity modes; the identity is then moved so its corneal
    apexes' midpoint is the eye point (every person framed alike). ``expression`` maps ARKit
    names to weights. The eyeballs turn about their centres towards ``gaze_target`` (a world
    point, e.g. the camera) or by ``gaze_angles_rad`` (yaw + = subject's left, pitch + = up, in
    the head's frame); the head then turns about the top of the spine, the neck twisting
    smoothly down to its base.
    """
    dev = head.neutral.device
    c = torch.as_tensor(np.asarray(coefficients, dtype=np.float32), device=dev)
    v = head.neutral + torch.einsum("k,kvc->vc", c, head.id_basis[: c.shape[0]])
    eyes = [head.part_vertices(p) for p in ("eyeball_left", "eyeball_right")]
    apex = torch.stack([v[e][v[e][:, 2].argmax()] for e in eyes]).mean(0)
    v = v + (torch.tensor([0.0, 0.0, EYE_PLANE_Z], device=dev) - apex)

    items = expression.items() if isinstance(expression, Mapping) else expression
    names = {n: i for i, n in enumerate(head.expr_names)}
    for name, w in sorted(items):
        if name not in names:
            raise KeyError(f"unknown expression shape {name!r}")
        e = names[name]
        lo, hi = head.expr_offsets[e], head.expr_offsets[e + 1]
        v = v.index_add(0, head.expr_index[lo:hi], head.expr_delta[lo:hi] * float(w))

    rot = _rotation(turn_rad, tilt_rad, roll_rad).to(dev)
    pivot = torch.tensor(NECK_PIVOT, device=dev)
    if gaze_target is not None or gaze_angles_rad is not None:
        from shotspec.runtime.head.eye_parts import eye_geometry

        for side in ("left", "right"):
            ids = head.part_vertices(f"eyeball_{side}")
            g = eye_geometry(head, v, side)
            centre, axis = g.globe_centre_m, g.axis      # through the pupil, normal to the iris
            if gaze_target is not None:
                # the target seen from the eye, brought back into the unposed head's frame
                tgt = torch.as_tensor(gaze_target, dtype=torch.float32, device=dev)
                want = (tgt - pivot) @ rot + pivot - centre
            else:
                yaw, pitch = gaze_angles_rad
                want = axis @ _rotation(yaw, pitch, 0.0).to(dev).T
            look = _turn_between(axis, want)
            v = v.index_copy(0, ids, (v[ids] - centre) @ look.T + centre)

    lo_y, hi_y = _NECK_BLEND_Y
    w = ((v[:, 1] - lo_y) / (hi_y - lo_y)).clamp(0.0, 1.0)
    w = (w * w * (3.0 - 2.0 * w))[:, None]
    turned = (v - pivot) @ rot.T + pivot
    return v + w * (turned - v)
