"""``render_geometry``: rasterize a posed scene into a frame of AOVs (the ``geometry`` node).

Visibility is supersampled (``ss``² samples a pixel, default 2×2) and every attribute is
resolved to pixels as the mean over the samples that hit the subject, weighted by hit:
the silhouette gets a fractional ``alpha`` and the attributes of an edge pixel are those of
the surface that covers it, so shading runs once a pixel and still composites without
stair-steps. Material ids become per-pixel fractions (an eyelid edge over the eye shades as a
blend). Rows are processed in strips so the supersampled attributes never exist at once.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from shotspec.compiler.ir import CameraIR, CharacterIR
from shotspec.runtime.head.camera import PinholeCamera
from shotspec.runtime.errors import RenderError
from shotspec.runtime.frame import Frame, FrameMeta
from shotspec.runtime.head.build import ATTRS, DEFAULT_CHARACTER
from shotspec.runtime.head.face_anchors import face_anchors
from shotspec.runtime.head.model import load_head
from shotspec.runtime.head.raster import Raster, rasterize
from shotspec.runtime.head.regions import REGIONS, RegionWeights
from shotspec.runtime.head.relief import perturb_normals, skin_relief
from shotspec.runtime.head.scene import MATERIALS, Scene
from shotspec.runtime.head.backdrop import wall_hit
from shotspec.runtime.head.strand_raster import fragments_aovs, rasterize_strands
from shotspec.runtime.head.strands import Groom

__all__ = ["render_geometry", "DEFAULT_SS", "STRIP_SAMPLES"]

DEFAULT_SS = 2                 # samples per pixel along each axis
STRIP_SAMPLES = 1 << 20        # supersampled samples resolved at once


def _check(camera: CameraIR, width: int, height: int) -> None:
    if width < 1 or height < 1 or width * height > 64_000_000:
        raise RenderError("E501", f"render size {width}x{height} is out of range",
                          hint="use a size between 1x1 and 8000x8000")
    if camera.focal_length_m <= 0 or camera.sensor_width_m <= 0 or camera.distance_m <= 0:
        raise RenderError("E502", "camera focal length, sensor width and distance must be positive")


def _pixel_samples(strip: Raster) -> tuple[torch.Tensor, torch.Tensor]:
    """A raster strip's samples grouped by pixel: face ids (h·w, S) and barycentrics
    (h·w, S, 3), S = ss² in row-major order within the pixel."""
    ss = strip.ss
    hs, ws = strip.face_id.shape
    h, w = hs // ss, ws // ss
    fid = strip.face_id.view(h, ss, w, ss).permute(0, 2, 1, 3).reshape(h * w, ss * ss)
    bary = strip.bary.view(3, h, ss, w, ss).permute(1, 3, 2, 4, 0).reshape(h * w, ss * ss, 3)
    return fid, bary


def _representative(ss: int, fid: torch.Tensor, bary: torch.Tensor, faces: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per pixel (``_pixel_samples``), the hit sample nearest the pixel's centre: its triangle's
    vertex ids (3, N) as float (−1 where nothing is hit) and barycentrics (3, N)."""
    c = (ss - 1) / 2.0
    k = torch.arange(ss * ss, device=fid.device)
    dist = (k // ss - c) ** 2 + (k % ss - c) ** 2
    rank = torch.argsort(torch.argsort(dist, stable=True), stable=True)   # 0 = most central
    score = torch.where(fid >= 0, ss * ss - rank, torch.zeros_like(rank))
    pick = score.argmax(dim=1, keepdim=True)                                # (N, 1)
    face = fid.gather(1, pick)[:, 0]
    b = bary.gather(1, pick[..., None].expand(-1, 1, 3))[:, 0].T
    vid = torch.where(face[None] >= 0, faces[face.clamp_min(0)].T,
                      torch.full_like(face, -1)[None]).to(torch.float32)
    return vid, b


def _face_slots(fid: torch.Tensor, bary: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Merge the samples of a pixel that hit the same triangle. ``fid`` (P, S), ``bary``
    (P, S, 3) of pixels with at least one hit. Returns ``lead`` (P, S) bool (sample s is the
    first hit on its triangle within the pixel), the summed barycentrics of each lead's
    triangle (P, S, 3) and its sample count (P, S); summed in a fixed order (deterministic)."""
    s_count = fid.shape[1]
    slots = torch.arange(s_count, device=fid.device)
    # each sample's owner: the earliest sample of its pixel on the same triangle (argmax
    # returns the first of equal maxima)
    owner = (fid[:, :, None] == fid[:, None, :]).to(torch.int8).argmax(2)       # (P, S)
    hit = fid >= 0
    lead = hit & (owner == slots)
    assign = ((owner[:, :, None] == slots) & hit[:, :, None]).to(bary.dtype)   # (P, S, S)
    weights = torch.einsum("pst,psk->ptk", assign, bary)
    counts = assign.sum(1)
    return lead, weights, counts


def _resolve_strips(raster: Raster, vertex_attr: torch.Tensor, corner_attr: torch.Tensor,
                    face_corner: torch.Tensor, face_attr: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Hit-weighted pixel means of per-vertex (V, A), per-corner (T, B) and per-face (F, C)
    attributes (A+B+C, H, W), the coverage (H, W), and the central hit's vertex ids and
    barycentrics (3, H, W) each (``_representative``).

    Only pixels the subject covers are evaluated, and the samples of a pixel on one triangle
    are merged first (their barycentrics summed), so a pixel inside one triangle gathers its
    three corners once instead of once per sample.
    """
    ss, hs, ws = raster.ss, *raster.face_id.shape
    h, w = hs // ss, ws // ss
    rows = max(ss, (STRIP_SAMPLES // max(ws, 1)) // ss * ss)
    dev = raster.face_id.device
    rows_attr = vertex_attr.to(torch.float32).contiguous()
    corner_rows = corner_attr.to(torch.float32).contiguous()
    face_rows = face_attr.to(torch.float32).contiguous()
    n_ch = rows_attr.shape[1] + corner_rows.shape[1] + face_rows.shape[1]
    out = torch.zeros(h * w, n_ch, device=dev)
    cov = torch.zeros(h * w, device=dev)
    vid = torch.full((3, h * w), -1.0, device=dev)
    bary_px = torch.zeros(3, h * w, device=dev)
    for top in range(0, hs, rows):
        bottom = min(hs, top + rows)
        strip = dataclasses.replace(raster, face_id=raster.face_id[top:bottom],
                                    bary=raster.bary[:, top:bottom], depth_m=raster.depth_m[top:bottom])
        fid, bary = _pixel_samples(strip)
        first = (top // ss) * w
        hits = (fid >= 0).sum(1)
        px = (hits > 0).nonzero()[:, 0]
        cov[first:first + fid.shape[0]] = hits.to(torch.float32) / (ss * ss)
        if px.numel() == 0:
            continue
        fid, bary = fid[px], bary[px]
        v_rep, b_rep = _representative(ss, fid, bary, raster.faces)
        vid[:, first + px], bary_px[:, first + px] = v_rep, b_rep
        lead, weights, counts = _face_slots(fid, bary)
        inv = 1.0 / hits[px].to(torch.float32)
        acc = torch.zeros(px.numel(), n_ch, device=dev)
        for t in range(fid.shape[1]):
            sel = lead[:, t].nonzero()[:, 0]
            if sel.numel() == 0:
                continue
            face = fid[sel, t]
            wt = weights[sel, t] * inv[sel, None]                     # (n, 3)
            parts = []
            for table, index in ((rows_attr, raster.faces), (corner_rows, face_corner)):
                corners = index[face]
                parts.append(table[corners[:, 0]] * wt[:, 0:1] + table[corners[:, 1]] * wt[:, 1:2]
                             + table[corners[:, 2]] * wt[:, 2:3])
            parts.append(face_rows[face] * (counts[sel, t] * inv[sel])[:, None])
            acc[sel] += torch.cat(parts, dim=1)                     # ids unique within a slot
        out[first + px] = acc
    return out.T.contiguous().view(n_ch, h, w), cov.view(h, w), vid.view(3, h, w), bary_px.view(3, h, w)


def _img(t: torch.Tensor) -> torch.Tensor:
    return (t if t.dim() == 3 else t[None])[None].contiguous()


def footprint_mm(depth_m: torch.Tensor, cos_view: torch.Tensor, focal_px: float) -> torch.Tensor:
    """The width (mm) of the skin one pixel covers at ``depth_m`` seen at ``cos_view`` (N,)."""
    return 1000.0 * depth_m / focal_px / cos_view.abs().clamp_min(0.3)


def _relief(character: CharacterIR, scene: Scene, rest: torch.Tensor, n_rest: torch.Tensor,
            nrm: torch.Tensor, attrs: torch.Tensor, fp: torch.Tensor, skin: torch.Tensor
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Bumped world normals (3, H, W) and cavity (H, W) from the skin's micro-relief, evaluated
    at each skin pixel's rest-pose position (so pores stay on the skin when the face moves)."""
    h, w = skin.shape
    cavity = torch.zeros(h * w, device=skin.device)
    out = nrm.reshape(3, -1).T.clone()
    sel = (skin.reshape(-1) > 0).nonzero()[:, 0]
    if sel.numel() == 0:
        return nrm, cavity.view(h, w)
    head = load_head(str(scene.vertices.device))
    anchors = face_anchors(head, scene.rest[: head.neutral.shape[0]])
    regions = RegionWeights(attrs[: len(REGIONS)].reshape(len(REGIONS), -1).T[sel])
    rel = skin_relief(rest.reshape(3, -1).T[sel] * 1000.0, regions, fp.reshape(-1)[sel],
                      character.skin, int(character.seed), anchors, character.lips.furrows)
    out[sel] = perturb_normals(out[sel], rel.grad, n_rest.reshape(3, -1).T[sel])
    cavity[sel] = rel.cavity
    return out.T.reshape(3, h, w), cavity.view(h, w)


def render_geometry(scene: Scene, camera: CameraIR, width: int, height: int, *,
                    character: CharacterIR | None = None, ss: int = DEFAULT_SS,
                    groom: Groom = ()) -> Frame:
    """Rasterize ``scene`` seen by ``camera`` at ``width``×``height`` pixels.

    AOVs: ``depth`` (m along the optical axis; the backdrop wall where nothing covers half a
    pixel), ``normal`` (camera space, smooth), ``position`` (world m), ``rest`` (the same
    surface point's position on the unposed, expressionless head, m: a "Pref" that stays on the
    skin as the head turns or the face moves), ``alpha``/``subject``
    (coverage 0–1), ``skin``/``eyes``/``lips``/``brows`` masks, and for ``shade``: ``_mat``
    (material fractions, ``MATERIALS`` order), ``_ngeo`` (world normal), ``_rest`` and
    ``_rest_normal`` (the unposed surface, for texture that must stay on the skin), ``_uv``
    and ``_attrs`` (the scene's per-vertex attributes), ``_vid``/``_bary`` (the central hit's
    triangle: vertex ids as float, −1 where empty, and barycentrics — for per-vertex values the
    shader computes itself), ``_cavity`` (pore and line depth 0–1)
    and ``_footprint`` (mm of skin a pixel covers). The shading ``normal`` carries the skin's
    micro-relief (``relief.skin_relief``) of ``character`` (``None``: the embedded default).
    With a ``groom``, its strands are rasterized against the mesh's depth
    (``strand_raster``): ``hair`` (coverage), ``_hair_depth`` and the fragment arrays that
    ``shade`` lights and composites (the mesh AOVs stay the mesh's; shade folds the hair in).
    """
    _check(camera, width, height)
    cam = PinholeCamera.from_ir(camera, width, height)
    v = scene.vertices
    with torch.no_grad():
        raster = rasterize(v, scene.faces, cam, width, height, ss=ss)
        vert = torch.cat([v, scene.normals, scene.rest, scene.rest_normals, scene.attrs], dim=1)
        onehot = F.one_hot(scene.material, len(MATERIALS)).to(torch.float32)
        vals, alpha, vid, bary = _resolve_strips(raster, vert, scene.uv, scene.face_uv, onehot)
        na = scene.attrs.shape[1]
        pos, nrm, rest, n_rest_px = vals[0:3], vals[3:6], vals[6:9], vals[9:12]
        attrs, uv, mat = vals[12:12 + na], vals[12 + na:14 + na], vals[14 + na:]
        nrm = F.normalize(nrm, dim=0)
        n_rest_px = F.normalize(n_rest_px, dim=0)
        rot = cam.rotation(v.device)

        # depth: the subject's where it covers half the pixel, else the backdrop wall's
        dirs, cosine = cam.rays(v.device)
        t_wall, _ = wall_hit(cam, dirs)
        wall_depth = (t_wall * cosine).view(height, width)
        origin = torch.tensor(cam.origin, device=v.device)
        subj_depth = ((pos.permute(1, 2, 0) - origin) @ -rot[:, 2])
        depth = torch.where(alpha >= 0.5, subj_depth, wall_depth)
        view = F.normalize(origin[:, None, None] - pos, dim=0)
        fp = footprint_mm(subj_depth, (view * nrm).sum(0), cam.focal_px)
        ngeo = nrm
        if scene.attr_names == ATTRS:
            nrm, cavity = _relief(character or DEFAULT_CHARACTER, scene, rest, n_rest_px, nrm, attrs, fp,
                                  mat[MATERIALS["skin"]] * alpha)
        else:
            cavity = torch.zeros_like(alpha)

        skin = mat[MATERIALS["skin"]]
        eyes = mat[MATERIALS["sclera"]] + mat[MATERIALS["iris"]]
        names = scene.attr_names
        lips = attrs[names.index("lips")] if "lips" in names else torch.zeros_like(skin)
        brows = attrs[names.index("brows")] if "brows" in names else torch.zeros_like(skin)
        rest_img = _img(rest)
        aovs = {
            "depth": _img(depth),
            "normal": _img((nrm.permute(1, 2, 0) @ rot).permute(2, 0, 1)),
            "position": _img(pos),
            "rest": rest_img,
            "skin": _img(skin * alpha),
            "eyes": _img(eyes * alpha),
            "lips": _img(lips * skin * alpha),
            "brows": _img(brows * skin * alpha),
            "subject": _img(alpha),
            "alpha": _img(alpha),
            "_mat": _img(mat),
            "_ngeo": _img(ngeo),
            "_cavity": _img(cavity),
            "_footprint": _img(fp),
            "_vid": _img(vid),
            "_bary": _img(bary),
            "_rest": rest_img,
            "_rest_normal": _img(n_rest_px),
            "_uv": _img(uv),
            "_attrs": _img(attrs) if na else torch.zeros(1, 0, height, width, device=v.device),
        }
        if groom:
            aovs.update(fragments_aovs(rasterize_strands(groom, cam, depth)))
    meta = _meta(scene, cam, camera)
    return Frame(rgb=torch.zeros(1, 3, height, width, device=v.device), aovs=aovs, meta=meta)


def _meta(scene: Scene, cam: PinholeCamera, camera: CameraIR) -> FrameMeta:
    """The physical facts later passes need, and the depths of the named focus targets."""
    def depth_of(p: torch.Tensor) -> float:
        return cam.depth_of(tuple(float(x) for x in p))

    lm = scene.landmarks
    apexes = scene.eye_centres + scene.eye_axes * 0.0115
    eye_d = 0.5 * (depth_of(apexes[0]) + depth_of(apexes[1]))
    lips = 0.5 * (lm[51] + lm[57])
    ears = min(depth_of(lm[0]), depth_of(lm[16]))
    return FrameMeta(
        sensor_width_m=cam.film_width_m, sensor_height_m=cam.film_height_m,
        focal_length_m=cam.focal_length_m, subject_distance_m=float(camera.distance_m),
        face_mm_per_px=1000.0 * eye_d / cam.focal_px, source="render",
        target_depths_m=(("eyes", eye_d), ("nose", depth_of(lm[30])), ("lips", depth_of(lips)),
                         ("ears", ears), ("subject", eye_d)))
