"""``build_identity``: reference photos → checks per photo → one ``Identity``.

Each photo is hashed (sha256 of its bytes), decoded, checked (``PhotoThresholds``), and if it
passes, measured (skin: ``measure_skin``; landmarks: ``observation_from_landmarks``). The skin
takes the median of every measurement over the usable photos, so a few odd photos do not move
it; the face shape is one fit of the scanned head's identity to the landmarks of every usable
photo at once (``face_fit``). Nothing is written here; the CLI writes the file atomically.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from shotspec.compiler.identity_file import (FORMAT_VERSION, RECOMMENDED_PHOTOS, Identity,
                                             IdentitySkin)
from shotspec.compiler.tables import monk_albedo
from shotspec.diagnostics import Diagnostic
from shotspec.file_hash import sha256_file
from shotspec.image_formats import CONVERT_HINT, describe_unreadable, unreadable_images
from shotspec.runtime.faces.face_finder import find_face, mediapipe_available
from shotspec.runtime.faces.face_frame import IPD_MM
from shotspec.runtime.head.fit import LandmarkObservation
from shotspec.runtime.head.model import load_head
from shotspec.runtime.identity.face_fit import (face_measures_sd, fit_photos, head_model_name,
                                                observation_from_landmarks)
from shotspec.runtime.identity.freckles import (TARGET_MM_PER_PX, FreckleSample, freckle_statistic,
                                                freckles_from_statistic)
from shotspec.runtime.identity.photos import (PhotoLoadError, PhotoThresholds, blur_metric,
                                              list_photos, load_crop, load_photo, shadow_ratio,
                                              srgb_luma)
from shotspec.runtime.identity.skin_params import (SkinSample, classify_undertone,
                                                   load_calibration, measure_skin, zone_mask)

# a pixel is blown out when all three channels are at least sRGB 0.96 (white, not just a red
# channel at its limit, which lit light skin often reaches)
CLIP_LINEAR = 0.9131

__all__ = ["PhotoResult", "IdentityBuild", "build_identity", "derive_seed"]


@dataclass
class PhotoResult:
    """One photo: ``status`` is ``"ok"`` or ``"replace"`` with the ``reasons``."""

    name: str
    sha256: str
    size: tuple[int, int] = (0, 0)
    reasons: list[str] = field(default_factory=list)
    skin: SkinSample | None = None
    observation: LandmarkObservation | None = None
    landmarks: str | None = None
    freckles: FreckleSample | None = None

    @property
    def status(self) -> str:
        return "ok" if not self.reasons else "replace"


@dataclass
class IdentityBuild:
    """What ``build_identity`` found: the identity (None when ``error``: E405 no usable photo,
    E406 folder missing or empty), every photo's verdict, warnings (W401, W405–W407) and the
    fitted face's named measures in population SDs (``face_sd``; empty when not fitted)."""

    identity: Identity | None
    photos: list[PhotoResult]
    warnings: list[Diagnostic]
    error: Diagnostic | None = None
    face_sd: dict[str, float] = field(default_factory=dict)


