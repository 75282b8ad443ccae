"""Identity from landmarks: the head's identity coefficients fitted to 2-D landmarks of photos.

One or more photos of one person, each given as landmark positions in pixels with a confidence
per point (``LandmarkObservation``), are explained jointly by one identity (the coefficients
``c`` (K,) of the model's identity modes, shared) and, per photo, a rigid head pose (rotation
``R``, translation ``t``), a pinhole camera's focal length ``f`` (fixed when known, else
fitted under a log-normal prior) and the mouth's expression (``FIT_EXPRESSIONS``: a smile is
not the person's shape). The solve is regularised least squares (maximum a posteriori):

    Σ_photos Σ_points w_i ‖π_f(R·X_i(c) + t) − x_i‖² / σ²  +  λ ‖c‖²  +  Σ_photos priors,

``X_i(c) = neutral_i + Σ_k c_k B_k,i`` (plus the photo's expression deltas) the model's
landmark vertices (m), π the projection of ``PinholeCamera`` (camera looks down −z, x right,
y up; the principal point at the image's centre), σ the landmark noise in px, λ =
``prior_weight`` (1: the coefficients are N(0, 1)), and priors on each photo's rotation (σ =
``ROTATION_SD_RAD``), ``log f`` and expression weights (σ = ``EXPRESSION_SD``). It runs
Levenberg–Marquardt in float64 on the CPU with forward-mode Jacobians (``torch.func.jacfwd``),
after a pose-only solve from five start turns per photo: deterministic, a few hundred ms.

The points are ``shotspec.runtime.head.landmarks``' 70 (the 68 Multi-PIE landmarks as a
detector marks them, then the pupils). Contour points slide along the outline when the head
turns, so each is pulled onto the nearest segment of its side's projected extended jawline
(17 vertices a side, the segment chosen again before every step) rather than onto one vertex,
with ``CONTOUR_WEIGHT``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from shotspec.runtime.head.landmarks import (CONTOUR_POINTS, LEFT_JAWLINE, N_POINTS,
                                             RIGHT_JAWLINE, LandmarkObservation,
                                             detector_vertices, expression_deltas_at,
                                             face_rms_mm, landmarks_in_view, project_px)
from shotspec.runtime.head.model import HeadData, load_head

__all__ = ["PhotoPose", "FitResult", "fit_identity", "focal_prior_px", "CONTOUR_WEIGHT",
           "ROTATION_SD_RAD", "FOCAL_PRIOR", "FOCAL_LOG_SD", "FIT_EXPRESSIONS", "EXPRESSION_SD",
           # re-exported from shotspec.runtime.head.landmarks, the fit's inputs
           "LandmarkObservation", "N_POINTS", "CONTOUR_POINTS", "detector_vertices",
           "project_px", "landmarks_in_view", "face_rms_mm"]

CONTOUR_WEIGHT = 0.5           # contour points count half (the outline is less sharp than a corner)
ROTATION_SD_RAD = 0.6          # weak prior on each photo's head rotation (axis-angle components)
FOCAL_PRIOR = 1.4              # unknown focal length: about f = 1.4 × the long side (a 50 mm
FOCAL_LOG_SD = 0.5             # full-frame equivalent), within a factor e^0.5 ≈ 1.65 (1 SD)
_START_TURNS_RAD = (0.0, -0.35, 0.35, -0.7, 0.7)
# expressions fitted per photo (a smile or an open jaw is not the person's shape), N(0, SD²)
FIT_EXPRESSIONS = ("jawOpen", "mouthSmile_L", "mouthSmile_R")
EXPRESSION_SD = 0.35
_DOF = 7 + len(FIT_EXPRESSIONS)   # per photo: ω (3), t (3), log f, expression weights


def focal_prior_px(image_size: tuple[int, int]) -> float:
    """The focal length (px) assumed for a photo of ``image_size`` (width, height)."""
    return FOCAL_PRIOR * float(max(image_size))


@dataclass(frozen=True)
class PhotoPose:
    """A photo's fitted camera: object → camera ``rotation`` (3, 3) and ``translation_m`` (3,)
    (camera looks down −z), ``focal_px``, the reprojection ``rms_px`` of its weighted points
    (a contour point's distance to the projected jaw line)."""

    rotation: np.ndarray
    translation_m: np.ndarray
    focal_px: float
    rms_px: float
    expression: dict[str, float] = field(default_factory=dict)

    @property
    def turn_rad(self) -> float:
        """The head's turn seen from the camera, + = the face towards the subject's left."""
        return float(math.atan2(self.rotation[0, 2], self.rotation[2, 2]))


@dataclass(frozen=True)
class FitResult:
    """``coefficients`` (K,) float64 of every model mode (zeros past the fitted ones),
    ``poses`` one per observation, the final ``cost`` and LM ``iterations``."""

    coefficients: np.ndarray
    poses: tuple[PhotoPose, ...]
    cost: float
    iterations: int
    n_modes: int = field(default=0)


def _rodrigues(omega: torch.Tensor) -> torch.Tensor:
    """(P, 3, 3) rotations of the axis-angle vectors ``omega`` (P, 3) (differentiable at 0)."""
    th2 = (omega * omega).sum(-1)[:, None, None]
    th = torch.sqrt(th2 + 1e-30)
    small = th2 < 1e-8
    a = torch.where(small, 1.0 - th2 / 6.0, torch.sin(th) / th)
    b = torch.where(small, 0.5 - th2 / 24.0, (1.0 - torch.cos(th)) / (th2 + 1e-30))
    x, y, z = omega.unbind(-1)
    zero = torch.zeros_like(x)
    k = torch.stack((zero, -z, y, z, zero, -x, -y, x, zero), dim=-1).reshape(-1, 3, 3)
    eye = torch.eye(3, dtype=omega.dtype).expand_as(k)
    return eye + a * k + b * (k @ k)


_EXT = len(RIGHT_JAWLINE)
# (16, L) model-point rows of the extended jawline on each contour point's side
_LINE_ROWS = torch.tensor([[N_POINTS + (0 if j < 8 else _EXT) + n for n in range(_EXT)]
                           for j in CONTOUR_POINTS])
_FIXED_POINTS = torch.tensor([j for j in range(N_POINTS) if j not in CONTOUR_POINTS])
_N_DATA = 2 * N_POINTS          # a photo's landmark residuals (x and y of every point)


class _Problem:
    """The residual vector of the MAP objective over a flat parameter vector
    ``[c (K), per photo (ω (3), t (3), log f)]`` (``log f`` frozen where the focal is known),
    every photo evaluated at once."""

    def __init__(self, head: HeadData, observations: Sequence[LandmarkObservation], k: int,
                 prior_weight: float, fit_expressions: bool = True):
        idx = torch.tensor(list(detector_vertices()) + list(RIGHT_JAWLINE) + list(LEFT_JAWLINE))
        self.base = head.neutral[idx].double()                       # (M, 3)
        self.basis = head.id_basis[:k][:, idx].double()               # (K, M, 3)
        self.k, self.sqrt_prior = k, math.sqrt(prior_weight)
        self.expr = expression_deltas_at(head, idx, FIT_EXPRESSIONS)  # (E, M, 3)
        self.fit_expressions = bool(fit_expressions)
        pts, weights, sizes, focal, sigma, rot_sd, expr = [], [], [], [], [], [], []
        for o in observations:
            p, w = o.padded()
            pts.append(p)
            weights.append(w)
            sizes.append([float(v) for v in o.image_size])
            focal.append(math.nan if o.focal_px is None else float(o.focal_px))
            sigma.append(o.scale_px())
            rot_sd.append(ROTATION_SD_RAD if o.rotation_sd_rad is None else float(o.rotation_sd_rad))
            expr.append(bool(fit_expressions and o.expressions))
        self.n_photos = len(observations)
        self.expressive = torch.tensor(expr, dtype=torch.bool)       # (P,) expressions free
        self.rotation_sd = torch.tensor(rot_sd, dtype=torch.float64)[:, None]   # (P, 1)
        self.pts = torch.tensor(np.array(pts))                        # (P, 70, 2)
        w = torch.tensor(np.array(weights)) / torch.tensor(sigma, dtype=torch.float64)[:, None] ** 2
        self.w_fixed = w[:, _FIXED_POINTS].sqrt()[..., None]           # (P, 54, 1)
        cont = list(CONTOUR_POINTS)
        self.w_cont = (w[:, cont] * CONTOUR_WEIGHT).sqrt()[..., None]  # (P, 16, 1)
        self.size = torch.tensor(sizes, dtype=torch.float64)          # (P, 2) width, height
        self.known_focal = torch.tensor(focal, dtype=torch.float64)   # (P,) NaN: unknown
        self.unknown = torch.isnan(self.known_focal)
        self.log_f0 = torch.log(FOCAL_PRIOR * self.size.max(1).values)
        self.segments = torch.zeros((self.n_photos, len(cont)), dtype=torch.int64)
        self.n_params = k + _DOF * self.n_photos

    def initial(self) -> torch.Tensor:
        """θ with c = 0 and every log f at the known focal length or the prior's."""
        theta = torch.zeros(self.n_params, dtype=torch.float64)
        pose = theta[self.k:].view(self.n_photos, _DOF)
        pose[:, 6] = torch.where(self.unknown, self.log_f0, torch.log(self.known_focal))
        return theta

    def pose_mask(self, with_identity: bool = False) -> torch.Tensor:
        """(n_params,) bool: the free parameters (every photo's pose, log f only where
        unknown; the identity too if asked)."""
        free = torch.zeros(self.n_params, dtype=torch.bool)
        free[: self.k] = with_identity
        pose = free[self.k:].view(self.n_photos, _DOF)
        pose[:, :6] = True
        pose[:, 6] = self.unknown
        pose[:, 7:] = self.expressive[:, None]
        return free

    def projected(self, theta: torch.Tensor) -> torch.Tensor:
        """Pixels (P, M, 2) of every model point in every photo."""
        pose = theta[self.k:].view(self.n_photos, _DOF)
        x = self.base + torch.einsum("k,kmc->mc", theta[: self.k], self.basis)
        x = x + torch.einsum("pe,emc->pmc", pose[:, 7:], self.expr)
        cam = torch.einsum("pij,pmj->pmi", _rodrigues(pose[:, :3]), x) + pose[:, None, 3:6]
        z = (-cam[..., 2]).clamp_min(1e-4)
        f = torch.exp(pose[:, 6])[:, None]
        return torch.stack((self.size[:, None, 0] / 2 + f * cam[..., 0] / z,
                            self.size[:, None, 1] / 2 - f * cam[..., 1] / z), dim=-1)

    def choose_segments(self, theta: torch.Tensor) -> None:
        """For each contour observation, the nearest segment of its side's projected extended
        jawline (held fixed while an LM step is taken, like an ICP correspondence)."""
        with torch.no_grad():
            lines = self.projected(theta)[:, _LINE_ROWS]               # (P, 16, L, 2)
            a, ab = lines[:, :, :-1], lines[:, :, 1:] - lines[:, :, :-1]
            p = self.pts[:, list(CONTOUR_POINTS)][:, :, None]
            s = (((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)).clamp(0, 1)
            self.segments = torch.argmin(((a + s[..., None] * ab - p) ** 2).sum(-1), dim=-1)

    def offsets_px(self, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Model minus observed, px: at the fixed points (P, 54, 2) and from each contour
        point to its jawline segment (P, 16, 2)."""
        uv = self.projected(theta)
        fixed = uv[:, _FIXED_POINTS] - self.pts[:, _FIXED_POINTS]
        rows = _LINE_ROWS[None].expand(self.n_photos, -1, -1).gather(2, self.segments[..., None])[..., 0]
        a = uv.gather(1, rows[..., None].expand(-1, -1, 2))
        b = uv.gather(1, (rows + 1)[..., None].expand(-1, -1, 2))
        p = self.pts[:, list(CONTOUR_POINTS)]
        ab = b - a
        u = (((p - a) * ab).sum(-1) / (ab * ab).sum(-1).clamp_min(1e-12)).clamp(0, 1)
        return fixed, a + u[..., None] * ab - p

    def photo_residuals(self, theta: torch.Tensor) -> torch.Tensor:
        """(P, R) each photo's whitened residuals: its landmarks (the first ``_N_DATA``), then
        its rotation and focal-length priors."""
        fixed, contour = self.offsets_px(theta)
        pose = theta[self.k:].view(self.n_photos, _DOF)
        focal = torch.where(self.unknown, (pose[:, 6] - self.log_f0) / FOCAL_LOG_SD, 0.0)
        return torch.cat(((fixed * self.w_fixed).flatten(1), (contour * self.w_cont).flatten(1),
                          pose[:, :3] / self.rotation_sd, focal[:, None],
                          pose[:, 7:] / EXPRESSION_SD), dim=1)

    def residuals(self, theta: torch.Tensor) -> torch.Tensor:
        """The whitened residual vector (the identity prior, then every photo's)."""
        return torch.cat((self.sqrt_prior * theta[: self.k], self.photo_residuals(theta).reshape(-1)))


def _joint_jacobian(problem: _Problem, theta: torch.Tensor) -> torch.Tensor:
    """(N, K + D·P) Jacobian of ``problem.residuals`` (D = ``_DOF`` parameters per photo): one
    forward-mode pass with K + D tangents (the identity's, and each per-photo parameter of
    every photo at once, since a photo's residuals depend on its own only), spread into each
    photo's columns."""
    k, n = problem.k, problem.n_photos

    def r_of(x: torch.Tensor) -> torch.Tensor:
        pose = theta[k:].view(n, _DOF) + x[k:]
        return problem.residuals(torch.cat((theta[:k] + x[:k], pose.reshape(-1))))

    small = torch.func.jacfwd(r_of)(torch.zeros(k + _DOF, dtype=torch.float64))  # (N, K + D)
    rows = small.shape[0] - k
    per_photo = small[k:, k:].view(n, rows // n, _DOF)                         # (P, R, D)
    pose_cols = torch.block_diag(*per_photo.unbind(0))                          # (P·R, D·P)
    pose_cols = torch.cat((torch.zeros(k, _DOF * n, dtype=torch.float64), pose_cols))
    return torch.cat((small[:, :k], pose_cols), dim=1)


def _levenberg_marquardt(problem: _Problem, theta: torch.Tensor,
                         iterations: int) -> tuple[torch.Tensor, float, int]:
    """Minimise ‖r‖² over the identity and every photo's pose (log f only where unknown);
    returns (θ, cost, iterations)."""
    cols = torch.nonzero(problem.pose_mask(with_identity=True)).flatten()
    mu, done = 1e-3, 0
    for done in range(1, iterations + 1):
        problem.choose_segments(theta)
        r = problem.residuals(theta)
        cost = float(r @ r)
        jac = _joint_jacobian(problem, theta)[:, cols]
        g, h = jac.T @ r, jac.T @ jac
        damp = torch.diag(torch.diagonal(h).clamp_min(1e-9))
        new_cost = cost
        while mu < 1e12:
            step = torch.linalg.solve(h + mu * damp, -g)
            trial = theta.index_add(0, cols, step)
            r_new = problem.residuals(trial)
            new_cost = float(r_new @ r_new)
            if new_cost < cost:
                theta = trial
                mu = max(mu * 0.3, 1e-9)
                break
            mu *= 10.0
        if new_cost >= cost or cost - new_cost < 1e-9 * max(cost, 1e-12):
            break
    problem.choose_segments(theta)
    r = problem.residuals(theta)
    return theta, float(r @ r), done


def _start_poses(head: HeadData, observations: Sequence[LandmarkObservation],
                 problem: _Problem) -> torch.Tensor:
    """θ of ``problem`` with every photo's pose fitted to the mean face (c = 0): each photo is
    started at every one of ``_START_TURNS_RAD`` (the face placed by its landmarks' spread and
    centroid), all starts of all photos solved at once as independent photos, and each photo
    keeps its best start."""
    n, turns = problem.n_photos, _START_TURNS_RAD
    starts = _Problem(head, [o for _ in turns for o in observations], problem.k, 1.0,
                      problem.fit_expressions)
    theta = starts.initial()
    pose = theta[starts.k:].view(starts.n_photos, _DOF)
    order = torch.cat((_FIXED_POINTS, torch.tensor(CONTOUR_POINTS)))
    for s, turn in enumerate(turns):
        omega = torch.tensor([0.0, turn, 0.0], dtype=torch.float64)
        model = starts.base[:N_POINTS] @ _rodrigues(omega[None])[0].T
        for i in range(n):
            row = s * n + i
            seen = torch.cat((starts.w_fixed[row, :, 0] > 0, starts.w_cont[row, :, 0] > 0))
            pts, mod = starts.pts[row, order][seen], model[order][seen]
            f = float(torch.exp(pose[row, 6]))
            spread_img = float((pts - pts.mean(0)).norm(dim=1).mean())
            spread_mod = float((mod[:, :2] - mod[:, :2].mean(0)).norm(dim=1).mean())
            depth = f * spread_mod / max(spread_img, 1e-6)
            cu, cv = pts.mean(0).tolist()
            w, h = starts.size[row].tolist()
            target = torch.tensor([(cu - w / 2) * depth / f, -(cv - h / 2) * depth / f, -depth],
                                  dtype=torch.float64)
            pose[row, :3] = omega
            pose[row, 3:6] = target - mod.mean(0)
    theta = _pose_levenberg_marquardt(starts, theta, 10)
    best = _photo_costs(starts, theta).view(len(turns), n).argmin(0)          # (P,)
    fitted = theta[starts.k:].view(len(turns), n, _DOF)
    out = problem.initial()
    out[problem.k:].view(n, _DOF)[:] = fitted[best, torch.arange(n)]
    return out


def _photo_costs(problem: _Problem, theta: torch.Tensor) -> torch.Tensor:
    """(P,) each photo's data cost (its landmarks' whitened squared residuals)."""
    with torch.no_grad():
        problem.choose_segments(theta)
        return (problem.photo_residuals(theta)[:, :_N_DATA] ** 2).sum(1)


def _pose_levenberg_marquardt(problem: _Problem, theta: torch.Tensor,
                              iterations: int) -> torch.Tensor:
    """Every photo's pose (identity held) by LM, photo by photo but all at once: a photo's
    residuals depend on its own ``_DOF`` parameters only, so one forward-mode pass with the
    same tangents for every photo gives each photo's Jacobian (P, R, D), and each photo takes
    its own damped step, kept where its cost falls."""
    n = problem.n_photos
    free = problem.pose_mask()[problem.k:].view(n, _DOF)
    mu = torch.full((n,), 1e-3, dtype=torch.float64)
    eye = torch.eye(_DOF, dtype=torch.float64)

    def with_pose(delta: torch.Tensor) -> torch.Tensor:
        return torch.cat((theta[: problem.k], (theta[problem.k:].view(n, _DOF) + delta).reshape(-1)))

    def r_of(d: torch.Tensor) -> torch.Tensor:
        return problem.photo_residuals(with_pose(d * free))

    for _ in range(iterations):
        problem.choose_segments(theta)
        r = problem.photo_residuals(theta)
        cost = (r ** 2).sum(1)
        jac = torch.func.jacfwd(r_of)(torch.zeros(_DOF, dtype=torch.float64))   # (P, R, D)
        h = jac.transpose(1, 2) @ jac
        g = (jac.transpose(1, 2) @ r[..., None])[..., 0]
        diag = torch.diagonal(h, dim1=1, dim2=2).clamp_min(1e-9)
        a = h + mu[:, None, None] * torch.diag_embed(diag) + eye * (~free)[:, None, :]
        step = torch.linalg.solve(a, -g[..., None])[..., 0] * free
        trial = with_pose(step)
        new_cost = (problem.photo_residuals(trial) ** 2).sum(1)
        better = new_cost < cost
        pose = theta[problem.k:].view(n, _DOF)
        pose = torch.where(better[:, None], pose + step, pose)
        theta = torch.cat((theta[: problem.k], pose.reshape(-1)))
        mu = torch.where(better, (mu * 0.3).clamp_min(1e-9), mu * 10.0)
        # a photo is done when its step no longer helps, or when no damping makes one help
        settled = better & (cost - new_cost < 1e-6 * cost.clamp_min(1e-12))
        if bool((settled | (~better & (mu > 1e6))).all()):
            break
    problem.choose_segments(theta)
    return theta


def fit_identity(observations: Sequence[LandmarkObservation], head: HeadData | None = None, *,
                 n_modes: int | None = None, prior_weight: float = 1.0,
                 fit_expressions: bool = True, iterations: int = 50) -> FitResult:
    """The identity (and each photo's pose and focal length) that best explains
    ``observations`` under the prior (see the module doc). ``n_modes``: fit the first this many
    identity modes (default all), the rest stay 0. ``fit_expressions``: each photo may also
    smile or open the jaw (``FIT_EXPRESSIONS``, prior SD ``EXPRESSION_SD``), so an expression
    is not taken for the person's shape; the weights come back in ``PhotoPose.expression``.
    Raises ``ValueError`` without observations or with a photo of fewer than 4 weighted
    points."""
    head = head if head is not None else load_head()
    if not observations:
        raise ValueError("fit_identity needs at least one photo's landmarks")
    for n, o in enumerate(observations):
        if int((o.padded()[1] > 0).sum()) < 4:
            raise ValueError(f"photo {n} has fewer than 4 landmarks with a confidence above 0")
    k = head.n_modes if n_modes is None else max(1, min(int(n_modes), head.n_modes))
    problem = _Problem(head, observations, k, prior_weight, fit_expressions)
    theta = _start_poses(head, observations, problem)
    theta, cost, its = _levenberg_marquardt(problem, theta, iterations)
    with torch.no_grad():
        fixed, contour = problem.offsets_px(theta)
        d2 = torch.cat(((fixed ** 2).sum(-1), (contour ** 2).sum(-1)), dim=1)     # (P, 70)
        seen = torch.cat((problem.w_fixed[..., 0], problem.w_cont[..., 0]), dim=1) > 0
        pose = theta[k:].view(problem.n_photos, _DOF)
        rot = _rodrigues(pose[:, :3])
    poses = []
    for i in range(problem.n_photos):
        rms = float(d2[i][seen[i]].mean().sqrt()) if bool(seen[i].any()) else 0.0
        poses.append(PhotoPose(rot[i].numpy().copy(), pose[i, 3:6].numpy().copy(),
                               float(torch.exp(pose[i, 6])), rms,
                               dict(zip(FIT_EXPRESSIONS, pose[i, 7:].tolist()))))
    full = np.zeros(head.n_modes)
    full[:k] = theta[:k].numpy()
    return FitResult(full, tuple(poses), cost, its, k)


