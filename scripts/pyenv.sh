#!/usr/bin/env bash
# Creates (or reuses) the project's Python venv from python/requirements.txt and prints its python.
# Each requirements file gets its own venv under .cache/venvs/<sha256>; `.venv` is a symlink to the
# current one, swapped atomically, so a change of pins never breaks a process using the old venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/python/requirements.txt"
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
