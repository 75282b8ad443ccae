"""Strand shading on the scanned head: Marschner highlights that follow the light, hair shadows
on the skin and under the lashes, deterministic composites and AOVs that know about hair."""

from __future__ import annotations

import math

import pytest
import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.runtime.head.build import build_scene
from shotspec.runtime.head.lights import rig
from shotspec.runtime.head.render import render_geometry
from shotspec.runtime.head.shade import shade
from shotspec.runtime.head.strand_shade import StrandLight
from shotspec.runtime.head.strand_shading import FIBRE_LOOK, fibre_radiance
from shotspec.runtime.head.strands import StrandGroup

W, H = 96, 120
CAMERA = CameraIR(distance_m=0.6)
CHARACTER = CharacterIR(name="a", seed=5)
TOP = LightIR(name="top", kind="area", key=True, azimuth_rad=0.0, elevation_rad=math.radians(70),
              distance_m=1.4, size_m=0.1, temperature_k=5600)


@pytest.fixture(scope="module")
def scene():
    return build_scene(CHARACTER, CAMERA)


def _peak_deg(elevation_deg: float, kind: str = "scalp") -> float:
    """The fibre angle (deg, in the plane of view and light) where a dark fibre's highlight
    peaks, for the camera on +z and a light ``elevation_deg`` above it."""
    phi = torch.linspace(-math.pi / 2, math.pi / 2, 1801)
    n = phi.numel()
    t = torch.stack((torch.zeros(n), torch.cos(phi), torch.sin(phi)), 1)
    e = math.radians(elevation_deg)
    v = torch.tensor([0.0, 0.0, 1.0]).expand(n, 3)
    l = torch.tensor([0.0, math.sin(e), math.cos(e)]).expand(n, 3)
    look = FIBRE_LOOK[kind]
    r = fibre_radiance(t, v, l, torch.full((n, 3), 0.02), torch.full((n,), look.shift_rad),
                       torch.full((n,), look.roughness_rad), torch.full((n,), look.diffuse), v)
    return math.degrees(float(phi[r[:, 0].argmax()]))


def test_the_highlight_follows_the_light_with_the_cuticle_shift():
    at_camera, raised = _peak_deg(0.0), _peak_deg(40.0)
    # the mirror direction moves by half the light's angle; the cuticle tilt shifts it by α
    assert raised - at_camera == pytest.approx(-20.0, abs=1.5)
    assert at_camera == pytest.approx(math.degrees(FIBRE_LOOK["scalp"].shift_rad), abs=1.0)


def test_back_lit_fibres_glow_in_their_colour():
    """TT: light from behind a fibre comes through it, tinted by the pigment."""
    n = 1
    t = torch.tensor([[0.0, 1.0, 0.0]])
    v = torch.tensor([[0.0, 0.0, 1.0]])
    look = FIBRE_LOOK["scalp"]
    args = (torch.full((n,), look.shift_rad), torch.full((n,), look.roughness_rad),
            torch.zeros(n), v)
    blond = torch.tensor([[0.6, 0.4, 0.2]])
    behind = fibre_radiance(t, v, -v, blond, *args)
    side = fibre_radiance(t, v, torch.tensor([[1.0, 0.0, 0.0]]), blond, *args)
    assert float(behind[0, 0]) > 3 * float(side[0, 0])
    assert float(behind[0, 0]) > float(behind[0, 2]) * 1.5


def _slab(scene, n: int = 400) -> StrandGroup:
    """A shelf of horizontal fibres 12 mm above the brows, reaching 25 mm out from the forehead:
    seen edge-on by the camera, it shades the forehead from a light above."""
    lm = scene.landmarks
    brow = (lm[19] + lm[24]) / 2
    g = torch.Generator().manual_seed(4)
    y = brow[1] + 0.012 + (torch.rand(n, generator=g) - 0.5) * 0.002
    z = brow[2] - 0.005 + torch.rand(n, generator=g) * 0.025
    x = torch.linspace(-0.045, 0.045, 5)
    pts = torch.stack((brow[0] + x[None, :].expand(n, 5), y[:, None].expand(n, 5),
                       z[:, None].expand(n, 5)), 2)
    return StrandGroup("scalp", pts.contiguous(), torch.full((n, 5), 1e-4),
                       torch.tensor([0.2, 0.1, 0.05]).expand(n, 3).clone())


