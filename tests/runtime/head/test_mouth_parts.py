"""The mouth's parts without rendering: the tooth table, the lips' opening and the cavity's
visibility through it, the vermilion's border, wetness and colour by tone."""

from __future__ import annotations

import pytest
import torch

from shotspec.compiler.ir import CharacterIR, CameraIR, LipsIR, SkinIR, ToneIR
from shotspec.compiler.tables import monk_albedo
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.lips import BORDER_WEIGHT, lip_wetness, mouth_line, vermilion
from shotspec.runtime.head.mouth import (MouthOpening, cavity_visibility, mouth_opening,
                                         rectangle_form_factor,
                                         mouth_shading, teeth_shading)
from shotspec.runtime.head.skin_albedo import base_albedo, lip_tint
from shotspec.runtime.head.teeth import COLUMNS, TOOTH_COUNT, tooth_table


@pytest.fixture(scope="module")
def table():
    return tooth_table("cpu")


def test_the_kits_teeth_are_32_teeth_16_a_jaw_ranked_from_the_midline(table, head):
    on = table.tooth >= 0
    ids = table.tooth[on].long()
    assert torch.equal(torch.unique(ids), torch.arange(TOOTH_COUNT))
    assert int(torch.unique(ids[table.upper[on] > 0]).numel()) == 16
    # each rank (central incisor … third molar) appears four times: two sides, two jaws
    ranks = torch.stack([table.rank[table.tooth == t][0] for t in range(TOOTH_COUNT)])
    assert torch.equal(torch.bincount(ranks.long()), torch.full((8,), 4))
    # the central incisors are the teeth nearest the front (largest z)
    front = head.neutral[on][:, 2].argmax()
    assert float(table.rank[on][front]) == 0.0
    assert 0.0 <= float(table.side[on].min()) and float(table.side[on].max()) == pytest.approx(1.0)
    assert float(table.incisal_mm[on].min()) == 0.0 and float(table.incisal_mm[on].max()) > 15.0


def test_the_gums_and_tongue_are_told_apart(table, head):
    gum, tongue = table.gum > 0, table.tongue > 0
    assert int(gum.sum()) > 1000 and int(tongue.sum()) > 300 and not bool((gum & tongue).any())
    # the tongue lies between the lower teeth, below the upper ones; gums hug the teeth
    upper_edge = float(head.neutral[(table.upper > 0) & (table.tooth >= 0)][:, 1].min())
    assert float(head.neutral[tongue][:, 1].mean()) < upper_edge
    assert table.stacked().shape == (head.neutral.shape[0], len(COLUMNS))


def test_the_opening_is_closed_at_rest_and_opens_with_the_jaw():
    camera = CameraIR(distance_m=0.6)
    closed = mouth_opening(build_scene(CharacterIR(name="a", seed=2), camera).landmarks)
    opened = mouth_opening(build_scene(CharacterIR(name="a", seed=2, expression=(("jawOpen", 0.6),)),
                                       camera).landmarks)
    # the neutral lips are barely parted: a sliver of under a tenth of the open mouth
    assert closed.area_m2 < 0.1 * opened.area_m2 and opened.area_m2 > 300e-6, (closed, opened)
    assert float(opened.normal[2]) > 0.8          # it faces forward, out of the mouth


def test_the_cavity_darkens_with_depth_behind_the_opening():
    opening = MouthOpening(torch.zeros(3), torch.tensor([0.0, 0.0, 1.0]), 5e-4)   # 5 cm²
    depth_m = torch.tensor([-0.005, 0.0005, 0.004, 0.01, 0.02, 0.05])
    p = torch.stack((torch.zeros(6), torch.zeros(6), -depth_m), 1)
    vis = cavity_visibility(p, opening)
    assert float(vis[0]) == 1.0 and float(vis[1]) > 0.9         # in front of and at the lips
    assert bool((vis[1:].diff() < 0).all())                        # deeper is darker
    assert float(vis[-1]) < 0.1                                     # the back of the mouth
    # on the axis, the square's form factor: within 1 % of a disc of its area, A / (π h² + A)
    assert float(vis[4]) == pytest.approx(5e-4 / (torch.pi * 0.02 ** 2 + 5e-4), rel=0.01)
    # off to the side behind the lips, less than on the axis at the same depth
    side = cavity_visibility(torch.tensor([[0.02, 0.0, -0.01]]), opening)
    assert float(side) < float(vis[3])
    shut = MouthOpening(torch.zeros(3), torch.tensor([0.0, 0.0, 1.0]), 0.0)
    assert float(cavity_visibility(p[4:5], shut)) == 0.0


def test_a_slit_lets_in_the_light_of_a_slit_not_of_a_hole_of_its_area():
    normal, across = torch.tensor([0.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.0])
    slit = MouthOpening(torch.zeros(3), normal, 50e-6, across, 0.05)     # 50 mm × 1 mm
    tooth = torch.tensor([[0.0, 0.0, -0.003]])                          # 3 mm behind it
    # an infinitely long slit of width w seen from h on its axis: sin(atan(w / 2h)) = 0.164
    assert float(cavity_visibility(tooth, slit)) == pytest.approx(0.164, abs=0.01)
    hole = MouthOpening(torch.zeros(3), normal, 50e-6)
    assert float(cavity_visibility(tooth, hole)) > 3.0 * float(cavity_visibility(tooth, slit))
    # beyond the corners the slit's light falls away
    past = torch.tensor([[0.03, 0.0, -0.003]])
    assert float(cavity_visibility(past, slit)) < 0.05


