"""OpenMP waiting that suits a shared CPU, set before torch loads its OpenMP runtime.

torch's CPU kernels run on libgomp worker threads. After each parallel region a worker spins
``GOMP_SPINCOUNT`` times (300,000 when nothing is set) before it sleeps. On an idle machine the
spin saves a wake-up per region; when other processes hold the cores, the spinning worker burns
the time slice its sibling needs to finish the region, and a render slows several-fold. A
passive policy (never spin) fixes the shared case but pays a futex wake-up per region when idle.
A bounded spin keeps most of both: ``bench/shared_cores.py`` measures the settings idle and
under load, and docs/benchmarks.md records the numbers behind ``SPIN_COUNT``.

The setting only changes when threads wait, never what they compute: renders are byte-identical
under every policy. A user who sets ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` keeps their choice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

__all__ = ["configure_openmp", "SPIN_COUNT", "USER_SETTINGS"]

SPIN_COUNT = "10000"
USER_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def configure_openmp(environ: MutableMapping[str, str] | None = None,
                     torch_loaded: bool | None = None) -> str | None:
    """Bound the OpenMP spin (``GOMP_SPINCOUNT``) unless the user chose a wait policy or torch
    (and so libgomp, which reads it once) is already loaded. Returns the value set, or None."""
    env = os.environ if environ is None else environ
    loaded = "torch" in sys.modules if torch_loaded is None else torch_loaded
    if loaded or any(name in env for name in USER_SETTINGS):
        return None
    env["GOMP_SPINCOUNT"] = SPIN_COUNT
    return SPIN_COUNT
