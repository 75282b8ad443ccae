"""The identity lock on the scanned head: landmarks → observations, the identity file's fitted
coefficients (format v2, the head model check, v1 files) and what the renderer gets."""

from __future__ import annotations

from pathlib import Path

import math

import numpy as np
import pytest

from shotspec.compiler.identity_file import (FORMAT_VERSION, Identity, IdentityFileError,
                                             IdentitySkin, check_identity, load_identity,
                                             packaged_head_model, parse_identity, write_identity)
from shotspec.compiler.ir import CharacterIR, FaceIR
from shotspec.diagnostics import ShotspecError
from shotspec.runtime.faces.face_finder import Landmarks
from shotspec.runtime.head.fit import detector_vertices, fit_identity, project_px
from shotspec.runtime.head.model import identity_coefficients, load_head, pose_head
from shotspec.runtime.identity.face_fit import (BUILT_IN_ROTATION_SD_RAD, MEDIAPIPE_68,
                                                MEDIAPIPE_CONTOUR_CONFIDENCE, face_measures_sd,
                                                head_model_name, identity_coefficients_for,
                                                mediapipe_points_68, observation_from_landmarks)

SHA = "0" * 64


@pytest.fixture(scope="module")
def head():
    return load_head()


# --------------------------------------------------------------------------- observations

def test_built_in_landmarks_become_pupils_mouth_corners_and_outline():
    marks = Landmarks(((30.0, 40.0), (80.0, 40.0)), (55.0, 95.0), 38.0, None, 120.0, "fallback")
    obs = observation_from_landmarks(marks, (110, 140))
    seen = np.flatnonzero(obs.confidence)
    assert seen.tolist() == [4, 12, 48, 54, 68, 69]
    assert obs.points_px[68].tolist() == [30.5, 40.5] and obs.points_px[69].tolist() == [80.5, 40.5]
    assert obs.points_px[48].tolist() == [36.5, 95.5] and obs.points_px[54].tolist() == [74.5, 95.5]
    assert obs.points_px[4].tolist() == [-4.5, 95.5] and obs.points_px[12].tolist() == [115.5, 95.5]
    assert obs.rotation_sd_rad == BUILT_IN_ROTATION_SD_RAD and obs.image_size == (110, 140)
    # eyes given right-to-left in the image still put the subject's right eye first
    swapped = Landmarks(((80.0, 40.0), (30.0, 40.0)), (55.0, 95.0), 38.0, None, None, "fallback")
    assert observation_from_landmarks(swapped, (110, 140)).points_px[68].tolist() == [30.5, 40.5]
    # a "mouth" 1.9 eye distances below the eyes, or 0.3 wide, is not a face's: not used
    low = Landmarks(((30.0, 40.0), (80.0, 40.0)), (55.0, 135.0), 38.0, None, None, "fallback")
    thin = Landmarks(((30.0, 40.0), (80.0, 40.0)), (55.0, 95.0), 15.0, None, None, "fallback")
    eyes_only = Landmarks(((30.0, 40.0), (80.0, 40.0)), None, None, None, None, "fallback")
    assert all(observation_from_landmarks(m, (110, 140)) is None for m in (low, thin, eyes_only))


