"""Click-to-jump: what a point of the preview image shows, and the source block that controls it.

A click at ``(u, v)`` (0–1 across and down the image) is tested, in order, against:

1. a light's catchlight: on an eye pixel, the view ray mirrored about the surface normal
   (camera-space ``normal`` AOV, world ``position``) points at a light of the rig within the
   light's angular radius plus ``CATCHLIGHT_SLACK_RAD`` → that light's block;
2. the focus point: within ``FOCUS_RADIUS`` (fraction of the image's longer side) of a point
   where the subject is nearest the plane of focus (one per eye for ``focus eyes``) → the
   ``focus`` statement;
3. the face (skin, lips, brows, eyes or hair coverage ≥ 0.5) → the character's block;
4. anything else → nothing.

Plate shots have no geometry: only the plate's source block is reported. Torch-free (numpy).
"""

from __future__ import annotations

import math
import re

import numpy as np

from shotspec.compiler.ir import ShotIR
from shotspec.preview.frames import HitData, span_json

__all__ = ["locate", "focus_points", "origin_place", "CATCHLIGHT_SLACK_RAD", "FOCUS_RADIUS"]

CATCHLIGHT_SLACK_RAD = 0.12     # the cornea's curvature over one pixel, and the lid's softening
FOCUS_RADIUS = 0.04
_ORIGIN = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+) \(")


def origin_place(origin: str) -> tuple[str, int, int] | None:
    """``(file, line, col)`` of an origin as ``shot explain`` writes it (``"a.shot:3:5 (shot
    s)"``); None for a default."""
    match = _ORIGIN.match(origin)
    return None if match is None else (match["file"], int(match["line"]), int(match["col"]))


def _origin_span(shot: ShotIR, path: str) -> dict | None:
    """The ``file:line:col`` where ``shot explain`` says a value came from (None: a default)."""
    place = origin_place(shot.origins.get(path, ""))
    if place is None:
        return None
    file, line, col = place
    return {"file": file, "line": line, "col": col, "end_line": line, "end_col": col}


def _pixel(hit: HitData, u: float, v: float) -> tuple[int, int] | None:
    mask = next(iter(hit.masks.values()), None)
    if mask is None or not (0.0 <= u <= 1.0 and 0.0 <= v <= 1.0):
        return None
    h, w = mask.shape
    return min(h - 1, int(v * h)), min(w - 1, int(u * w))


def focus_points(hit: HitData) -> list[tuple[float, float]]:
    """Where the plane of focus meets the focus target, as ``(u, v)`` image fractions: the
    target's pixels (eyes and lips have masks; others use the whole subject) within 2 mm of the
    pixel nearest the plane; for the eyes, one point per eye."""
    if hit.focus_distance_m is None or hit.depth_m is None or "subject" not in hit.masks:
        return []
    target = hit.shot.camera.focus.target if hit.shot.camera.focus.distance_m is None else None
    mask = hit.masks.get(target or "", hit.masks["subject"]) >= 0.5
    if not mask.any():
        mask = hit.masks["subject"] >= 0.5
    if not mask.any():
        return []
    h, w = mask.shape
    rows, cols = np.nonzero(mask)
    miss = np.abs(hit.depth_m[rows, cols] - hit.focus_distance_m)
    near = miss <= miss.min() + 0.002
    groups = [(rows[near], cols[near])]
    if target == "eyes":
        split = np.median(cols)
        groups = [(rows[sel], cols[sel]) for sel in (cols < split, cols >= split) if sel.any()]
        groups = [(r[np.abs(hit.depth_m[r, c] - hit.focus_distance_m) <= miss.min() + 0.004],
                   c[np.abs(hit.depth_m[r, c] - hit.focus_distance_m) <= miss.min() + 0.004])
                  for r, c in groups]
    return [((float(c.mean()) + 0.5) / w, (float(r.mean()) + 0.5) / h) for r, c in groups if len(r)]


def _catchlight(hit: HitData, y: int, x: int):
    """The light whose mirror image in the eye lies under pixel ``(y, x)``, or None."""
    from shotspec.runtime.head.camera import PinholeCamera
    from shotspec.runtime.head.lights import rig

    if hit.normal is None or hit.position is None or hit.masks.get("eyes", np.zeros((1, 1)))[y, x] < 0.5:
        return None
    h, w = hit.masks["eyes"].shape
    cam = PinholeCamera.from_ir(hit.shot.camera, w, h)
    rot = np.array([cam.right, cam.up, cam.back]).T            # camera → world
    n = rot @ hit.normal[y, x]
    p = hit.position[y, x]
    view = np.asarray(cam.origin) - p
    view /= np.linalg.norm(view) or 1.0
    n /= np.linalg.norm(n) or 1.0
    mirrored = 2.0 * float(n @ view) * n - view
    best = None
    for light_ir, light in zip(hit.shot.lights, rig(hit.shot.lights, hit.shot.camera)):
        if light.kind == "environment":
            continue
        to_light = np.asarray(light.direction if light.kind == "directional"
                              else np.asarray(light.position) - p, dtype=np.float64)
        to_light /= np.linalg.norm(to_light) or 1.0
        angle = math.acos(max(-1.0, min(1.0, float(mirrored @ to_light))))
        miss = angle / (light.angular_radius + CATCHLIGHT_SLACK_RAD)
        if miss <= 1.0 and (best is None or miss < best[0]):
            best = (miss, light_ir)
    return None if best is None else best[1]


def _character_span(shot: ShotIR, characters) -> dict | None:
    if shot.character is None:
        return None
    defined = next((c for c in characters if c.name == shot.character.name), None)
    return span_json(defined.span if defined is not None and defined.span else shot.character.span)


def locate(hit: HitData | None, u: float, v: float, characters=()) -> dict:
    """``{"what": "light" | "focus" | "face" | "plate" | "nothing", "name", "span"}`` for a click
    at ``(u, v)``; ``span`` is the controlling block's source range (None when unknown)."""
    if hit is None:
        return {"what": "nothing", "name": "", "span": None}
    shot = hit.shot
    if shot.source.kind == "plate":
        return {"what": "plate", "name": shot.source.plate or "", "span": span_json(shot.source.span)}
    where = _pixel(hit, u, v)
    if where is None:
        return {"what": "nothing", "name": "", "span": None}
    y, x = where
    light = _catchlight(hit, y, x)
    if light is not None:
        return {"what": "light", "name": light.name, "span": span_json(light.span)}
    h, w = hit.masks["subject"].shape
    radius = FOCUS_RADIUS * max(h, w)
    for fu, fv in focus_points(hit):
        if math.hypot((fu - u) * w, (fv - v) * h) <= radius:
            focus = shot.camera.focus
            span = (span_json(focus.span) or _origin_span(shot, "camera.focus.target")
                    or _origin_span(shot, "camera.focus.distance_m") or span_json(shot.camera.span))
            what = focus.target if focus.distance_m is None else f"{focus.distance_m:g} m"
            return {"what": "focus", "name": what or "", "span": span}
    if hit.masks["subject"][y, x] >= 0.5:
        return {"what": "face", "name": shot.character.name if shot.character else "",
                "span": _character_span(shot, characters)}
    return {"what": "nothing", "name": "", "span": None}
