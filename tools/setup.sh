#!/usr/bin/env bash
# Creates .venv and installs shotspec into it. `--dev` adds the test tools.
# torch is installed first, pinned, so pip never pulls a multi-GB CUDA build on a CPU machine;
# set SHOTSPEC_TORCH to choose another torch requirement (e.g. "torch" on a CUDA workstation).
# `--dev` also installs the VS Code extension's locked npm packages (npm ci in editors/vscode) when
# npm is on PATH, so tests/editors run the TextMate grammar in the real engine; set
# SHOTSPEC_SKIP_NPM=1 to leave them out (those tests then skip and say why).
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
if [ -n "$extra" ] && [ -z "${SHOTSPEC_SKIP_NPM:-}" ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup.sh: npm not found: tests/editors will skip the TextMate grammar checks" >&2
  fi
fi
