"""Identity lock: reference photos → checked, measured → one ``.identity`` file.

``build_identity`` is the entry point (the ``shot identity build`` command wraps it); the file
format itself lives in the torch-free ``shotspec.compiler.identity_file``. Face finding uses
mediapipe's face mesh when the optional ``faces`` extra is installed, else a built-in
skin-colour and landmark fallback (docs/identity.md states what each can do). The face shape is
a fit of the scanned head's identity to every photo's landmarks (``face_fit``, on
``shotspec.runtime.head.fit``); the skin tables live in ``skin_calibration.json``.
``identity_coefficients_for`` gives the renderer a character's identity coefficients.
"""

# Names resolve on first use (PEP 562): a render needs only ``face_fit``, and importing the
# photo checks, skin measures and face finder with it cost a fresh render about 0.1 s.
_SOURCES = {
    "build_identity": "build", "IdentityBuild": "build", "PhotoResult": "build",
    "derive_seed": "build",
    "FaceFind": "faces", "Landmarks": "faces", "find_face": "faces", "mediapipe_available": "faces",
    "identity_coefficients_for": "face_fit", "mediapipe_points_68": "face_fit",
    "observation_from_landmarks": "face_fit",
    "FreckleSample": "freckles", "freckle_statistic": "freckles",
    "PhotoThresholds": "photos",
    "SkinSample": "skin_params", "load_calibration": "skin_params", "measure_skin": "skin_params",
}


def __getattr__(name: str):
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    module = import_module("shotspec.runtime.faces.face_finder" if source == "faces"
                           else f"{__name__}.{source}")
    value = getattr(module, name)
    globals()[name] = value
    return value


__all__ = ["build_identity", "IdentityBuild", "PhotoResult", "PhotoThresholds",
           "derive_seed", "find_face", "FaceFind", "Landmarks", "mediapipe_available",
           "measure_skin", "SkinSample", "load_calibration", "identity_coefficients_for",
           "observation_from_landmarks", "mediapipe_points_68",
           "freckle_statistic", "FreckleSample"]
