"""An iris looking at the camera has white sclera on both sides; a dark patch of hair beside one
white stroke of face paint has it on one side. The eye finder weighs the second less
(``kodim15.png`` at 750 px, Lanczos: such a patch had won by 0.0790 to 0.0787 and read the face
scale 38 % fine)."""

import numpy as np

from shotspec.runtime.faces.eye_pair import ONE_WHITE, _sclera_sides, _white
from shotspec.runtime.faces.iris import IrisFit

SKIN_LUMA, SKIN_SAT = 0.5, 0.4


def _scene(left_white: bool, right_white: bool):
    """Luma and saturation (60, 80) of skin with a dark disc (r 10 at x 40, y 30) and, beside
    it, a white band on each side asked for (else dark hair)."""
    luma = np.full((60, 80), SKIN_LUMA)
    sat = np.full((60, 80), SKIN_SAT)
    for x0, x1, white in ((22, 30, left_white), (51, 59, right_white)):
        luma[22:39, x0:x1] = 0.85 if white else 0.08
        sat[22:39, x0:x1] = 0.05 if white else 0.5
    yy, xx = np.mgrid[:60, :80]
    disc = (xx - 40) ** 2 + (yy - 30) ** 2 <= 100
    luma[disc], sat[disc] = 0.06, 0.3
    return luma, sat


def _fit() -> IrisFit:
    return IrisFit(40.0, 30.0, 10.0, 0.05, 2)


def test_white_on_both_sides_vouches_fully_one_side_less_none_not_at_all():
    for (left, right), sides, weight in (((True, True), 2, 1.0), ((False, True), 1, ONE_WHITE),
                                         ((True, False), 1, ONE_WHITE), ((False, False), 0, 0.0)):
        luma, sat = _scene(left, right)
        assert _sclera_sides(_fit(), sat, SKIN_SAT, luma, SKIN_LUMA) == sides
        assert _white(_fit(), sat, SKIN_SAT, luma, SKIN_LUMA) == weight
    assert 0.0 < ONE_WHITE < 1.0


def test_a_shaded_white_is_not_sclera():
    luma, sat = _scene(True, True)
    luma[22:39, 22:30] = luma[22:39, 51:59] = 0.1        # white in colour, but in shadow
    assert _sclera_sides(_fit(), sat, SKIN_SAT, luma, SKIN_LUMA) == 0
