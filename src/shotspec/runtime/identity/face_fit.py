"""Face shape from reference photos: each photo's landmarks → the scanned head's identity.

The identity build turns every usable photo's landmarks into a ``LandmarkObservation`` (the 68
Multi-PIE points and the two pupils, ``shotspec.runtime.head.fit``) and fits one set of
identity coefficients to all of them (``fit_identity``: per-photo pose and focal length,
regularised by the model's N(0, 1) prior). What each landmark method gives:

* **mediapipe** (the optional ``faces`` extra): its 478-point mesh, read as the 68 through
  ``MEDIAPIPE_68`` (each Multi-PIE point is one mesh point or the mean of two: the usual
  correspondence of the two conventions, by the points' anatomical meaning), plus the iris
  centres the finder placed on the image's irises. The mesh's face oval runs a little inside
  the jaw line, so its contour points get ``MEDIAPIPE_CONTOUR_CONFIDENCE``.
* **built-in finder** (front-ish views): the two iris centres (the pupils), the mouth corners
  (the lip colour's centre ± half its corner-to-corner width along the eye line,
  ``MOUTH_CONFIDENCE``) and, where it measured the face width at mouth height, the two points
  of the face's outline there (contour points that slide along the jaw line,
  ``OUTLINE_CONFIDENCE``). Few points: the prior keeps most of the face at the average, and
  the head's rotation is held near a front view (``BUILT_IN_ROTATION_SD_RAD``), the views
  the finder works on, and no expression is fitted (two mouth corners cannot tell a smile
  from a wide mouth; mediapipe's 20 lip points can). Its eyes and mouth are used only when they are where a face has them
  (``EYE_MOUTH_RANGE``, ``MOUTH_RANGE``: the model's population at ±2.5 SD spans 0.93–1.39 and
  0.65–0.96, widened for head tilt and the finder's error): a finder that took a jaw for the
  eyes must not shape the face.

``identity_coefficients_for(character)`` is what the renderer calls: the identity file's fitted
coefficients when it has them (refused with E407 when fitted to another head model), else the
person drawn from the seed; the spec's face controls move either.
"""

from __future__ import annotations

import numpy as np

from shotspec.compiler.identity_file import load_identity, packaged_head_model
from shotspec.diagnostics import Diagnostic, ShotspecError
from shotspec.runtime.faces.face_finder import Landmarks
from shotspec.runtime.head.fit import N_POINTS, FitResult, LandmarkObservation, fit_identity
from shotspec.runtime.head.model import (HeadData, identity_coefficients, load_head,
                                         with_face_controls)

__all__ = ["MEDIAPIPE_68", "mediapipe_points_68", "observation_from_landmarks", "plausible_face",
           "fit_photos",
           "face_measures_sd", "head_model_name", "identity_coefficients_for",
           "MOUTH_CONFIDENCE", "OUTLINE_CONFIDENCE", "MEDIAPIPE_CONTOUR_CONFIDENCE"]

MOUTH_CONFIDENCE = 0.7               # built-in mouth corners (from the lip colour's spread)
OUTLINE_CONFIDENCE = 0.5             # built-in face outline at mouth height
MEDIAPIPE_CONTOUR_CONFIDENCE = 0.6   # mediapipe's face oval as the jaw contour
# landmark noise σ as a share of the outer eye-corner distance (mediapipe) or of the pupil
# distance (built-in finder), measured on renders (bench/identity_render_loop.py)
MEDIAPIPE_NOISE_FRACTION = 0.05
BUILT_IN_NOISE_FRACTION = 0.04
BUILT_IN_ROTATION_SD_RAD = 0.2       # built-in finder: front-ish views only
EYE_MOUTH_RANGE = (0.75, 1.5)        # eye line to mouth / pupil distance, a plausible face
MOUTH_RANGE = (0.5, 1.1)             # mouth corner to corner / pupil distance

