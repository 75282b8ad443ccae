"""The OpenMP spin bound is set before torch loads, and never over the user's own choice."""

from __future__ import annotations

import os
import subprocess
import sys

from shotspec.runtime.threads import SPIN_COUNT, configure_openmp


def test_bounded_spin_is_set_on_a_clean_environment():
    env: dict[str, str] = {}
    assert configure_openmp(env, torch_loaded=False) == SPIN_COUNT
    assert env == {"GOMP_SPINCOUNT": SPIN_COUNT} and int(SPIN_COUNT) < 300_000


def test_the_users_choice_and_a_loaded_torch_are_left_alone():
    for user in ({"OMP_WAIT_POLICY": "ACTIVE"}, {"GOMP_SPINCOUNT": "5"}):
        env = dict(user)
        assert configure_openmp(env, torch_loaded=False) is None and env == user
    env = {}
    assert configure_openmp(env, torch_loaded=True) is None and env == {}


def _spin_seen_by_a_fresh_process(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(extra)
    code = "import os, shotspec.runtime.device; print(os.environ.get('GOMP_SPINCOUNT', '-'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_importing_the_runtime_sets_it_before_torch_loads():
    assert _spin_seen_by_a_fresh_process({}) == SPIN_COUNT
    assert _spin_seen_by_a_fresh_process({"OMP_WAIT_POLICY": "PASSIVE"}) == "-"
