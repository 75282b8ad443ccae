"""OpenMP waiting that suits the machine as it is, set before torch loads its OpenMP runtime.

torch's CPU kernels run on libgomp worker threads. After each parallel region a worker spins
(300,000 times when nothing is set) before it sleeps. On an idle machine the spin saves a
wake-up per region; when other processes hold the cores, the spinning worker burns the time
slice its sibling needs to finish the region, and a render slows ten-fold (measured with
``bench/shared_cores.py``, docs/benchmarks.md: the default shot took 13 s idle but 129 s beside
two busy processes on two cores). A passive policy (sleep at once) fixed that — 26 s under the
same load — but costs about 5 % when the machine is idle; a bounded spin (``GOMP_SPINCOUNT``
10,000) did worse than either.

libgomp reads the policy once, when torch loads, so shotspec decides then: when the machine is
already busy (the one-minute load average, or the processes running at that instant, at least
half the cores) the workers wait passively; otherwise libgomp keeps its spin. A load that starts
after a render has begun is not seen by that render (``shot watch`` decides once, at start). The setting only changes when threads wait, never
what they compute: renders are byte-identical either way. A user who sets ``OMP_WAIT_POLICY``
or ``GOMP_SPINCOUNT`` keeps their choice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

__all__ = ["configure_openmp", "BUSY_LOAD_PER_CORE", "USER_SETTINGS"]

# The one-minute load average per core from which a machine counts as busy.
BUSY_LOAD_PER_CORE = 0.5
USER_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def _load_per_core() -> float:
    """How busy the cores are now: the larger of the one-minute load average and the processes
    running this instant besides this one (``/proc/loadavg``; a load that just started has
    not reached the average yet), per core."""
    cores = os.cpu_count() or 1
    try:
        average = os.getloadavg()[0]
    except (AttributeError, OSError):       # no load average on this platform
        average = 0.0
    running = 0
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            running = int(fh.read().split()[3].split("/")[0]) - 1
    except (OSError, ValueError, IndexError):
        pass
    return max(average, running) / cores


def configure_openmp(environ: MutableMapping[str, str] | None = None, *,
                     torch_loaded: bool | None = None,
                     load_per_core: float | None = None) -> str | None:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` when the machine is busy, unless the user chose a wait
    policy or torch (and so libgomp) is already loaded. Returns the policy set, or None."""
    env = os.environ if environ is None else environ
    loaded = "torch" in sys.modules if torch_loaded is None else torch_loaded
    if loaded or any(name in env for name in USER_SETTINGS):
        return None
    load = _load_per_core() if load_per_core is None else load_per_core
    if load < BUSY_LOAD_PER_CORE:
        return None
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return "PASSIVE"