# Multi-PIE point → mediapipe face-mesh points (their mean). 0–16 jaw from the subject's
# right ear to the left, 17–26 brows, 27–30 nose bridge to tip, 31–35 nostrils and
# subnasale, 36–47 eyes (outer corner of the subject's right eye first), 48–59 outer lips from
# the right corner, 60–67 inner lips.
MEDIAPIPE_68: tuple[tuple[int, ...], ...] = (
    (127,), (234,), (93,), (132, 58), (58, 172), (136,), (150,), (176,), (152,),
    (400,), (379,), (365,), (397, 288), (361,), (323,), (454,), (356,),
    (70,), (63,), (105,), (66,), (107,), (336,), (296,), (334,), (293,), (300,),
    (168, 6), (197, 195), (5,), (4,), (75,), (97,), (2,), (326,), (305,),
    (33,), (160,), (158,), (133,), (153,), (144,), (362,), (385,), (387,), (263,), (373,), (380,),
    (61,), (39,), (37,), (0,), (267,), (269,), (291,), (321,), (314,), (17,), (84,), (91,),
    (78,), (82,), (13,), (312,), (308,), (317,), (14,), (87,),
)


def mediapipe_points_68(mesh: np.ndarray) -> np.ndarray:
    """The 68 Multi-PIE points (68, 2) of a mediapipe face mesh (≥ 468, 2) in its pixels."""
    mesh = np.asarray(mesh, dtype=np.float64)
    if mesh.ndim != 2 or mesh.shape[0] < 468:
        raise ValueError(f"a mediapipe face mesh has 468 or 478 points, got {mesh.shape}")
    return np.array([mesh[list(ids), :2].mean(0) for ids in MEDIAPIPE_68])


def observation_from_landmarks(marks: Landmarks, image_size: tuple[int, int]
                               ) -> LandmarkObservation | None:
    """One photo's landmarks as the fit's observation in an image of ``image_size`` (width,
    height): the finder's points are pixel indices (centres at whole numbers) and move by half
    a pixel; mediapipe's mesh is already in edge-based coordinates. None when fewer than four
    points are known."""
    pts = np.zeros((N_POINTS, 2))
    conf = np.zeros(N_POINTS)
    right, left = sorted(marks.eyes)              # image left = the subject's right eye
    pts[68], pts[69], conf[68:70] = right, left, 1.0
    mesh = getattr(marks, "mesh", None)
    if mesh is not None:
        # the pupils are not head points: people look at the camera, and an eye turned 25°
        # moves its pupil ~5 mm on the face; the mesh's eye corners and lids pin the eyes
        conf[68:70] = 0.0
        pts[:68] = mediapipe_points_68(mesh) - 0.5
        conf[:68] = 1.0
        conf[:17] = MEDIAPIPE_CONTOUR_CONFIDENCE
    elif marks.mouth is not None:
        if not plausible_face(marks):
            return None
        axis = np.subtract(left, right)
        axis = axis / max(float(np.linalg.norm(axis)), 1e-9)
        centre = np.asarray(marks.mouth, dtype=np.float64)
        if marks.mouth_width is not None and np.isfinite(marks.mouth_width):
            pts[48], pts[54] = centre - 0.5 * marks.mouth_width * axis, centre + 0.5 * marks.mouth_width * axis
            conf[[48, 54]] = MOUTH_CONFIDENCE
        if marks.jaw_width is not None and np.isfinite(marks.jaw_width):
            pts[4], pts[12] = centre - 0.5 * marks.jaw_width * axis, centre + 0.5 * marks.jaw_width * axis
            conf[[4, 12]] = OUTLINE_CONFIDENCE
    if int((conf > 0).sum()) < 4:
        return None
    built_in = mesh is None
    # measured landmark error on renders of known people (bench/identity_render_loop.py):
    # mediapipe's points sit 3–5 % of the outer eye-corner distance off the model's, the
    # built-in finder's few points further; a σ that small would read them as face shape
    a, b = (68, 69) if built_in else (36, 45)
    noise = (BUILT_IN_NOISE_FRACTION if built_in else MEDIAPIPE_NOISE_FRACTION) * float(
        np.linalg.norm(pts[a] - pts[b]))
    return LandmarkObservation(pts + 0.5, conf, (int(image_size[0]), int(image_size[1])),
                               noise_px=max(noise, 0.5),
                               rotation_sd_rad=BUILT_IN_ROTATION_SD_RAD if built_in else None,
                               expressions=not built_in)


