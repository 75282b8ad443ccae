"""Which parts of the head to draw for the eyes, and how: draw lists, iris/pupil masks, corneas.

The kit's eyeball (``eyeball_left``/``eyeball_right``, README 'Eyeball Details') is two closed
meshes per eye: its first 770 vertices are the outer shell, white sclera behind a corneal
bulge whose apex is the eye's frontmost point, and the next 800 the inner globe, whose front is
the flat iris with a 1.4 mm pupil tunnel. For an opaque rasterizer the shell's corneal cap is
left out (it would hide the iris; the renderer adds the cornea as a glossy lobe from the sphere
given here) and the inner globe is drawn whole: its front disc is iris/pupil, its rest
(seen only through the limbus seam) is sclera. The translucent layers meant for a real-time
engine (lacrimal fluid, eye blend, eye occlusion) are never drawn opaque; the eyelash strips
are left out of the opaque list and come with a per-vertex coverage instead (see
``lash_alpha``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from shotspec.head_facts import PART_IDS, PARTS
from shotspec.runtime.head.model import HeadData

__all__ = ["EyeGeometry", "eye_parts", "eye_geometry", "lash_alpha", "catchlight_m",
           "TRANSLUCENT_PARTS",
           "LIMBUS_RADIUS_MM", "PUPIL_DIAMETER_MM", "SHELL_VERTICES", "INNER_VERTICES"]

# the kit's per-eye split of the eyeball part's vertex range (README 'Eyeball Details')
SHELL_VERTICES = 770
INNER_VERTICES = 800
# visible iris: 11.7 mm across (the population mean horizontal visible iris diameter)
LIMBUS_RADIUS_MM = 5.85
# default pupil: a lit studio, about 4 mm (2 mm in bright sun to 8 mm in the dark)
PUPIL_DIAMETER_MM = 4.0
TRANSLUCENT_PARTS = ("lacrimal_left", "lacrimal_right", "eye_blend_left", "eye_blend_right",
                     "eye_occlusion_left", "eye_occlusion_right")
# the lash strips' peak coverage at the root and how fast it thins towards the tips
_LASH_ROOT_ALPHA = 0.6
_LASH_FALLOFF = 1.5
_FAR_MM = 1.0e3          # axial radius reported for vertices that belong to no eye


@dataclass(frozen=True)
class EyeGeometry:
    """One eye measured on (posed) vertices, metres. ``axis`` is the unit optical axis (from the
    globe's centre through the corneal apex); the cornea sphere is fitted to the shell's cap
    inside the limbus, so a light's catchlight is its mirror reflection off that sphere."""

    side: str
    globe_centre_m: torch.Tensor     # (3,)
    globe_radius_m: float
    apex_m: torch.Tensor             # (3,)
    axis: torch.Tensor               # (3,) unit
    pupil_centre_m: torch.Tensor     # (3,) on the iris plane
    cornea_centre_m: torch.Tensor    # (3,)
    cornea_radius_m: float
    limbus_radius_m: float


def _eye_ranges(side: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Vertex ids of the outer shell and of the inner globe of one eye."""
    lo = PARTS[PART_IDS[f"eyeball_{side}"]][2][0]
    shell = torch.arange(lo, lo + SHELL_VERTICES)
    inner = torch.arange(lo + SHELL_VERTICES, lo + SHELL_VERTICES + INNER_VERTICES)
    return shell, inner


def _fit_sphere(p: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Least-squares sphere (centre (3,), radius) through points ``p`` (N, 3), in float64."""
    p = p.double()
    a = torch.cat([2.0 * p, torch.ones(len(p), 1, dtype=p.dtype, device=p.device)], 1)
    sol = torch.linalg.lstsq(a.cpu(), (p * p).sum(1, keepdim=True).cpu()).solution[:, 0]
    c = sol[:3]
    return c.to(p.device), float(torch.sqrt(sol[3] + c.dot(c)))


def _axial(p: torch.Tensor, origin: torch.Tensor, axis: torch.Tensor):
    """Distance along ``axis`` from ``origin`` and distance from the axis line of points (N, 3)."""
    d = p - origin
    along = d @ axis
    return along, (d - along[:, None] * axis).norm(dim=1)


def eye_geometry(head: HeadData, vertices: torch.Tensor, side: str,
                 limbus_radius_mm: float = LIMBUS_RADIUS_MM) -> EyeGeometry:
    """Measure the eye ``side`` ('left' = subject's left, +x) on ``vertices`` (V, 3) metres.

    The apex is the shell vertex frontmost on the neutral mesh (a fixed vertex, so it follows
    gaze); the globe is a sphere fitted to the shell more than 12 mm from the apex; the axis is
    then refined to pass through the pupil tunnel's centre, normal to the iris plate.
    """
    shell, inner = _eye_ranges(side)
    v = vertices.double()
    apex_id = shell[head.neutral[shell, 2].argmax()]
    apex = v[apex_id]
    s, i = v[shell], v[inner]
    centre, radius = _fit_sphere(s[(s - apex).norm(dim=1) > 0.012])
    axis = (apex - centre) / (apex - centre).norm()
    along, rad = _axial(i, centre, axis)
    plate = i[(along > 0) & (rad < 0.005)]
    tunnel = i[(along > 0) & (rad < 0.002)]
    pupil = tunnel.mean(0)
    # the iris plate's normal, facing the apex
    _, _, vh = torch.linalg.svd((plate - plate.mean(0)).cpu())
    normal = vh[-1].to(v.device)
    axis = normal if normal @ axis > 0 else -normal
    along, rad = _axial(s, pupil, axis)
    cap = s[(rad < limbus_radius_mm * 1e-3) & (along > 0)]
    c_centre, c_radius = _fit_sphere(cap)
    f = vertices.dtype
    return EyeGeometry(side, centre.to(f), radius, apex.to(f), axis.to(f), pupil.to(f),
                       c_centre.to(f), c_radius, limbus_radius_mm * 1e-3)


def catchlight_m(eye: EyeGeometry, light_m, camera_m) -> tuple[torch.Tensor, bool]:
    """Where a light's mirror highlight sits on the cornea, seen from the camera: the point
    (3,) m of the cornea sphere whose normal halves the directions to the light and to the
    camera (world points, metres), and whether it falls on the cornea (inside the limbus), so
    the renderer draws a catchlight for every light that lands there."""
    c = eye.cornea_centre_m
    to_light = torch.as_tensor(light_m, dtype=c.dtype, device=c.device) - c
    to_cam = torch.as_tensor(camera_m, dtype=c.dtype, device=c.device) - c
    half = to_light / to_light.norm() + to_cam / to_cam.norm()
    point = c + eye.cornea_radius_m * half / half.norm()
    d = point - eye.pupil_centre_m
    off_axis = (d - (d @ eye.axis) * eye.axis).norm()
    return point, bool(off_axis < eye.limbus_radius_m and (d @ eye.axis) > 0)


def _faces_of(head: HeadData, names) -> torch.Tensor:
    keep = torch.zeros_like(head.face_part, dtype=torch.bool)
    for n in names:
        keep |= head.face_part == PART_IDS[n]
    return torch.nonzero(keep)[:, 0]


def _components(faces: torch.Tensor, n: int) -> torch.Tensor:
    """Connected-component label (the smallest vertex id of its piece) of every vertex (n,)."""
    label = torch.arange(n, device=faces.device)
    edges = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    while True:
        low = torch.minimum(label[edges[:, 0]], label[edges[:, 1]])
        new = label.scatter_reduce(0, edges[:, 0], low, "amin").scatter_reduce(
            0, edges[:, 1], low, "amin")
        new = new[new]
        if torch.equal(new, label):
            return label
        label = new


def lash_alpha(head: HeadData, vertices: torch.Tensor) -> torch.Tensor:
    """Per-vertex coverage (V,) of the eyelash strips, 0 elsewhere.

    Each strip (a connected piece of the lash part) is a band of rows in the lashes' UV tile
    running from the lid to the lash tips; a vertex's place across its band (UV v) gives its
    distance from the root, and the band's root side is the one nearer the eyelid skin. Coverage is ``0.6 (1 - t)^1.5``: dense at the
    lid, thinning to nothing at the tips (the lashes are drawn as a coverage-weighted layer,
    never opaque).
    """
    alpha = torch.zeros(len(vertices), dtype=vertices.dtype, device=vertices.device)
    face_skin = vertices[head.part_vertices("face")]
    for side in ("left", "right"):
        fid = _faces_of(head, [f"eyelashes_{side}"])
        vid = head.faces[fid].reshape(-1)
        uv_v = head.uv[head.face_uv[fid].reshape(-1), 1]
        ids, inv = torch.unique(vid, return_inverse=True)
        v_of = torch.zeros(len(ids), dtype=uv_v.dtype, device=uv_v.device).scatter_reduce(
            0, inv, uv_v, "amax", include_self=False)
        band = _components(head.faces[fid], len(vertices))[ids]
        near_mm = torch.cdist(vertices[ids].double(), face_skin.double()).min(1).values * 1e3
        for b in torch.unique(band):
            m = band == b
            lo, hi = v_of[m].min(), v_of[m].max()
            t = (v_of[m] - lo) / (hi - lo).clamp(min=1e-9)
            root_low = near_mm[m][t < 0.5].mean() < near_mm[m][t >= 0.5].mean()
            t = t if root_low else 1.0 - t
            alpha[ids[m]] = (_LASH_ROOT_ALPHA * (1.0 - t) ** _LASH_FALLOFF).to(alpha.dtype)
    return alpha


def eye_parts(head: HeadData, vertices: torch.Tensor | None = None, *,
              pupil_diameter_mm: float = PUPIL_DIAMETER_MM,
              limbus_radius_mm: float = LIMBUS_RADIUS_MM) -> dict:
    """What the renderer draws for the eyes of ``vertices`` (V, 3) m (default: the neutral).

    Returns a dict:
      ``opaque_faces`` (Fo,) int64: triangle ids to rasterize as solid eye surface (shell
        outside the limbus + the whole inner globe);
      ``cornea_faces`` (Fc,): the shell's corneal cap, never drawn opaque (glossy lobe only);
      ``excluded_faces`` (Fx,): the translucent layers, never drawn opaque;
      ``lash_faces`` (Fl,) and ``lash_alpha`` (V,): the lash strips and their coverage;
      ``axial_radius_mm`` (V,): each eye vertex's distance from its eye's optical axis
        (``1e3`` for other vertices), for per-pixel iris/pupil edges;
      ``iris``, ``pupil``, ``sclera`` (V,) float 0/1 masks (iris includes the pupil);
      ``interior`` (V,): the inner globe's far half, seen only through the pupil's 1.4 mm
        tunnel: shade it black (it is the inside of the eye);
      ``eyes``: {'left': EyeGeometry, 'right': EyeGeometry}.
    Raises ValueError for a pupil not inside the iris.
    """
    if not 0.0 < pupil_diameter_mm < 2.0 * limbus_radius_mm:
        raise ValueError(f"pupil diameter {pupil_diameter_mm} mm must be between 0 and the "
                         f"iris diameter {2.0 * limbus_radius_mm:g} mm")
    v = head.neutral if vertices is None else vertices
    n = len(v)
    radial = torch.full((n,), _FAR_MM, dtype=v.dtype, device=v.device)
    iris = torch.zeros(n, dtype=v.dtype, device=v.device)
    sclera = torch.zeros_like(iris)
    interior = torch.zeros_like(iris)
    cornea_vertex = torch.zeros(n, dtype=torch.bool, device=v.device)
    shell_vertex = torch.zeros(n, dtype=torch.bool, device=v.device)
    eyes = {}
    for side in ("left", "right"):
        g = eye_geometry(head, v, side, limbus_radius_mm)
        eyes[side] = g
        shell, inner = _eye_ranges(side)
        shell, inner = shell.to(v.device), inner.to(v.device)
        along_s, rad_s = _axial(v[shell], g.pupil_centre_m, g.axis)
        along_i, rad_i = _axial(v[inner], g.pupil_centre_m, g.axis)
        radial[shell], radial[inner] = rad_s * 1e3, rad_i * 1e3
        # the iris is the inner globe's front within the limbus: the plate and the pupil's
        # tunnel into it (its back, on the far side of the globe's centre, is not)
        ahead = (v[inner] - g.globe_centre_m) @ g.axis > 0
        front = (rad_i * 1e3 <= limbus_radius_mm) & ahead
        iris[inner] = front.to(v.dtype)
        sclera[inner] = (~front & ahead).to(v.dtype)
        interior[inner] = (~ahead).to(v.dtype)
        in_cap = (rad_s * 1e3 < limbus_radius_mm) & (along_s > 0)
        sclera[shell] = (~in_cap).to(v.dtype)
        cornea_vertex[shell] = in_cap
        shell_vertex[shell] = True
    pupil = iris * (radial <= 0.5 * pupil_diameter_mm).to(v.dtype)

    eyeball = _faces_of(head, ["eyeball_left", "eyeball_right"])
    # a shell triangle belongs to the cornea when most of its corners lie inside the limbus
    tri = head.faces[eyeball]
    cornea = shell_vertex[tri].all(1) & (cornea_vertex[tri].sum(1) >= 2)
    return {
        "opaque_faces": eyeball[~cornea],
        "cornea_faces": eyeball[cornea],
        "excluded_faces": _faces_of(head, TRANSLUCENT_PARTS),
        "lash_faces": _faces_of(head, ["eyelashes_left", "eyelashes_right"]),
        "lash_alpha": lash_alpha(head, v),
        "axial_radius_mm": radial,
        "iris": iris,
        "pupil": pupil,
        "sclera": sclera,
        "interior": interior,
        "eyes": eyes,
    }
