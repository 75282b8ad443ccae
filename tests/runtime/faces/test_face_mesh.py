"""The shared mediapipe run: landmarks in pixels, the iris centres when the mesh is refined,
the eye outlines' centres when it is not (a stand-in face mesh, so it runs without mediapipe)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from shotspec.runtime.faces.face_mesh import (eye_centres, landmark_centre, landmark_indices,
                                              mediapipe_available, run_face_mesh)

W, H = 200, 100


def _ring(first: int, n: int) -> frozenset:
    return frozenset((first + k, first + (k + 1) % n) for k in range(n))


def _fake_mesh(monkeypatch, count: int, seen: list):
    """``count`` landmarks: 0–3 the left eye's outline around (50, 40) px, 4–7 the right one's
    around (150, 40), 468–471 / 472–475 the irises 2 px right of the outlines' centres."""
    pts = np.zeros((count, 2))
    for i, (cx, cy) in enumerate([(50, 40), (150, 40)]):
        for k, (dx, dy) in enumerate([(-10, 0), (0, -4), (10, 0), (0, 4)]):
            pts[4 * i + k] = (cx + dx, cy + dy)
            if count >= 478:
                pts[468 + 4 * i + k] = (cx + 2 + dx / 5, cy + dy / 2)
    fm = types.SimpleNamespace(FACEMESH_LEFT_EYE=_ring(0, 4), FACEMESH_RIGHT_EYE=_ring(4, 4),
                               FACEMESH_LEFT_IRIS=_ring(468, 4), FACEMESH_RIGHT_IRIS=_ring(472, 4))

    class Mesh:
        def __init__(self, **kw):
            assert kw["refine_landmarks"] and kw["static_image_mode"]

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def process(self, img):
            seen.append(img)
            lm = [types.SimpleNamespace(x=x / W, y=y / H) for x, y in pts]
            return types.SimpleNamespace(multi_face_landmarks=[types.SimpleNamespace(landmark=lm)])

    fm.FaceMesh = Mesh
    monkeypatch.setitem(sys.modules, "mediapipe",
                        types.SimpleNamespace(solutions=types.SimpleNamespace(face_mesh=fm)))


def test_landmarks_come_back_in_pixels_and_the_irises_win(monkeypatch):
    seen: list = []
    _fake_mesh(monkeypatch, 478, seen)
    assert mediapipe_available()
    img = np.zeros((H, 2 * W, 3), dtype=np.uint8)[:, ::2]     # not contiguous
    pts, fm = run_face_mesh(img)
    assert seen[0].dtype == np.uint8 and seen[0].flags["C_CONTIGUOUS"]
    assert pts.shape == (478, 2) and pts.dtype == np.float64
    assert pts[2] == pytest.approx((60.0, 40.0))
    assert eye_centres(pts, fm) == (pytest.approx((52.0, 40.0)), pytest.approx((152.0, 40.0)))


def test_without_refined_irises_the_eye_outlines_are_used(monkeypatch):
    _fake_mesh(monkeypatch, 468, [])
    pts, fm = run_face_mesh(np.zeros((H, W, 3), dtype=np.uint8))
    assert eye_centres(pts, fm) == (pytest.approx((50.0, 40.0)), pytest.approx((150.0, 40.0)))


def test_no_face_gives_none(monkeypatch):
    _fake_mesh(monkeypatch, 468, [])
    fm = sys.modules["mediapipe"].solutions.face_mesh

    class Empty(fm.FaceMesh):
        def process(self, img):
            return types.SimpleNamespace(multi_face_landmarks=None)

    fm.FaceMesh = Empty
    assert run_face_mesh(np.zeros((H, W, 3), dtype=np.uint8)) is None


def test_connection_sets_give_sorted_landmark_numbers_and_centres():
    conn = frozenset({(5, 2), (2, 9), (9, 5)})
    assert landmark_indices(conn) == [2, 5, 9]
    pts = np.arange(20.0).reshape(10, 2)
    assert landmark_centre(pts, conn) == pytest.approx(((4 + 10 + 18) / 3, (5 + 11 + 19) / 3))


def test_without_mediapipe_it_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)     # import raises ImportError
    assert not mediapipe_available()
