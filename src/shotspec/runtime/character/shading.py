"""``shade``: light the traced character — skin with SSS and two-lobe specular, eyes with
glossy corneas, hair, cloth — and the backdrop, in linear scene-referred RGB.

Radiometric normalisation: a white Lambertian surface facing a light of intensity 1 at its
nominal distance returns 1.0 (so "1.0 ≈ white diffuse under the key"). Specular BRDFs are
scaled consistently (× π). Point, spot and area lights fall off with the inverse square of the
distance relative to their nominal distance; a directional light does not fall off.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR, LightIR
from shotspec.runtime.character.backdrop import wall_radiance
from shotspec.runtime.character.camera import PinholeCamera
from shotspec.runtime.character.eyes import CORNEA_F0, CORNEA_RADIUS_M, SCLERA_ROUGHNESS, eye_albedo
from shotspec.runtime.character.face_params import DEFAULT_CHARACTER
from shotspec.runtime.character.geometry import head_model, trace_rays
from shotspec.runtime.character.noise import value_noise
from shotspec.runtime.character.lights import RigLight, ambient_occlusion, rig, soft_shadow
from shotspec.runtime.character.regions import FaceRegions
from shotspec.runtime.character.sdf import REGION
from shotspec.runtime.character.skin import (SKIN_F0, cloth_albedo, hair_albedo, skin_albedo,
                                             skin_base_albedo, skin_specular)
from shotspec.runtime.character.sss import scatter
from shotspec.runtime.character.trace import baked_grid
from shotspec.runtime.head.brdf import catchlight, ggx_specular, kajiya_kay, light_terms, sphere_ndl
from shotspec.runtime.frame import Frame

__all__ = ["shade", "ggx_specular", "edge_pixels", "kajiya_kay", "hair_tangents"]

# diffuse wrap of the sclera (light scattered in it reaches this far past the terminator, in N·L)
SCLERA_WRAP = 0.5
# share of the light on the skin round the eye socket that bounces onto the eyeball
SOCKET_BOUNCE = 0.2


def hair_tangents(pts: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Unit strand directions (N, 3) of the short cut: combed back over the top, back and
    down at the sides, projected onto the surface."""
    side = (pts[:, 0].abs() / 0.075).clamp(0.0, 1.0)
    flow = torch.stack((torch.zeros_like(side), -0.15 - 0.75 * side, -torch.ones_like(side)), dim=1)
    t = flow - (flow * n).sum(1, keepdim=True) * n
    return torch.nn.functional.normalize(t, dim=1)


def _flat(t: torch.Tensor) -> torch.Tensor:
    return t[0].reshape(t.shape[1], -1).T


