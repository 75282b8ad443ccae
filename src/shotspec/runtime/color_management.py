"""OpenColorIO on frames: colour-space conversions, display/view transforms, CDL grades and
``.cube`` LUTs, each an OCIO CPU processor run on numpy.

Every transform is described by a hashable key (config, kind, names, values) and its processor
is built once per key (``_processor``, an LRU cache): a frame pays only for the pixels.
Tensors ``(B, 3, H, W)`` go to a float32 ``(H, W, 3)`` numpy array on the CPU, through
``applyRGB`` and back to their own device and dtype once per call — CUDA and MPS frames are
copied to the host and back, so every device gets the same bits. OCIO's CPU path is
deterministic (no threads race on a pixel).

Where each transform applies (docs/color.md):

* ``convert`` — between two colour spaces of the config (plates into the working space);
* ``cdl`` — an ASC CDL (slope, offset, power, saturation, or a ``.cdl``/``.cc``/``.ccc`` file)
  in a grading space of the config (``color_timing``: ACEScct), from and back to the working
  space, before the view;
* ``display_view`` — working space → [look] → the view's tone mapping → display code values;
* ``file_lut`` — a ``.cube`` LUT on display code values, after the view.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import torch

from shotspec.color_config import (ACES1_CONFIG, DEFAULT_CONFIG, ColorConfigError, load_config,
                                   ocio_module)

__all__ = ["convert", "display_view", "cdl", "file_lut", "display_cdl",
           "aces_sdr_video", "ColorConfigError", "processor_key_count", "apply_key"]

Key = tuple


def _transform(ocio, key: Key):
    """The OCIO transform a key describes (the key's first item says which kind)."""
    kind = key[0]
    if kind == "convert":
        _, src, dst = key
        return ocio.ColorSpaceTransform(src=src, dst=dst)
    if kind == "display_view":
        _, src, display, view, look = key
        t = ocio.DisplayViewTransform(src=src, display=display, view=view)
        if not look:
            return t
        return ocio.GroupTransform([ocio.LookTransform(src=src, dst=src, looks=look), t])
    if kind == "cdl":
        _, working, space, slope, offset, power, sat, path, cccid, _stamp = key
        if path:
            grade = ocio.FileTransform(src=path, cccId=cccid or "",
                                       interpolation=ocio.INTERP_LINEAR)
            grade.setCDLStyle(ocio.CDL_NO_CLAMP)
        else:
            grade = ocio.CDLTransform(slope=list(slope), offset=list(offset),
                                      power=list(power), sat=sat)
            grade.setStyle(ocio.CDL_NO_CLAMP)
        return ocio.GroupTransform([ocio.ColorSpaceTransform(src=working, dst=space), grade,
                                    ocio.ColorSpaceTransform(src=space, dst=working)])
    if kind == "file_lut":
        _, path, _stamp = key
        return ocio.FileTransform(src=path, interpolation=ocio.INTERP_LINEAR)
    if kind == "display_cdl":
        # an ASC CDL on display code values, clamped to 0..1 (the ASC style)
        _, slope, offset, power, sat = key
        grade = ocio.CDLTransform(slope=list(slope), offset=list(offset), power=list(power),
                                  sat=sat)
        grade.setStyle(ocio.CDL_ASC)
        return grade
    raise ValueError(f"unknown colour transform {kind!r}")


@lru_cache(maxsize=64)
def _processor(config: str, key: Key):
    """The CPU processor of ``key`` in ``config``, built once (lossless optimisation: the same
    values as the unoptimised chain to float precision)."""
    ocio = ocio_module()
    if any(isinstance(item, tuple) and item[:1] == ("file",) for item in key):
        ocio.ClearAllCaches()      # OCIO caches files by path; this one is new or changed
    try:
        proc = load_config(config).getProcessor(_transform(ocio, key))
    except ocio.Exception as exc:
        raise ColorConfigError(f"OpenColorIO cannot build the {key[0].replace('_', ' ')} "
                               f"transform in `{config}`: {exc}") from exc
    return proc.getOptimizedCPUProcessor(ocio.BIT_DEPTH_F32, ocio.BIT_DEPTH_F32,
                                         ocio.OPTIMIZATION_LOSSLESS)


def _file_stamp(path: str | None) -> tuple:
    """("file", size, mtime) of ``path``: a changed file gets a new processor."""
    if not path:
        return ()
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ColorConfigError(f"cannot read `{path}`: {exc.strerror}") from exc
    return ("file", st.st_size, st.st_mtime_ns)


def processor_key_count() -> int:
    """How many processors are cached (tests: one per distinct transform)."""
    return _processor.cache_info().currsize


def apply_key(rgb: torch.Tensor, config: str, key: Key) -> torch.Tensor:
    """Run the processor of ``key`` on ``rgb`` ``(B, 3, H, W)``; same shape, device, dtype."""
    if rgb.ndim != 4 or rgb.shape[1] != 3:
        raise ValueError(f"expected a (B, 3, H, W) tensor, got {tuple(rgb.shape)}")
    cpu = _processor(config, key)
    host = rgb.detach().to(device="cpu", dtype=torch.float32)
    out = np.empty((rgb.shape[0], rgb.shape[2], rgb.shape[3], 3), dtype=np.float32)
    for b in range(rgb.shape[0]):
        out[b] = host[b].permute(1, 2, 0).numpy()      # a copy: the input is never written
        cpu.applyRGB(out[b])                             # (H, W, 3) C-contiguous, in place
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous().to(device=rgb.device,
                                                                     dtype=rgb.dtype)


def convert(rgb: torch.Tensor, config: str, src: str, dst: str) -> torch.Tensor:
    """Colour space ``src`` → ``dst`` of ``config`` (names, aliases or roles)."""
    if src == dst:
        return rgb
    return apply_key(rgb, config, ("convert", src, dst))


def display_view(rgb: torch.Tensor, config: str, working: str, display: str, view: str,
                 look: str | None = None) -> torch.Tensor:
    """Scene-linear ``rgb`` in ``working`` → display code values (0..1 for SDR displays):
    the optional ``look`` of the config in its own process space, then the view's tone mapping
    and the display's encoding."""
    return apply_key(rgb, config, ("display_view", working, display, view, look or ""))


def cdl(rgb: torch.Tensor, config: str, working: str, space: str,
        slope=(1.0, 1.0, 1.0), offset=(0.0, 0.0, 0.0), power=(1.0, 1.0, 1.0),
        saturation: float = 1.0, path: str | None = None, cccid: str | None = None
        ) -> torch.Tensor:
    """An ASC CDL applied in ``space`` (converted there from ``working`` and back): the given
    values, or the grade in a ``.cdl``/``.cc``/``.ccc`` file (``cccid`` picks one of several).
    No clamping (OCIO's ``noClamp`` style): values above 1 in the grading space survive."""
    key = ("cdl", working, space, tuple(map(float, slope)), tuple(map(float, offset)),
           tuple(map(float, power)), float(saturation), path or "", cccid or "",
           _file_stamp(path))
    return apply_key(rgb, config, key)


def file_lut(rgb: torch.Tensor, config: str, path: str) -> torch.Tensor:
    """A ``.cube`` LUT applied to ``rgb`` as it is (display code values after a view),
    trilinear, as OCIO reads it (1D, 3D, or a Resolve shaper + cube)."""
    return apply_key(rgb, config, ("file_lut", path, _file_stamp(path)))


def display_cdl(code: torch.Tensor, slope, offset, power, saturation: float) -> torch.Tensor:
    """An ASC CDL on display code values 0..1, clamped (the ``tonemap`` looks)."""
    key = ("display_cdl", tuple(map(float, slope)), tuple(map(float, offset)),
           tuple(map(float, power)), float(saturation))
    return apply_key(code, DEFAULT_CONFIG, key)


def aces_sdr_video(rgb: torch.Tensor, working: str = "Linear Rec.709 (sRGB)") -> torch.Tensor:
    """The ACES 1.0 SDR Video view (RRT + sRGB ODT) of the ACES 1.3 studio config: scene-linear
    ``working`` → sRGB display code values. 18 % grey → 0.356."""
    return display_view(rgb, ACES1_CONFIG, working, "sRGB - Display", "ACES 1.0 - SDR Video")
