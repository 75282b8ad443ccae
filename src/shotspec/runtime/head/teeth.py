"""The kit's teeth and gums as per-vertex shading data: which tooth a vertex belongs to, where
it lies on that tooth, and which of the gums-and-tongue mesh is gum and which is tongue.

The ICT-FaceKit's ``teeth`` part is 32 separate closed meshes, one per tooth (16 upper, 16
lower), each a crown with its root hidden in the gum. Their connected components give each
tooth an id without any texture; on its tooth a vertex then gets

* ``incisal_mm``: its height above the biting edge (the lowest point of an upper tooth, the
  highest of a lower one) — where enamel is thinnest and most translucent (greyer, bluer),
  while the cervical third near the gum shows the yellow dentin through it;
* ``side``: 0 on the tooth's labial centre … 1 at its mesial and distal faces, from its
  coordinate along the dental arch (the tangent from the previous to the next tooth's centre):
  where two teeth meet, the interproximal gap is dark;
* ``rank``: its place from the midline (0 central incisor, 1 lateral, 2 canine, 3–4 premolars,
  5–7 molars) and ``upper``.

Everything is computed once on the neutral mesh (topology and a rest shape that identities
barely change) and cached; the shader interpolates it on the posed triangles.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from shotspec.head_facts import PART_IDS
from shotspec.runtime.head.model import load_head

__all__ = ["ToothTable", "tooth_table", "TOOTH_COUNT", "GUM_REACH_MM", "COLUMNS"]

TOOTH_COUNT = 32
GUM_REACH_MM = 4.0     # a gums-and-tongue island this close to the teeth (median) is gum
COLUMNS = ("tooth", "rank", "upper", "incisal_mm", "side", "gum", "tongue")


@dataclass(frozen=True)
class ToothTable:
    """Per head vertex (V,) each, float32 on one device: ``tooth`` id 0–31 (−1 off the teeth),
    ``rank`` from the midline 0–7, ``upper`` 1/0, ``incisal_mm`` height above the biting edge,
    ``side`` 0 (labial centre) … 1 (the faces that meet the neighbours), ``gum`` and
    ``tongue`` 1 on those tissues of the gums-and-tongue mesh (``_tissues``)."""

    tooth: torch.Tensor
    rank: torch.Tensor
    upper: torch.Tensor
    incisal_mm: torch.Tensor
    side: torch.Tensor
    gum: torch.Tensor
    tongue: torch.Tensor

    def stacked(self) -> torch.Tensor:
        """(V, 7) the columns in ``COLUMNS`` order, for ``materials.per_vertex``."""
        return torch.stack([getattr(self, k) for k in COLUMNS], dim=1)


def _components(faces: np.ndarray, n_ids: int) -> np.ndarray:
    """Connected-component label (n_ids,) of every id over the triangles ``faces`` (F, 3)
    (vertex or UV ids): the smallest id of its component (min-label propagation along the
    edges until nothing changes; ids on no triangle keep their own)."""
    label = np.arange(n_ids)
    a = np.concatenate((faces[:, 0], faces[:, 1], faces[:, 2]))
    b = np.concatenate((faces[:, 1], faces[:, 2], faces[:, 0]))
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]                      # jump along chains of labels
        if np.array_equal(new, label):
            return label
        label = new


def _teeth(neutral_mm: np.ndarray, faces: np.ndarray) -> dict[str, np.ndarray]:
    """The per-vertex tooth columns (module docstring) of the neutral mesh (V, 3) mm."""
    n = neutral_mm.shape[0]
    label = _components(faces, n)
    verts = np.unique(faces)
    groups = [verts[label[verts] == c] for c in np.unique(label[verts])]
    if len(groups) != TOOTH_COUNT:
        raise ValueError(f"the kit's teeth part has {len(groups)} meshes, not {TOOTH_COUNT}")
    centres = np.array([neutral_mm[g].mean(0) for g in groups])
    split = float(np.median(centres[:, 1]))
    cols = {k: np.zeros(n, np.float32) for k in ("rank", "upper", "incisal_mm", "side")}
    cols["tooth"] = np.full(n, -1.0, np.float32)
    tooth_id = 0
    for is_upper in (True, False):
        jaw = [i for i in range(TOOTH_COUNT) if (centres[i, 1] > split) == is_upper]
        jaw.sort(key=lambda i: centres[i, 0])          # along the arch, right molars first
        for k, i in enumerate(jaw):
            g, p = groups[i], neutral_mm[groups[i]]
            prev, nxt = centres[jaw[max(k - 1, 0)]], centres[jaw[min(k + 1, len(jaw) - 1)]]
            tangent = (nxt - prev) * np.array([1.0, 0.0, 1.0])
            tangent /= np.linalg.norm(tangent)
            s = (p - centres[i]) @ tangent
            half = max(float(np.abs(s).max()), 1e-3)
            cols["tooth"][g] = tooth_id
            cols["rank"][g] = int(abs(k - (len(jaw) - 1) / 2.0))
            cols["upper"][g] = float(is_upper)
            cols["incisal_mm"][g] = p[:, 1] - p[:, 1].min() if is_upper else p[:, 1].max() - p[:, 1]
            cols["side"][g] = np.abs(s) / half
            tooth_id += 1
    return cols


def _tissues(neutral_mm: np.ndarray, faces: np.ndarray, face_uv: np.ndarray, n_uv: int,
              teeth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(V,) ``gum`` and ``tongue`` flags of the gums-and-tongue mesh (``faces``, ``face_uv``):
    its UV islands are its tissues; an island whose vertices lie (median) within
    ``GUM_REACH_MM`` of a tooth is gum, the farthest-forward of the others is the tongue, the
    rest (palate, throat, uvula, the floor under the tongue) are neither."""
    gum = np.zeros(neutral_mm.shape[0], np.float32)
    tongue = np.zeros_like(gum)
    island = _components(face_uv, n_uv)[face_uv[:, 0]]
    t = torch.from_numpy(neutral_mm[np.unique(teeth)]).float()
    front, best = -np.inf, None
    for k in np.unique(island):
        v = np.unique(faces[island == k])
        d = torch.cdist(torch.from_numpy(neutral_mm[v]).float(), t).amin(1)
        if float(d.median()) < GUM_REACH_MM:
            gum[v] = 1.0
        elif neutral_mm[v, 2].max() > front:
            front, best = neutral_mm[v, 2].max(), v
    if best is None:
        raise ValueError("the kit's gums-and-tongue part has no tongue")
    tongue[best] = 1.0
    tongue[gum > 0] = 0.0
    return gum, tongue


@lru_cache(maxsize=4)
def tooth_table(device: str = "cpu") -> ToothTable:
    """The cached tooth and gum table of the packaged head on ``device``."""
    head = load_head("cpu")
    neutral = head.neutral.double().numpy() * 1000.0
    part = head.face_part.numpy()
    faces = head.faces.numpy()
    teeth = faces[part == PART_IDS["teeth"]]
    cols = _teeth(neutral, teeth)
    inside = part == PART_IDS["gums_tongue"]
    cols["gum"], cols["tongue"] = _tissues(neutral, faces[inside], head.face_uv.numpy()[inside],
                                           head.uv.shape[0], teeth)
    return ToothTable(**{k: torch.from_numpy(cols[k]).to(device) for k in COLUMNS})
