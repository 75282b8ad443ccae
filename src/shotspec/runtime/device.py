"""Device selection: ``auto`` picks CUDA, then Apple's MPS, then the CPU."""

from __future__ import annotations

import torch

from shotspec.diagnostics import Diagnostic, ShotspecError

__all__ = ["select_device", "DeviceError", "DEVICE_CHOICES"]

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(ShotspecError):
    """``--device`` names a device this machine lacks: an E604 (command line) diagnostic."""

    def __init__(self, message: str, hint: str):
        super().__init__(Diagnostic.of("E604", message, help=hint))


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def select_device(name: str = "auto") -> torch.device:
    name = (name or "auto").lower()
    if name not in DEVICE_CHOICES and not name.startswith("cuda:"):
        raise DeviceError(f"unknown device `{name}`", f"choose one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested but no CUDA device is available",
                          "use `--device cpu` or `--device auto`")
    if name == "mps" and not _mps_available():
        raise DeviceError("MPS was requested but this machine has no Metal device",
                          "use `--device cpu` or `--device auto`")
    return torch.device(name)
