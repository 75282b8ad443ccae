"""``render_geometry``: sphere-trace the procedural character into a frame of AOVs."""

from __future__ import annotations

import torch

from shotspec.compiler.ir import CameraIR, CharacterIR
from shotspec.runtime.character.backdrop import bulb_hits, wall_hit
from shotspec.runtime.character.camera import PinholeCamera
from shotspec.runtime.character.face_params import DEFAULT_CHARACTER, face_params
from shotspec.runtime.character.micro import cloth_bump, hair_bump, skin_bump
from shotspec.runtime.character.regions import FaceRegions
from shotspec.runtime.character.sdf import REGION, HeadModel
from shotspec.runtime.character.trace import baked_grid, march, normals
from shotspec.runtime.errors import RenderError
from shotspec.runtime.frame import Frame, FrameMeta

__all__ = ["render_geometry", "head_model", "trace_rays"]


def head_model(character: CharacterIR | None) -> HeadModel:
    """The SDF head of ``character`` (``None``: the embedded default)."""
    return HeadModel.from_params(face_params(character or DEFAULT_CHARACTER))


def _check(camera: CameraIR, width: int, height: int) -> None:
    if width < 1 or height < 1 or width * height > 64_000_000:
        raise RenderError("E501", f"render size {width}x{height} is out of range",
                          hint="use a size between 1x1 and 8000x8000")
    if camera.focal_length_m <= 0 or camera.sensor_width_m <= 0 or camera.distance_m <= 0:
        raise RenderError("E502", "camera focal length, sensor width and distance must be positive")


def trace_rays(model: HeadModel, character: CharacterIR, cam: PinholeCamera, dirs: torch.Tensor
               ) -> dict[str, torch.Tensor]:
    """Trace unit world-space rays ``dirs`` (N, 3) from the camera: per-ray ``region`` (N,),
    ``pos`` (N, 3), world normals ``nrm`` (bumped) and ``nrm_geo`` (N, 3), ``cavity``,
    ``lips``, ``brows`` (N,), the bulbs' ``emission`` (N, 3) and the ray length ``t`` (N,)."""
    device = dirs.device
    seed = int(character.seed)
    n_px = dirs.shape[0]
    with torch.no_grad():
        origin = torch.tensor(cam.origin, device=device)
        grid = baked_grid(model, device)
        pixel_angle = 1.0 / cam.focal_px
        t_hit, hit = march(model, grid, origin, dirs, pixel_angle)

        region = torch.zeros(n_px, device=device)
        pos = torch.zeros(n_px, 3, device=device)
        nrm = torch.zeros(n_px, 3, device=device)
        nrm_geo = torch.zeros(n_px, 3, device=device)
        cavity = torch.zeros(n_px, device=device)
        lips = torch.zeros(n_px, device=device)
        brows = torch.zeros(n_px, device=device)
        emission = torch.zeros(n_px, 3, device=device)

        # background: wall, then the bulbs in front of it
        t_wall, wall_n = wall_hit(cam, dirs)
        t_bulb, bulb_rad, bulb_mask = bulb_hits(cam, dirs, seed)
        t_bg = torch.minimum(t_wall, t_bulb)
        bg = ~hit
        t_all = torch.where(hit, t_hit, t_bg)
        on_bulb = bg & bulb_mask & (t_bulb < t_wall)
        emission[on_bulb] = bulb_rad[on_bulb]
        region[on_bulb] = REGION["practical"]
        pos[bg] = origin + dirs[bg] * t_all[bg, None]
        nrm[bg] = wall_n
        nrm_geo[bg] = wall_n

        idx = hit.nonzero()[:, 0]
        if idx.numel():
            pts = origin + dirs[idx] * t_hit[idx, None]
            parts = model.parts(pts)
            names = ("skin", "eye", "hair", "cloth")
            stack = torch.stack([parts[k] for k in names], dim=1)
            which = stack.argmin(dim=1)
            ids = torch.tensor([REGION[k] for k in names], device=device, dtype=torch.float32)
            region[idx] = ids[which]
            n = normals(model, pts)
            cos_i = (n * -dirs[idx]).sum(1).abs().clamp_min(0.25)
            footprint_mm = t_hit[idx] * pixel_angle * 1000.0 / cos_i
            nb = n.clone()
            cav = torch.zeros(idx.numel(), device=device)
            for name, fn in (("skin", None), ("hair", hair_bump), ("cloth", None)):
                sel = (which == names.index(name)).nonzero()[:, 0]
                if sel.numel() == 0:
                    continue
                if name == "skin":
                    reg = FaceRegions(model, pts[sel], seed)
                    nb[sel], cav[sel] = skin_bump(pts[sel], n[sel], character.skin, reg,
                                                  footprint_mm[sel], seed)
                    lips[idx[sel]] = reg.lips
                    brows[idx[sel]] = reg.brows(footprint_mm[sel])
                elif name == "hair":
                    nb[sel], cav[sel] = fn(pts[sel], n[sel], footprint_mm[sel], seed)
                else:
                    nb[sel] = cloth_bump(pts[sel], n[sel], footprint_mm[sel], seed)
            pos[idx] = pts
            nrm[idx] = nb
            nrm_geo[idx] = n
            cavity[idx] = cav

    return {"region": region, "pos": pos, "nrm": nrm, "nrm_geo": nrm_geo, "cavity": cavity,
            "lips": lips, "brows": brows, "emission": emission, "t": t_all}


