"""The packaged ICT-FaceKit head: data, identity draws, face controls, expressions, gaze, pose."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from shotspec.head_facts import FACE_MEASURES, PARTS, measure_mm
from shotspec.runtime.head.model import COEFF_CLIP, DATA_FILE, identity_coefficients, pose_head


@pytest.fixture(scope="module")
def average(head):
    return pose_head(head, np.zeros(head.n_modes))


def test_data_file_is_compact_and_carries_its_provenance_and_licence(head):
    assert DATA_FILE.stat().st_size <= 10 * 1024 * 1024
    assert head.provenance["commit"].startswith("da5f95a")
    assert "generic_neutral_mesh.obj" in head.provenance["sha256"]
    licence = (DATA_FILE.parent / "LICENSE-ICT-FaceKit.txt").read_text()
    assert "MIT License" in licence and "Institute for Creative Technologies" in licence


def test_topology_matches_the_kit(head):
    assert head.neutral.shape == (26719, 3)
    assert head.faces.shape == (52220, 3)
    assert int(head.face_part.max()) == len(PARTS) - 1
    assert len(head.expr_names) == 55 and "mouthSmile_L" in head.expr_names
    assert head.n_modes >= 40
    # every triangle's corners lie in its part's vertex range, or on the face it is stitched to
    face_hi = PARTS[0][2][1]
    for i, (_, _, (lo, hi)) in enumerate(PARTS):
        corners = head.faces[head.face_part == i]
        assert bool((((corners >= lo) & (corners <= hi)) | (corners <= face_hi)).all())


def test_the_neutral_head_has_human_proportions(average):
    # interpupillary-ish (inner canthi) and face length in the adult range
    assert 28.0 < measure_mm("eye_spacing", average) < 40.0
    assert 100.0 < measure_mm("face_length", average) < 135.0
    assert 45.0 < measure_mm("mouth_width", average) < 60.0


def test_same_seed_same_person_and_seeds_differ(head, average):
    a = identity_coefficients(head, 7)
    assert np.array_equal(a, identity_coefficients(head, 7))
    assert np.abs(a).max() <= COEFF_CLIP
    faces = [pose_head(head, identity_coefficients(head, s))[:9409] for s in (1, 2, 3)]
    for i in range(3):
        for j in range(i + 1, 3):
            rms_mm = float(((faces[i] - faces[j]) ** 2).sum(1).mean().sqrt()) * 1000
            assert rms_mm > 2.0


@pytest.mark.parametrize("name", sorted(FACE_MEASURES))
def test_a_face_control_sets_its_measure_in_standard_deviations(head, average, name):
    sd = head.control_sd_mm()[name]
    v = pose_head(head, identity_coefficients(head, 11, {name: 1.5}))
    assert measure_mm(name, v) - measure_mm(name, average) == pytest.approx(1.5 * sd, abs=0.1 * sd)


def test_two_controls_are_met_together(head, average):
    sd = head.control_sd_mm()
    v = pose_head(head, identity_coefficients(head, 3, {"jaw_width": -1.0, "face_width": 1.0}))
    assert measure_mm("jaw_width", v) - measure_mm("jaw_width", average) == pytest.approx(
        -sd["jaw_width"], abs=0.1 * sd["jaw_width"])
    assert measure_mm("face_width", v) - measure_mm("face_width", average) == pytest.approx(
        sd["face_width"], abs=0.1 * sd["face_width"])


def test_a_smile_lifts_and_widens_the_mouth_corner(head, average):
    lm = head.landmarks68
    v = pose_head(head, np.zeros(head.n_modes), {"mouthSmile_L": 1.0})
    corner_mm = (v[lm[54]] - average[lm[54]]) * 1000
    assert corner_mm[0] > 4.0 and corner_mm[1] > 6.0          # out and up on the left side
    assert float((v[lm[48]] - average[lm[48]]).abs().max()) < 1e-5   # the right side stays


def test_unknown_expression_shape_is_refused(head):
    with pytest.raises(KeyError, match="mouthSmyle"):
        pose_head(head, np.zeros(head.n_modes), {"mouthSmyle": 1.0})


@pytest.mark.parametrize("turn", [0.0, 0.4])
def test_gaze_points_each_eye_at_its_target(head, average, turn):
    target = torch.tensor([0.25, 0.08, 0.7])
    v = pose_head(head, np.zeros(head.n_modes), turn_rad=turn, gaze_target=target)
    from shotspec.runtime.head.eye_parts import eye_geometry

    for side in ("left", "right"):
        g = eye_geometry(head, v, side)
        to_target = target - g.globe_centre_m
        cos = float(g.axis @ to_target / to_target.norm())
        assert math.degrees(math.acos(min(1.0, cos))) < 0.5


def test_a_head_turn_rotates_the_face_and_leaves_the_neck_base(head, average):
    v = pose_head(head, np.zeros(head.n_modes), turn_rad=math.radians(20))
    nose = int(head.landmarks68[30])
    assert float(v[nose, 0] - average[nose, 0]) > 0.02          # the face turns to +x
    base = average[:, 1] < -0.19
    assert float((v[base] - average[base]).abs().max()) < 1e-6


def test_the_compilers_face_control_table_matches_the_model(head):
    """The compiler converts `jaw_width +4mm` to SDs with head_vocabulary's table, which
    tools/face_control_table.py regenerates from the data file: they must agree."""
    from shotspec.head_vocabulary import FACE_CONTROL_SD_MM, FACE_CONTROLS

    assert tuple(FACE_CONTROLS) == head.control_names
    measured = head.control_sd_mm()
    assert FACE_CONTROL_SD_MM == {name: round(measured[name], 2) for name in head.control_names}
