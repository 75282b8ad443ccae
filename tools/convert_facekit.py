"""Convert a checkout of ICT-FaceKit into shotspec's packaged head model (run once, offline).

    python tools/convert_facekit.py /path/to/ICT-FaceKit [--commit SHA] [--out PATH]

Reads ``FaceXModel/generic_neutral_mesh.obj``, the identity modes ``identityNNN.obj`` and the
expression shapes, and writes ``src/shotspec/runtime/head/data/facekit.npz``:

* topology: triangles (the kit's quads split along their first diagonal), per-corner UV indices,
  UVs, and each triangle's part (face, head and neck, mouth socket, …) from the kit's documented
  polygon ranges;
* the neutral mesh in metres, moved so the midpoint of the two corneal apexes is the renderer's
  eye point ``(0, 0, EYE_PLANE_Z)``;
* the first ``--modes`` identity modes (each the kit's mean + 1 σ shape minus the neutral mesh) and
  every expression shape as float16 deltas in centimetres (the kit's unit: float16 keeps them to
  0.01 mm); expression deltas are stored sparse (only vertices that move more than 0.001 mm);
* the kit's landmark indices (Multi-PIE 68 points, jawlines);
* the face-shape controls: for each named measure (jaw width, nose length, …) its gradient in mm
  per unit identity coefficient, so the runtime can move a face along it and the compiler can
  convert millimetres to population standard deviations;
* provenance: the kit's commit and the sha256 of every source file read.

The archive is written with fixed timestamps and order, so re-running gives the same bytes. The
kit's MIT licence notice is copied beside it. Nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shotspec.head_facts import (EYE_PLANE_Z, FACE_MEASURES, LANDMARKS_68,  # noqa: E402
                                 PARTS, measure_mm)

OUT = ROOT / "src" / "shotspec" / "runtime" / "head" / "data" / "facekit.npz"
EXPR_EPS_CM = 1e-4          # 0.001 mm: an expression delta below this is not stored


def read_obj(path: Path, topology: bool) -> dict[str, np.ndarray]:
    """Vertices (V,3) float64 cm; with ``topology`` also UVs, triangles and per-triangle
    polygon index (quads split (a,b,c),(a,c,d))."""
    text = path.read_text()
    lines = text.split("\n")
    v = np.array(" ".join(l[2:] for l in lines if l.startswith("v ")).split(),
                 dtype=np.float64).reshape(-1, 3)
    out = {"v": v}
    if not topology:
        return out
    out["vt"] = np.array(" ".join(l[3:] for l in lines if l.startswith("vt ")).split(),
                         dtype=np.float64).reshape(-1, 2)
    tris, tri_uv, poly = [], [], []
    for p, line in enumerate(l for l in lines if l.startswith("f ")):
        corners = [c.split("/") for c in line[2:].split()]
        vi = [int(c[0]) - 1 for c in corners]
        ti = [int(c[1]) - 1 for c in corners]
        for k in range(1, len(vi) - 1):
            tris.append((vi[0], vi[k], vi[k + 1]))
            tri_uv.append((ti[0], ti[k], ti[k + 1]))
            poly.append(p)
    out["faces"] = np.array(tris, dtype=np.int32)
    out["face_uv"] = np.array(tri_uv, dtype=np.int32)
    out["poly"] = np.array(poly, dtype=np.int32)
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kit_commit(kit: Path, given: str | None) -> str:
    if given:
        return given
    try:
        return subprocess.run(["git", "-C", str(kit), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise SystemExit("error: the kit is not a git checkout; give its commit with --commit")


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz with fixed timestamps and sorted members (byte-identical on every run)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def convert(kit: Path, commit: str, modes: int, out: Path) -> dict[str, float]:
    model_dir = kit / "FaceXModel"
    names = json.loads((model_dir / "vertex_indices.json").read_text())["expressions"]
    names = list(names) + ["PupilDilate_L", "PupilDilate_R"]
    sources: dict[str, str] = {}

    neutral_path = model_dir / "generic_neutral_mesh.obj"
    base = read_obj(neutral_path, topology=True)
    sources[neutral_path.name] = sha256(neutral_path)
    neutral = base["v"]
    n_poly = int(base["poly"].max()) + 1
    face_part = np.zeros(len(base["poly"]), dtype=np.uint8)
    for i, (_name, (lo, hi), _) in enumerate(PARTS):
        face_part[(base["poly"] >= lo) & (base["poly"] <= hi)] = i
    if PARTS[-1][1][1] != n_poly - 1:
        raise SystemExit(f"error: the kit has {n_poly} polygons, the part table expects "
                         f"{PARTS[-1][1][1] + 1}")

    # the renderer's eye point: midpoint of the corneal apexes (frontmost eyeball vertices)
    apex = []
    for part in ("eyeball_left", "eyeball_right"):
        lo, hi = dict((p[0], p[2]) for p in PARTS)[part]
        eye = neutral[lo:hi + 1]
        apex.append(eye[eye[:, 2].argmax()])
    shift_cm = np.array([0.0, 0.0, EYE_PLANE_Z * 100.0]) - 0.5 * (apex[0] + apex[1])

    id_deltas = []
    for k in range(modes):
        path = model_dir / f"identity{k:03d}.obj"
        id_deltas.append(read_obj(path, topology=False)["v"] - neutral)
        sources[path.name] = sha256(path)
    id_cm = np.stack(id_deltas)

    expr_index, expr_delta, expr_offsets = [], [], [0]
    for name in names:
        path = model_dir / f"{name}.obj"
        d = read_obj(path, topology=False)["v"] - neutral
        sources[path.name] = sha256(path)
        moved = np.nonzero(np.abs(d).max(axis=1) > EXPR_EPS_CM)[0]
        expr_index.append(moved.astype(np.uint16))
        expr_delta.append(d[moved])
        expr_offsets.append(expr_offsets[-1] + len(moved))

    placed_m = (neutral + shift_cm) / 100.0
    grads, sd_mm = [], {}
    for mname in FACE_MEASURES:
        base_mm = measure_mm(mname, placed_m)
        g = np.array([measure_mm(mname, placed_m + id_cm[k] / 100.0) - base_mm
                      for k in range(modes)])
        grads.append(g)
        sd_mm[mname] = float(np.linalg.norm(g))

    id16 = id_cm.astype(np.float16)
    ex16 = np.concatenate(expr_delta).astype(np.float16)
    arrays = {
        "neutral_m": placed_m.astype(np.float32),
        "faces": base["faces"],
        "face_uv": base["face_uv"],
        "uv": base["vt"].astype(np.float32),
        "face_part": face_part,
        "part_names": np.array([p[0] for p in PARTS]),
        "id_basis_cm": id16,
        "expr_names": np.array(names),
        "expr_index": np.concatenate(expr_index),
        "expr_offsets": np.array(expr_offsets, dtype=np.int64),
        "expr_delta_cm": ex16,
        "landmarks68": np.array(LANDMARKS_68, dtype=np.int32),
        "control_names": np.array(list(FACE_MEASURES)),
        "control_grad_mm": np.array(grads, dtype=np.float32),
        "provenance": np.array(json.dumps({"kit": "ICT-FaceKit", "commit": commit,
                                           "sha256": sources}, sort_keys=True)),
    }
    write_npz(out, arrays)
    (out.parent / "LICENSE-ICT-FaceKit.txt").write_text((kit / "LICENSE").read_text())
    id_err = np.abs(id16.astype(np.float64) - id_cm).max() * 10.0
    ex_err = np.abs(ex16.astype(np.float64) - np.concatenate(expr_delta)).max() * 10.0
    return {"bytes": out.stat().st_size, "max_identity_error_mm": id_err,
            "max_expression_error_mm": ex_err, **{f"sd_mm.{k}": v for k, v in sd_mm.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kit", type=Path, help="a checkout of ICT-FaceKit")
    ap.add_argument("--commit", help="the kit's commit (read with git when omitted)")
    ap.add_argument("--modes", type=int, default=50, help="identity modes kept (≥ 40)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not (args.kit / "FaceXModel" / "generic_neutral_mesh.obj").is_file():
        raise SystemExit(f"error: {args.kit} is not an ICT-FaceKit checkout "
                         "(no FaceXModel/generic_neutral_mesh.obj)")
    if not 40 <= args.modes <= 100:
        raise SystemExit("error: --modes must be 40…100")
    report = convert(args.kit, kit_commit(args.kit, args.commit), args.modes, args.out)
    for key, value in report.items():
        print(f"{key:32s} {value:.4f}" if isinstance(value, float) else f"{key:32s} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
