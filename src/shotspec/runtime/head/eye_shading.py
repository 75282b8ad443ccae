"""The eye's surface per pixel (materials) and its tear film's reflections (shading).

``eye_surface`` gathers, for the subject pixels of a geometry frame: the cornea trace
(``eye_optics``: where each eye pixel's refracted ray lands on the iris), the iris
(``iris``) and sclera (``sclera``) albedos, the tear film's normal (the cornea sphere over the
iris, the eyeball's sphere with a faint ripple elsewhere) and the lid terms (``eye_lids``).
``eye_specular`` adds, per light, the tear film's mirror reflection of the light at its true
shape and angular size (round, or square for an area light) on every exposed part of the
eye, and the tear meniscus's line along the lower lid; ``eye_environment`` the film's
reflection of the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Sequence

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.frame import Frame
from shotspec.runtime.head.brdf import catchlight
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.head.eye_lids import CARUNCLE_ALBEDO, LidTerms, lid_terms, tear_glint
from shotspec.runtime.head.eye_optics import EyeFrames, eye_frames, trace_cornea
from shotspec.runtime.head.eye_pupil import pupil_for_rig
from shotspec.runtime.head.iris import iris_albedo
from shotspec.runtime.head.lights import RigLight
from shotspec.runtime.head.noise import value_noise
from shotspec.runtime.head.scene import MATERIALS, Scene
from shotspec.runtime.head.sclera import sclera_albedo
from shotspec.runtime.head.traits import iris_colour

__all__ = ["EyeLook", "EyeSurface", "eye_look", "eye_surface", "surface_rows", "eye_specular",
           "eye_environment"]

_RIPPLE = 0.02            # tilt (rad) of the conjunctiva's gentle unevenness on the sclera
_RIPPLE_MM = 1.5
PUPIL_STEP_MM = 0.1       # the light-adapted pupil's step (3 % of a daylight pupil: unseen at 100 %)


@dataclass(frozen=True)
class EyeLook:
    """What the eye's surface needs beyond the geometry: the camera's ``origin`` (world m),
    its ``focal_px``, its image axes ``right`` and ``up`` (world unit vectors) and the pupil's
    diameter ``pupil_mm`` (resolved by ``eye_pupil``)."""

    origin: tuple[float, float, float]
    focal_px: float
    right: tuple[float, float, float]
    up: tuple[float, float, float]
    pupil_mm: float


@dataclass(frozen=True)
class EyeSurface:
    """Per subject pixel (N): ``albedo`` (N, 3) of the eye (iris under the cornea, sclera),
    ``cap`` (N,) the cornea's share, ``normal`` (N, 3) the tear film's world normal,
    ``curvature_m`` (N,) its radius, ``lids`` the lid terms, ``along``/``up``/``out`` (N, 3)
    the tear meniscus's frame (along the lid, up, out of the eye), ``veins`` (N,) the
    vessels' cover, ``pupil`` (N,) the pupil's share of the pixel."""

    albedo: torch.Tensor
    cap: torch.Tensor
    normal: torch.Tensor
    curvature_m: torch.Tensor
    lids: LidTerms
    along: torch.Tensor
    up: torch.Tensor
    out: torch.Tensor
    veins: torch.Tensor
    pupil: torch.Tensor


def eye_look(scene: Scene, cam: PinholeCamera, lights: Sequence[RigLight],
             character: CharacterIR) -> EyeLook:
    """What the eyes' surface needs of the shot: the camera and the pupil's diameter (the
    spec's, or the light-adapted size for the rig's ``lights`` at the corneas)."""
    axes = F.normalize(scene.eye_axes, dim=1)
    apexes = scene.corneas[:, :3] + scene.corneas[:, 3:4] * axes
    pupil = pupil_for_rig(lights, apexes, axes, character.skin.age_years,
                          character.eyes.pupil_m)
    # the light-adapted size in steps of ``PUPIL_STEP_MM`` (a spec's own size is kept): a
    # small intensity edit then keeps the eyes' materials and every light's kept terms
    if character.eyes.pupil_m is None:
        pupil = round(pupil / PUPIL_STEP_MM) * PUPIL_STEP_MM
    return EyeLook(origin=cam.origin, focal_px=cam.focal_px, right=cam.right, up=cam.up,
                   pupil_mm=round(pupil, 4))


def surface_rows(surface: EyeSurface, rows: torch.Tensor) -> EyeSurface:
    """``surface`` at the pixel rows ``rows`` (M,) of its N."""
    def pick(obj):
        return replace(obj, **{f.name: (getattr(obj, f.name)[rows]
                                        if isinstance(getattr(obj, f.name), torch.Tensor)
                                        else pick(getattr(obj, f.name)))
                               for f in fields(obj)})
    return pick(surface)


def _pixels(frame: Frame, name: str, idx: torch.Tensor) -> torch.Tensor:
    t = frame.aovs[name][0]
    return t.reshape(t.shape[0], -1)[:, idx].T


def _frames(scene: Scene) -> EyeFrames:
    return eye_frames(scene.corneas, scene.eye_axes, scene.eye_centres)


def eye_surface(frame: Frame, scene: Scene, idx: torch.Tensor, character: CharacterIR,
                look: EyeLook) -> EyeSurface:
    """The eye surface at the subject pixels ``idx`` (flat ids) of a geometry ``frame``."""
    dev = frame.device
    n = idx.numel()
    mat = frame.aovs["_mat"][0]
    total = mat.sum(0).clamp_min(1e-6)
    eye_img = (mat[MATERIALS["sclera"]] + mat[MATERIALS["iris"]]) / total
    eye = eye_img.reshape(-1)[idx]
    p = _pixels(frame, "position", idx)
    footprint = _pixels(frame, "_footprint", idx)[:, 0].clamp_min(1e-3)
    fr = _frames(scene)
    lids = lid_terms(eye_img, frame.aovs["alpha"][0, 0], frame.aovs["depth"][0, 0], look.focal_px,
                     eye, p, scene.landmarks, idx, footprint)
    albedo = torch.zeros(n, 3, device=dev)
    cap = torch.zeros(n, device=dev)
    veins = torch.zeros(n, device=dev)
    pupil = torch.zeros(n, device=dev)
    normal = F.normalize(torch.tensor(look.origin, device=dev) - p, dim=1)
    curvature = torch.full((n,), 0.012, device=dev)
    which_all = ((p[:, None, :] - fr.globe_centre[None]) ** 2).sum(2).argmin(1)
    out = fr.axis[which_all]
    # the meniscus's frame: across the lid's edge into the eye (from the image) and along it
    inward = (lids.inward[:, :1] * torch.tensor(look.right, device=dev)
              + lids.inward[:, 1:] * torch.tensor(look.up, device=dev))
    along = F.normalize(torch.cross(inward, out, dim=1), dim=1)
    sel = (eye > 0).nonzero()[:, 0]
    if sel.numel():
        q = p[sel]
        origin = torch.tensor(look.origin, device=dev, dtype=q.dtype)
        hit = trace_cornea(fr, origin, q)
        w = hit.which
        limbus_mm = float(fr.limbus_radius[0]) * 1000.0
        eyes = character.eyes
        seed = int(character.seed)
        iris_rgb, pup = iris_albedo(hit.iris_mm, iris_colour(character, dev), look.pupil_mm,
                                    limbus_mm, seed, w, footprint[sel])
        rel = q - fr.globe_centre[w]
        local = torch.stack(((rel * fr.e1[w]).sum(1), (rel * fr.e2[w]).sum(1),
                             (rel * fr.axis[w]).sum(1)), 1) * 1000.0
        sclera_rgb, cover = sclera_albedo(local, limbus_mm, w, seed, eyes.redness, footprint[sel])
        c = hit.cap[:, None]
        rgb = iris_rgb * c + sclera_rgb * (1.0 - c)
        # the caruncle's pink reaches onto the eyeball at the inner corner
        pink = (0.7 * lids.caruncle[sel] * (1.0 - hit.cap))[:, None]
        albedo[sel] = rgb * (1.0 - pink) + torch.tensor(CARUNCLE_ALBEDO, device=dev) * pink
        cap[sel] = hit.cap
        veins[sel] = cover * (1.0 - hit.cap)
        pupil[sel] = pup * hit.cap
        # the tear film: the cornea over the iris, the eyeball's sphere (with a gentle ripple
        # of the conjunctiva) over the sclera
        globe_n = F.normalize(rel, dim=1)
        ripple = torch.stack([value_noise(local / _RIPPLE_MM + 13.7 * k, seed + 4409 + k)
                              for k in range(3)], 1) - 0.5
        globe_n = F.normalize(globe_n + 2.0 * _RIPPLE * ripple, dim=1)
        normal[sel] = F.normalize(hit.normal * c + globe_n * (1.0 - c), dim=1)
        curvature[sel] = (fr.cornea_radius[w] * hit.cap
                          + rel.norm(dim=1) * (1.0 - hit.cap)).to(curvature.dtype)
        out = out.clone()
        out[sel] = globe_n
    up = F.normalize(inward - (inward * out).sum(1, keepdim=True) * out, dim=1)
    return EyeSurface(albedo, cap, normal, curvature, lids, along, up, out, veins, pupil)


def eye_specular(surface: EyeSurface, light: RigLight, v: torch.Tensor, l: torch.Tensor,
                 eye: torch.Tensor, to_cam_m: torch.Tensor, focal_px: float,
                 wetness: float) -> torch.Tensor:
    """The tear film's reflection (N,) of ``light`` (before its colour, falloff and shadow)
    at N pixels with view ``v``, light direction ``l`` (N, 3), eye share ``eye`` (N,) and
    camera distance ``to_cam_m`` (N,): the catchlight on the exposed eye (cornea and sclera)
    and the meniscus's line on the lower lid; ``wetness`` 0…1 scales the sclera's film."""
    n = surface.normal
    cos_v = (n * v).sum(1).clamp_min(0.2)
    spread = 2.0 * to_cam_m / (focal_px * cos_v) / surface.curvature_m
    up = None
    if light.kind == "area":
        up = torch.tensor((0.0, 1.0, 0.0), device=v.device)
    glint = catchlight(n, v, l, light.angular_radius, spread, square_up=up)
    film = surface.cap + (1.0 - surface.cap) * wetness
    meniscus = tear_glint(v, l, surface.along, surface.up, surface.out, light.angular_radius)
    return glint * eye * film * surface.lids.occlusion.sqrt() \
        + meniscus * surface.lids.tear * wetness


def eye_environment(surface: EyeSurface, v: torch.Tensor, eye: torch.Tensor,
                    wetness: float) -> torch.Tensor:
    """The tear film's mirror reflection (N,) of a unit environment (the shader's sky,
    0.6 + 0.4·up), Fresnel-weighted, dimmed where the lids overhang."""
    n = surface.normal
    ndv = (n * v).sum(1)
    r = 2.0 * ndv[:, None] * n - v
    fres = 0.025 + 0.975 * (1.0 - ndv.clamp(0.0, 1.0)) ** 5
    film = surface.cap + (1.0 - surface.cap) * wetness
    sky = 0.6 + 0.4 * r[:, 1]
    return sky * fres * eye * film * surface.lids.occlusion
