"""Eye materials: sclera with veins, iris with radial fibres, pupil; the cornea's gloss.

The eye's surface point is mapped to polar coordinates around its optical axis (the eyes look
straight ahead, +z). The tear film over cornea and sclera is a mirror (IOR 1.376, F0 ≈ 0.025):
every light leaves a crisp catchlight, the light's own shape reflected (``shading``); the
sclera adds a soft glossy sheen (GGX roughness 0.18). The iris is seen through the cornea
without refraction.
The upper lid shades the top of the eye, and the inner corner is pink caruncle, not sclera.
"""

from __future__ import annotations

import torch

from shotspec.compiler.ir import CharacterIR
from shotspec.runtime.character.face_params import trait_draws
from shotspec.runtime.character.noise import value_noise
from shotspec.runtime.character.sdf import HeadModel
from shotspec.color import srgb_to_linear

__all__ = ["eye_albedo", "iris_colour", "CORNEA_F0", "CORNEA_RADIUS_M", "SCLERA_ROUGHNESS"]

from shotspec.runtime.head.brdf import CORNEA_F0  # noqa: E402  (one home: the BRDFs)
CORNEA_RADIUS_M = 0.0078          # curvature of the corneal bulge (sdf: 8.0 mm sphere)
SCLERA_ROUGHNESS = 0.18
IRIS_RADIUS_M = 0.0059
PUPIL_RADIUS_M = 0.0021

# sRGB iris colours: dark brown, brown, hazel, green, blue, grey
_IRIS = ((0.20, 0.11, 0.05), (0.33, 0.19, 0.09), (0.45, 0.35, 0.16), (0.33, 0.42, 0.24),
         (0.32, 0.45, 0.60), (0.42, 0.46, 0.50))
_IRIS_P = (0.35, 0.25, 0.12, 0.08, 0.14, 0.06)


def iris_colour(character: CharacterIR, device) -> torch.Tensor:
    """(3,) linear iris colour: ``eye_color_srgb`` or drawn from the seed."""
    if character.eye_color_srgb is not None:
        srgb = character.eye_color_srgb
    else:
        r = trait_draws(int(character.seed), "iris", 1)[0]
        acc, srgb = 0.0, _IRIS[-1]
        for c, p in zip(_IRIS, _IRIS_P):
            acc += p
            if r < acc:
                srgb = c
                break
    return srgb_to_linear(torch.tensor(srgb, device=device, dtype=torch.float32))


def eye_albedo(character: CharacterIR, model: HeadModel, pts: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear albedo (N, 3) at eye points ``pts`` (N, 3) and the iris weight (N,) (cornea over
    iris/pupil, where the gloss is strongest)."""
    dev = pts.device
    seed = int(character.seed)
    side = torch.sign(pts[:, 0])
    # the eye's own frame: its optical axis turned towards the nose by the convergence angle
    sin_g, cos_g = model.gaze
    u_out = pts[:, 0].abs() - model.eye_x
    z = pts[:, 2]
    u = (u_out * cos_g + z * sin_g) * side          # mirrored so both irises match in layout
    v = pts[:, 1]
    r = torch.sqrt(u * u + v * v)
    ang = torch.atan2(v, u)
    front = (z * cos_g - u_out * sin_g > 0).float()
    # sclera: warm white, redder and veined towards the corners
    sclera = torch.tensor([0.72, 0.64, 0.58], device=dev)
    corner = ((r - 0.006) / 0.008).clamp(0.0, 1.0)
    q = torch.stack((ang * 9.0, r * 900.0, side * 3.0), dim=1)
    vein = (1.0 - (2.0 * value_noise(q, seed + 801) - 1.0).abs()) ** 10
    vein = vein * corner * 0.8
    alb = sclera * (1.0 - 0.25 * corner)[:, None]
    alb = alb * (1.0 - vein[:, None] * torch.tensor([0.15, 0.55, 0.55], device=dev))
    # iris: radial fibres, a darker limbal ring, a lighter collarette, crypts
    iris_c = iris_colour(character, dev)
    fib_q = torch.stack((ang * 38.0, r * 350.0, side * 7.0), dim=1)
    fibres = value_noise(fib_q, seed + 811) * 0.6 + value_noise(fib_q * 2.1, seed + 812) * 0.4
    rn = r / IRIS_RADIUS_M
    collarette = torch.exp(-((rn - 0.55) / 0.09) ** 2)
    limbal = ((rn - 0.80) / 0.2).clamp(0.0, 1.0)
    iris = iris_c * (0.55 + 0.9 * fibres)[:, None] * (1.0 + 0.5 * collarette)[:, None]
    iris = iris * (1.0 - 0.7 * limbal)[:, None]
    iris_w = ((IRIS_RADIUS_M - r) / 0.0004).clamp(0.0, 1.0) * front
    alb = alb * (1.0 - iris_w[:, None]) + iris * iris_w[:, None]
    pupil = ((PUPIL_RADIUS_M - r) / 0.00015).clamp(0.0, 1.0) * front
    alb = alb * (1.0 - pupil[:, None]) + 0.004 * pupil[:, None]
    # the caruncle and plica: moist pink tissue filling the inner corner, not white sclera
    car = ((-u_out - 0.0088) / 0.0020).clamp(0.0, 1.0)
    car = car * car * (3.0 - 2.0 * car)
    alb = alb * (1.0 - car[:, None]) + torch.tensor([0.50, 0.22, 0.21], device=dev) * car[:, None]
    # the upper lid and its lashes shade the top of the eye (an occlusion that any light
    # from above shares); the lower lid a little; the wet margin keeps a thin dark line
    top, bottom = model.lid_margins(u_out)
    below_top = ((top - v) / 0.0040).clamp(0.0, 1.0)
    above_bottom = ((v - bottom) / 0.0015).clamp(0.0, 1.0)
    shade = (0.22 + 0.78 * below_top * (2.0 - below_top)) * (0.65 + 0.35 * above_bottom)
    alb = alb * shade[:, None]
    return alb.clamp(0.0, 1.0), iris_w