def render_geometry(character: CharacterIR | None, camera: CameraIR, width: int, height: int, *,
                    device: torch.device | str = "cpu") -> Frame:
    """Trace the character seen by ``camera`` at ``width``×``height`` render pixels.

    Returns a frame whose ``rgb`` holds only the emissive practical bulbs of the backdrop
    (zeros elsewhere) and the AOVs: ``depth`` (m along the optical axis; the wall behind the
    subject is 2–3 m away), ``normal`` (camera space, micro-geometry bump included),
    ``position`` (object space m), masks ``skin``/``eyes``/``lips``/``brows``/``subject``/
    ``alpha``, and the private ``_region`` (material id), ``_ngeo`` (unbumped camera-space normal)
    and ``_cavity`` (pore/line depth 0–1) that ``shade`` uses.
    """
    _check(camera, width, height)
    device = torch.device(device)
    character = character or DEFAULT_CHARACTER
    model = head_model(character)
    seed = int(character.seed)
    cam = PinholeCamera.from_ir(camera, width, height)
    with torch.no_grad():
        dirs, cosine = cam.rays(device)
        r = trace_rays(model, character, cam, dirs)
        region, pos, nrm, nrm_geo = r["region"], r["pos"], r["nrm"], r["nrm_geo"]
        cavity, lips, brows, emission, t_all = r["cavity"], r["lips"], r["brows"], r["emission"], r["t"]
        rot = cam.rotation(device)
        depth = t_all * cosine

        def img(v: torch.Tensor) -> torch.Tensor:
            c = 1 if v.dim() == 1 else v.shape[1]
            return v.reshape(height, width, c).permute(2, 0, 1).unsqueeze(0).contiguous()

        skin = (region == REGION["skin"]).float()
        subject = ((region >= 1) & (region <= 4)).float()
        aovs = {
            "depth": img(depth),
            "normal": img(nrm @ rot),
            "position": img(pos),
            "skin": img(skin),
            "eyes": img((region == REGION["eye"]).float()),
            "lips": img(lips * skin),
            "brows": img(brows * skin),
            "subject": img(subject),
            "alpha": img(subject),
            "_region": img(region),
            "_ngeo": img(nrm_geo @ rot),
            "_cavity": img(cavity),
        }
    ex = model.eye_x
    tx, ty, tz = model.nose_tip
    lx, ly, lz = model.lips_center
    ecx, ecy, ecz = model.ear_center
    ear_d = min(cam.depth_of((ecx, ecy, ecz)), cam.depth_of((-ecx, ecy, ecz)))
    eye_d = 0.5 * (cam.depth_of((ex, 0.0, 0.013)) + cam.depth_of((-ex, 0.0, 0.013)))
    meta = FrameMeta(
        sensor_width_m=cam.film_width_m, sensor_height_m=cam.film_height_m,
        focal_length_m=cam.focal_length_m, subject_distance_m=float(camera.distance_m),
        face_mm_per_px=1000.0 * eye_d / cam.focal_px, seed=seed, source="render",
        target_depths_m=(("eyes", eye_d), ("nose", cam.depth_of((tx, ty, tz + 0.01))),
                         ("lips", cam.depth_of((lx, ly, lz))), ("ears", ear_d),
                         ("subject", eye_d)),
    )
    return Frame(rgb=img(emission), aovs=aovs, meta=meta)