def _shade_points(character: CharacterIR, model, cam: PinholeCamera, lights_w, grid,
                  region: torch.Tensor, p: torch.Tensor, n: torch.Tensor, ng: torch.Tensor,
                  cavity: torch.Tensor, brows: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Albedo, diffuse irradiance and specular radiance (each (N, 3)) of subject points (region
    1–4) at object-space ``p`` with world normals ``n`` (bumped) and ``ng`` (geometric)."""
    dev = p.device
    seed = int(character.seed)
    reg = region
    m = p.shape[0]
    v = torch.nn.functional.normalize(torch.tensor(cam.origin, device=dev) - p, dim=1)
    alb = torch.zeros(m, 3, device=dev)
    zeros = torch.zeros(m, device=dev)
    a1, w1, a2, w2 = zeros + 0.3, zeros.clone(), zeros + 0.5, zeros.clone()
    f0 = zeros + SKIN_F0
    skin_c = skin_base_albedo(character, dev)     # shows through the hairline, lights the sockets
    s_sel = (reg == REGION["skin"]).nonzero()[:, 0]
    if s_sel.numel():
        fr = FaceRegions(model, p[s_sel], seed)
        cav, brw = cavity[s_sel], brows[s_sel]
        alb[s_sel] = skin_albedo(character, fr, brw, cav)
        r_s, r_b, ws, scale = skin_specular(character, fr, cav, brw)
        a1[s_sel], a2[s_sel] = r_s * r_s, r_b * r_b
        w1[s_sel], w2[s_sel] = ws * scale, (1.0 - ws) * scale
    e_sel = (reg == REGION["eye"]).nonzero()[:, 0]
    if e_sel.numel():
        ea, iris_w = eye_albedo(character, model, p[e_sel])
        alb[e_sel] = ea
        # the tear film's mirror reflection is added per light below (``_catchlight``); the
        # sclera keeps a soft sheen, the cornea none besides the mirror
        a1[e_sel], w1[e_sel] = SCLERA_ROUGHNESS ** 2, 0.4 * (1.0 - iris_w)
        a2[e_sel], w2[e_sel] = 0.09, 0.15
        f0[e_sel] = CORNEA_F0
        # angular size of a pixel's footprint in the reflection: the cornea's curvature turns a
        # footprint of f metres into 2 f / R radians of reflected directions
        to_cam = (torch.tensor(cam.origin, device=dev) - p[e_sel]).norm(dim=1)
        cos_v = (n[e_sel] * v[e_sel]).sum(1).clamp_min(0.2)
        spread = 2.0 * to_cam / (cam.focal_px * cos_v) / CORNEA_RADIUS_M
    h_sel = (reg == REGION["hair"]).nonzero()[:, 0]
    tangent = None
    if h_sel.numel():
        cav = cavity[h_sel]
        ph = p[h_sel]
        # strands: darker in the gaps; near the hairline the skin shows through between
        # strand-sized tufts (0.4 mm across, 3 mm along) that thin out over ~10 mm
        above = model.hairline(ph[:, 0], ph[:, 1], ph[:, 2])
        tufts = value_noise(ph * torch.tensor([2500.0, 330.0, 2500.0], device=dev), seed + 913)
        density = (above / 0.010).clamp(0.0, 1.0)
        thin = (1.0 - (1.6 * density - 0.2 + 0.9 * (tufts - 0.5)).clamp(0.0, 1.0)) * 0.55
        base = hair_albedo(seed, dev) * (1.0 - 0.6 * cav)[:, None]
        alb[h_sel] = base * (1.0 - thin)[:, None] + skin_c * thin[:, None]
        w1[h_sel], w2[h_sel] = 0.0, 0.0
        f0[h_sel] = 0.046
        # strand directions from the smooth shell, tilted by a third of the strand bump: the
        # highlight breaks up along the strands without sparkling on every sample
        tangent = hair_tangents(ph, torch.nn.functional.normalize(ng[h_sel] + 0.35 * (n[h_sel] - ng[h_sel]), dim=1))
        hair_dim = (1.0 - 0.7 * cav) * (1.0 - thin)
    c_sel = (reg == REGION["cloth"]).nonzero()[:, 0]
    if c_sel.numel():
        alb[c_sel] = cloth_albedo(seed, dev)
        a1[c_sel], w1[c_sel] = 0.5, 0.3
        a2[c_sel], w2[c_sel] = 0.8, 0.3
    is_eye = reg == REGION["eye"]
    ao = ambient_occlusion(grid, p, ng)
    e_acc = torch.zeros(m, 3, device=dev)
    s_acc = torch.zeros(m, 3, device=dev)
    for light in lights_w:
        col = torch.tensor(light.colour, device=dev)
        if light.kind == "environment":
            sky = 0.6 + 0.4 * n[:, 1]
            e_acc = e_acc + col * (sky * ao)[:, None]
            s_acc = s_acc + col * (0.04 * ao * (w1 + w2))[:, None] * (f0 / SKIN_F0)[:, None]
            continue
        l, att, dist = light_terms(light, p)
        sin_a = math.sin(light.angular_radius)
        ndl_g = (ng * l).sum(1)
        lit = ((ndl_g > -sin_a) | (is_eye & (ndl_g > -SCLERA_WRAP))) & (att > 0)
        vis = torch.zeros_like(att)
        sel = lit.nonzero()[:, 0]
        if sel.numel():
            if light.shadows:
                vis[sel] = soft_shadow(grid, p[sel], ng[sel], l[sel], dist[sel], light.angular_radius,
                                       exact=model.head_distance)
            else:
                vis[sel] = 1.0
        ndl = sphere_ndl((n * l).sum(1), sin_a)
        if e_sel.numel():
            # light entering the translucent sclera reaches round past the terminator (wrap)
            ndl[e_sel] = sphere_ndl(((n[e_sel] * l[e_sel]).sum(1) + SCLERA_WRAP) / (1.0 + SCLERA_WRAP), sin_a)
        e_acc = e_acc + col * (att * vis * ndl)[:, None]
        ang2 = (0.5 * light.angular_radius) ** 2
        sp = (w1 * ggx_specular(n, v, l, torch.sqrt(a1 * a1 + ang2).clamp_max(1.0), None)
              + w2 * ggx_specular(n, v, l, torch.sqrt(a2 * a2 + ang2).clamp_max(1.0), None))
        # Fresnel per point (f0 varies by material): Schlick on the half vector
        hv = torch.nn.functional.normalize(v + l, dim=1)
        fres = f0 + (1.0 - f0) * (1.0 - (v * hv).sum(1).clamp(0.0, 1.0)) ** 5
        s_acc = s_acc + col * (sp * fres * att * vis)[:, None]
        if e_sel.numel():
            # one bounce off the lit skin round the socket (lids, nose, cheek: a face-forward
            # surface, unshadowed) reaches the corners that see neither key nor fill
            bounce = (l[e_sel, 2].clamp_min(0.0) * att[e_sel] * SOCKET_BOUNCE)[:, None] * skin_c
            e_acc[e_sel] += col * bounce
            s_acc[e_sel] += col * (catchlight(n[e_sel], v[e_sel], l[e_sel], light.angular_radius, spread)
                                   * att[e_sel] * vis[e_sel])[:, None]
        if tangent is not None:
            hs = kajiya_kay(tangent, v[h_sel], l[h_sel], n[h_sel], alb[h_sel])
            s_acc[h_sel] += hs * (att[h_sel] * vis[h_sel] * hair_dim)[:, None]
    return alb, e_acc, s_acc


def _backdrop_light(lights_w, dev) -> torch.Tensor:
    total = torch.zeros(3, device=dev)
    for light in lights_w:
        total = total + torch.tensor(light.colour, device=dev) * (1.0 if light.kind != "environment" else 2.0)
    return total


def edge_pixels(geometry: Frame) -> torch.Tensor:
    """Flat indices of pixels on a silhouette or a material/depth/normal discontinuity (the
    pixels whose single sample aliases), (M,) int64."""
    region = geometry.aovs["_region"][0, 0]
    depth = geometry.aovs["depth"][0, 0].clamp_max(50.0)
    nrm = geometry.aovs["_ngeo"][0]
    edge = torch.zeros_like(region, dtype=torch.bool)
    for dim in (0, 1):
        sl_a = (slice(1, None), slice(None)) if dim == 0 else (slice(None), slice(1, None))
        sl_b = (slice(None, -1), slice(None)) if dim == 0 else (slice(None), slice(None, -1))
        rel = (depth[sl_a] - depth[sl_b]).abs() / depth[sl_b].clamp_min(1e-3)
        cos = (nrm[(slice(None),) + sl_a] * nrm[(slice(None),) + sl_b]).sum(0)
        e = (region[sl_a] != region[sl_b]) | (rel > 0.004) | (cos < 0.8)
        edge[sl_a] |= e
        edge[sl_b] |= e
    return edge.reshape(-1).nonzero()[:, 0]


def shade(geometry: Frame, character: CharacterIR | None, lights: Sequence[LightIR],
          camera: CameraIR) -> Frame:
    """Linear RGB (1, 3, H, W) of the traced ``geometry`` under ``lights`` (an empty rig gets a
    default key, fill and rim); the AOVs pass through with ``albedo`` added.

    Pixels on silhouettes and material/depth/normal edges are re-traced and shaded with 2×2
    sub-pixel samples (edge anti-aliasing); the AOVs keep their single centre sample.
    """
    if geometry.rgb.dim() != 4 or geometry.rgb.shape[:2] != (1, 3):
        raise ValueError(f"geometry rgb must be (1, 3, H, W), got {tuple(geometry.rgb.shape)}")
    character = character or DEFAULT_CHARACTER
    seed = int(character.seed)
    h, w = geometry.height, geometry.width
    dev = geometry.rgb.device
    cam = PinholeCamera.from_ir(camera, w, h)
    model = head_model(character)
    rot = cam.rotation(dev)
    lights_w = rig(lights, camera)
    with torch.no_grad():
        grid = baked_grid(model, dev)
        region = _flat(geometry.aovs["_region"])[:, 0]
        pos = _flat(geometry.aovs["position"])
        n_all = _flat(geometry.aovs["normal"]) @ rot.T
        ng_all = _flat(geometry.aovs["_ngeo"]) @ rot.T
        cavity_all = _flat(geometry.aovs["_cavity"])[:, 0]
        brows_all = _flat(geometry.aovs["brows"])[:, 0]
        n_px = h * w
        albedo = torch.zeros(n_px, 3, device=dev)
        irr = torch.zeros(n_px, 3, device=dev)
        spec = torch.zeros(n_px, 3, device=dev)
        rgb = _flat(geometry.rgb).clone()

        idx = ((region >= 1) & (region <= 4)).nonzero()[:, 0]
        if idx.numel():
            albedo[idx], irr[idx], spec[idx] = _shade_points(
                character, model, cam, lights_w, grid, region[idx], pos[idx], n_all[idx],
                ng_all[idx], cavity_all[idx], brows_all[idx])

        # subsurface scattering of the skin's diffuse irradiance
        def img(t: torch.Tensor) -> torch.Tensor:
            return t.T.reshape(1, t.shape[1], h, w)

        irr_img = scatter(img(irr), geometry.aovs["skin"], geometry.aovs["depth"], cam.focal_px)
        subject = img(albedo) * irr_img + img(spec)

        # backdrop
        light_total = _backdrop_light(lights_w, dev)
        bg = (region == 0).nonzero()[:, 0]
        if bg.numel():
            rgb[bg] = rgb[bg] + wall_radiance(cam, pos[bg], light_total, seed)
        out = img(rgb)
        mask = geometry.aovs["subject"] > 0.5
        out = torch.where(mask, subject, out)
        if _matches(geometry, cam):
            out = _antialias_edges(out, geometry, character, model, cam, lights_w, grid, irr,
                                   _flat(irr_img), light_total)
    aovs = dict(geometry.aovs)
    aovs["albedo"] = img(albedo)
    return Frame(rgb=out.contiguous(), aovs=aovs, meta=geometry.meta)


def _matches(geometry: Frame, cam: PinholeCamera) -> bool:
    """True when ``geometry`` is this camera's own trace (not cropped or rescaled since), so
    its pixels can be re-traced."""
    meta = geometry.meta
    return (abs(meta.sensor_width_m - cam.film_width_m) < 1e-9
            and abs(meta.focal_length_m - cam.focal_length_m) < 1e-12)


_SUB = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))


def _antialias_edges(out: torch.Tensor, geometry: Frame, character: CharacterIR, model,
                     cam: PinholeCamera, lights_w, grid, irr: torch.Tensor,
                     irr_sss: torch.Tensor, light_total: torch.Tensor) -> torch.Tensor:
    """Replace edge pixels of ``out`` (1, 3, H, W) with the mean of 2×2 sub-pixel samples.

    Skin sub-samples borrow their pixel's scattering (scattered minus local irradiance),
    so the AA pass keeps the SSS look without re-running the blur."""
    h, w = out.shape[-2:]
    dev = out.device
    edges = edge_pixels(geometry)
    if edges.numel() == 0:
        return out
    py = (edges // w).to(torch.float32)
    px = (edges % w).to(torch.float32)
    offs = torch.tensor(_SUB, device=dev)
    sx = (px[:, None] + offs[None, :, 0]).reshape(-1)
    sy = (py[:, None] + offs[None, :, 1]).reshape(-1)
    parent = edges[:, None].expand(-1, len(_SUB)).reshape(-1)
    dirs, _ = cam.rays_at(sx, sy)
    r = trace_rays(model, character, cam, dirs)
    region = r["region"]
    col = r["emission"].clone()
    sub = ((region >= 1) & (region <= 4)).nonzero()[:, 0]
    if sub.numel():
        alb, e, sp = _shade_points(character, model, cam, lights_w, grid, region[sub], r["pos"][sub],
                                   r["nrm"][sub], r["nrm_geo"][sub], r["cavity"][sub], r["brows"][sub])
        par = parent[sub]
        # the parent's scattering as an offset, not a ratio: a ratio taken in a shadowed
        # parent (red scattered in, little direct light) would multiply a lit sub-sample's
        # red several-fold and draw an orange rim along lid margins and shadow edges
        delta = irr_sss[par] - irr[par]
        use = region[sub] == REGION["skin"]
        e = torch.where(use[:, None], (e + delta).clamp_min(0.0), e)
        col[sub] = alb * e + sp
    bg = (region == 0).nonzero()[:, 0]
    if bg.numel():
        col[bg] = col[bg] + wall_radiance(cam, r["pos"][bg], light_total, int(character.seed))
    mean = col.reshape(-1, len(_SUB), 3).mean(1)
    flat = out[0].reshape(3, -1).clone()
    flat[:, edges] = mean.T
    return flat.reshape(1, 3, h, w)
