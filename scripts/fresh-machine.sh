#!/usr/bin/env bash
# Run a command as a fresh machine of this kind would: every declared system package
# (sysdeps/packages.toml) absent — its font files and programs hidden in a private mount
# namespace — and no system installs (FISCAL_SYSTEM_PACKAGES=skip). Tests that need a
# package must skip naming it; everything else must pass.
#
#   bash scripts/fresh-machine.sh .venv/bin/python -m pytest -q
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != "0" ] || ! unshare -m --propagation private true 2>/dev/null; then
  echo "fresh-machine.sh: needs root and mount namespaces" >&2; exit 2
fi
hide=$(mktemp)
python3 - > "$hide" <<'PY'
import shutil, subprocess, sysdeps
for name, pkg in sysdeps.declared().items():
    files = subprocess.run(["dpkg-query", "-L", name], capture_output=True, text=True).stdout.splitlines()
    for f in files:
        if any(f.endswith("/" + font) for font in pkg.fonts):
            print(f)
    for b in pkg.binaries:
        p = shutil.which(b)
        if p and name != "util-linux":  # unshare itself must stay
            print(p)
PY
export FISCAL_FRESH_HIDE="$hide" FISCAL_SYSTEM_PACKAGES=skip
exec unshare -m --propagation private bash -c '
  set -euo pipefail
  while IFS= read -r f; do [ -e "$f" ] && mount --bind /dev/null "$f"; done < "$FISCAL_FRESH_HIDE"
  rm -f "$FISCAL_FRESH_HIDE"
  echo "fresh-machine.sh: declared system packages hidden" >&2
  exec "$@"
' fresh "$@"
