"""Memory estimate before a render: refuse what would not fit instead of crashing mid-way."""

from __future__ import annotations

import os

import torch

from shotspec.compiler.plan import Plan
from shotspec.runtime.ops import OP_COSTS, OpCost

__all__ = ["estimate_peak_bytes", "available_bytes"]


def _pixels(plan: Plan) -> dict[str, int]:
    """Pixels of each node's output, following the upscale factors down the chain."""
    pixels: dict[str, int] = {}
    for node in plan.nodes.values():
        if node.op == "geometry":
            pixels[node.id] = node.params.width * node.params.height
        elif node.op == "plate":
            pixels[node.id] = _plate_pixels(node.params.source.plate)
        elif node.inputs:
            pixels[node.id] = pixels[node.inputs[0]] * (node.params.factor ** 2 if node.op == "upscale" else 1)
        if node.op == "output":
            out = node.params.output
            pixels[node.id] = max(pixels.get(node.id, 0), out.width * out.height)
    return pixels


def _plate_pixels(path: str | None) -> int:
    """Pixels of a plate from its header (no decoding); a 16-megapixel guess when the header
    cannot be read here (e.g. EXR without the optional extra) — the plate op reports the error."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            width, height = im.size
        return width * height
    except (OSError, UnidentifiedImageError, TypeError, ValueError):
        return 4096 * 4096


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
