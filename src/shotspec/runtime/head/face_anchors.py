"""Landmark-based anchor points of one rest face (mm), shared by the skin's regions and relief.

The skin's regions (lips, nose, brows…) and the flow of its fine lines (forehead lines, crow's
feet from the outer eye corners, the nasolabial creases) are placed from the kit's 68 landmarks
on the identity's rest mesh, so they follow each person's proportions. Anchors on the +x side
(the subject's left) are given per side as [right (−x), left (+x)]; the mirrored ones (brow band,
outlines) are for the +x side, applied to |x|.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.head_facts import _EAR_LOBE, _EAR_TOP
from shotspec.runtime.head.model import HeadData

__all__ = ["FaceAnchors", "face_anchors"]


@dataclass(frozen=True)
class FaceAnchors:
    """Anchor points of one rest face in object-space millimetres (float32 tensors)."""

    landmarks: torch.Tensor        # (68, 3)
    head_centre: torch.Tensor      # (3,) the scalp's vertical axis passes through it
    brows: torch.Tensor            # (2, 5, 3) landmarks 17–21 (right) and 22–26 (left)
    brow_band: torch.Tensor        # (5, 3) the +x brow's centre line (below its landmark edge)
    eye_outer: torch.Tensor        # (2, 3) outer corners 36, 45
    eye_inner: torch.Tensor        # (2, 3) inner corners 39, 42
    eye_centre: torch.Tensor       # (2, 3)
    eye_top: torch.Tensor          # (2, 3) upper lid margin, middle
    eye_bottom: torch.Tensor       # (2, 3) lower lid margin, middle
    nasion: torch.Tensor           # (3,) 27
    nose_tip: torch.Tensor         # (3,) 30
    subnasale: torch.Tensor        # (3,) 33
    alar: torch.Tensor             # (2, 3) 31, 35 (nostril wings' outer base)
    mouth_corner: torch.Tensor     # (2, 3) 48, 54
    lip_outer: torch.Tensor        # (12, 3) 48–59, the vermilion border
    lip_bottom: torch.Tensor       # (3,) 57
    menton: torch.Tensor           # (3,) 8
    jaw_line: torch.Tensor         # (5, 3) 8…12: chin to the jaw angle on the +x side (x rising)
    jaw_top: torch.Tensor          # (3,) 16, where the jaw contour meets the ear
    ear_top: torch.Tensor          # (3,) +x helix, outermost
    ear_lobe: torch.Tensor         # (3,) +x lobe, lowest
    ear_centre: torch.Tensor       # (2, 3)
    nose_outline: torch.Tensor     # (K, 2) x-y polygon of the nose (both sides)
    upper_lip_outline: torch.Tensor  # (K, 2) x-y polygon: nose base, nasolabial lines, lip border
    nasolabial: torch.Tensor       # (3, 3) +x crease polyline: beside the ala, past the corner, down


def face_anchors(head: HeadData, rest_m: torch.Tensor) -> FaceAnchors:
    """Anchors of the rest mesh ``rest_m`` ((V, 3) metres, the model's topology)."""
    v = rest_m.float() * 1000.0
    lm = v[head.landmarks68]
    dev = v.device

    def t(*xy: float) -> torch.Tensor:
        return torch.tensor(xy, dtype=torch.float32, device=dev)

    brows = torch.stack((lm[17:22], lm[22:27]))
    eye_c = torch.stack((lm[36:42].mean(0), lm[42:48].mean(0)))
    ear_top, ear_lobe = v[_EAR_TOP[1]], v[_EAR_LOBE[1]]
    ear_c = 0.5 * (ear_top + ear_lobe) + t(0.0, 0.0, -7.0)
    ear_centre = torch.stack((ear_c * t(-1.0, 1.0, 1.0), ear_c))
    n27, n29, n31, n33, n35 = lm[27], lm[29], lm[31], lm[33], lm[35]
    half = [(7.0, float(n27[1]) - 3.0), (10.0, float(n29[1])), (float(n35[0]) + 5.5, float(n35[1]) + 8.0),
            (float(n35[0]) + 5.0, float(n35[1]) - 1.5), (3.0, float(n33[1]) - 1.5)]
    nose = [(x, y) for x, y in half] + [(-x, y) for x, y in reversed(half)]
    upper = ([tuple(map(float, lm[i, :2])) for i in range(48, 55)]
             + [(float(n35[0]) + 6.0, float(n35[1]) + 1.0)]
             + [tuple(map(float, lm[i, :2])) for i in (35, 34, 33, 32, 31)]
             + [(float(n31[0]) - 6.0, float(n31[1]) + 1.0)])
    corner = lm[54]
    nasolabial = torch.stack((n35 + t(5.5, 3.0, -3.0), corner + t(5.0, 1.0, -1.0), corner + t(9.0, -11.0, -4.0)))
    return FaceAnchors(
        landmarks=lm, head_centre=t(0.0, float(ear_top[1]) + 10.0, float(ear_c[2]) + 5.0),
        brows=brows, brow_band=lm[22:27] - t(0.0, 3.0, 0.0),
        eye_outer=torch.stack((lm[36], lm[45])), eye_inner=torch.stack((lm[39], lm[42])), eye_centre=eye_c,
        eye_top=torch.stack((lm[37:39].mean(0), lm[43:45].mean(0))),
        eye_bottom=torch.stack((lm[40:42].mean(0), lm[46:48].mean(0))),
        nasion=n27, nose_tip=lm[30], subnasale=n33, alar=torch.stack((n31, n35)),
        mouth_corner=torch.stack((lm[48], lm[54])), lip_outer=lm[48:60], lip_bottom=lm[57],
        menton=lm[8], jaw_line=lm[8:13], jaw_top=lm[16], ear_top=ear_top, ear_lobe=ear_lobe,
        ear_centre=ear_centre, nose_outline=torch.tensor(nose, device=dev),
        upper_lip_outline=torch.tensor(upper, device=dev), nasolabial=nasolabial)