def derive_seed(hashes: list[str]) -> int:
    """A texture seed from the photos' hashes (the same photos give the same seed)."""
    digest = hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def _check_photo(path: Path, result: PhotoResult, t: PhotoThresholds,
                 use_mediapipe: bool | None) -> None:
    try:
        rgb, size = load_photo(path)
    except PhotoLoadError as exc:
        result.reasons.append(str(exc))
        return
    result.size = size
    if min(size) < t.min_side_px:
        result.reasons.append(f"too small ({size[0]}×{size[1]} px; need at least "
                              f"{t.min_side_px} px on the short side)")
        return
    luma = srgb_luma(rgb)
    top = float(torch.quantile(luma.flatten(), 0.995))
    if top < t.image_dark_luma:
        result.reasons.append(f"too dark: underexposed (its brightest pixels reach {top:.2f}; "
                              f"need ≥ {t.image_dark_luma:.2f})")
        return
    h, w = rgb.shape[-2:]
    white = rgb.amin(1, keepdim=True) >= CLIP_LINEAR
    centre = float(white[..., h // 4: 3 * h // 4, w // 4: 3 * w // 4].float().mean())
    if centre > 3 * t.clip_fraction:
        result.reasons.append(f"blown out ({centre:.0%} of the middle of the photo is white)")
        return
    face = find_face(rgb, use_mediapipe)
    if face.region is not None:
        region = torch.from_numpy(face.region)[None, None]
        ratio = shadow_ratio(rgb, region, face.width)
        if ratio > t.shadow_ratio:
            result.reasons.append(f"heavy shadows across the face ({np.log2(ratio):.1f} stops "
                                  f"between lit and shadow side; at most {np.log2(t.shadow_ratio):.1f})")
            return
    if not face.found:
        result.reasons.append(face.reason or "no face found")
        return
    result.landmarks = face.landmarks.method
    scale = max(size) / max(rgb.shape[-2:])
    face_px = face.width * scale
    if face_px < t.min_face_px:
        result.reasons.append(f"face too small ({face_px:.0f} px wide; need ≥ {t.min_face_px} px)")
    skin = torch.from_numpy(face.skin)[None, None]
    p95 = float(torch.quantile(luma[skin], 0.95))
    if p95 < t.dark_luma:
        result.reasons.append(f"face too dark (brightest skin {p95:.2f}; need ≥ {t.dark_luma:.2f})")
    clipped = float(white[region].float().mean())
    if clipped > t.clip_fraction:
        result.reasons.append(f"blown out ({clipped:.0%} of the face clipped; at most "
                              f"{t.clip_fraction:.0%})")
    blur = blur_metric(luma, region)
    if blur > t.blur:
        result.reasons.append(f"blurred: motion or focus (blur {blur:.2f}; at most {t.blur:.2f})")
    if result.reasons:
        return
    result.skin = measure_skin(rgb, face)
    if result.skin is None:
        result.reasons.append("too little visible skin under the eyes")
        return
    result.observation = observation_from_landmarks(face.landmarks, (rgb.shape[-1], rgb.shape[-2]))
    result.freckles = _freckles(path, rgb, face, size)


def _freckles(path: Path, rgb: torch.Tensor, face, size: tuple[int, int]) -> FreckleSample | None:
    """Freckle coverage of one photo, measured at up to ``TARGET_MM_PER_PX``: on the working
    image when it already has the photo's pixels, else on a crop of the zone from the photo."""
    zone, filled = zone_mask(face), zone_mask(face, filled=True)
    ipd = face.landmarks.eye_distance
    scale = max(size) / max(rgb.shape[-2:])          # photo pixels per working pixel
    if scale <= 1.0 + 1e-6:
        return freckle_statistic(rgb, zone, ipd, filled)
    factor = min(1.0, (IPD_MM / (ipd * scale)) / TARGET_MM_PER_PX)   # resampling of the photo
    ys, xs = np.nonzero(filled)
    box = (xs.min() * scale, ys.min() * scale, (xs.max() + 1) * scale, (ys.max() + 1) * scale)
    try:
        crop = load_crop(path, box, factor)
    except PhotoLoadError:
        return None
    ch, cw = crop.shape[-2:]
    def upsampled(mask: np.ndarray) -> np.ndarray:
        sub = torch.from_numpy(mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32))
        return F.interpolate(sub[None, None], size=(ch, cw), mode="nearest")[0, 0].numpy() > 0.5

    return freckle_statistic(crop, upsampled(zone), ipd * scale * factor, upsampled(filled))


def _median(values: list[float]) -> float:
    return float(np.median(np.asarray(values, dtype=np.float64)))


def build_identity(photos_dir: str | Path, output: str | Path, seed: int | None = None, *,
                   thresholds: PhotoThresholds = PhotoThresholds(),
                   use_mediapipe: bool | None = None) -> IdentityBuild:
    """Check and measure every photo in ``photos_dir``; the identity to be written at
    ``output`` (photo paths are stored relative to it). ``seed=None`` derives the texture seed
    from the photos' hashes. Deterministic: same photos and seed → the same file."""
    folder = Path(photos_dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        return IdentityBuild(None, [], [], Diagnostic.of(
            "E406", f"photo folder `{photos_dir}` {what}",
            help="give the folder that holds the reference photos: `shot identity build refs/mara/ -o mara.identity`"))
    files = list_photos(folder)
    unreadable = unreadable_images(sorted(p.name for p in folder.iterdir() if p.is_file()))
    skipped = f"it holds {describe_unreadable(unreadable)}" if unreadable else None
    if not files:
        return IdentityBuild(None, [], [], Diagnostic.of(
            "E406", f"photo folder `{photos_dir}` holds no photos (.jpg, .png, .tif, .exr)",
            help=CONVERT_HINT if unreadable else
            f"add about {RECOMMENDED_PHOTOS} well-lit photos of the person's face to it",
            notes=(skipped,) if skipped else ()))
    results = []
    for path in files:
        result = PhotoResult(path.name, sha256_file(path))
        _check_photo(path, result, thresholds, use_mediapipe)
        results.append(result)
    usable = [r for r in results if r.status == "ok"]
    warnings = [Diagnostic.of("W407", f"skipped: {skipped}", help=CONVERT_HINT)] if skipped else []
    if not usable:
        return IdentityBuild(None, results, warnings, Diagnostic.of(
            "E405", f"none of the {len(results)} photos in `{photos_dir}` is usable",
            help="replace the photos listed above: a sharp, evenly lit, front-facing face "
                 "filling a good part of the frame"))
    if len(usable) < RECOMMENDED_PHOTOS:
        warnings.append(Diagnostic.of(
            "W401", f"only {len(usable)} usable photo{'s' if len(usable) != 1 else ''}; about "
                    f"{RECOMMENDED_PHOTOS} are recommended for a stable identity",
            help="add front, three-quarter and profile views in soft, even light"))
    tone = _median([r.skin.tone for r in usable])
    u_index = _median([r.skin.undertone_index for r in usable])
    observed = [r for r in usable if r.observation is not None]
    coefficients, model, face_sd, fit_stats = None, None, {}, {}
    if observed:
        head = load_head()
        fit = fit_photos([r.observation for r in observed], head)
        coefficients = tuple(round(float(c), 4) for c in fit.coefficients)
        model = head_model_name(head)
        face_sd = {k: round(v, 2) for k, v in face_measures_sd(head, fit.coefficients).items()}
        fit_stats = {"fit_photos": len(observed),
                     "fit_rms_px": round(_median([p.rms_px for p in fit.poses]), 2),
                     "fit_turns_deg": [round(float(np.degrees(p.turn_rad)), 1) for p in fit.poses]}
    else:
        odd = [r.name for r in usable if r.landmarks == "fallback"]
        warnings.append(Diagnostic.of(
            "W405", "no photo with eye and mouth landmarks where a face has them: face shape "
                    "not fitted",
            help="add a sharp front-facing photo; until then the character's seed decides the face",
            notes=(f"the built-in finder's eyes and mouth do not sit as a face's in "
                   f"{', '.join(odd)}",) if odd else ()))
    hashes = [r.sha256 for r in usable]
    out = Path(output).resolve()
    rel_dir = Path(os.path.relpath(folder.resolve(), out.parent)).as_posix()
    methods = sorted({r.landmarks for r in usable if r.landmarks})
    stats: dict[str, object] = {
        "photos_used": len(usable), "photos_total": len(results),
        **fit_stats, "landmarks": "+".join(methods) or "none",
        "mediapipe": mediapipe_available() if use_mediapipe is None else bool(use_mediapipe),
        "tone_spread": round(float(np.std([r.skin.tone for r in usable])), 3),
        "undertone_index": round(u_index, 4),
        "lit_srgb": [round(_median([r.skin.lit_srgb[i] for r in usable]), 4) for i in range(3)],
    }
    spotted = [r.freckles.coverage for r in usable if r.freckles is not None]
    freckles = None
    if spotted:
        stats["freckle_photos"] = len(spotted)
        stats["freckle_coverage"] = round(_median(spotted), 5)
        freckles = round(freckles_from_statistic(_median(spotted),
                                                 load_calibration()["freckles"]["table"]), 3)
    else:
        warnings.append(Diagnostic.of(
            "W406", "no photo shows the face large enough for freckles: freckles not measured",
            help="add a close photo: about 1 mm per pixel or finer (an eye distance of 63 px or "
                 "more)"))
    skin = IdentitySkin(
        tone_scale="monk", tone=round(tone, 2), albedo_srgb=monk_albedo(round(tone, 2)),
        undertone=classify_undertone(u_index),
        redness=round(_median([r.skin.redness for r in usable]), 3), freckles=freckles)
    identity = Identity(
        version=FORMAT_VERSION, seed=derive_seed(hashes) if seed is None else int(seed),
        photos_dir=rel_dir, photos=tuple((r.name, r.sha256) for r in usable), skin=skin,
        face={}, stats=stats, coefficients=coefficients, head_model=model,
        rejected=tuple((r.name, "; ".join(r.reasons)) for r in results if r.reasons))
    return IdentityBuild(identity, results, warnings, face_sd=face_sd)
