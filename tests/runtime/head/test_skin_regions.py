"""Skin regions of the scanned head: where they sit (landmarks) and that they are smooth."""

import pytest
import torch

from shotspec.runtime.head.regions import REGIONS, Hairline, skin_regions


def _at(head, regions, name, landmark):
    return float(regions[name][head.landmarks68[landmark]])


def test_lips_cover_the_vermilion_and_not_the_forehead(head, regions):
    assert _at(head, regions, "lips", 51) > 0.95          # top of the upper lip's border
    assert _at(head, regions, "lips", 57) > 0.95          # bottom of the lower lip
    assert _at(head, regions, "lips", 62) > 0.95          # the parting
    forehead = regions["forehead"] > 0.9
    assert int(forehead.sum()) > 100
    assert float(regions["lips"][forehead].max()) < 0.01


def test_regions_sit_on_their_landmarks(head, regions):
    assert _at(head, regions, "nose", 30) > 0.95          # nose tip
    assert _at(head, regions, "t_zone", 30) > 0.95
    assert _at(head, regions, "brows", 24) > 0.8          # the brow's arch
    assert _at(head, regions, "nose", 51) < 0.05
    assert _at(head, regions, "cheeks", 30) < 0.05
    assert _at(head, regions, "chin", 8) < 0.5 and _at(head, regions, "neck", 8) < 0.5
    v = head.neutral * 1000.0
    top = int(v[:, 1].argmax())                            # crown of the head: scalp
    assert float(regions["scalp"][top]) > 0.99


def test_only_skin_parts_carry_weights(head, regions):
    teeth = head.part_vertices("teeth")
    eyes = head.part_vertices("eyeball_left")
    assert float(regions.weights[teeth].abs().max()) == 0.0
    assert float(regions.weights[eyes].abs().max()) == 0.0
    assert float(regions.weights.min()) >= 0.0 and float(regions.weights.max()) <= 1.0


def test_weights_are_smooth_at_the_vertex_scale(head, regions):
    """Interpolated per pixel, a region must not step: the weight changes by at most 0.6 per mm
    along 99 % of the skin's edges (the smoothest step a 2.5 mm edge could show is 0.4)."""
    skin = regions["skin"] > 0
    e = head.faces[skin[head.faces].all(1)]
    v = head.neutral * 1000.0
    for name in REGIONS:
        w = regions[name]
        slopes = torch.cat([(w[e[:, i]] - w[e[:, (i + 1) % 3]]).abs()
                            / (v[e[:, i]] - v[e[:, (i + 1) % 3]]).norm(dim=1).clamp_min(1e-3) for i in range(3)])
        assert float(slopes.quantile(0.99)) < 0.6, name


def test_the_hairline_moves(head, regions):
    high = skin_regions(head, hairline=Hairline(forehead_mm=70.0))["scalp"]
    assert float(high.sum()) < float(regions["scalp"].sum()) - 50
    with pytest.raises(ValueError, match="softness_mm"):
        Hairline(softness_mm=1.0)


def test_an_identity_gets_its_own_regions(head, regions):
    rest = head.neutral + 2.0 * head.id_basis[0]
    other = skin_regions(head, rest)
    assert other.weights.shape == regions.weights.shape
    assert float(other["lips"][head.landmarks68[57]]) > 0.9
    with pytest.raises(ValueError, match="rest mesh"):
        skin_regions(head, head.neutral[:10])


def test_per_pixel_regions_match_the_vertices_and_the_parts(head, regions):
    from shotspec.runtime.head.face_anchors import face_anchors
    from shotspec.runtime.head.regions import regions_at

    ids = head.part_vertices("head_neck")[::7]
    on_face = torch.zeros(ids.numel())
    on_head = torch.ones(ids.numel())
    at = regions_at(head.neutral[ids] * 1000.0, face_anchors(head, head.neutral), on_face, on_head)
    shared = torch.isin(ids, head.part_vertices("face"))
    # off the seam the per-pixel field is the per-vertex one; ears never reach the head part
    assert torch.allclose(at.weights[~shared], regions.weights[ids][~shared], atol=1e-5)
    assert float(at["ears"].max()) == 0.0
    with pytest.raises(ValueError, match="on_face"):
        regions_at(head.neutral[:4] * 1000.0, face_anchors(head, head.neutral), on_face[:3], on_head[:3])
