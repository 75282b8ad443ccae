"""What the benchmarks share: the machine line they print, and wall and CPU timing of a call."""

from __future__ import annotations

import os
import platform
import resource
import time
from typing import Callable, TypeVar

__all__ = ["machine_line", "cpu_seconds", "timed"]

T = TypeVar("T")


def cpu_seconds() -> float:
    """User plus system CPU seconds this process has used (all its threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``'s result, its wall seconds and the CPU seconds the process spent in it."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - wall, cpu_seconds() - cpu


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu}, {os.cpu_count()} cores, {gpu}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), Python {platform.python_version()}")
