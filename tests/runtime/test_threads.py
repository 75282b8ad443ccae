"""The OpenMP wait policy follows how busy the machine is when torch loads, and never
overrides the user's own choice."""

from __future__ import annotations

import os
import subprocess
import sys

from shotspec.runtime.threads import BUSY_LOAD_PER_CORE, configure_openmp


def test_a_busy_machine_gets_passive_waiting_an_idle_one_keeps_the_spin():
    env: dict[str, str] = {}
    assert configure_openmp(env, torch_loaded=False, load_per_core=BUSY_LOAD_PER_CORE) == "PASSIVE"
    assert env == {"OMP_WAIT_POLICY": "PASSIVE"}
    env = {}
    assert configure_openmp(env, torch_loaded=False, load_per_core=0.1) is None and env == {}


def test_the_users_choice_and_a_loaded_torch_are_left_alone():
    for user in ({"OMP_WAIT_POLICY": "ACTIVE"}, {"GOMP_SPINCOUNT": "5"}):
        env = dict(user)
        assert configure_openmp(env, torch_loaded=False, load_per_core=2.0) is None and env == user
    env = {}
    assert configure_openmp(env, torch_loaded=True, load_per_core=2.0) is None and env == {}


def _policy_seen_by_a_fresh_process(load: float) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    code = (f"import os, sys\nos.getloadavg = lambda: ({load}, {load}, {load})\n"
            "import shotspec.runtime.device\n"
            "print(os.environ.get('OMP_WAIT_POLICY', '-'), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def test_the_runtime_decides_before_torch_loads():
    """Importing any runtime module (here the device module, which imports torch) has set the
    policy first. (The idle direction depends on what else runs this instant, so it is tested
    on the pure function above.)"""
    cores = os.cpu_count() or 1
    assert _policy_seen_by_a_fresh_process(4.0 * cores) == ["PASSIVE", "True"]
