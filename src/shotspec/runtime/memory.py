"""Memory estimate before a render: refuse what would not fit instead of crashing mid-way."""

from __future__ import annotations

import os

import torch

from shotspec.compiler.plan import Plan
from shotspec.runtime.ops import OP_COSTS, OpCost

__all__ = ["estimate_peak_bytes", "available_bytes", "image_edit_peak_bytes", "EDIT_PLANES"]

# `shot enhance` / `shot upscale` on a plain image: the peak resident memory per pixel of the
# result, in float32 planes, measured (peak RSS less the imports) on a 2000×2000 enhance (47)
# and 1000×1000 upscales ×2 (48) and ×4 (42, fidelity and detail alike).
EDIT_PLANES = 48


def _pixels(plan: Plan) -> dict[str, int]:
    """Pixels of each node's output, following the upscale factors down the chain."""
    pixels: dict[str, int] = {}
    for node in plan.nodes.values():
        if node.op == "mesh":
            pixels[node.id] = 0          # a few MB of triangles, not an image
        elif node.op == "geometry":
            pixels[node.id] = node.params.width * node.params.height
        elif node.op == "plate":
            pixels[node.id] = _plate_pixels(node.params.source.plate)
        elif node.inputs:
            pixels[node.id] = pixels[node.inputs[0]] * (node.params.factor ** 2 if node.op == "upscale" else 1)
        if node.op == "output":
            out = node.params.output
            pixels[node.id] = max(pixels.get(node.id, 0), out.width * out.height)
        elif node.op == "grain":         # resizes to the output size first
            pixels[node.id] = max(pixels[node.id], node.params.width * node.params.height)
    return pixels


def _plate_pixels(path: str | None) -> int:
    """Pixels of a plate from its header (no decoding); a 16-megapixel guess when the header
    cannot be read here (e.g. EXR without the optional extra) — the plate op reports the error."""
    from shotspec.compiler.file_checks import image_header

    header = image_header(path) if path else None
    return header.width * header.height if header is not None and header.ok else 4096 * 4096


def image_edit_peak_bytes(width: int, height: int, scale: int = 1) -> int:
    """The peak bytes `shot enhance` (scale 1) or `shot upscale` (scale ×) needs for an image
    of ``width × height`` px: ``EDIT_PLANES`` float32 planes of the result."""
    return int(width * scale * height * scale * EDIT_PLANES * 4)


def estimate_peak_bytes(plan: Plan) -> int:
    """A conservative estimate of the peak bytes one node needs while running."""
    pixels = _pixels(plan)
    peak = 0
    for node in plan.nodes.values():
        cost = OP_COSTS.get(node.op, OpCost())
        need = pixels.get(node.id, 0) * cost.channels * 4 * cost.workset
        peak = max(peak, int(need))
    return peak


def available_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 1 << 40