def _render(scene, groom, lights=(TOP,)):
    geo = render_geometry(scene, CAMERA, W, H, character=CHARACTER, groom=groom)
    return geo, shade(geo, scene, CHARACTER, list(lights), CAMERA, groom)


def test_hair_shadows_the_skin_beneath(scene):
    groom = (_slab(scene),)
    _, bare = _render(scene, ())
    geo, haired = _render(scene, groom)
    hair = geo.aovs["hair"][0, 0]
    assert float(hair.max()) > 0.5                      # the shelf is drawn
    rows = (hair.sum(1) > 0).nonzero()[:, 0]
    below = int(rows.max()) + 2
    skin = (geo.aovs["skin"][0, 0] > 0.95) & (hair == 0)
    band = torch.zeros_like(skin)
    band[below:below + 6, W // 2 - 8: W // 2 + 8] = True
    sel = skin & band
    assert int(sel.sum()) > 20
    lum_bare = bare.rgb[0].mean(0)[sel].mean()
    lum_hair = haired.rgb[0].mean(0)[sel].mean()
    assert float(lum_hair) < 0.75 * float(lum_bare)


def test_the_same_groom_renders_identical_pixels_and_hair_aovs(scene):
    groom = (_slab(scene, 200),)
    geo_a, a = _render(scene, groom)
    geo_b, b = _render(scene, groom)
    assert torch.equal(a.rgb, b.rgb)
    hair = a.aovs["hair"]
    assert torch.equal(hair, b.aovs["hair"])
    # hair is subject, not skin; its fragments do not travel past shade
    covered = hair[0, 0] > 0.5
    assert bool(covered.any())
    assert torch.all(a.aovs["skin"][0, 0][covered] <= geo_a.aovs["skin"][0, 0][covered] * 0.5 + 1e-6)
    assert torch.all(a.aovs["subject"][0, 0][covered] >= 0.5)
    assert not any(k.startswith("_strand") for k in a.aovs)


def test_a_lighting_edit_reuses_the_geometry_frame_with_hair(scene):
    groom = (_slab(scene, 200),)
    geo, first = _render(scene, groom)
    warm = TOP.model_copy(update={"temperature_k": 3000})
    relit = shade(geo, scene, CHARACTER, [warm], CAMERA, groom)
    covered = geo.aovs["hair"][0, 0] > 0.5
    ratio = relit.rgb[0, 0][covered].mean() / relit.rgb[0, 2][covered].mean()
    base = first.rgb[0, 0][covered].mean() / first.rgb[0, 2][covered].mean()
    assert float(ratio) > float(base) * 1.2             # warmer light, warmer hair


def _lashes(scene) -> StrandGroup:
    rows = []
    for c, a in zip(scene.eye_centres, scene.eye_axes):
        x = torch.linspace(-0.011, 0.011, 60)
        root = c + a * 0.0115 + torch.stack((x, 0.0045 - 30 * x * x, torch.zeros_like(x)), 1)
        s = torch.linspace(0, 1, 6)[None, :, None]
        rows.append(root[:, None] + a * 0.008 * s + torch.tensor([0.0, 1.0, 0.0]) * 0.005 * s ** 2)
    pts = torch.cat(rows)
    return StrandGroup("lash", pts, torch.full(pts.shape[:2], 1.2e-4), torch.full((pts.shape[0], 3), 0.03))


def test_lashes_cast_a_soft_shadow_on_the_eye(scene):
    lashes = _lashes(scene)
    light = rig([TOP], CAMERA)[0]
    strands = StrandLight((lashes,), lambda key, fn: fn())
    to_light = torch.tensor(light.position) - lashes.points[:, 3].mean(0)
    to_light = to_light / to_light.norm()
    # points 3 mm past the middle of the lashes, away from the light: the lashes' shadow
    under = lashes.points[:, 2] - to_light * 0.003
    beside = lashes.points[:, 2] + torch.tensor([0.0, 0.0, 0.0]) - to_light * 0.003 \
        + torch.tensor([0.04, 0.0, 0.0])
    vis_under = strands.skin_visibility(light, under)
    vis_beside = strands.skin_visibility(light, beside)
    assert float(vis_under.mean()) < 0.9
    assert float(vis_under.min()) > 0.05                 # soft: lashes are sparse
    assert float(vis_beside.mean()) > float(vis_under.mean())
