"""The face's scale stays within 10 % when a plate arrives at another size than its own.

The shared photos resized with Pillow's box, bilinear and Lanczos kernels to 35–125 % of their
width (``bench/face_scale_sizes.py`` prints the whole sweep); the truth is 11.7 mm over the
hand-measured iris (``data/iris_labels.json``) times the resize factor. Before the limbus was
read at the middle of its first sclera step, and eye candidates allowed for a painted ring
around the eye, these read up to −34 % (``model_face.jpg`` at 800 px, Lanczos) and +210 %
(``kodim15.png`` under 500 px: no eye found); before twin irises counted without a sclera
beside them, ``model_face.jpg`` at 320 px (25 %, bilinear or Lanczos) read +33 % from a single
"iris" at an eye corner; before the full-resolution refit kept within 1.1 × the working fit's
radius, ``kodim15.png`` at 750 px (box) read −15 % from a refit on a wider step.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image

from shotspec.runtime.enhance import plan_enhance
from shotspec.runtime.faces.face_scale import IPD_MM, scale_from_irises
from shotspec.runtime.faces.iris import IRIS_DIAMETER_MM, IrisFit
from shotspec.runtime.frame import Frame, FrameMeta

sys.path.insert(0, str(Path(__file__).parent))
from shared_photos import FACES, KERNELS, linear_photo, photo_truth, resized_size  # noqa: E402

SIZES = {"model_face.jpg": (0.25, 0.35, 0.5, 0.625, 0.75, 1.25), "kodim04.png": (0.5, 0.75, 1.25),
         "kodim15.png": (0.5, 0.75, 1.25, 1.5)}


@pytest.mark.parametrize("photo,fraction,kernel",
                         [(p, f, k) for p, fs in SIZES.items() for f in fs for k in KERNELS])
def test_resized_photograph_scale_within_ten_percent(photo, fraction, kernel):
    path = FACES / photo
    if not path.exists():
        pytest.skip(f"shared test photo {path} not found")
    width = round(fraction * Image.open(path).size[0])
    frame = Frame(linear_photo(path, resized_size(photo, width), kernel), meta=FrameMeta(source="plate"))
    face = plan_enhance(frame).face
    assert face.mm_per_px == pytest.approx(photo_truth(photo, width), rel=0.10), face.scale_method
    assert "iris" in face.scale_method


def test_an_iris_coarser_than_the_eye_distance_is_not_averaged_with_it():
    """A turn makes the eye distance's scale coarser, never finer: an iris reading 12 % coarser
    than it is not pulled towards it (a wrong eye pair's long distance), one 12 % finer is
    averaged (a head turned about 27°)."""
    iris = (IrisFit(100.0, 100.0, 10.0, 0.1, 2),)                  # 20 px: 0.585 mm/px
    s_iris = IRIS_DIAMETER_MM / 20.0
    coarse = scale_from_irises(iris, IPD_MM / (s_iris / 1.12))      # eye distance reads 12 % finer
    assert coarse.mm_per_px == pytest.approx(s_iris, rel=1e-6)
    assert "disagrees" in coarse.method
    fine = scale_from_irises(iris, IPD_MM / (s_iris * 1.12))        # eye distance reads 12 % coarser
    assert fine.mm_per_px == pytest.approx(s_iris * 1.12 ** 0.5, rel=1e-6)
    assert "geometric mean" in fine.method


@pytest.mark.parametrize("photo,fraction,kernel",
                         [(p, f, k) for p in ("kodim04.png", "kodim15.png") for f in (0.25, 0.35) for k in KERNELS]
                         + [("kodim15.png", 0.625, "box")])
def test_where_the_scale_is_unreliable_the_text_asks_for_it(photo, fraction, kernel):
    """The sweep's failures at 25–35 % (irises 7–13 px) and kodim15 at 62 % box read irises under
    14 px or none: the scale's description says so and how to give it (no passing case does)."""
    path = FACES / photo
    if not path.exists():
        pytest.skip(f"shared test photo {path} not found")
    width = round(fraction * Image.open(path).size[0])
    frame = Frame(linear_photo(path, resized_size(photo, width), kernel), meta=FrameMeta(source="plate"))
    assert "give the scale when it matters: face_scale, --face-scale" in plan_enhance(frame).face.scale_method


def test_the_scale_text_asks_for_the_scale_only_from_small_irises_or_none():
    def fit(r: float) -> IrisFit:
        return IrisFit(50.0, 50.0, r, 0.05, 2)

    hint = "give the scale when it matters"
    assert hint in scale_from_irises((fit(6.5),), 80.0).method
    assert hint in scale_from_irises((), 80.0).method
    assert hint not in scale_from_irises((fit(7.5), fit(7.5)), 80.0).method      # 15 px: fine
