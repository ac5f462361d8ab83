#!/usr/bin/env bash
# Creates (or reuses) a venv holding Arize Phoenix for the end-to-end trace test and prints its
# `phoenix` executable. Phoenix is big (~1 GB with its deps), so it lives in its own cached venv,
# keyed by the pinned version, apart from the generated code's venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${PHOENIX_VERSION:-20.26.1}"
venv="${PHOENIX_VENV:-$root/.cache/phoenix-venv/$version}"
if [ ! -f "$venv/.complete" ]; then
  py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; assert (3, 10) <= sys.version_info < (3, 14)' 2>/dev/null; then
    echo "flowc: Phoenix $version needs Python 3.10–3.13 (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$py" -m venv "$venv" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "arize-phoenix==$version" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/phoenix"
