#!/usr/bin/env bash
# Set everything up, then run the nightly job on the bundled sample:
# landing folder → extraction → DuckDB warehouse → checks → reports → printed summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/fiscal run --sample "$@"