def test_mediapipe_mesh_reads_as_the_68():
    assert len(MEDIAPIPE_68) == 68 and all(0 <= i < 468 for ids in MEDIAPIPE_68 for i in ids)
    mesh = np.stack((np.arange(478.0), 2.0 * np.arange(478.0)), 1)
    pts = mediapipe_points_68(mesh)
    assert pts[8].tolist() == [152.0, 304.0]                    # menton
    assert pts[3].tolist() == [95.0, 190.0]                     # mean of 132 and 58
    assert pts[36, 0] == 33.0 and pts[45, 0] == 263.0 and pts[48, 0] == 61.0 and pts[54, 0] == 291.0
    marks = Landmarks(((30.0, 40.0), (80.0, 40.0)), (55.0, 95.0), 38.0, None, None, "mediapipe",
                      mesh=mesh)
    obs = observation_from_landmarks(marks, (500, 600))
    assert np.array_equal(obs.points_px[:68], pts)             # mesh coordinates are edge-based
    assert obs.confidence[:17].tolist() == [MEDIAPIPE_CONTOUR_CONFIDENCE] * 17
    assert obs.confidence[17:68].tolist() == [1.0] * 51 and obs.rotation_sd_rad is None
    # pupils move with the gaze, not with the head: the mesh's eye corners and lids pin the eyes
    assert obs.confidence[68:].tolist() == [0.0, 0.0]
    # σ: MEDIAPIPE_NOISE_FRACTION of the outer eye-corner distance (33 → 263 px here)
    assert obs.noise_px == pytest.approx(0.05 * math.hypot(230.0, 460.0))
    with pytest.raises(ValueError, match="468 or 478"):
        mediapipe_points_68(mesh[:100])


def _built_in_view(head, coefficients, size=(240, 300), f=420.0, depth=0.55):
    """What the built-in finder would report on a front photo of this person: pupils, mouth
    centre and corner-to-corner width (pixel indices, centres at whole numbers)."""
    import torch

    v = pose_head(head, coefficients).double()[list(detector_vertices())]
    cam = v - torch.tensor([0.0, -0.03, depth], dtype=torch.float64)
    uv = project_px(cam, f, size).numpy() - 0.5
    mouth = 0.5 * (uv[48] + uv[54])
    return Landmarks((tuple(uv[68]), tuple(uv[69])), tuple(mouth),
                     float(np.linalg.norm(uv[54] - uv[48])), None, None, "fallback")


def test_built_in_points_tell_a_wide_mouth_from_a_narrow_one(head):
    """Four points of one front photo say little: the prior spreads the mouth-to-eyes ratio
    over many modes, and with the finder's measured landmark noise (4 % of the pupil distance,
    ``BUILT_IN_NOISE_FRACTION``) a 4 SD difference in mouth width reads as about 0.5 SD — the
    right way round, and never more than the photo shows."""
    got = {}
    for sd in (-2.0, 2.0):
        c = identity_coefficients(head, 4, {"mouth_width": sd})
        obs = observation_from_landmarks(_built_in_view(head, c), (240, 300))
        got[sd] = face_measures_sd(head, fit_identity([obs], head).coefficients)["mouth_width"]
    assert got[2.0] - got[-2.0] > 0.4, got
    assert got[-2.0] < 0.0 < got[2.0]


# --------------------------------------------------------------------------- identity file

def _identity(tmp_path: Path, **kw) -> Path:
    ident = Identity(version=FORMAT_VERSION, seed=11, photos_dir=".", photos=(("a.png", SHA),),
                     skin=IdentitySkin(), **kw)
    path = tmp_path / "mara.identity"
    write_identity(path, ident)
    (tmp_path / "a.png").write_bytes(b"")
    return path


def test_fitted_coefficients_round_trip_and_the_head_model_is_checked(tmp_path, head):
    assert packaged_head_model() == head_model_name(head)
    coeffs = tuple(round(0.1 * k - 2.0, 4) for k in range(head.n_modes))
    path = _identity(tmp_path, coefficients=coeffs, head_model=packaged_head_model())
    text = path.read_text()
    assert "version = 2" in text and "[shape]" in text and "[face]" not in text
    ident = load_identity(path)
    assert ident.coefficients == coeffs and ident.head_model == packaged_head_model()
    assert ident.face == {} and ident.face_ignored == ()
    assert "E407" not in [d.code for d in check_identity(str(path))]
    # the renderer gets exactly these (float64), and a face control set in the spec moves them
    ch = CharacterIR(name="mara", seed=99, identity=str(path))
    assert np.array_equal(identity_coefficients_for(ch, head), np.asarray(coeffs))
    ch_jaw = ch.model_copy(update={"face": FaceIR(jaw_width=0.8)})
    moved = identity_coefficients_for(ch_jaw, head)
    assert face_measures_sd(head, moved)["jaw_width"] == pytest.approx(0.8, abs=1e-6)
    # fewer coefficients than modes (an identity fitted to fewer): the rest are 0
    short = _identity(tmp_path, coefficients=coeffs[:10], head_model=packaged_head_model())
    got = identity_coefficients_for(CharacterIR(name="m", identity=str(short)), head)
    assert got[:10].tolist() == list(coeffs[:10]) and not got[10:].any()


