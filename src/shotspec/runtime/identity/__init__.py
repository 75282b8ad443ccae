"""Identity lock: reference photos → checked, measured → one ``.identity`` file.

``build_identity`` is the entry point (the ``shot identity build`` command wraps it); the file
format itself lives in the torch-free ``shotspec.compiler.identity_file``. Face finding uses
mediapipe's face mesh when the optional ``faces`` extra is installed, else a built-in
skin-colour and landmark fallback (docs/identity.md states what each can do). The
head-dependent numbers live in ``calibration.json`` (``tools/calibrate_identity.py``).
"""

from shotspec.runtime.identity.build import (IdentityBuild, PhotoResult, build_identity,
                                             derive_seed)
from shotspec.runtime.faces.face_finder import FaceFind, Landmarks, find_face, mediapipe_available
from shotspec.runtime.identity.face_shape import load_calibration, shape_params
from shotspec.runtime.identity.freckles import FreckleSample, freckle_statistic
from shotspec.runtime.identity.photos import PhotoThresholds
from shotspec.runtime.identity.skin_params import SkinSample, measure_skin

__all__ = ["build_identity", "IdentityBuild", "PhotoResult", "PhotoThresholds",
           "derive_seed", "find_face", "FaceFind", "Landmarks", "mediapipe_available",
           "measure_skin", "SkinSample", "shape_params", "load_calibration",
           "freckle_statistic", "FreckleSample"]
