#!/usr/bin/env bash
# Run a command with every font the project did not declare hidden, so that a font
# installed by hand on this machine cannot make a test pass here and fail on a fresh one.
#
#   bash scripts/hermetic.sh .venv/bin/python -m pytest -q
#
# In a private mount namespace (unshare -m) the font folders are replaced by tmpfs holding
# only the files of the packages declared in sysdeps/packages.toml (and the base packages
# every machine of this kind has); fontconfig's caches are rebuilt from them. Needs root
# and unshare; without them the command runs as it is (and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ "$(id -u)" != "0" ] || ! command -v unshare >/dev/null 2>&1 \
   || ! unshare -m --propagation private true 2>/dev/null; then
  echo "hermetic.sh: no root or no mount namespaces here; running without hiding undeclared fonts" >&2
  exec "$@"
fi
kept=$(mktemp)
"$PY" -m sysdeps kept-font-files > "$kept"
export FISCAL_HERMETIC_KEPT="$kept"
exec unshare -m --propagation private bash -c '
  set -euo pipefail
  stash=$(mktemp -d)
  while IFS= read -r f; do mkdir -p "$stash$(dirname "$f")"; cp -p "$f" "$stash$f"; done < "$FISCAL_HERMETIC_KEPT"
  for d in /usr/share/fonts /usr/local/share/fonts /var/cache/fontconfig "$HOME/.fonts" \
           "$HOME/.local/share/fonts" "$HOME/.cache/fontconfig"; do
    if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tmpfs "$d"; fi
  done
  if [ -d "$stash/usr" ]; then cp -a "$stash/usr/." /usr/; fi
  rm -rf "$stash" "$FISCAL_HERMETIC_KEPT"
  if command -v fc-cache >/dev/null 2>&1; then fc-cache -f >/dev/null 2>&1 || true; fi
  echo "hermetic.sh: fonts visible: $(fc-list 2>/dev/null | wc -l) (declared packages only)" >&2
  exec "$@"
' hermetic "$@"