def test_an_identity_fitted_to_another_head_is_refused(tmp_path, head):
    path = _identity(tmp_path, coefficients=(0.5,) * head.n_modes,
                     head_model="ICT-FaceKit 0000000000000000000000000000000000000000")
    e407 = [d for d in check_identity(str(path)) if d.code == "E407"]
    assert len(e407) == 1 and "another head model" in e407[0].message
    assert "shot identity build" in e407[0].help
    with pytest.raises(ShotspecError) as exc:
        identity_coefficients_for(CharacterIR(name="mara", identity=str(path)), head)
    assert exc.value.code == "E407" and "ICT-FaceKit 0000" in exc.value.message
    too_many = _identity(tmp_path, coefficients=(0.1,) * (head.n_modes + 5),
                         head_model=packaged_head_model())
    with pytest.raises(ShotspecError, match=f"{head.n_modes + 5} coefficients"):
        identity_coefficients_for(CharacterIR(name="mara", identity=str(too_many)), head)


def test_version_1_files_read_and_their_face_is_redrawn_from_the_seed(tmp_path, head):
    text = ('format = "shotspec-identity"\nversion = 1\nphotos_dir = "."\nseed = 1842\n\n[skin]\n'
            'albedo_srgb = [0.8, 0.7, 0.6]\nredness = 0.2\ntone = 5.0\ntone_scale = "monk"\n'
            'undertone = "warm"\n\n[face]\neye_spacing = -0.3\nmouth_width = 0.4\n\n[photos]\n'
            f'"a.png" = "{SHA}"\n')
    path = tmp_path / "old.identity"
    path.write_text(text)
    (tmp_path / "a.png").write_bytes(b"")
    ident = load_identity(path)
    assert ident.face == {} and ident.face_ignored == ("eye_spacing", "mouth_width")
    assert ident.coefficients is None and ident.seed == 1842
    w408 = [d for d in check_identity(str(path)) if d.code == "W408"]
    assert len(w408) == 1 and "eye_spacing, mouth_width" in w408[0].message
    assert "drawn from the seed" in w408[0].message and w408[0].severity == "warning"
    ch = CharacterIR(name="mara", seed=1842, identity=str(path))
    assert np.array_equal(identity_coefficients_for(ch, head), identity_coefficients(head, 1842))
    # no identity at all: the seed's person
    assert np.array_equal(identity_coefficients_for(CharacterIR(name="x", seed=5), head),
                          identity_coefficients(head, 5))


@pytest.mark.parametrize("line, reason", [
    ("coefficients = [0.1, nan]", "cannot read"),
    ("coefficients = [0.1, 11.0]", "within ±10"),
    ("coefficients = []", "within ±10"),
    ('coefficients = "0.1"', "must be a list"),
])
def test_malformed_shape_sections_are_E402(line, reason):
    text = ('format = "shotspec-identity"\nversion = 2\nphotos_dir = "."\nseed = 1\n\n[skin]\n'
            'albedo_srgb = [0.8, 0.7, 0.6]\nredness = 0.2\ntone = 5.0\ntone_scale = "monk"\n'
            f'undertone = "warm"\n\n[shape]\nmodel = "ICT-FaceKit x"\n{line}\n\n[photos]\n')
    with pytest.raises(IdentityFileError) as exc:
        parse_identity(text, "<t>")
    assert reason in exc.value.reason and exc.value.line == 15
    missing = text.replace('model = "ICT-FaceKit x"\n', "")
    with pytest.raises(IdentityFileError, match="missing"):
        parse_identity(missing.replace(line, "coefficients = [0.1]"), "<t>")
