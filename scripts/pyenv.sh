#!/usr/bin/env bash
# Creates (or reuses) the project's Python venv from python/requirements.txt and prints its python.
# Reused as long as the requirements file is unchanged (its sha256 is stamped inside the venv).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${FLOWC_VENV:-$root/.venv}"
req="$root/python/requirements.txt"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" != "$want" ]; then
  py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "flowc: Python >= 3.11 is needed for the generated code (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  if ! "$py" -m venv --help >/dev/null 2>&1; then
    # Debian splits venv out of the interpreter package.
    (apt-get update -qq && apt-get install -y -qq python3-venv) >&2
  fi
  rm -rf "$venv"
  "$py" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2
  echo "$want" > "$venv/.requirements-sha256"
fi
echo "$venv/bin/python"