def test_the_rectangle_form_factor_sums_to_the_plane_and_adds_over_halves():
    u, v, h = torch.tensor([0.004]), torch.tensor([-0.002]), torch.tensor([0.01])
    assert float(rectangle_form_factor(u, v, torch.tensor([1e-7]), 1.0, 1.0)) == pytest.approx(1.0, abs=1e-5)
    whole = rectangle_form_factor(u, v, h, 0.04, 0.02)
    left = rectangle_form_factor(u + 0.01, v, h, 0.02, 0.02)
    right = rectangle_form_factor(u - 0.01, v, h, 0.02, 0.02)
    assert float(whole) == pytest.approx(float(left + right), rel=1e-5)


def test_enamel_is_greyer_at_the_edge_yellower_at_the_gum_and_dark_between_teeth(table):
    def row(incisal: float, side: float, rank: float = 0.0) -> torch.Tensor:
        r = torch.zeros(1, len(COLUMNS))
        r[0, COLUMNS.index("tooth")], r[0, COLUMNS.index("rank")] = 7.0, rank
        r[0, COLUMNS.index("incisal_mm")], r[0, COLUMNS.index("side")] = incisal, side
        return r

    def shade_of(r: torch.Tensor) -> torch.Tensor:
        return teeth_shading(r, torch.zeros(1, 3), torch.ones(1), seed=3, age_years=30.0)[0][0]

    edge, body, neck, gap = (shade_of(row(0.2, 0.2)), shade_of(row(4.0, 0.2)),
                             shade_of(row(11.0, 0.2)), shade_of(row(4.0, 1.0)))
    yellowness = lambda c: float(c[0] + c[1]) / 2 - float(c[2])       # noqa: E731
    assert yellowness(edge) < yellowness(body) < yellowness(neck)
    assert float(gap.sum()) < 0.5 * float(body.sum())
    older = teeth_shading(row(4.0, 0.2), torch.zeros(1, 3), torch.ones(1), seed=3, age_years=70.0)[0][0]
    assert yellowness(older) > yellowness(body)


def test_the_tongue_is_redder_than_the_gums_and_its_papillae_fade_when_unresolved():
    n = 2000
    q = torch.rand(n, 3, generator=torch.Generator().manual_seed(1)) * 20.0
    rows = torch.zeros(n, len(COLUMNS))
    rows[:, COLUMNS.index("tongue")] = 1.0
    near, _ = mouth_shading(rows, q, torch.full((n,), 0.05), seed=1)
    far, _ = mouth_shading(rows, q, torch.full((n,), 2.0), seed=1)
    assert float(near[:, 0].std()) > 4.0 * float(far[:, 0].std())
    rows_gum = torch.zeros(n, len(COLUMNS))
    rows_gum[:, COLUMNS.index("gum")] = 1.0
    gum, _ = mouth_shading(rows_gum, q, torch.full((n,), 2.0), seed=1)
    ratio = lambda a: float(a[:, 0].mean() / a[:, 1].mean())          # noqa: E731
    assert ratio(far) > ratio(gum)


def test_the_vermilion_border_is_sharp_but_never_sharper_than_a_pixel():
    w = torch.linspace(0.0, 1.0, 401)
    n = w.numel()
    skin = torch.full((n, 3), 0.5)
    tint = torch.tensor([0.6, 0.34, 0.5])
    for fp_mm, most_mm in ((0.05, 1.0), (0.6, 2.0)):
        _, sharp = vermilion(skin, w, tint, torch.zeros(n, 3), torch.full((n,), fp_mm), seed=1)
        ramp_mm = float(((sharp > 0.02) & (sharp < 0.98)).sum()) / n * 2.5     # 2.5 mm of weight
        assert 0.2 < ramp_mm < most_mm, (fp_mm, ramp_mm)
        assert float(sharp[w > BORDER_WEIGHT + 0.25].min()) == 1.0
    with pytest.raises(ValueError):
        vermilion(skin, w[:-1], tint, torch.zeros(n, 3), torch.ones(n), seed=1)


def test_the_lower_lips_centre_is_the_wettest(head):
    line = mouth_line(head.neutral[head.landmarks68] * 1000.0)
    x = torch.tensor([line.x0, line.x0, line.x0 + 0.9 * line.half_width])
    y = torch.stack((line.height(x[:1]) - 4.0, line.height(x[:1]) + 4.0,
                     line.height(x[2:]) - 2.0)).reshape(3)
    q = torch.stack((x, y, torch.zeros(3)), 1)
    wet = lip_wetness(torch.ones(3), q, line, 0.6, seed=2)
    assert float(wet[0]) > float(wet[1]) and float(wet[0]) > float(wet[2])
    assert float(lip_wetness(torch.ones(3), q, line, 0.0, seed=2).max()) == 0.0
    with pytest.raises(ValueError):
        lip_wetness(torch.ones(3), q, line, 1.5, seed=2)


def test_lips_are_redder_than_light_skin_and_darker_than_dark_skin():
    def skin(monk: float) -> SkinIR:
        return SkinIR(tone=ToneIR(scale="monk", value=monk, albedo_srgb=monk_albedo(monk)))

    light, dark = skin(2.0), skin(9.5)
    lip_light = base_albedo(light, "cpu") * lip_tint(light, None, "cpu")
    base_light = base_albedo(light, "cpu")
    assert float(lip_light[0] / lip_light[1]) > 1.5 * float(base_light[0] / base_light[1])
    lip_dark = base_albedo(dark, "cpu") * lip_tint(dark, None, "cpu")
    assert float(lip_dark.sum()) < float(base_albedo(dark, "cpu").sum())
    given = lip_tint(light, LipsIR(color=(0.3, 0.05, 0.08)), "cpu") * base_light
    assert torch.allclose(given, torch.tensor([0.3, 0.05, 0.08]), atol=1e-5)
