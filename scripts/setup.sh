#!/usr/bin/env bash
# Creates .venv with the locked dependencies and installs the project into it; installs the
# declared system packages (sysdeps/packages.toml) when run as root with apt-get.
# FISCAL_SYSTEM_PACKAGES=skip leaves the system alone (the nightly job needs none of them).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -m sysdeps install
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
