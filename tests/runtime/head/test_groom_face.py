"""Facial hair grown on the posed head: lashes on the lid margins, brows over the brow region,
stubble in the beard area, peach fuzz on the face (no renderer needed: points, projected
through the render camera where the frame matters)."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.color import LUMA_REC709
from shotspec.compiler.ir import (BrowsIR, CameraIR, CharacterIR, LashesIR, SkinIR, StubbleIR)
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.eye_parts import eye_geometry
from shotspec.runtime.head.groom import grow_groom
from shotspec.runtime.head.groom_brows import brow_landmarks, brow_layout, grow_brows
from shotspec.hair_colours import HAIR_COLOURS
from shotspec.runtime.head.groom_lashes import (LASH_CHROMA, LASH_DARKEN, LOWER_LASHES, UPPER_LASHES,
                                                grow_lashes, lid_margins)
from shotspec.runtime.head.groom_short_hair import grow_fuzz, grow_stubble
from shotspec.runtime.head.groom_skin import head_of
from shotspec.runtime.head.landmarks import project_px
from shotspec.runtime.head.skin_albedo import hair_albedo

BLINK = (("eyeBlink_L", 1.0), ("eyeBlink_R", 1.0))
CAMERA = CameraIR()


def _character(**kw) -> CharacterIR:
    return CharacterIR(name="m", seed=kw.pop("seed", 0), **kw)


@pytest.fixture(scope="module")
def scene():
    return build_scene(_character(), CAMERA)


@pytest.fixture(scope="module")
def blink_scene():
    return build_scene(_character(expression=BLINK), CAMERA)


def _lengths_mm(points: torch.Tensor) -> torch.Tensor:
    return (points[:, 1:] - points[:, :-1]).norm(dim=-1).sum(1) * 1000.0


def _margins(scene):
    head, nv = head_of(scene)
    return lid_margins(head, scene.rest[:nv])


def _split(scene, lashes):
    """The lash group cut back into its four lids (the grower's order) at the default density."""
    out, i = [], 0
    for lid in _margins(scene):
        n = round((UPPER_LASHES if lid.upper else LOWER_LASHES) * 0.8)
        out.append((lid, lashes.points[i:i + n], lashes.width_m[i:i + n]))
        i += n
    assert i == lashes.count
    return out


def _polyline_distance_mm(p: torch.Tensor, line: torch.Tensor) -> torch.Tensor:
    a, b = line[:-1], line[1:]
    w = p[:, None] - a[None]
    e = (b - a)[None]
    t = ((w * e).sum(-1) / (e * e).sum(-1)).clamp(0.0, 1.0)
    return (w - t[..., None] * e).norm(dim=-1).min(1).values * 1000.0


# ----------------------------------------------------------------------------- lashes

def test_lash_counts_per_eye_follow_density(scene):
    for density in (0.5, 1.0):
        g = grow_lashes(scene, _character(lashes=LashesIR(density=density)))
        assert g.count == 2 * (round(150 * density) + round(80 * density))
        assert g.kind == "lash" and g.points.shape[1] == 8
    assert grow_lashes(scene, _character(lashes=LashesIR(density=0.0))) is None


def test_lash_roots_lie_on_the_lid_margins(scene):
    lashes = grow_lashes(scene, _character())
    _, nv = head_of(scene)
    posed = scene.vertices[:nv]
    for lid, points, _ in _split(scene, lashes):
        d = torch.stack([_polyline_distance_mm(points[:, 0], posed[row]) for row in lid.rows]).min(0).values
        assert float(d.max()) < 0.5, (lid.side, lid.upper)


def test_upper_lashes_cover_the_lid_band_along_its_length(scene):
    cam = PinholeCamera.from_ir(CAMERA, 320, 400)
    lashes = grow_lashes(scene, _character())
    _, nv = head_of(scene)

    def px(p):
        local = (p.reshape(-1, 3).double() - torch.tensor(cam.origin, dtype=torch.float64)) \
            @ cam.rotation("cpu", torch.float64)
        return project_px(local, cam.focal_px, (cam.width, cam.height))

    for lid, points, _ in _split(scene, lashes):
        if not lid.upper:
            continue
        margin = px(scene.vertices[:nv][lid.rows[0]])
        x0, x1 = sorted((float(margin[0, 0]), float(margin[-1, 0])))
        roots = px(points[:, 0])[:, 0]
        bins = torch.histc(roots.float(), bins=10, min=x0, max=x1)
        assert int(bins.min()) >= 3, (lid.side, bins.tolist())
        # the lashes reach beyond the margin: their tips stand above it in the picture
        assert float((px(points[:, -1])[:, 1] < px(points[:, 0])[:, 1]).float().mean()) > 0.9


def test_lash_lengths_follow_the_spec_longest_in_the_outer_third(scene):
    for length_mm in (8.0, 12.0):
        lashes = grow_lashes(scene, _character(lashes=LashesIR(length_m=length_mm / 1000.0)))
        uppers, lowers = [], []
        for lid, points, width in _split(scene, lashes):
            (uppers if lid.upper else lowers).append(_lengths_mm(points))
            assert 80e-6 * 0.7 <= float(width[:, 0].min()) and float(width[:, 0].max()) <= 120e-6
            assert float((width[:, -1] / width[:, 0]).max()) < 0.2          # tapered
        upper, lower = torch.cat(uppers), torch.cat(lowers)
        assert 0.9 * length_mm < float(upper.quantile(0.9)) < 1.2 * length_mm
        assert float(upper.max()) < 1.25 * length_mm
        assert 0.5 < float(lower.median() / upper.median()) < 0.7
    # along one lid: the outer third's lashes are longer than the inner third's
    lid, points, _ = _split(scene, grow_lashes(scene, _character()))[0]
    _, nv = head_of(scene)
    row = scene.vertices[:nv][lid.rows[0]]
    to_outer = (points[:, 0] - row[0]) @ (row[-1] - row[0]) / (row[-1] - row[0]).norm() ** 2
    length = _lengths_mm(points)
    assert float(length[to_outer > 0.66].median()) > 1.2 * float(length[to_outer < 0.33].median())


def test_curl_turns_upper_lashes_up_and_lower_lashes_down(scene):
    rise = {}
    for curl in (0.1, 0.9):
        lashes = grow_lashes(scene, _character(lashes=LashesIR(curl=curl)))
        for lid, points, _ in _split(scene, lashes):
            dy = (points[:, -1, 1] - points[:, 0, 1]) * 1000.0
            rise[(curl, lid.upper)] = rise.get((curl, lid.upper), 0.0) + float(dy.mean()) / 2
    assert rise[(0.9, True)] > rise[(0.1, True)] + 2.0 and rise[(0.9, True)] > 3.0
    assert rise[(0.1, False)] < -1.0 and rise[(0.9, False)] < -1.0


def test_lashes_move_with_a_blink_and_never_enter_the_eyeball(scene, blink_scene):
    open_ = grow_lashes(scene, _character())
    for sc, character in ((scene, _character(lashes=LashesIR(curl=1.0, length_m=0.016))),
                          (blink_scene, _character(expression=BLINK))):
        lashes = grow_lashes(sc, character)
        head, nv = head_of(sc)
        for side in ("left", "right"):
            eye = eye_geometry(head, sc.vertices[:nv], side)
            r = (lashes.points - eye.globe_centre_m).norm(dim=-1)
            assert float(r.min()) > eye.globe_radius_m, side
    closed = grow_lashes(blink_scene, _character(expression=BLINK))
    for (lid, a, _), (_, b, _) in zip(_split(scene, open_), _split(blink_scene, closed)):
        drop_mm = float((a[:, 0, 1] - b[:, 0, 1]).mean()) * 1000.0
        assert drop_mm > 5.0 if lid.upper else abs(drop_mm) < 3.0


# ----------------------------------------------------------------------------- brows

def test_brow_roots_lie_in_the_brow_region(scene):
    brows = grow_brows(scene, _character())
    head, nv = head_of(scene)
    region = scene.attr("brows")[:nv]
    near = torch.cdist(brows.points[:, 0], scene.vertices[:nv]).topk(3, largest=False).indices
    w = region[near].max(1).values
    assert float(w.min()) > 0.0 and float((w > 0.3).float().mean()) > 0.9
    assert brows.count == round(2 * 550 * 0.8)


def test_brow_hairs_fan_from_up_at_the_head_to_out_and_down_at_the_tail(scene):
    brows = grow_brows(scene, _character())
    _, nv = head_of(scene)
    rest_mm = scene.rest[:nv] * 1000.0
    # the neutral unposed scene: posed = rest, so the roots' rest place is their posed one
    roots_mm = brows.points[:, 0] * 1000.0
    u, _, _ = brow_layout(brow_landmarks(rest_mm), roots_mm, "soft_arch", 0.5)
    d = brows.points[:, -1] - brows.points[:, 0]
    out = d[:, 0] * torch.sign(brows.points[:, 0, 0])
    up = d[:, 1]
    head_, body, tail = u < 0.1, (u > 0.35) & (u < 0.65), u > 0.85
    angle = torch.rad2deg(torch.atan2(up, out))
    assert float(angle[head_].median()) > 60.0
    assert -15.0 < float(angle[body].median()) < 30.0
    assert float(angle[tail].median()) < -10.0
    assert float((up[head_] > 0).float().mean()) > 0.85


def test_brow_hairs_lie_close_to_the_skin_and_follow_the_spec(scene):
    brows = grow_brows(scene, _character())
    _, nv = head_of(scene)
    verts, normals = scene.vertices[:nv], scene.normals[:nv]
    tips = brows.points[:, 1:].reshape(-1, 3)
    nearest = torch.cdist(tips, verts).argmin(1)
    height_mm = ((tips - verts[nearest]) * normals[nearest]).sum(1) * 1000.0
    assert float(height_mm.min()) > 0.0 and float(height_mm.max()) < 0.6
    length = _lengths_mm(brows.points)
    assert 5.0 < float(length.min()) and float(length.max()) < 11.5
    assert 7.0 < float(length.median()) < 9.5
    assert float((brows.width_m[:, -1] / brows.width_m[:, 0]).max()) < 0.3


def test_brow_count_follows_density_and_thickness_and_shape_moves_the_line(scene):
    counts = [grow_brows(scene, _character(brows=BrowsIR(density=d))).count for d in (0.4, 0.8)]
    assert counts[1] == 2 * counts[0]
    assert (grow_brows(scene, _character(brows=BrowsIR(thickness=1.0))).count
            > grow_brows(scene, _character(brows=BrowsIR(thickness=0.0))).count)
    assert grow_brows(scene, _character(brows=BrowsIR(density=0.0))) is None
    mean_y = {s: float(grow_brows(scene, _character(brows=BrowsIR(shape=s))).points[:, 0, 1].mean())
              for s in ("straight", "arched")}
    assert mean_y["arched"] > mean_y["straight"] + 0.5e-3


# ----------------------------------------------------------------------------- stubble, fuzz

def _root_weight(scene, group, name):
    _, nv = head_of(scene)
    near = torch.cdist(group.points[:, 0], scene.vertices[:nv]).argmin(1)
    return scene.attr(name)[:nv][near]


def test_stubble_is_off_by_default_and_grows_only_in_the_beard_area(scene):
    assert {g.kind for g in grow_groom(scene, _character())} == {"scalp", "brow", "lash", "fuzz"}
    character = _character(stubble=StubbleIR(enabled=True, length_m=0.002))
    stubble = grow_stubble(scene, character)
    assert stubble.count == round(8000 * 0.6)
    beard = torch.maximum(_root_weight(scene, stubble, "beard"),
                          _root_weight(scene, stubble, "upper_lip"))
    assert float((beard > 0.1).float().mean()) > 0.97
    for forbidden in ("lips", "nose", "eyelids"):
        assert float(_root_weight(scene, stubble, forbidden).max()) < 0.1, forbidden
    length = _lengths_mm(stubble.points)
    assert 1.3 < float(length.min()) and float(length.max()) < 2.7
    # nearly radial: the first segment leaves the skin steeply
    _, nv = head_of(scene)
    near = torch.cdist(stubble.points[:, 0], scene.vertices[:nv]).argmin(1)
    d = stubble.points[:, 1] - stubble.points[:, 0]
    cos = (d / d.norm(dim=1, keepdim=True) * scene.normals[:nv][near]).sum(1)
    assert float(torch.rad2deg(torch.acos(cos.clamp(-1, 1))).median()) < 40.0
    off = _character(stubble=StubbleIR(enabled=False, length_m=0.002))
    assert grow_stubble(scene, off) is None


def test_peach_fuzz_is_fine_light_and_flat_and_scales_with_the_spec(scene):
    fuzz = grow_fuzz(scene, _character())
    brows = grow_brows(scene, _character())
    assert fuzz.count == 6000 and fuzz.points.shape[1] == 4
    assert float(fuzz.width_m.max()) <= 30.001e-6 and float(fuzz.width_m.min()) >= 9.999e-6
    luminance = lambda c: (c @ torch.tensor([0.2126, 0.7152, 0.0722])).mean()
    assert float(luminance(fuzz.colour)) > max(0.3, 3 * float(luminance(brows.colour)))
    length = _lengths_mm(fuzz.points)
    assert 0.9 < float(length.min()) and float(length.max()) < 3.1
    assert grow_fuzz(scene, _character(skin=SkinIR(fuzz=0.6))).count == 12000
    assert grow_fuzz(scene, _character(skin=SkinIR(fuzz=0.0))) is None
    for forbidden in ("lips", "eyelids", "scalp"):
        assert float(_root_weight(scene, fuzz, forbidden).max()) < 0.2, forbidden


def test_same_seed_same_groom_another_seed_another(scene):
    character = _character(stubble=StubbleIR(enabled=True))
    a, b = grow_groom(scene, character), grow_groom(scene, character)
    assert [g.kind for g in a] == ["scalp", "brow", "lash", "stubble", "fuzz"]
    for x, y in zip(a, b):
        assert torch.equal(x.points, y.points) and torch.equal(x.width_m, y.width_m)
        assert torch.equal(x.colour, y.colour)
    c = grow_groom(scene, _character(seed=1, stubble=StubbleIR(enabled=True)))
    assert not torch.equal(a[1].points, c[1].points)


def test_the_fullest_groom_stays_within_the_strand_budget(scene):
    character = _character(brows=BrowsIR(density=1.0, thickness=1.0),
                           lashes=LashesIR(density=1.0), skin=SkinIR(fuzz=1.0),
                           stubble=StubbleIR(enabled=True, density=1.0))
    groom = [g for g in grow_groom(scene, character) if g.kind != "scalp"]   # the face's hair
    assert sum(g.count for g in groom) <= 30000
    assert max(g.points.shape[1] for g in groom) <= 8
    assert all(torch.isfinite(g.points).all() for g in groom)
    assert math.isclose(sum(g.count for g in groom), 1540 + 460 + 8000 + 20000)


def test_unset_colours_are_the_seeds_hair_colour_and_a_set_one_wins(scene):
    hair = hair_albedo(0, "cpu")
    brows, lashes = grow_brows(scene, _character()), grow_lashes(scene, _character())
    assert torch.allclose(brows.colour.mean(0), hair, rtol=0.05)
    dark = LASH_DARKEN * hair
    luma = float(dark @ torch.tensor(LUMA_REC709, dtype=dark.dtype))
    assert torch.allclose(lashes.colour.mean(0), luma + LASH_CHROMA * (dark - luma), rtol=0.05)
    # as dark as the hair darkened, and less red
    assert float(lashes.colour.mean(0) @ torch.tensor(LUMA_REC709)) == pytest.approx(luma, rel=0.05)
    assert float(lashes.colour.mean(0)[0] / lashes.colour.mean(0)[2]) < float(hair[0] / hair[2])
    black = _character(brows=BrowsIR(colour_srgb=HAIR_COLOURS["black"]))
    assert float(grow_brows(scene, black).colour.mean()) < 0.5 * float(brows.colour.mean())