def plausible_face(marks: Landmarks) -> bool:
    """The built-in finder's eyes and mouth sit as a face's do: the mouth below the eye line
    (``EYE_MOUTH_RANGE`` pupil distances) and about as wide as ``MOUTH_RANGE`` says."""
    if marks.mouth is None:
        return False
    (ax, ay), (bx, by) = sorted(marks.eyes)           # image left to right
    ipd = marks.eye_distance
    if ipd <= 0:
        return False
    mx, my = marks.mouth
    # signed distance from the eye line, + below it (image y grows downwards)
    below = ((bx - ax) * (my - ay) - (by - ay) * (mx - ax)) / ipd
    ok = EYE_MOUTH_RANGE[0] <= below / ipd <= EYE_MOUTH_RANGE[1]
    if marks.mouth_width is not None and np.isfinite(marks.mouth_width):
        ok = ok and MOUTH_RANGE[0] <= marks.mouth_width / ipd <= MOUTH_RANGE[1]
    return ok


def fit_photos(observations: list[LandmarkObservation], head: HeadData | None = None) -> FitResult:
    """The identity fitted to the photos' observations (all modes, the N(0, 1) prior)."""
    return fit_identity(observations, head if head is not None else load_head())


def face_measures_sd(head: HeadData, coefficients: np.ndarray) -> dict[str, float]:
    """Each named face measure of a person, in population SDs from the average face (the
    controls' scale, to first order)."""
    c = np.asarray(coefficients, dtype=np.float64)[: head.control_grad_mm.shape[1]]
    sd = head.control_sd_mm()
    return {n: float(g @ c) / sd[n] for n, g in zip(head.control_names, head.control_grad_mm)}


def head_model_name(head: HeadData) -> str:
    """The head model's name as identity files record it ("ICT-FaceKit <commit>")."""
    prov = head.provenance
    return f"{prov.get('kit', 'head')} {prov.get('commit', 'unknown')}"


def identity_coefficients_for(character, head: HeadData | None = None) -> np.ndarray:
    """Identity coefficients (K,) float64 of a ``CharacterIR``: its identity file's fitted ones
    when it has them, else the person drawn from ``character.seed``; the face controls the
    spec sets move either (``with_face_controls``). Raises ``ShotspecError`` (E402 malformed
    file, E407 fitted to another head model or to more modes than the head has)."""
    head = head if head is not None else load_head()
    face = getattr(character, "face", None)
    controls = {n: getattr(face, n, None) for n in head.control_names}
    if getattr(character, "identity", None):
        ident = load_identity(character.identity)
        if ident.coefficients is not None:
            shown = character.identity
            if ident.head_model != head_model_name(head) or len(ident.coefficients) > head.n_modes:
                why = (f"fitted to `{ident.head_model}`" if ident.head_model != head_model_name(head)
                       else f"has {len(ident.coefficients)} coefficients for {head.n_modes} modes")
                raise ShotspecError(Diagnostic.of(
                    "E407", f"identity `{shown}` {why}; this shotspec ships "
                            f"`{packaged_head_model()}`",
                    file=str(shown), help=f"rebuild it: `shot identity build PHOTOS_DIR -o {shown}`"))
            c = np.zeros(head.n_modes)
            c[: len(ident.coefficients)] = ident.coefficients
            return with_face_controls(head, c, controls)
    return identity_coefficients(head, int(character.seed), controls)
