"""Facts about the packaged ICT-FaceKit head that both the compiler and the runtime need.

Torch-free (numpy only inside ``measure_mm``). The part table and landmark indices are the kit's
documented ones (README of ICT-FaceKit, commit da5f95a, MIT licence); the extra vertex ids
(cheek, ear, neck points) were picked once on the kit's neutral mesh by rule (see each entry).
The face-shape controls are named measures of the face; ``tools/convert_facekit.py`` turns
each into a direction in identity space (its gradient in mm per unit coefficient) so a user can
move a face "2 mm wider at the jaw" or "+1 SD nose length".
"""

from __future__ import annotations

from typing import Any

__all__ = ["EYE_PLANE_Z", "AIM_DROP_M", "TORSO_BOTTOM_M", "PARTS", "PART_IDS", "LANDMARKS_68", "FACE_MEASURES", "measure_mm"]

# object-space z of the corneal apexes (the renderer's eye plane), metres
EYE_PLANE_Z = 0.012
# the render camera aims this far below the eyes (portrait composition), metres
AIM_DROP_M = 0.030
# where the character's garment-clad bust ends, object-space y (m below the eyes)
TORSO_BOTTOM_M = -0.72

# (name, polygon range [lo, hi] inclusive, vertex range [lo, hi] inclusive) in the kit's order
PARTS: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("face", (0, 9229), (0, 9408)),
    ("head_neck", (9230, 11143), (9409, 11247)),
    ("mouth_socket", (11144, 13225), (11248, 13293)),
    ("eye_socket_left", (13226, 13629), (13294, 13677)),
    ("eye_socket_right", (13630, 14033), (13678, 14061)),
    ("gums_tongue", (14034, 17005), (14062, 17038)),
    ("teeth", (17006, 21495), (17039, 21450)),
    ("eyeball_left", (21496, 23093), (21451, 23020)),
    ("eyeball_right", (23094, 24691), (23021, 24590)),
    ("lacrimal_left", (24692, 24854), (24591, 24794)),
    ("lacrimal_right", (24855, 25017), (24795, 24998)),
    ("eye_blend_left", (25018, 25032), (24999, 25022)),
    ("eye_blend_right", (25033, 25047), (25023, 25046)),
    ("eye_occlusion_left", (25048, 25175), (25047, 25198)),
    ("eye_occlusion_right", (25176, 25303), (25199, 25350)),
    ("eyelashes_left", (25304, 25843), (25351, 26034)),
    ("eyelashes_right", (25844, 26383), (26035, 26718)),
)
PART_IDS = {name: i for i, (name, _, _) in enumerate(PARTS)}

# Multi-PIE 68-point landmarks as vertex ids (0 = jaw at the subject's right ear … 8 = menton,
# 27 = nasion, 33 = subnasale, 36/39 right eye outer/inner corner, 42/45 left eye inner/outer,
# 48/54 mouth corners, 51 upper-lip top, 57 lower-lip bottom)
LANDMARKS_68 = (
    1225, 1888, 1052, 367, 1719, 1722, 2199, 1447, 966, 3661, 4390, 3927, 3924, 2608, 3272, 4088,
    3443, 268, 493, 1914, 2044, 1401, 3615, 4240, 4114, 2734, 2509, 978, 4527, 4942, 4857, 1140,
    2075, 1147, 4269, 3360, 1507, 1542, 1537, 1528, 1518, 1511, 3742, 3751, 3756, 3721, 3725, 3732,
    5708, 5695, 2081, 0, 4275, 6200, 6213, 6346, 6461, 5518, 5957, 5841, 5702, 5711, 5533, 6216,
    6207, 6470, 5517, 5966,
)

# Extra vertex ids, picked on the neutral mesh: the cheek surface 1.8 cm below and 0.5 cm outside
# each outer eye corner (frontmost vertex there); the helix's outermost point and the lowest
# point of the lobe of each ear; each side of the neck 4 cm below the menton.
_CHEEK = (1150, 3369)
_EAR_TOP = (7571, 6844)
_EAR_LOBE = (7850, 7123)
_NECK = (10725, 11030)


def _lm(i: int) -> tuple[int, ...]:
    return (LANDMARKS_68[i],)


def _mid(*ids: int) -> tuple[int, ...]:
    return tuple(LANDMARKS_68[i] for i in ids)


# name -> (kind, point A vertex ids, point B vertex ids, meaning). Each point is the mean of its
# ids. kind "dist": 3-D distance A–B; "depth": how far A stands in front of B (z, mm);
# "pair": mean of the two distances A[0]–B[0] and A[1]–B[1].
FACE_MEASURES: dict[str, tuple[str, tuple[int, ...], tuple[int, ...], str]] = {
    "face_width": ("dist", _lm(0), _lm(16), "width of the face at the temples (jaw top to jaw top)"),
    "face_length": ("dist", _lm(27), _lm(8), "nasion to menton"),
    "jaw_width": ("dist", _lm(4), _lm(12), "width across the jaw angles"),
    "chin_length": ("dist", _lm(57), _lm(8), "lower lip to the bottom of the chin"),
    "cheekbones": ("dist", (_CHEEK[0],), (_CHEEK[1],), "width across the cheekbones"),
    "brow_ridge": ("depth", _mid(19, 24), _mid(39, 42), "brow ridge in front of the inner eye corners"),
    "eye_spacing": ("dist", _lm(39), _lm(42), "between the inner eye corners"),
    "eye_size": ("pair", _mid(36, 42), _mid(39, 45), "eye opening width (corner to corner)"),
    "nose_length": ("dist", _lm(27), _lm(33), "nasion to the base of the nose"),
    "nose_width": ("dist", _lm(31), _lm(35), "width across the nostrils"),
    "nose_bridge": ("depth", _lm(29), _mid(39, 42), "nose bridge in front of the inner eye corners"),
    "lip_fullness": ("dist", _lm(51), _lm(57), "top of the upper lip to bottom of the lower lip"),
    "mouth_width": ("dist", _lm(48), _lm(54), "between the mouth corners"),
    "ear_size": ("pair", _EAR_TOP, _EAR_LOBE, "ear height, helix to lobe"),
    "neck_width": ("dist", (_NECK[0],), (_NECK[1],), "neck width below the jaw"),
}


def measure_mm(name: str, vertices_m: Any) -> float:
    """The measure ``name`` of a mesh ``vertices_m`` ((V, 3) metres, numpy or torch), in mm."""
    import numpy as np

    kind, a, b, _ = FACE_MEASURES[name]
    v = np.asarray(vertices_m, dtype=np.float64)
    if kind == "pair":
        d = [np.linalg.norm(v[a[i]] - v[b[i]]) for i in range(2)]
        return float(500.0 * (d[0] + d[1]))
    pa, pb = v[list(a)].mean(axis=0), v[list(b)].mean(axis=0)
    if kind == "depth":
        return float(1000.0 * (pa[2] - pb[2]))
    return float(1000.0 * np.linalg.norm(pa - pb))
