"""Identity lock: reference photos → checked, measured → one ``.identity`` file.

``build_identity`` is the entry point (the ``shot identity build`` command wraps it); the file
format itself lives in the torch-free ``shotspec.compiler.identity_file``. Face finding uses
mediapipe's face mesh when the optional ``faces`` extra is installed, else a built-in
skin-colour and landmark fallback (docs/identity.md states what each can do). The face shape is
a fit of the scanned head's identity to every photo's landmarks (``face_fit``, on
``shotspec.runtime.head.fit``); the skin tables live in ``skin_calibration.json``.
``identity_coefficients_for`` gives the renderer a character's identity coefficients.
"""

from shotspec.runtime.identity.build import (IdentityBuild, PhotoResult, build_identity,
                                             derive_seed)
from shotspec.runtime.faces.face_finder import FaceFind, Landmarks, find_face, mediapipe_available
from shotspec.runtime.identity.face_fit import (identity_coefficients_for, mediapipe_points_68,
                                                observation_from_landmarks)
from shotspec.runtime.identity.freckles import FreckleSample, freckle_statistic
from shotspec.runtime.identity.photos import PhotoThresholds
from shotspec.runtime.identity.skin_params import SkinSample, load_calibration, measure_skin

__all__ = ["build_identity", "IdentityBuild", "PhotoResult", "PhotoThresholds",
           "derive_seed", "find_face", "FaceFind", "Landmarks", "mediapipe_available",
           "measure_skin", "SkinSample", "load_calibration", "identity_coefficients_for",
           "observation_from_landmarks", "mediapipe_points_68",
           "freckle_statistic", "FreckleSample"]
