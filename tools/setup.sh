#!/usr/bin/env bash
# Creates .venv and installs shotspec into it. `--dev` adds the test tools.
# torch is installed first, pinned, so pip never pulls a multi-GB CUDA build on a CPU machine;
# set SHOTSPEC_TORCH to choose another torch requirement (e.g. "torch" on a CUDA workstation).
set -euo pipefail
cd "$(dirname "$0")/.."
extra=""
if [ "${1:-}" = "--dev" ]; then extra="[dev]"; fi
python3 -m venv .venv
. .venv/bin/activate
if ! python -c "import torch" 2>/dev/null; then
  pip install --disable-pip-version-check -q "${SHOTSPEC_TORCH:-torch==2.13.0}"
fi
pip install --disable-pip-version-check -q -e ".${extra}"
