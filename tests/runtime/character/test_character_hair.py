"""Hair, brows and cloth at a close-up's scale: the crop lies on the forehead instead of
standing off it as a ledge, the hairline is skin showing between tufts (not a pale band), and
brow strands and the knit's weave that the pixel cannot resolve fade to their average instead
of aliasing into dots or moire."""

from __future__ import annotations

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR
from shotspec.runtime.character import render_geometry, shade
from shotspec.runtime.character.geometry import head_model
from shotspec.runtime.character.regions import FaceRegions
from shotspec.runtime.character.sdf import REGION
from shotspec.runtime.character.skin import skin_base_albedo

DEFAULT = CharacterIR(name="d", seed=0)
CAMERA = CameraIR(distance_m=0.75)


def _front_hair_band(g, model):
    """Hair pixels on the front of the head from 2 to 25 mm above the hairline."""
    reg, pos = g.aovs["_region"][0, 0], g.aovs["position"][0]
    above = model.hairline(pos[0], pos[1], pos[2])
    return ((reg == REGION["hair"]) & (pos[0].abs() < 0.04) & (above > 0.002) & (above < 0.025)
            & (pos[2] > 0))


def test_hair_lies_on_the_forehead_without_a_ledge():
    model = head_model(DEFAULT)
    g = render_geometry(DEFAULT, CAMERA, 128, 160)
    band = _front_hair_band(g, model)
    assert int(band.sum()) > 100
    # seen from the front, hair combed back over the forehead faces forward and up; a shell
    # standing off the brow shows its underside (normals pointing down) along the hairline
    down = g.aovs["_ngeo"][0, 1][band] < -0.05
    assert float(down.float().mean()) < 0.03


def test_hairline_shows_skin_colour_not_a_grey_band():
    model = head_model(DEFAULT)
    g = render_geometry(DEFAULT, CAMERA, 128, 160)
    s = shade(g, DEFAULT, [], CAMERA)
    reg, pos = g.aovs["_region"][0, 0], g.aovs["position"][0]
    hair = reg == REGION["hair"]
    near = hair & (model.hairline(pos[0], pos[1], pos[2]) < 0.004)
    assert int(near.sum()) > 20
    alb = s.aovs["albedo"][0][:, near]
    chroma = (alb.amax(0) - alb.amin(0)) / alb.amax(0)
    skin = skin_base_albedo(DEFAULT, "cpu")
    skin_chroma = float((skin.max() - skin.min()) / skin.max())
    # a mix of hair and the face's own skin colour is at least as saturated as the skin; the
    # washed-out swatch colour that once showed through read as a pale band
    assert float(chroma.mean()) >= skin_chroma - 0.02, (float(chroma.mean()), skin_chroma)
    # and never lighter than the skin it thins out over
    lum = torch.tensor([0.2126, 0.7152, 0.0722]) @ alb
    assert float(lum.max()) <= float(torch.tensor([0.2126, 0.7152, 0.0722]) @ skin) * 1.02


def test_brow_strands_fade_to_their_average_with_the_pixel_footprint():
    m = head_model(DEFAULT)
    xs = torch.linspace(m.eye_x - 0.015, m.eye_x + 0.015, 4000)
    pts = torch.stack((xs, torch.full_like(xs, 0.0215), torch.full_like(xs, 0.012)), 1)
    reg = FaceRegions(m, pts, 0)
    full = reg.brows()
    macro = reg.brows(torch.full_like(xs, 0.05))        # 20 px per mm: every strand resolved
    wide = reg.brows(torch.full_like(xs, 0.6))          # a close-up's render pixel
    far = reg.brows(torch.full_like(xs, 3.0))           # a wide shot: no strand resolvable
    assert torch.allclose(full, macro, atol=1e-6)
    # detail (total variation over the 30 mm line) goes as the footprint grows …
    def variation(b):
        return float((b[1:] - b[:-1]).abs().sum())
    assert variation(full) > 3 * variation(wide) > 3 * variation(far)
    assert variation(far) < 0.05 * variation(full)
    # … the brow's overall darkness stays
    for b in (wide, far):
        assert abs(float(b.mean()) - float(full.mean())) < 0.15 * float(full.mean())


def test_knit_weave_fades_before_it_can_alias_into_moire():
    """The sweater's 1.3 mm weave is a regular pattern: point-sampled near two pixels a period it
    beats into a checker. Its bump fades out by then and is whole where a pixel resolves it."""
    from shotspec.runtime.character.micro import cloth_bump

    pts = torch.rand(4000, 3, generator=torch.Generator().manual_seed(3)) * 0.05
    n = torch.nn.functional.normalize(torch.tensor([[0.0, 0.3, 1.0]]).expand(4000, 3), dim=1)

    def tilt(footprint_mm: float) -> float:
        bumped = cloth_bump(pts, n, torch.full((4000,), footprint_mm), 0)
        return float((bumped - n).norm(dim=1).mean())

    folds = tilt(10.0)                                   # only the soft folds are left
    assert tilt(0.1) > 3 * folds                         # 13 px a period: the weave shows
    assert tilt(0.65) < 1.05 * folds                     # 2 px a period: gone
