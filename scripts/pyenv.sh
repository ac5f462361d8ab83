#!/usr/bin/env bash
# Creates (or reuses) the project's Python venv from python/requirements.txt and prints its python.
# Each requirements file gets its own venv under .cache/venvs/<sha256>; `.venv` is a symlink to the
# current one, swapped atomically, so a change of pins never breaks a process using the old venv.
#
#   scripts/pyenv.sh [overlay.txt]
# With an overlay (a test-only extra such as python/requirements-langgraph-server.txt) the venv holds
# the base pins, minus the packages the overlay repins, plus the overlay; `.venv` is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/python/requirements.txt"
overlay="${1:-}"
if [ -n "$overlay" ]; then
  overlay="$(cd "$(dirname "$overlay")" && pwd)/$(basename "$overlay")"
  merged="$(mktemp)"; trap 'rm -f "$merged"' EXIT
  repinned="$(sed -nE 's/^([A-Za-z0-9_.-]+)==.*/\1/p' "$overlay" | tr 'A-Z_.' 'a-z--')"
  while IFS= read -r line; do
    name="$(sed -nE 's/^([A-Za-z0-9_.-]+)==.*/\1/p' <<<"$line" | tr 'A-Z_.' 'a-z--')"
    if [ -z "$name" ] || ! grep -qxF "$name" <<<"$repinned"; then echo "$line"; fi
  done <"$req" >"$merged"
  cat "$overlay" >>"$merged"
  req="$merged"
  FLOWC_VENV="${FLOWC_VENV:-$root/.cache/venvs/$(sha256sum "$req" | cut -c1-16)}"
fi
want="$(sha256sum "$req" | cut -c1-16)"
venv="${FLOWC_VENV:-$root/.cache/venvs/$want}"
if [ ! -f "$venv/.complete" ]; then
  py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "flowc: Python >= 3.11 is needed for the generated code (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    # Debian splits venv out of the interpreter package.
    (apt-get update -qq && apt-get install -y -qq python3-venv) >&2
  fi
  rm -rf "$venv"
  "$py" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
if [ -n "${FLOWC_VENV:-}" ]; then
  echo "$venv/bin/python"
else
  ln -sfn "$venv" "$root/.venv.tmp" && mv -T "$root/.venv.tmp" "$root/.venv"
  echo "$root/.venv/bin/python"
fi
